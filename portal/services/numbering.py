"""Filing numbers (备案号): allocated at the first approval, never reused, never duplicated.

The subject serial comes from a per-year counter row bumped with an UPDATE, which
takes the row lock on PostgreSQL and rides the IMMEDIATE write lock on SQLite, so
concurrent approvals each get their own serial. Unique columns back it up.
"""
from portal.clock import local_today
from portal.enumerations import kind_suffix
from portal.models import FilingCounter, InstanceSettings, Service, Subject


def next_serial(year: int) -> int:
    FilingCounter.insert(year=year, value=0).on_conflict_ignore().execute()
    FilingCounter.update(value=FilingCounter.value + 1).where(FilingCounter.year == year).execute()
    return FilingCounter.get_by_id(year).value


def allocate_subject_number() -> str:
    settings = InstanceSettings.get()
    year = local_today().year
    number = f"{settings.abbreviation}ICP备{year}{next_serial(year):06d}号"
    if not settings.numbers_issued:
        InstanceSettings.update(numbers_issued=True).execute()
    return number


def allocate_service_number(subject: Subject, kind: str) -> str:
    """Services of a subject share one sequence; the suffix letter tells the kind."""
    Subject.update(service_sequence=Subject.service_sequence + 1).where(
        Subject.id == subject.id).execute()
    index = Subject.get_by_id(subject.id).service_sequence
    subject.service_sequence = index
    return f"{subject.filing_number}-{index}{kind_suffix(kind)}"


def find_by_number(number: str):
    """The subject or service a filing number names, or None."""
    if "-" in number:
        return Service.get_or_none(Service.filing_number == number)
    return Subject.get_or_none(Subject.filing_number == number)
