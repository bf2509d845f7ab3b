"""Certificate signatures (SECURITY.md 26), with fixtures the tests generate: valid, tampered,
wrong document, expired, untrusted; RSA and ECDSA through pyHanko, signed PDFs, GOST through
OpenSSL's GOST engine when installed, DSTU 4145 through the pluggable verifier."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kabinet.connections.tests.helpers import pdf_bytes

from ..verify import Verdict, signature_verify
from ..verify.gost import engine_available
from .pki import Party, cms_sign, make_ca, make_signer, pdf_sign

DOCUMENT = pdf_bytes("Договір про приєднання № 42")


@pytest.fixture
def ca() -> Party:
    return make_ca()


@pytest.fixture
def trusted(ca: Party, tmp_path: Path, settings) -> Party:
    settings.SIGNATURE_TRUST_ROOTS = [ca.pem(tmp_path, "ca.pem")]
    return ca


@pytest.mark.parametrize("kind", ["rsa", "ec"])
def test_a_valid_detached_signature(trusted: Party, kind: str) -> None:
    signer = make_signer(trusted, kind=kind)
    verdict = signature_verify(signature=cms_sign(signer, DOCUMENT), data=DOCUMENT)
    assert verdict.result == "valid", verdict.detail
    assert verdict.intact and verdict.trusted and verdict.certificate_valid
    assert verdict.signer_name == "Бондаренко Ірина Петрівна, ТОВ «Інгул-Агро»"
    assert verdict.signer_ids == {"RNOKPP": "3141592653", "EDRPOU": "31415926"}
    assert verdict.signing_time is not None
    assert verdict.revocation_checked is False  # no CRL/OCSP fetched here: said so
    assert ("ECDSA" if kind == "ec" else "RSA") in verdict.algorithm


def test_an_attached_signature_carries_its_document(trusted: Party) -> None:
    signer = make_signer(trusted)
    verdict = signature_verify(signature=cms_sign(signer, DOCUMENT, detached=False), data=None)
    assert verdict.result == "valid" and verdict.content == DOCUMENT


def test_a_tampered_signature_is_not_intact(trusted: Party) -> None:
    signature = bytearray(cms_sign(make_signer(trusted), DOCUMENT))
    signature[-10] ^= 0xFF  # a bit of the signature value flipped
    verdict = signature_verify(signature=bytes(signature), data=DOCUMENT)
    assert verdict.result == "invalid" and verdict.intact is False


def test_the_wrong_document_is_not_intact(trusted: Party) -> None:
    signature = cms_sign(make_signer(trusted), DOCUMENT)
    verdict = signature_verify(signature=signature, data=pdf_bytes("Інший договір"))
    assert verdict.result == "invalid" and verdict.intact is False


def test_an_expired_certificate(trusted: Party) -> None:
    signature = cms_sign(make_signer(trusted, expired=True), DOCUMENT)
    verdict = signature_verify(signature=signature, data=DOCUMENT)
    assert verdict.result == "invalid"
    assert verdict.intact is True and verdict.certificate_valid is False


def test_an_untrusted_ca(trusted: Party) -> None:
    stranger = make_ca("Somebody Else CA")
    verdict = signature_verify(signature=cms_sign(make_signer(stranger), DOCUMENT), data=DOCUMENT)
    assert verdict.result == "invalid"
    assert verdict.intact is True and verdict.trusted is False and verdict.certificate_valid


def test_a_signed_pdf(trusted: Party) -> None:
    signed = pdf_sign(make_signer(trusted, kind="ec"), trusted, DOCUMENT)
    verdict = signature_verify(signature=None, data=signed)
    assert verdict.result == "valid", verdict.detail
    assert verdict.signer_ids["EDRPOU"] == "31415926"
    tampered = bytearray(signed)
    spot = signed.index(b"stream") + 20  # inside the page's content, covered by the signature
    tampered[spot] ^= 0x01
    changed = signature_verify(signature=None, data=bytes(tampered))
    assert changed.result == "invalid" and not changed.intact


def test_an_unsigned_pdf_and_garbage_give_results_not_errors(trusted: Party) -> None:
    assert signature_verify(signature=None, data=DOCUMENT).result == "invalid"
    assert signature_verify(signature=b"\x30\x03\x02\x01\x01", data=DOCUMENT).result == "invalid"
    assert signature_verify(signature=b"not der at all", data=DOCUMENT).result == "invalid"


class FakeDstuVerifier:
    """The tests' stand-in for UAPKI/IIT: says what a real one would for a good signature."""

    def verify(self, *, signature: bytes, data: bytes) -> Verdict:
        return Verdict("valid", algorithm="DSTU 4145", intact=True, trusted=True)


