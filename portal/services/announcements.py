"""The announcements board (公告栏): the bureau's notices, its own contact details and
each active ISP's consultation number. Anyone may read it; only bureau deciders write."""
from flask_babel import lazy_gettext as _l

from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.errors import Forbidden, NotFound, ValidationError
from portal.models import Announcement, InstanceSettings, IspOrganisation
from portal.states import is_bureau_admin

TITLE_MAX = 200
BODY_MAX = 20000


def published_announcements():
    """Published announcements, newest first (the public board)."""
    return (Announcement.select()
            .where(Announcement.published == True)
            .order_by(Announcement.published_at.desc(), Announcement.id.desc()))


def bureau_announcements():
    """Every announcement, drafts included, newest first (the bureau's list)."""
    return Announcement.select().order_by(Announcement.created_at.desc(), Announcement.id.desc())


def get_announcement(announcement_id) -> Announcement:
    """One announcement for the bureau's edit page (NotFound when there is none)."""
    return _load(announcement_id)


def isp_contacts():
    """Access providers that are not suspended, with their consultation numbers, by name."""
    return (IspOrganisation
            .select(IspOrganisation.id, IspOrganisation.name, IspOrganisation.consultation_phone)
            .where(IspOrganisation.is_suspended == False)
            .order_by(IspOrganisation.name))


def bureau_contacts() -> InstanceSettings | None:
    """The bureau's name, address, office hours, phones, fax and mailboxes."""
    return InstanceSettings.get_or_none()


def create_announcement(actor, title: str, body: str, publish: bool = False) -> Announcement:
    """Write a new announcement, unpublished unless `publish` is given."""
    _require_bureau(actor)
    title, body = _clean(title, body)
    with transaction():
        announcement = Announcement.create(title=title, body=body, published=publish,
                                           published_at=utcnow() if publish else None)
        record_event("announcement.create", announcement, actor=actor,
                     after={"title": title, "published": publish})
    return announcement


def update_announcement(announcement_id, actor, title: str, body: str) -> Announcement:
    """Change the title and body; a published announcement stays published."""
    _require_bureau(actor)
    title, body = _clean(title, body)
    with transaction():
        announcement = _load(announcement_id)
        before = {"title": announcement.title, "body": announcement.body}
        announcement.title, announcement.body = title, body
        announcement.save()
        record_event("announcement.update", announcement, actor=actor, before=before,
                     after={"title": title, "body": body})
    return announcement


def publish_announcement(announcement_id, actor) -> Announcement:
    """Show the announcement on the public board, dated now."""
    return _set_published(announcement_id, actor, True)


def unpublish_announcement(announcement_id, actor) -> Announcement:
    """Take the announcement off the public board (it is kept)."""
    return _set_published(announcement_id, actor, False)


def _set_published(announcement_id, actor, published: bool) -> Announcement:
    _require_bureau(actor)
    with transaction():
        announcement = _load(announcement_id)
        if announcement.published == published:
            return announcement
        announcement.published = published
        announcement.published_at = utcnow() if published else None
        announcement.save()
        record_event("announcement.publish" if published else "announcement.unpublish",
                     announcement, actor=actor, before={"published": not published},
                     after={"published": published})
    return announcement


def _load(announcement_id) -> Announcement:
    announcement = Announcement.get_or_none(Announcement.id == announcement_id)
    if announcement is None:
        raise NotFound(_l("公告不存在"))
    return announcement


def _clean(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").strip()
    if not title:
        raise ValidationError(_l("请填写公告标题"), field="title")
    if len(title) > TITLE_MAX:
        raise ValidationError(_l("公告标题不能超过 %(n)d 个字符", n=TITLE_MAX), field="title")
    if not body:
        raise ValidationError(_l("请填写公告正文"), field="body")
    if len(body) > BODY_MAX:
        raise ValidationError(_l("公告正文不能超过 %(n)d 个字符", n=BODY_MAX), field="body")
    return title, body


def _require_bureau(actor) -> None:
    if not is_bureau_admin(actor):
        raise Forbidden(_l("只有管局管理员可以管理公告"))
