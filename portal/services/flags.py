"""Flags on records: shell (空壳), restricted access (限制接入), violation (违法违规)."""
from portal.clock import utcnow
from portal.models import ACTIVE, AccessLink, RecordFlag, Service, Subject

SHELL, RESTRICTED, VIOLATION = "shell", "restricted", "violation"


def open_flag(kind: str, *, subject=None, service=None):
    query = RecordFlag.select().where(RecordFlag.kind == kind, RecordFlag.cleared_at.is_null())
    if service is not None:
        return query.where(RecordFlag.service == service).first()
    return query.where(RecordFlag.subject == subject, RecordFlag.service.is_null()).first()


def set_flag(kind: str, *, subject=None, service=None, reason: str = "", actor=None) -> RecordFlag:
    """Open a flag unless one of that kind is already open on the record."""
    existing = open_flag(kind, subject=subject, service=service)
    if existing:
        return existing
    subject = subject or (service.subject if service else None)
    return RecordFlag.create(kind=kind, subject=subject, service=service, reason=reason,
                             set_by=actor)


def clear_flag(kind: str, *, subject=None, service=None) -> int:
    query = RecordFlag.update(cleared_at=utcnow()).where(
        RecordFlag.kind == kind, RecordFlag.cleared_at.is_null())
    if service is not None:
        return query.where(RecordFlag.service == service).execute()
    return query.where(RecordFlag.subject == subject, RecordFlag.service.is_null()).execute()


def refresh_shell_flags(subject: Subject) -> None:
    """A service with no access left, or a subject with no active service, is a shell;
    adding access or a service clears the flag. A few queries whatever the number of
    services: it runs inside every approval."""
    active = list(subject.services.where(Service.status == ACTIVE))
    ids = [service.id for service in active]
    served = {row[0] for row in AccessLink.select(AccessLink.service).where(
        AccessLink.service.in_(ids), AccessLink.status == ACTIVE).tuples()} if ids else set()
    if served:
        RecordFlag.update(cleared_at=utcnow()).where(
            RecordFlag.kind == SHELL, RecordFlag.cleared_at.is_null(),
            RecordFlag.service.in_(list(served))).execute()
    for service in active:
        if service.id not in served:
            set_flag(SHELL, service=service, reason="no access left")
    if active or not subject.is_active:
        clear_flag(SHELL, subject=subject)
    else:
        set_flag(SHELL, subject=subject, reason="no active service")


def isp_shell_warnings(isp_id: int):
    """Open shell flags on records this ISP serves or served: services that had its access
    and subjects with such services. The candidate date comes from the bureau's setting."""
    served = AccessLink.select(AccessLink.service).where(AccessLink.isp == isp_id)
    subjects = Service.select(Service.subject).where(Service.id.in_(served))
    return (RecordFlag.select().where(
        RecordFlag.kind == SHELL, RecordFlag.cleared_at.is_null(),
        (RecordFlag.service.in_(served)) | (RecordFlag.service.is_null()
                                            & RecordFlag.subject.in_(subjects)))
        .order_by(RecordFlag.set_at))


def candidate_date(flag: RecordFlag):
    """When a shell becomes a cancellation candidate."""
    from datetime import timedelta

    from portal.models import InstanceSettings
    return (flag.set_at + timedelta(days=InstanceSettings.get().shell_candidate_days)).date()


# -- bureau flags mirrored on the service row -----------------------------------------

# Restricted access and violation are read in two ways: the open RecordFlag (history, the
# public violation list, the ISP connect check) and the service's own column (the public
# lookup). Both are written here and nowhere else, so they never disagree.
MIRRORED = {RESTRICTED: "restricted", VIOLATION: "violation"}


def set_service_flag(kind: str, service: Service, reason: str, actor=None) -> RecordFlag:
    """Open a restricted/violation flag on a service and set its column."""
    flag = set_flag(kind, service=service, reason=reason, actor=actor)
    Service.update({MIRRORED[kind]: True}).where(Service.id == service.id).execute()
    setattr(service, MIRRORED[kind], True)
    return flag


def clear_service_flag(kind: str, service: Service) -> int:
    """Close a restricted/violation flag (kept as history) and clear its column."""
    count = clear_flag(kind, service=service)
    Service.update({MIRRORED[kind]: False}).where(Service.id == service.id).execute()
    setattr(service, MIRRORED[kind], False)
    return count


def clear_shell_flags(subject: Subject, services=()) -> None:
    """An ended record is no longer a shell: close the flags of what was cancelled or
    revoked (refresh_shell_flags only looks at what is still active)."""
    for service in services:
        clear_flag(SHELL, service=service)
    if not subject.is_active:
        clear_flag(SHELL, subject=subject)


def notify_filer(subject: Subject, title: str, body: str, **payload) -> None:
    """Email the record's filer about a bureau decision (in the decision's transaction)."""
    from portal import notifications
    from portal.models import Account
    account = Account.get_by_id(subject.account_id)
    notifications.email(account.email, title, body, **payload)
