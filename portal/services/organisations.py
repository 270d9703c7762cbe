"""ISP organisations (接入服务商) and their first admin."""
from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.db import transaction
from portal.errors import ValidationError
from portal.models import IspOrganisation
from portal.services import accounts


def create_isp(name: str, admin_username: str, actor=None, **fields) -> tuple:
    """Create the organisation and its admin; returns (isp, admin's initial password)."""
    name = (name or "").strip()
    if not name:
        raise ValidationError(_l("请填写接入服务商名称"), field="name")
    with transaction():
        if IspOrganisation.select().where(IspOrganisation.name == name).exists():
            raise ValidationError(_l("该接入服务商已存在"), field="name")
        isp = IspOrganisation.create(name=name, **fields)
        record_event("isp.create", isp, actor=actor, after={"name": name})
        _, initial = accounts.create_account(admin_username, None, tenant="isp", role="admin",
                                             organisation=isp, created_via="bureau", actor=actor)
    return isp, initial


def active_isps(name_part: str = "", limit: int = 200):
    """ISP organisations a filer may choose (not suspended), optionally by part of the name."""
    query = IspOrganisation.select().where(IspOrganisation.is_suspended == False)  # noqa: E712
    if name_part:
        query = query.where(IspOrganisation.name.contains(name_part.strip()))
    return query.order_by(IspOrganisation.name).limit(limit)
