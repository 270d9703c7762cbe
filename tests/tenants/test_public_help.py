"""Public help pages: help centre, guide, written forms, announcements, violation list."""
import pytest

from portal import sample_data
from portal.enumerations import get_enumeration
from portal.models import Account, InstanceSettings, IspOrganisation
from portal.services import announcements, violations
from portal.states import State
from portal.written_forms import FORMS
from tenants.public.views_help import HELP_TOPICS

PAGES = (["/help", "/guide", "/forms", "/announcements", "/violations"]
         + [f"/help/{slug}" for slug in HELP_TOPICS] + [f"/forms/{slug}" for slug in FORMS])


@pytest.fixture
def approved(make_application):
    """An approved first filing by an organisation, and its filer."""
    app = make_application(state=State.APPROVED)
    return app, Account.get_by_id(app.account_id)


@pytest.fixture
def individual_service(make_application, isp):
    """The website of an approved individual (个人) subject."""
    n = 9100
    app = make_application(state=State.APPROVED, n=n,
                           proposal=sample_data.first_filing(n, [isp.id], nature="个人"))
    subject = Account.get_by_id(app.account_id).subjects.get()
    return subject.services.get()


def html(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_for_anyone(client, url):
    assert "<h1>" in html(client, url)


@pytest.mark.parametrize("url", PAGES)
def test_page_renders_for_a_logged_in_filer(client, login, approved, url):
    login(approved[1].username)
    assert "<h1>" in html(client, url)


def test_help_index_links_every_topic(client):
    page = html(client, "/help")
    for slug in HELP_TOPICS:
        assert f'href="/help/{slug}"' in page


@pytest.mark.parametrize("url", ["/help/no-such-topic", "/forms/no-such-form"])
def test_unknown_topic_or_form_is_404(client, url):
    assert client.get(url).status_code == 404


def test_pre_approval_table_lists_every_category_with_its_authority(client):
    page = html(client, "/help/pre-approval")
    table = page.split('id="pre-approval-categories"', 1)[1].split("</table>", 1)[0]
    categories = get_enumeration("pre_approval_categories")
    assert categories
    for item in categories:
        assert f"<td>{item['name']}</td><td>{item['authority']}</td>" in table


def test_help_cites_legal_basis(client):
    assert "《非经营性互联网信息服务备案管理办法》" in html(client, "/help/review-time")
    assert "《互联网信息服务管理办法》" in html(client, "/help/commercial")
    assert "《中华人民共和国反电信网络诈骗法》" in html(client, "/guide")


def test_cancellation_help_maps_the_old_term(client):
    page = html(client, "/help/cancellation")
    assert "撤销申请" in page and "注销" in page and "撤销" in page


def test_contact_details_come_from_settings(client):
    InstanceSettings.update(address="太原市示例路1号", phones="0351-0000001",
                            office_hours="周一至周五", fax="0351-0000002",
                            cancellation_mailbox="cancel@bureau.example").execute()
    for url in ("/help/contact", "/announcements", "/forms/cancellation-individual"):
        page = html(client, url)
        assert "太原市示例路1号" in page and "0351-0000001" in page


def test_footer_help_gives_the_filers_own_snippet(client, login, approved):
    app, filer = approved
    number = filer.subjects.get().services.get().filing_number
    assert number not in html(client, "/help/footer")
    login(filer.username)
    page = html(client, "/help/footer")
    url = InstanceSettings.get().public_site_url
    assert f"&lt;a href=&#34;{url}&#34;" in page and number in page


# -- written forms --------------------------------------------------------------

@pytest.mark.parametrize("slug", list(FORMS))
def test_written_form_is_prefilled_for_a_logged_in_filer(client, login, approved, slug):
    app, filer = approved
    subject = filer.subjects.get()
    login(filer.username)
    response = client.get(f"/forms/{slug}")
    page = response.get_data(as_text=True)
    assert filer.username in page and subject.name in page
    assert subject.cert_number in page and subject.filing_number in page
    if FORMS[slug].is_cancellation:
        for service in subject.services:
            assert service.name in page and service.filing_number in page
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize("slug", list(FORMS))
def test_written_form_is_blank_for_anonymous(client, approved, slug):
    subject = approved[1].subjects.get()
    response = client.get(f"/forms/{slug}")
    page = response.get_data(as_text=True)
    assert subject.name not in page and subject.filing_number not in page
    assert "A4" in page and "no-store" not in response.headers.get("Cache-Control", "")


def test_written_form_is_blank_for_isp_staff(client, login, approved, isp):
    login(isp.operator.username, tenant="isp")
    page = html(client, "/forms/password-recovery")
    assert approved[1].subjects.get().name not in page


def test_forms_list_the_materials_for_each_nature(client):
    organisation = html(client, "/forms/cancellation-organisation")
    assert "授权委托书" in organisation and "营业执照" in organisation
    individual = html(client, "/forms/cancellation-individual")
    assert "身份证件复印件" in individual and "授权委托书" not in individual


# -- announcements board ----------------------------------------------------------

def test_announcements_show_only_published_ones_escaped(client, bureau_admin):
    shown = announcements.create_announcement(bureau_admin, "系统维护通知", "第一行\n<script>x</script>",
                                              publish=True)
    announcements.create_announcement(bureau_admin, "尚未发布的草稿", "正文")
    page = html(client, "/announcements")
    assert shown.title in page and "尚未发布的草稿" not in page
    assert "&lt;script&gt;" in page and "<script>x" not in page
    assert 'class="pre">第一行\n' in page


def test_announcements_list_active_isps_with_their_phones(client, isp):
    IspOrganisation.update(consultation_phone="0351-1234567").where(
        IspOrganisation.id == isp.id).execute()
    IspOrganisation.create(name="已暂停的接入商", consultation_phone="0351-7654321",
                           is_suspended=True)
    page = html(client, "/announcements")
    assert isp.name in page and "0351-1234567" in page
    assert "已暂停的接入商" not in page


def test_isp_list_has_its_own_page_number(app, client, make_isp):
    app.config["PAGE_SIZE"] = 2
    for name in ("接入商A", "接入商B", "接入商C"):
        make_isp(name)
    page = html(client, "/announcements?page=1&isp_page=2")
    assert "接入商C" in page and "接入商A" not in page
    assert "isp_page=1" in page and "page=1" in page


# -- violation list ----------------------------------------------------------------

def test_violation_list_shows_a_marked_service_masked_and_hides_it_after_clearing(
        client, reviewer, individual_service):
    service, subject = individual_service, individual_service.subject
    assert service.name not in html(client, "/violations")
    violations.mark_violation(reviewer, service.id, "传播违法信息")
    page = html(client, "/violations")
    assert service.name in page and service.filing_number in page and "传播违法信息" in page
    assert subject.name not in page and subject.name[0] + "*" in page
    violations.clear_violation(reviewer, service.id, "已整改")
    assert service.name not in html(client, "/violations")


def test_violation_list_shows_an_organisation_name_unmasked(client, reviewer, approved):
    subject = approved[1].subjects.get()
    violations.mark_violation(reviewer, subject.services.get().id, "虚假信息")
    assert subject.name in html(client, "/violations")
