"""GOST R 34.10-2012 signatures through OpenSSL with Debian's GOST engine
(`apt install libengine-gost-openssl`). Without the engine the result is "cannot be checked
here"."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import tempfile
from pathlib import Path

from asn1crypto import cms
from django.conf import settings
from django.utils.translation import gettext as _

from .result import INVALID, UNSUPPORTED, VALID, Verdict, signer_from_certificate, valid_at

ENGINE = "gost"


def _openssl() -> str | None:
    return shutil.which("openssl")


def engine_available() -> bool:
    openssl = _openssl()
    if openssl is None:
        return False
    probe = subprocess.run(  # noqa: S603 - fixed program and arguments
        [openssl, "engine", "-t", ENGINE], capture_output=True, text=True, timeout=10, check=False
    )
    return probe.returncode == 0 and "available" in probe.stdout


def _signer_certificate(signature: bytes) -> bytes | None:
    signed = cms.ContentInfo.load(signature)["content"]
    for choice in signed["certificates"] or []:
        if choice.name == "certificate":
            return bytes(choice.chosen.dump())
    return None


def gost_verify(*, signature: bytes, data: bytes, moment: dt.datetime | None) -> Verdict:
    openssl = _openssl()
    if openssl is None or not engine_available():
        return Verdict(
            UNSUPPORTED,
            algorithm="GOST R 34.10-2012",
            detail=_("GOST signatures need OpenSSL's GOST engine (libengine-gost-openssl)."),
        )
    der = _signer_certificate(signature)
    name, ids, certificate = signer_from_certificate(der) if der else ("", {}, None)
    roots = list(getattr(settings, "SIGNATURE_TRUST_ROOTS", ()) or ())
    with tempfile.TemporaryDirectory(prefix="kabinet-gost-") as folder:
        base = Path(folder)
        (base / "sig.p7s").write_bytes(signature)
        (base / "data.bin").write_bytes(data)
        (base / "roots.pem").write_bytes(b"".join(Path(r).read_bytes() for r in roots))
        command = [
            openssl, "cms", "-verify", "-engine", ENGINE, "-binary", "-inform", "DER",
            "-in", str(base / "sig.p7s"), "-content", str(base / "data.bin"),
            "-purpose", "any", "-out", str(base / "out.bin"),
        ]  # fmt: skip
        if moment is not None:
            command += ["-attime", str(int(moment.timestamp()))]

        def run(*extra: str) -> bool:
            done = subprocess.run(  # noqa: S603 - fixed program, our own temporary files
                [*command, *extra], capture_output=True, timeout=30, check=False
            )
            return done.returncode == 0

        trusted = bool(roots) and run("-CAfile", str(base / "roots.pem"))
        intact = trusted or run("-noverify")
    certificate_valid = (
        valid_at(certificate, moment or dt.datetime.now(dt.UTC)) if certificate else None
    )
    return Verdict(
        VALID if intact and trusted and certificate_valid else INVALID,
        algorithm="GOST R 34.10-2012",
        intact=intact,
        signer_name=name,
        signer_ids=ids,
        signing_time=moment,
        certificate_valid=certificate_valid,
        trusted=trusted,
        revocation_checked=False,
    )
