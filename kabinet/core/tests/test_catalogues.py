"""The Ukrainian and Russian catalogues are complete and up to date with the code."""

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

LOCALE = Path(settings.BASE_DIR) / "locale"
IGNORE = [".venv", "data", "e2e", "bench", "build"]


def entries(path: Path) -> list[dict[str, str]]:
    """Entries of a .po file: msgid, the joined msgstr forms and the flags (no header)."""
    found = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or all(line.startswith("#~") for line in lines):
            continue
        flags = " ".join(line for line in lines if line.startswith("#,"))
        text = "\n".join(line for line in lines if not line.startswith("#"))
        msgid = _field(text, "msgid")
        strs = [_field(text, key) for key in re.findall(r"^(msgstr(?:\[\d\])?) ", text, re.M)]
        found.append(
            {"msgid": msgid, "msgstr": "\x00".join(strs), "flags": flags, "forms": str(len(strs))}
        )
    return [entry for entry in found if entry["msgid"]]


def _field(text: str, key: str) -> str:
    match = re.search(rf'^{re.escape(key)} "(.*)"\n?((?:^".*"\n?)*)', text, re.M)
    if not match:
        return ""
    rest = re.findall(r'^"(.*)"$', match.group(2), re.M)
    return match.group(1) + "".join(rest)


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert po.exists(), f"{po} is missing: run make makemessages and translate it"
    problems = [
        entry["msgid"]
        for entry in entries(po)
        if "fuzzy" in entry["flags"] or any(not form for form in entry["msgstr"].split("\x00"))
    ]
    assert not problems, f"{len(problems)} untranslated or fuzzy in {language}: {problems[:10]}"


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_plural_entries_have_three_forms(language):
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    header = po.read_text(encoding="utf-8").split("\n\n", 1)[0]
    assert "nplurals=3" in header
    plural = [e for e in entries(po) if e["forms"] != "1"]
    assert all(e["forms"] == "3" for e in plural)


def test_catalogues_hold_every_string_of_the_code(tmp_path, monkeypatch):
    """makemessages over today's code adds nothing to the committed catalogues.

    It runs on a copy of the code, so the real catalogues are never touched."""
    if not shutil.which("xgettext"):
        pytest.fail("GNU gettext is missing (make test installs it)")
    root = Path(settings.BASE_DIR)
    shutil.copytree(root / "kabinet", tmp_path / "kabinet", ignore=shutil.ignore_patterns("tests"))
    for language in ("uk", "ru"):
        (tmp_path / "locale" / language / "LC_MESSAGES").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    with override_settings(LOCALE_PATHS=[tmp_path / "locale"]):
        call_command(
            "makemessages",
            locale=["uk", "ru"],
            ignore_patterns=IGNORE,
            no_obsolete=True,
            verbosity=0,
        )
    for language in ("uk", "ru"):
        committed = {e["msgid"] for e in entries(LOCALE / language / "LC_MESSAGES" / "django.po")}
        current = {
            e["msgid"]
            for e in entries(tmp_path / "locale" / language / "LC_MESSAGES" / "django.po")
        }
        missing = sorted(current - committed)
        assert not missing, f"not in locale/{language}: {missing[:10]} (run make makemessages)"
