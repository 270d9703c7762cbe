"""The invariants the workflow state machine (test_workflow_machine.py) checks after
every step, as plain functions over the database and what the machine remembers."""
from collections import Counter

from peewee import fn

from portal.models import ACTIVE, Application, AuditEvent, Service, Subject
from portal.services.lookup import lookup
from portal.states import State

# Application events that are not state changes.
NOT_TRANSITIONS = ("application.create", "application.edit")


def numbers_are_unique_and_kept(seen: dict) -> None:
    """No filing number twice; a record keeps its number (`seen`: first number of each)."""
    for model, kind in ((Subject, "subject"), (Service, "service")):
        rows = list(model.select(model.id, model.filing_number).tuples())
        numbers = [number for _, number in rows]
        assert len(numbers) == len(set(numbers)), f"duplicate {kind} number"
        for row_id, number in rows:
            assert seen.setdefault((kind, row_id), number) == number, \
                f"{kind} {row_id} changed its filing number"


def lookup_shows_exactly_the_live_records() -> None:
    """Every live approved service is found by its number and each of its domains; an
    ended one (or one of an ended subject) by neither."""
    for service in Service.select().join(Subject):
        live = service.status == ACTIVE and service.subject.status == ACTIVE
        by_number = lookup(service.filing_number, "number").results
        assert [r["service_filing_number"] for r in by_number] == (
            [service.filing_number] if live else []), service.filing_number
        for domain in service.details.get("domains") or []:
            found = {r["service_filing_number"] for r in lookup(domain, "domain").results}
            assert (service.filing_number in found) == live, (domain, service.status)


def every_state_change_has_its_audit_event(transitions: Counter, created: int) -> None:
    """As many transition events per application as state changes were made, the last
    naming its state now; one creation event per application opened."""
    events, last_state = Counter(), {}
    for object_id, after in (AuditEvent.select(AuditEvent.object_id, AuditEvent.after)
                             .where(AuditEvent.object_type == "application",
                                    AuditEvent.action.not_in(NOT_TRANSITIONS))
                             .order_by(AuditEvent.seq).tuples()):
        events[int(object_id)] += 1
        last_state[int(object_id)] = after["state"]
    for app_id, state in Application.select(Application.id, Application.state).tuples():
        assert events[app_id] == transitions[app_id], (app_id, state)
        assert last_state.get(app_id, State.DRAFT) == state, app_id
    assert AuditEvent.select().where(AuditEvent.action == "application.create").count() == created


def every_record_change_has_its_audit_event(records: dict, last_seq: int) -> int:
    """A record created or ended since the last step (`records`: status last seen) has
    an event since `last_seq` naming its status now. Returns the newest seq."""
    new = AuditEvent.select().where(AuditEvent.seq > last_seq,
                                    AuditEvent.object_type.in_(["subject", "service"]))
    said = {(e.object_type, e.object_id): (e.after or {}).get("status") for e in new}
    for model, kind in ((Subject, "subject"), (Service, "service")):
        for row_id, status in model.select(model.id, model.status).tuples():
            if records.get((kind, row_id)) != status:
                assert said.get((kind, str(row_id))) == status, (kind, row_id, status)
                records[(kind, row_id)] = status
    return AuditEvent.select(fn.MAX(AuditEvent.seq)).scalar() or 0
