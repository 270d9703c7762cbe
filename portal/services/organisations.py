"""ISP organisations (接入服务商): created, edited, suspended and resumed by the bureau's
admin, with their first (or a replacement) ISP admin.

A suspension takes effect at once: `portal.web.auth` (sessions) and
`portal.services.api_tokens` (bearer tokens) refuse a suspended organisation's staff and
tokens on every request; the staff's sessions are also ended here, so resuming does not
revive the cookies that were live when the organisation was suspended.
"""
import re

from flask_babel import lazy_gettext as _l
from peewee import IntegrityError

from portal.audit import record_event
from portal.db import transaction
from portal.errors import NotFound, Refused, ValidationError
from portal.models import Account, ApiToken, IspOrganisation
from portal.services import accounts
from portal.services.staff import isp_staff
from portal.states import is_bureau_admin
from portal.validators.contact import validate_email
from portal.validators.names import to_half_width

MAX_NAME, MAX_CONTACTS, MAX_REASON = 100, 10, 500
CONTACT_KEYS = ("name", "phone", "email", "role")
_PHONE_RE = re.compile(r"\+?[0-9][0-9()#\-转 ]{2,29}")
_LICENCE_RE = re.compile(r"[\u4e00-\u9fff]ICP证[0-9]{6}号"
                         r"|[\u4e00-\u9fff]?[AB][0-9](?:\.[AB][0-9])*-[0-9]{8}")


def _check_admin(actor) -> None:
    """Defence in depth: only a bureau admin (or the CLI, actor None) manages ISPs."""
    if actor is not None and not is_bureau_admin(actor):
        raise Refused(_l("只有管局管理员可以管理接入服务商"))


def clean_name(name) -> str:
    name = " ".join(str(name or "").split())
    if not name:
        raise ValidationError(_l("请填写接入服务商名称"), field="name")
    if len(name) > MAX_NAME:
        raise ValidationError(_l("名称不能超过 100 个字符"), field="name")
    return name


def clean_licence(value) -> str:
    """Optional; `B1-20150001`, `A2.B1.B2-20090001`, `晋B1-20150001` or `京ICP证030173号`."""
    text = re.sub(r"\s", "", to_half_width(str(value or ""))).replace("—", "-").upper()
    if text and not _LICENCE_RE.fullmatch(text):
        raise ValidationError(_l("经营许可证编号格式不正确，应形如“B1-20150001”"
                                 "或“A2.B1.B2-20090001”"), field="licence_number")
    return text


def clean_phone(value, field: str = "consultation_phone") -> str:
    """Optional; a landline, a mobile or a hotline (95xxx, 400-xxx-xxxx)."""
    text = " ".join(to_half_width(str(value or "")).split())
    if text and not _PHONE_RE.fullmatch(text):
        raise ValidationError(_l("电话号码格式不正确，如 0351-8788032、400-800-1234"),
                              field=field)
    return text


def clean_contacts(rows) -> list[dict]:
    """A list of {name, phone, email, role}; empty rows dropped, a named person required."""
    cleaned = []
    for row in rows or []:
        contact = {key: " ".join(str(row.get(key) or "").split()) for key in CONTACT_KEYS}
        if not any(contact.values()):
            continue
        if not contact["name"]:
            raise ValidationError(_l("每位联系人都需要填写姓名"), field="contacts")
        contact["phone"] = clean_phone(contact["phone"], field="contacts")
        if contact["email"]:
            try:
                contact["email"] = validate_email(contact["email"])
            except ValidationError as exc:
                raise ValidationError(exc.message, field="contacts") from None
        cleaned.append(contact)
    if len(cleaned) > MAX_CONTACTS:
        raise ValidationError(_l("联系人最多 10 位"), field="contacts")
    return cleaned


def contacts_of(isp: IspOrganisation) -> list[dict]:
    """The contacts as a list (older rows hold an empty dict)."""
    return list(isp.contacts) if isinstance(isp.contacts, list) else []


def _clean_fields(fields: dict) -> dict:
    cleaners = {"name": clean_name, "licence_number": clean_licence,
                "consultation_phone": clean_phone, "contacts": clean_contacts}
    unknown = set(fields) - set(cleaners)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    return {key: cleaners[key](value) for key, value in fields.items()}


def _check_name_free(name: str, isp_id=None) -> None:
    query = IspOrganisation.select().where(IspOrganisation.name == name)
    if isp_id is not None:
        query = query.where(IspOrganisation.id != isp_id)
    if query.exists():
        raise ValidationError(_l("该接入服务商已存在"), field="name")


