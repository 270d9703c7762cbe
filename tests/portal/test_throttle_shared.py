"""Login throttles shared by worker processes, and no account enumeration through login
or registration (DESIGN §4). The eleventh failure and the window's reset are in
tests/tenants/test_accounts.py; the reset page's silence there too."""
import multiprocessing

import pytest

from portal.models import Account
from portal.services import accounts
from tests.conftest import form_tokens
from tests.factories import PASSWORD, process_config

WRONG = "wrong password here"


def _fail_logins(config: dict, username: str, count: int, queue) -> None:
    """A second worker: its own process, app and connections, the same limits store."""
    from portal import create_app
    client = create_app(config).test_client()
    answers = []
    for _ in range(count):
        data = form_tokens(client, "/login")
        data.update(username=username, password=WRONG)
        answers.append("用户名或密码错误" in client.post("/login", data=data).get_data(as_text=True))
    queue.put(answers)


@pytest.mark.slow
def test_login_failures_are_counted_across_two_worker_processes(app, login, make_filer):
    filer = make_filer()
    config = process_config(app)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_fail_logins, args=(config, filer.username, 5, queue))
               for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=90) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert results == [[True] * 5, [True] * 5]          # ten failures, five in each
    assert "尝试次数过多" in login(filer.username).get_data(as_text=True)   # the third worker


def test_one_address_trying_many_accounts_is_throttled(client, login, make_filer):
    filers = [make_filer() for _ in range(11)]
    for filer in filers[:10]:
        assert "用户名或密码错误" in login(filer.username, WRONG).get_data(as_text=True)
    assert "尝试次数过多" in login(filers[10].username).get_data(as_text=True)
    other = client.application.test_client()
    data = form_tokens(other, "/login")
    data.update(username=filers[10].username, password=PASSWORD)
    answer = other.post("/login", data=data, environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert answer.status_code == 302                      # another address, another bucket


@pytest.fixture
def kdf_runs(monkeypatch):
    """Count the KDF checks the login makes."""
    calls = []
    real = accounts.check_password_hash

    def counting(stored, password):
        calls.append(stored)
        return real(stored, password)
    monkeypatch.setattr(accounts, "check_password_hash", counting)
    return calls


def test_the_kdf_runs_once_whoever_tries(login, make_account, isp, kdf_runs):
    cases = {"unknown": "no-such-user", "wrong password": make_account("public").username,
             "other tenant": isp.operator.username,
             "disabled": make_account("public", is_active=False).username}
    initial, _ = accounts.create_account("initial-user", None, tenant="public")
    cases["initial password"] = initial.username
    pages = {}
    for case, username in cases.items():
        before = len(kdf_runs)
        pages[case] = login(username, WRONG if case != "disabled" else PASSWORD)
        assert len(kdf_runs) - before == 1, case
        assert "用户名或密码错误" in pages[case].get_data(as_text=True), case
    assert all(p.status_code == 200 for p in pages.values())


def test_the_right_password_of_a_disabled_or_foreign_account_says_nothing(login, make_account,
                                                                         isp):
    disabled = make_account("public", is_active=False)
    for username in (disabled.username, isp.operator.username):
        assert "用户名或密码错误" in login(username).get_data(as_text=True)


def register(client, username: str, n: int):
    data = form_tokens(client, "/register")
    data.update(username=username, password=PASSWORD, confirm=PASSWORD,
                mobile=f"1391234{n:04d}", email=f"reg{n}@mail.example")
    return client.post("/register", data=data)


def test_registration_attempts_are_throttled_per_address(client, make_filer):
    taken = make_filer()
    for n in range(10):     # each attempt, taken name or not, costs one of ten an hour
        assert register(client, taken.username, n).location.endswith("/login")
    html = register(client, "freshname", 10).get_data(as_text=True)
    assert "注册尝试过于频繁" in html
    assert not Account.select().where(Account.username == "freshname").exists()
