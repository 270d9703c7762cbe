"""The bureau's announcements pages: write, edit, publish on the public board, take down."""
import pytest

from portal.models import Announcement, AuditEvent
from portal.services import announcements as board
from tests.conftest import form_tokens
from tests.tenants.test_filing import post


@pytest.fixture
def admin(client, login, bureau_admin):
    login(bureau_admin.username, tenant="bureau")
    return bureau_admin


def public_board(app) -> str:
    return app.test_client().get("/announcements").get_data(as_text=True)


def test_create_edit_publish_and_unpublish(app, client, admin):
    response = post(client, "/bureau/announcements/new",
                    {"title": "春节假期安排", "body": "2月15日至2月23日不受理。"})
    item = Announcement.get(Announcement.title == "春节假期安排")
    assert response.location.endswith(f"/bureau/announcements/{item.id}/edit")
    assert not item.published and "春节假期安排" not in public_board(app)
    url = f"/bureau/announcements/{item.id}/edit"
    post(client, url, {"title": "春节假期安排（更新）", "body": "2月14日至2月22日不受理。"})
    assert Announcement.get_by_id(item.id).body == "2月14日至2月22日不受理。"

    response = post(client, f"/bureau/announcements/{item.id}/publish", page=url,
                    follow_redirects=True)
    assert "公告已发布" in response.get_data(as_text=True)
    board_html = public_board(app)
    assert "春节假期安排（更新）" in board_html and "2月14日至2月22日不受理。" in board_html

    post(client, f"/bureau/announcements/{item.id}/unpublish", page=url)
    assert not Announcement.get_by_id(item.id).published
    assert "春节假期安排" not in public_board(app)
    actions = [e.action for e in AuditEvent.select().where(
        AuditEvent.action.startswith("announcement.")).order_by(AuditEvent.seq)]
    assert actions == ["announcement.create", "announcement.update", "announcement.publish",
                       "announcement.unpublish"]


def test_list_shows_drafts_and_published(client, admin):
    board.create_announcement(admin, "草稿公告", "正文")
    board.create_announcement(admin, "已发布公告", "正文", publish=True)
    html = client.get("/bureau/announcements").get_data(as_text=True)
    assert "草稿公告" in html and "已发布公告" in html and "未发布" in html


@pytest.mark.parametrize("title,body,message", [
    ("", "正文", "公告标题"), ("标题", "   ", "公告正文"), ("长" * 201, "正文", "200"),
])
def test_a_bad_announcement_is_refused_with_a_message(client, admin, title, body, message):
    html = post(client, "/bureau/announcements/new", {"title": title, "body": body}
                ).get_data(as_text=True)
    assert 'class="error"' in html
    assert Announcement.select().count() == 0


def test_an_unknown_announcement_is_not_found(client, admin):
    assert client.get("/bureau/announcements/999/edit").status_code == 404
    token = form_tokens(client, "/bureau/announcements")["csrf_token"]
    assert client.post("/bureau/announcements/999/publish",
                       data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_readers_see_the_list_but_change_nothing(client, login, make_account, bureau_admin, role):
    item = board.create_announcement(bureau_admin, "通知", "正文")
    login(make_account("bureau", role).username, tenant="bureau")
    html = client.get("/bureau/announcements").get_data(as_text=True)
    assert "通知" in html and "新建公告" not in html
    for url in ("/bureau/announcements/new", f"/bureau/announcements/{item.id}/edit"):
        assert client.get(url).status_code == 403
    token = form_tokens(client, "/bureau/announcements")["csrf_token"]
    for url, data in (("/bureau/announcements/new", {"title": "新", "body": "新"}),
                      (f"/bureau/announcements/{item.id}/edit", {"title": "改", "body": "改"}),
                      (f"/bureau/announcements/{item.id}/publish", {}),
                      (f"/bureau/announcements/{item.id}/unpublish", {})):
        assert client.post(url, data={"csrf_token": token, **data}).status_code == 403, url
    assert Announcement.select().count() == 1
    assert (Announcement.get_by_id(item.id).title, Announcement.get_by_id(item.id).published
            ) == ("通知", False)


def test_a_filer_cannot_reach_the_bureau_pages(client, login, make_filer):
    login(make_filer().username)
    assert client.get("/bureau/announcements").status_code == 404
