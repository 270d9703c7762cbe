from portal.models import Service, Subject
from portal.states import State


def test_first_filing_happy_path(make_application):
    app = make_application(state=State.APPROVED)
    assert app.state == State.APPROVED
    subject = Subject.get(Subject.account == app.account_id)
    assert subject.filing_number.startswith("晋ICP备")
    service = Service.get(Service.subject == subject)
    assert service.filing_number == subject.filing_number + "-1"