def create_isp(name: str, admin_username: str, actor=None, **fields) -> tuple:
    """Create the organisation and its admin; returns (isp, admin's initial password)."""
    _check_admin(actor)
    values = _clean_fields({"name": name, **fields})
    try:
        with transaction():
            _check_name_free(values["name"])
            isp = IspOrganisation.create(**values)
            record_event("isp.create", isp, actor=actor, after=values)
            try:
                _, initial = create_first_admin(isp, admin_username, actor=actor)
            except ValidationError as exc:   # name the form's field, roll the organisation back
                raise ValidationError(exc.message, field="admin_username") from None
    except IntegrityError:   # another admin took the name or username a moment earlier
        _check_name_free(values["name"])
        raise ValidationError(_l("该用户名已被使用"), field="admin_username") from None
    return isp, initial


def create_first_admin(isp: IspOrganisation, username: str, actor=None, display_name: str = "",
                       mobile: str = "", email: str = "") -> tuple[Account, str]:
    """An ISP admin (the first, or a replacement) with a single-use initial password that
    must be changed at the first login; returns (account, initial password)."""
    _check_admin(actor)
    return accounts.create_account(username, None, tenant="isp", role="admin",
                                   organisation=isp.id, created_via="bureau", actor=actor,
                                   display_name=(display_name or "").strip(),
                                   mobile=(mobile or "").strip(), email=(email or "").strip())


def get_isp(isp_id) -> IspOrganisation:
    isp = IspOrganisation.get_or_none(IspOrganisation.id == isp_id)
    if isp is None:
        raise NotFound(_l("接入服务商不存在"))
    return isp


def update_isp(isp_id, actor, **fields) -> IspOrganisation:
    """Change the name (unique), licence number, consultation phone or contacts; the audit
    event keeps only what changed, before and after."""
    _check_admin(actor)
    values = _clean_fields(fields)
    try:
        _save_isp_fields(isp_id, actor, values)
    except IntegrityError:   # another admin took the name a moment earlier
        raise ValidationError(_l("该接入服务商已存在"), field="name") from None
    return get_isp(isp_id)


def _save_isp_fields(isp_id, actor, values: dict) -> None:
    with transaction():
        isp = get_isp(isp_id)
        if "name" in values:
            _check_name_free(values["name"], isp.id)
        current = {key: contacts_of(isp) if key == "contacts" else getattr(isp, key)
                   for key in values}
        changed = {key: value for key, value in values.items() if current[key] != value}
        if changed:
            IspOrganisation.update(**changed).where(IspOrganisation.id == isp.id).execute()
            record_event("isp.update", isp, actor=actor,
                         before={key: current[key] for key in changed}, after=changed)


def _clean_reason(reason) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("请填写原因"), field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationError(_l("原因不能超过 500 个字符"), field="reason")
    return reason


def suspend_isp(isp_id, actor, reason: str) -> IspOrganisation:
    """Suspend at once: its staff and API tokens stop working, every staff session ends."""
    _check_admin(actor)
    reason = _clean_reason(reason)
    with transaction():
        isp = get_isp(isp_id)
        if isp.is_suspended:
            raise Refused(_l("该接入服务商已处于暂停状态"))
        IspOrganisation.update(is_suspended=True).where(IspOrganisation.id == isp.id).execute()
        for member in list(isp_staff(isp.id)):
            accounts.end_sessions(member, actor=actor)
        record_event("isp.suspend", isp, actor=actor, before={"is_suspended": False},
                     after={"is_suspended": True}, reason=reason)
    return get_isp(isp_id)


def resume_isp(isp_id, actor, reason: str) -> IspOrganisation:
    """Lift a suspension: staff may log in again (new sessions) and tokens work again."""
    _check_admin(actor)
    reason = _clean_reason(reason)
    with transaction():
        isp = get_isp(isp_id)
        if not isp.is_suspended:
            raise Refused(_l("该接入服务商未被暂停"))
        IspOrganisation.update(is_suspended=False).where(IspOrganisation.id == isp.id).execute()
        record_event("isp.resume", isp, actor=actor, before={"is_suspended": True},
                     after={"is_suspended": False}, reason=reason)
    return get_isp(isp_id)


def token_counts(isp_id) -> dict:
    """How many API tokens the ISP has, live and in all (never their values)."""
    tokens = ApiToken.select().where(ApiToken.organisation == isp_id)
    return {"live": tokens.where(ApiToken.revoked_at.is_null()).count(), "total": tokens.count()}


def search_isps(text: str = ""):
    """Every organisation (suspended ones too) by part of its name or licence number."""
    query = IspOrganisation.select()
    text = (text or "").strip()
    if text:
        query = query.where(IspOrganisation.name.contains(text)
                            | IspOrganisation.licence_number.contains(text.upper()))
    return query.order_by(IspOrganisation.name)


def active_isps(name_part: str = "", limit: int = 200):
    """ISP organisations a filer may choose (not suspended), optionally by part of the name."""
    query = IspOrganisation.select().where(IspOrganisation.is_suspended == False)  # noqa: E712
    if name_part:
        query = query.where(IspOrganisation.name.contains(name_part.strip()))
    return query.order_by(IspOrganisation.name).limit(limit)
