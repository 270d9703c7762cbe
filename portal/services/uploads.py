"""Uploaded files (pre-approval documents, cancellation materials): type checked on the
content, size limited, stored outside the static folder under random names."""
import os
import secrets

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationError

MAX_BYTES = 10 * 1024 * 1024
SIGNATURES = {b"%PDF-": ("application/pdf", ".pdf"), b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
              b"\xff\xd8\xff": ("image/jpeg", ".jpg")}
_state = {"folder": None}


def configure(folder: str) -> None:
    os.makedirs(folder, exist_ok=True)
    _state["folder"] = folder


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, kind in SIGNATURES.items():
        if data.startswith(magic):
            return kind
    return None


def store_upload(stream, original_name: str, field: str = "file") -> dict:
    """Check and keep a file; returns {"stored", "name", "type", "size"}."""
    data = stream.read(MAX_BYTES + 1)
    if not data:
        raise ValidationError(_l("请选择要上传的文件"), field=field)
    if len(data) > MAX_BYTES:
        raise ValidationError(_l("文件不能超过 10 MB"), field=field)
    kind = sniff(data)
    if kind is None:
        raise ValidationError(_l("只接受 PDF、PNG 或 JPEG 格式的文件（按文件内容判断）"), field=field)
    stored = secrets.token_hex(16) + kind[1]
    with open(os.path.join(_state["folder"], stored), "xb") as handle:
        handle.write(data)
    name = os.path.basename(original_name or "document")[:120]
    return {"stored": stored, "name": name, "type": kind[0], "size": len(data)}


def upload_path(stored: str) -> str:
    """The path of a stored file; refuses names that are not ours."""
    if not stored or os.path.basename(stored) != stored or stored.startswith("."):
        raise ValidationError(_l("文件不存在"))
    return os.path.join(_state["folder"], stored)


def application_documents(app) -> list[dict]:
    """Files an application carries (pre-approval documents, materials)."""
    found = [p["document"] for s in (app.proposed or {}).get("services", [])
             for p in s.get("pre_approvals", []) if isinstance(p.get("document"), dict)]
    found += [m for m in (app.materials or []) if isinstance(m, dict) and m.get("stored")]
    return found


def find_document(app, stored: str) -> dict:
    """One of the application's files by its stored name, or ValidationError."""
    for document in application_documents(app):
        if document.get("stored") == stored:
            return {**document, "path": upload_path(stored)}
    raise ValidationError(_l("文件不存在"))
