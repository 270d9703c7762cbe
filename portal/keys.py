"""The bureau's Ed25519 signing key: created at `init`, loaded from the instance folder
(or SIGNING_KEY_PATH on shared storage), its public half published."""
import hashlib
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

_state = {"path": None, "key": None}


def configure(path: str) -> None:
    _state["path"], _state["key"] = path, None


def create_signing_key(path: str | None = None) -> bool:
    """Write a new key unless one exists. Returns True when a key was created."""
    target = Path(path or _state["path"])
    if target.exists():
        return False
    target.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    _state["key"] = None
    return True


def signing_key() -> Ed25519PrivateKey:
    if _state["key"] is None:
        data = Path(_state["path"]).read_bytes()
        _state["key"] = serialization.load_pem_private_key(data, password=None)
    return _state["key"]


def public_key_pem(key: Ed25519PrivateKey | None = None) -> str:
    public = (key or signing_key()).public_key()
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem: str) -> Ed25519PublicKey:
    return serialization.load_pem_public_key(pem.encode())


def key_id(pem: str) -> str:
    """Short fingerprint of a public key, written into each signed document."""
    return hashlib.sha256(pem.strip().encode()).hexdigest()[:16]
