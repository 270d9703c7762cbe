"""Route-audit cases of the second factor's pages (ISP and bureau staff): enrolling on
/two-factor and the second login step on /login/code (tests/tenants/test_route_audit.py)."""
import re
from datetime import datetime

from portal import clock
from portal.services import two_factor
from tests.conftest import form_tokens
from tests.factories import PASSWORD
from tests.route_audit_support import Req

CASES = {}
NOW = datetime(2026, 3, 2, 2, 0, 15)   # a fixed clock: the codes are those of known steps
SECRET_RE = re.compile(r'<code class="secret">([A-Z2-7 ]+)</code>')


def frozen(w):
    clock.freeze(NOW)
    w.request.addfinalizer(lambda: clock.freeze(None))


def staff_of(w, tenant):
    return w.isp.operator if tenant == "isp" else w.reviewer


def enrol_case(tenant):
    def enrol(w):
        frozen(w)
        w.login(staff_of(w, tenant), tenant)
        page = f"/{tenant}/two-factor"
        html = w.client.get(page).get_data(as_text=True)
        secret = SECRET_RE.search(html).group(1).replace(" ", "")
        code = two_factor.code_at(secret, two_factor.current_step())
        return Req(page, {**w.csrf(page), "password": PASSWORD, "code": code})
    return enrol


def login_code_case(tenant):
    def login_code(w):
        frozen(w)
        account, secret = staff_of(w, tenant), two_factor.new_secret()
        now = two_factor.current_step()
        two_factor.enrol(account, PASSWORD, secret, two_factor.code_at(secret, now - 1))
        data = {**form_tokens(w.client, f"/{tenant}/login"), "username": account.username,
                "password": PASSWORD}
        response = w.client.post(f"/{tenant}/login", data=data)
        assert response.location.endswith(f"/{tenant}/login/code")
        page = f"/{tenant}/login/code"
        return Req(page, {**w.csrf(page), "code": two_factor.code_at(secret, now)})
    return login_code


for _tenant in ("isp", "bureau"):
    CASES[f"/{_tenant}/two-factor"] = enrol_case(_tenant)
    CASES[f"/{_tenant}/login/code"] = login_code_case(_tenant)
