"""The filer's task list shows what the nightly site check found on their websites."""
from portal.models import Application, Service, SiteCheckFinding
from portal.states import State


def test_the_task_list_shows_the_site_check_problems(client, login, make_application):
    app = make_application(state=State.APPROVED)
    service = Service.get(Service.subject == Application.get_by_id(app.id).subject_id)
    login(app.account.username)
    assert "网站检查发现的问题" not in client.get("/home").get_data(as_text=True)
    SiteCheckFinding.create(service=service, domain=service.details["domains"][0], ok=False,
                            problems=[{"domain": service.details["domains"][0],
                                       "check": "footer", "message": "首页底部未找到备案号链接"}])
    html = client.get("/home").get_data(as_text=True)
    assert "网站检查发现的问题" in html and "首页底部未找到备案号链接" in html
    assert service.filing_number in html
