"""The bureau's statistics dashboard: open to every bureau role, charts with their tables,
CSV export (BOM, header, formula guard), and clear messages for bad dates."""
import csv
import io
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from portal import clock, workflow
from portal.states import State

SVG_TAG = "{http://www.w3.org/2000/svg}svg"


@pytest.fixture(autouse=True)
def release_clock():
    yield
    clock.freeze(None)


@pytest.fixture
def returned(make_application, reviewer):
    """In the period 2026-03-02..2026-03-15: one approval, one bureau return noting a
    field whose name a spreadsheet would run as a formula."""
    clock.freeze(datetime(2026, 3, 2, 2))
    approved = make_application(state=State.REVIEW)
    back = make_application(state=State.REVIEW)
    clock.freeze(datetime(2026, 3, 3, 2))
    workflow.approve_application(approved.id, reviewer)
    workflow.return_application(back.id, reviewer, "资料有误",
                                [{"field": "=HYPERLINK(\"x\")", "note": "请修改"},
                                 {"field": "subject.name", "note": "请填写全称"}])
    clock.freeze(None)
    return back


def as_role(login, make_account, role):
    login(make_account("bureau", role).username, tenant="bureau")


@pytest.mark.parametrize("role", ["admin", "reviewer", "auditor"])
def test_every_bureau_role_sees_the_dashboard(client, login, make_account, role):
    as_role(login, make_account, role)
    response = client.get("/bureau/stats")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "统计期间" in html and "导出 CSV" in html


def test_dashboard_shows_charts_and_tables(client, login, auditor, returned):
    login(auditor.username, tenant="bureau")
    html = client.get("/bureau/stats?from=2026-03-02&to=2026-03-15").get_data(as_text=True)
    assert "2026-03-02 至 2026-03-15" in html
    svgs = html.count('<svg xmlns="http://www.w3.org/2000/svg"')
    assert svgs == 5
    start = html.index('<svg xmlns="http://www.w3.org/2000/svg" id="chart-fields"')
    fragment = html[start:html.index("</svg>", start) + len("</svg>")]
    root = ET.fromstring(fragment)
    assert root.tag == SVG_TAG and root.get("role") == "img"
    assert "subject.name" in html
    assert "=HYPERLINK(&#34;x&#34;)" in fragment and 'HYPERLINK("x")' not in html


def test_every_table_exports_as_csv(client, login, reviewer, returned):
    login(reviewer.username, tenant="bureau")
    for table in ("by_state_kind", "approvals_weekly", "per_isp", "return_fields",
                  "decision_times"):
        response = client.get(f"/bureau/stats/{table}.csv?from=2026-03-02&to=2026-03-15")
        assert response.status_code == 200, table
        assert response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == (
            f'attachment; filename="{table}_20260302-20260315.csv"')
        body = response.get_data()
        assert body.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert rows[0] and all(rows[0]), table


def test_csv_numbers_and_formula_guard(client, login, auditor, returned):
    login(auditor.username, tenant="bureau")
    body = client.get("/bureau/stats/return_fields.csv?from=2026-03-02&to=2026-03-15"
                      ).get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["字段", "管局退回", "接入商退回", "合计"]
    assert ["'=HYPERLINK(\"x\")", "1", "0", "1"] in rows
    assert ["subject.name", "1", "0", "1"] in rows
    weekly = client.get("/bureau/stats/approvals_weekly.csv?from=2026-03-02&to=2026-03-15"
                        ).get_data().decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(weekly)))[1:] == [["2026-03-02", "1"],
                                                        ["2026-03-09", "0"]]


@pytest.mark.parametrize("value", ["=1+2", "+1", "-1", "@SUM(A1)", "\tx"])
def test_csv_cell_guard(value):
    from tenants.bureau.views_stats import csv_cell
    assert csv_cell(value) == "'" + value
    assert csv_cell("普通文字") == "普通文字" and csv_cell(3) == "3"


def test_unknown_table_is_not_found(client, login, auditor):
    login(auditor.username, tenant="bureau")
    assert client.get("/bureau/stats/secrets.csv").status_code == 404


@pytest.mark.parametrize("query, message", [
    ("from=2026-13-01", "日期格式应为"), ("to=yesterday", "日期格式应为"),
    ("from=2026-03-10&to=2026-03-01", "起始日期不能晚于结束日期"),
    ("from=2020-01-01&to=2026-01-01", "统计期间最长")])
def test_bad_dates_get_a_message_not_an_error(client, login, auditor, query, message):
    login(auditor.username, tenant="bureau")
    response = client.get(f"/bureau/stats?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    csv_response = client.get(f"/bureau/stats/per_isp.csv?{query}", follow_redirects=True)
    assert message in csv_response.get_data(as_text=True)


def test_other_tenants_are_not_found_and_anonymous_logs_in(client, login, isp):
    response = client.get("/bureau/stats")
    assert response.status_code == 302 and "/bureau/login" in response.headers["Location"]
    login(isp.admin.username, tenant="isp")
    assert client.get("/bureau/stats").status_code == 404
    assert client.get("/bureau/stats/per_isp.csv").status_code == 404
