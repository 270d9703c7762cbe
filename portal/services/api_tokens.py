"""ISP API bearer tokens: created, named, scoped (read, write) and revoked by the ISP's
admin; only a hash is stored; a suspended ISP's tokens stop working at once."""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import NotFound, ValidationError
from portal.models import ApiToken

SCOPES = ("read", "write")
PREFIX = "icp_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(isp_id: int, actor, name: str, scopes: list[str]) -> tuple[ApiToken, str]:
    """A new token; the plain value is returned once and never stored."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise ValidationError(_l("请填写令牌名称（不超过 64 个字符）"), field="name")
    scopes = sorted(set(scopes or []))
    if not scopes or any(s not in SCOPES for s in scopes):
        raise ValidationError(_l("请选择权限：只读（read）和/或写入（write）"), field="scopes")
    plain = PREFIX + secrets.token_urlsafe(32)
    with transaction():
        token = ApiToken.create(organisation=isp_id, name=name, token_hash=_hash(plain),
                                prefix=plain[:10], scopes=scopes, created_by=actor)
        record_event("api_token.create", token, actor=actor, after={"name": name,
                                                                    "scopes": scopes})
    return token, plain


def revoke_token(isp_id: int, actor, token_id) -> ApiToken:
    with transaction():
        token = ApiToken.get_or_none(ApiToken.id == token_id, ApiToken.organisation == isp_id)
        if token is None:
            raise NotFound(_l("令牌不存在"))
        if token.revoked_at is None:
            ApiToken.update(revoked_at=utcnow()).where(ApiToken.id == token.id).execute()
            record_event("api_token.revoke", token, actor=actor)
    return token


def isp_tokens(isp_id: int):
    return ApiToken.select().where(ApiToken.organisation == isp_id).order_by(ApiToken.id.desc())


def authenticate_token(plain: str) -> ApiToken | None:
    """The live token for this value (not revoked, ISP not suspended), or None."""
    if not plain or not plain.startswith(PREFIX):
        return None
    token = ApiToken.get_or_none(ApiToken.token_hash == _hash(plain))
    if token is None or token.revoked_at is not None or token.organisation.is_suspended:
        return None
    _touch(token)
    return token


USE_RESOLUTION = timedelta(minutes=1)


def _touch(token: ApiToken) -> None:
    """Record the use at most once a minute: a busy integration would otherwise turn
    every read request into a write transaction on the shared database."""
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= USE_RESOLUTION:
        with transaction():
            ApiToken.update(last_used_at=now).where(ApiToken.id == token.id).execute()
