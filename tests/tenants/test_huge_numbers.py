"""Numbers past what a column holds, in paths and query strings: a 404 or the list's last
reachable page, never a 500 (SQLite's OverflowError, PostgreSQL's integer range)."""
import pytest

HUGE = ["2147483648", "9" * 25, "9" * 5000]


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize("path", ["/applications/{n}", "/bureau/applications/{n}",
                                  "/isp/applications/{n}", "/bureau/filers/{n}",
                                  "/api/v1/isp/applications/{n}"])
def test_a_huge_id_in_the_path_is_not_found(client, path, number):
    assert client.get(path.format(n=number)).status_code == 404


@pytest.mark.parametrize("number", [*HUGE, "-1", "x", "", "²", "１２"])
@pytest.mark.parametrize("path", ["/violations?page={n}", "/announcements?page={n}",
                                  "/announcements?isp_page={n}"])
def test_a_huge_page_number_shows_a_page(client, path, number):
    assert client.get(path.format(n=number)).status_code == 200


@pytest.mark.parametrize("query", ["version=" + "9" * 30, "version=2147483648"])
def test_a_huge_id_in_the_query_is_ignored(client, login, bureau_admin, query):
    login(bureau_admin.username, tenant="bureau")
    assert client.get(f"/bureau/enumerations/subject_natures/history?{query}").status_code == 200


def test_the_bounded_int_arg(app):
    from portal.models.base import MAX_ID
    from portal.web.pagination import int_arg
    with app.test_request_context(f"/?a={MAX_ID}&b={MAX_ID + 1}&c=-3&d=7"):
        assert int_arg("a") == MAX_ID
        assert int_arg("b") is None and int_arg("c") is None
        assert int_arg("d") == 7 and int_arg("missing", 5) == 5


@pytest.mark.parametrize("number", HUGE)
def test_a_huge_page_of_lookup_results_is_a_page(client, number):
    assert client.get(f"/lookup?q=example.com&page={number}").status_code == 200