def _with_key_oid(signature: bytes, oid: str) -> bytes:
    """The same CMS with the signer's key algorithm relabelled (a DSTU or GOST certificate)."""
    from asn1crypto import cms

    info = cms.ContentInfo.load(signature)
    certificate = info["content"]["certificates"][0].chosen
    certificate["tbs_certificate"]["subject_public_key_info"]["algorithm"]["algorithm"] = oid
    return bytes(cms.ContentInfo.load(info.dump(force=True)).dump())


def test_dstu_is_unsupported_without_a_verifier_and_routed_to_one(trusted, settings) -> None:
    signature = _with_key_oid(cms_sign(make_signer(trusted), DOCUMENT), "1.2.804.2.1.1.1.1.3.1.1")
    settings.SIGNATURE_DSTU_VERIFIER = ""
    verdict = signature_verify(signature=signature, data=DOCUMENT)
    assert verdict.result == "unsupported" and verdict.algorithm == "DSTU 4145"
    settings.SIGNATURE_DSTU_VERIFIER = f"{__name__}.FakeDstuVerifier"
    assert signature_verify(signature=signature, data=DOCUMENT).result == "valid"


def test_gost_without_the_engine_is_unsupported(trusted, monkeypatch) -> None:
    from ..verify import gost

    monkeypatch.setattr(gost, "engine_available", lambda: False)
    signature = _with_key_oid(cms_sign(make_signer(trusted), DOCUMENT), "1.2.643.7.1.1.1.1")
    verdict = signature_verify(signature=signature, data=DOCUMENT)
    assert verdict.result == "unsupported" and "GOST" in verdict.algorithm


@pytest.mark.skipif(
    not shutil.which("openssl") or not engine_available(),
    reason="OpenSSL's GOST engine is not installed (apt install libengine-gost-openssl)",
)
def test_gost_signatures_through_openssl(tmp_path: Path, settings) -> None:
    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=tmp_path)  # noqa: S607

    for name in ("ca", "signer"):
        openssl("genpkey", "-engine", "gost", "-algorithm", "gost2012_256",
                "-pkeyopt", "paramset:A", "-out", f"{name}.key")  # fmt: skip
    openssl("req", "-engine", "gost", "-new", "-x509", "-key", "ca.key", "-days", "30",
            "-subj", "/CN=Test GOST CA", "-out", "ca.pem")  # fmt: skip
    openssl("req", "-engine", "gost", "-new", "-key", "signer.key", "-utf8",
            "-subj", "/CN=Иванов Пётр/1.2.643.3.131.1.1=500100732259", "-out", "s.csr")  # fmt: skip
    openssl("x509", "-engine", "gost", "-req", "-in", "s.csr", "-CA", "ca.pem", "-CAkey",
            "ca.key", "-set_serial", "7", "-days", "30", "-out", "signer.pem")  # fmt: skip
    (tmp_path / "doc.pdf").write_bytes(DOCUMENT)
    openssl("cms", "-sign", "-engine", "gost", "-binary", "-in", "doc.pdf", "-signer",
            "signer.pem", "-inkey", "signer.key", "-outform", "DER", "-out", "doc.p7s")  # fmt: skip
    signature = (tmp_path / "doc.p7s").read_bytes()
    settings.SIGNATURE_TRUST_ROOTS = [str(tmp_path / "ca.pem")]
    verdict = signature_verify(signature=signature, data=DOCUMENT)
    assert verdict.result == "valid", verdict
    assert verdict.signer_ids == {"INN": "500100732259"}
    assert signature_verify(signature=signature, data=pdf_bytes("other")).intact is False
    settings.SIGNATURE_TRUST_ROOTS = []
    untrusted = signature_verify(signature=signature, data=DOCUMENT)
    assert untrusted.intact is True and untrusted.trusted is False
