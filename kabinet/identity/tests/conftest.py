from kabinet.notify.transports.fake import FakeSms


def last_code(phone: str) -> str:
    """The code in the last SMS to this phone, as the person would read it."""
    import re

    texts = [record.text for record in FakeSms.outbox if record.to == phone]
    assert texts, f"no SMS to {phone}"
    match = re.search(r"\b(\d{6})\b", texts[-1])
    assert match, texts[-1]
    return match.group(1)
