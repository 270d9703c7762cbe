"""Certificates (bazs.cert) of the bench data set: signed with the instance's Ed25519
key exactly as portal/services/certificates.py signs them, in a helper process while
the main process builds the next batch (signing is a quarter of the work).

`canonical_text` and `render` produce byte for byte what portal.signing.canonical and
sign_document produce for a certificate payload (tests/portal/test_make_data.py checks).
"""
import base64
import multiprocessing

from data_tables import quoted

PAYLOAD_KEYS = ("bureau", "domains", "filing_number", "issued_at", "province", "serial",
                "subject_filing_number", "subject_name", "website_name")


def canonical_text(payload: dict) -> str:
    """json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)."""
    parts = []
    for name in sorted(payload):
        value = payload[name]
        text = ("[" + ",".join(map(quoted, value)) + "]") if isinstance(value, list) \
            else quoted(value)
        parts.append(f'"{name}":{text}')
    return "{" + ",".join(parts) + "}"


def render(payload: dict, signature: str, key_id: str) -> str:
    """The signed document as sign_document writes it (indent 2, sorted keys)."""
    lines = []
    for name in sorted(payload):
        value = payload[name]
        if isinstance(value, list):
            items = ",\n".join("      " + quoted(v) for v in value)
            text = f"[\n{items}\n    ]" if value else "[]"
        else:
            text = quoted(value)
        lines.append(f'    "{name}": {text}')
    body = ",\n".join(lines)
    return (f'{{\n  "alg": "Ed25519",\n  "format": "bazs.cert/1",\n  "key_id": "{key_id}",\n'
            f'  "payload": {{\n{body}\n  }},\n  "signature": "{signature}"\n}}')


class Signer:
    def __init__(self, key, key_id: str):
        self.key, self.key_id = key, key_id

    def document(self, payload: dict) -> str:
        signature = self.key.sign(canonical_text(payload).encode())
        return render(payload, base64.b64encode(signature).decode(), self.key_id)

    def rows(self, pending: list[tuple]) -> list[tuple]:
        """Certificate rows from (service_id, serial, payload, issued, voided, reason)."""
        return [(s, serial, self.document(p), issued, voided, reason)
                for s, serial, p, issued, voided, reason in pending]


_worker: dict = {}


def _start_worker(key_pem: bytes, key_id: str) -> None:
    from cryptography.hazmat.primitives import serialization
    _worker["signer"] = Signer(serialization.load_pem_private_key(key_pem, None), key_id)


def _sign(pending: list[tuple]) -> list[tuple]:
    return _worker["signer"].rows(pending)


class CertificateQueue:
    """Batches of certificates signed one batch behind the loader (or inline)."""

    def __init__(self, key_pem: bytes, key_id: str, background: bool = True):
        self.pool = multiprocessing.get_context("fork").Pool(
            1, _start_worker, (key_pem, key_id)) if background else None
        if not background:
            _start_worker(key_pem, key_id)
        self.waiting = []

    def put(self, pending: list[tuple]) -> None:
        self.waiting.append(self.pool.apply_async(_sign, (pending,)) if self.pool
                            else _sign(pending))

    def ready(self, keep: int = 1) -> list[tuple]:
        """Signed rows of every batch but the newest `keep` ones."""
        rows = []
        while len(self.waiting) > keep:
            done = self.waiting.pop(0)
            rows += done.get() if self.pool else done
        return rows

    def close(self) -> None:
        if self.pool:
            self.pool.close()
            self.pool.join()
