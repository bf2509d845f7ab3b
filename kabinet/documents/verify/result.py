"""What a verification found, point by point."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from cryptography import x509

VALID, INVALID, UNSUPPORTED = "valid", "invalid", "unsupported"

# identifiers in a certificate's subject, by OID: Ukrainian qualified certificates carry the
# RNOKPP as serialNumber "TINUA-…" and the EDRPOU as organizationIdentifier "NTRUA-…"; Russian
# ones carry INN, INNLE, OGRN and SNILS under their own OIDs
SUBJECT_IDS = {
    "1.2.643.3.131.1.1": "INN",
    "1.2.643.100.4": "INN",
    "1.2.643.100.1": "OGRN",
    "1.2.643.100.3": "SNILS",
}
PREFIXED = {"TINUA-": "RNOKPP", "NTRUA-": "EDRPOU", "INNUA-": "RNOKPP"}


@dataclass
class Verdict:
    result: str  # valid / invalid / unsupported
    algorithm: str = ""
    intact: bool | None = None
    signer_name: str = ""
    signer_ids: dict[str, str] = field(default_factory=dict)
    signing_time: dt.datetime | None = None
    certificate_valid: bool | None = None
    trusted: bool | None = None
    revocation_checked: bool = False
    detail: str = ""
    content: bytes | None = None  # the signed bytes, when they were inside the signature


def signer_from_certificate(der: bytes) -> tuple[str, dict[str, str], x509.Certificate]:
    """The signer's name and identifiers as the certificate's subject states them."""
    certificate = x509.load_der_x509_certificate(der)
    name, organisation, ids = "", "", {}
    for attribute in certificate.subject:
        oid, value = attribute.oid.dotted_string, str(attribute.value)
        if oid == "2.5.4.3":
            name = value
        elif oid == "2.5.4.10":
            organisation = value
        elif oid in ("2.5.4.5", "2.5.4.97"):
            for prefix, label in PREFIXED.items():
                if value.upper().startswith(prefix):
                    ids[label] = value[len(prefix) :]
        elif oid in SUBJECT_IDS:
            ids[SUBJECT_IDS[oid]] = value
    label = ", ".join(dict.fromkeys(part for part in (name, organisation) if part))
    return label or certificate.subject.rfc4514_string(), ids, certificate


def valid_at(certificate: x509.Certificate, moment: dt.datetime) -> bool:
    return certificate.not_valid_before_utc <= moment <= certificate.not_valid_after_utc
