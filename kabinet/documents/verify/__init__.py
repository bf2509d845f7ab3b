"""Certificate signatures (SECURITY.md 26): one entry point, `signature_verify`, that routes a
detached CMS (.p7s), an attached one, or a signed PDF to the verifier of its algorithm and
returns a Verdict saying separately: intact, signer, certificate valid at signing, trusted,
revocation checked. An algorithm nobody here can verify is a Verdict too, never an exception."""

from .result import Verdict
from .service import signature_verify

__all__ = ["Verdict", "signature_verify"]
