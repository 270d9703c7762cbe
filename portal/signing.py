"""Signed JSON documents (certificates, record statements): sign, parse, verify."""
import base64
import json
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature

from portal import keys


def canonical(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def sign_document(fmt: str, payload: dict) -> str:
    """A JSON document carrying the payload and its Ed25519 signature."""
    key = keys.signing_key()
    signature = key.sign(canonical(payload))
    document = {"format": fmt, "alg": "Ed25519", "key_id": keys.key_id(keys.public_key_pem(key)),
                "payload": payload, "signature": base64.b64encode(signature).decode()}
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)


@dataclass
class SignatureCheck:
    valid: bool
    payload: dict = field(default_factory=dict)
    problem: str = ""


def verify_document(text: str | bytes, public_pem: str, fmt: str) -> SignatureCheck:
    """Check the shape, format and signature of a signed document."""
    try:
        document = json.loads(text)
        payload, signature = document["payload"], base64.b64decode(document["signature"],
                                                                    validate=True)
    except (ValueError, KeyError, TypeError):
        return SignatureCheck(False, problem="malformed")
    if not isinstance(payload, dict) or document.get("format") != fmt:
        return SignatureCheck(False, problem="wrong_format")
    try:
        keys.load_public_key(public_pem).verify(signature, canonical(payload))
    except (InvalidSignature, ValueError):
        return SignatureCheck(False, payload, problem="bad_signature")
    return SignatureCheck(True, payload)
