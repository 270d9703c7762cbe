"""Written applications (书面申请): the printable forms, the materials each subject
nature attaches, and what a logged-in filer's copy is pre-filled with.

The bureau records paper, fax and email applications itself; these forms only
make sure they arrive complete (seed: an incomplete or illegible form is void).
"""
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from portal.enumerations import is_organisation
from portal.errors import NotFound
from portal.models import ACTIVE, InstanceSettings, Service
from portal.scoping import filer_subject

ORGANISATION, INDIVIDUAL = "organisation", "individual"


@dataclass(frozen=True)
class WrittenForm:
    slug: str
    title: str
    purpose: str
    natures: tuple            # which subject natures use it: ORGANISATION and/or INDIVIDUAL
    is_cancellation: bool


@dataclass(frozen=True)
class MaterialGroup:
    """The papers one kind of applicant attaches, in the order the bureau files them."""
    applicant: str
    items: tuple


FORMS = {form.slug: form for form in (
    WrittenForm("password-recovery", _l("找回密码申请表"),
                _l("已修改过初始密码、又无法用手机和邮箱验证码重置密码的主办者，向管局申请重置备案系统登录密码。"),
                (ORGANISATION, INDIVIDUAL), False),
    WrittenForm("cancellation-organisation", _l("注销网站/APP备案申请表（单位）"),
                _l("单位主办者书面申请注销主体备案，或注销名下的部分网站/APP。"),
                (ORGANISATION,), True),
    WrittenForm("cancellation-individual", _l("注销网站/APP备案申请表（个人）"),
                _l("个人主办者书面申请注销主体备案，或注销名下的部分网站/APP。"),
                (INDIVIDUAL,), True),
)}

_FORM_ITEM = _l("本申请表一份，用A4纸打印，各栏填写完整")
_ORG_PAPERS = _l("单位证件复印件（企业为营业执照副本，其他单位为相应的登记证书或批准设立文件），加盖单位公章")

MATERIALS = {
    ORGANISATION: (
        MaterialGroup(_l("单位主办者，由法定代表人本人申请"), (
            _FORM_ITEM, _ORG_PAPERS,
            _l("法定代表人有效身份证件复印件，加盖单位公章"),
        )),
        MaterialGroup(_l("单位主办者，委托经办人申请"), (
            _FORM_ITEM, _ORG_PAPERS,
            _l("授权委托书原件：由法定代表人亲笔签字并加盖单位公章，写明委托事项"),
            _l("经办人（被委托人）有效身份证件复印件，加盖单位公章"),
        )),
    ),
    INDIVIDUAL: (
        MaterialGroup(_l("个人主办者"), (
            _l("本申请表一份，用A4纸打印，由本人填写并签字"),
            _l("本人有效身份证件复印件（居民身份证须复印正反两面）"),
        )),
    ),
}


@dataclass(frozen=True)
class ServiceLine:
    name: str
    filing_number: str
    kind: str


@dataclass(frozen=True)
class Prefill:
    """A filer's own details; every field blank for anyone else."""
    username: str = ""
    subject_name: str = ""
    nature: str = ""
    cert_type: str = ""
    cert_number: str = ""
    filing_number: str = ""
    services: tuple = field(default_factory=tuple)

    @property
    def is_organisation(self) -> bool | None:
        return is_organisation(self.nature) if self.nature else None


@dataclass(frozen=True)
class FormSheet:
    """Everything one printable form shows."""
    form: WrittenForm
    prefill: Prefill
    materials: tuple
    settings: InstanceSettings | None


def get_form(slug: str) -> WrittenForm:
    try:
        return FORMS[slug]
    except KeyError:
        raise NotFound(_l("申请表不存在")) from None


def materials_for(form: WrittenForm) -> tuple:
    """The material groups for the subject natures this form serves."""
    return tuple(group for nature in form.natures for group in MATERIALS[nature])


def prefill_for(account) -> Prefill:
    """A logged-in filer's username, subject and active services; blank otherwise."""
    if account is None or not account.is_authenticated or account.tenant != "public":
        return Prefill()
    subject = filer_subject(account)
    if subject is None:
        return Prefill(username=account.username)
    services = tuple(ServiceLine(s.name, s.filing_number, s.kind) for s in
                     subject.services.where(Service.status == ACTIVE).order_by(Service.id))
    return Prefill(account.username, subject.name, subject.nature, subject.cert_type,
                   subject.cert_number, subject.filing_number, services)


def prepare_sheet(slug: str, account) -> FormSheet:
    """The form named by `slug`, pre-filled for `account` where it is a filer."""
    form = get_form(slug)
    return FormSheet(form, prefill_for(account), materials_for(form),
                     InstanceSettings.get_or_none())


def recommended_form(account) -> str | None:
    """The cancellation form that fits a logged-in filer's subject nature."""
    prefill = prefill_for(account)
    if prefill.is_organisation is None:
        return None
    return "cancellation-organisation" if prefill.is_organisation else "cancellation-individual"
