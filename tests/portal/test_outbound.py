"""The outbound guard: only http(s) to public addresses, pinned to the vetted address,
at most 3 redirects (each checked again), a time limit and a byte limit.

The local test site lives in tests/sites.py."""
import socket
import ssl
import time

import pytest

from portal import outbound
from portal.outbound import BlockedTarget, FetchFailed, check_url, fetch
from tests.sites import PUBLIC_IP, LocalSite, local_fetcher, resolver_to  # noqa: F401



# -- the guard --------------------------------------------------------------

BLOCKED = ["http://10.0.0.1/", "http://192.168.1.1/", "http://172.16.0.1/", "http://127.0.0.1/",
           "http://[::1]/", "http://169.254.169.254/latest/meta-data/", "http://100.64.0.1/",
           "http://0.0.0.0/", "http://224.0.0.1/", "http://240.0.0.1/", "http://[fe80::1]/",
           "http://[fc00::1]/", "http://[::ffff:10.0.0.1]/", "http://[::ffff:127.0.0.1]/",
           "http://[::ffff:169.254.169.254]/", "http://[2002:a00:1::]/",
           "http://[64:ff9b::a00:1]/", "https://192.0.2.10/", "http://0x7f.1/",
           "http://2130706433/", "http://localhost./"]


@pytest.mark.parametrize("url", BLOCKED)
def test_non_public_addresses_are_refused(app, url):
    with pytest.raises(BlockedTarget) as refused:
        check_url(url)
    assert "出于安全原因" in str(refused.value.message)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://[::1]/",
                                 "http://[::ffff:127.0.0.1]/"])
def test_loopback_only_with_allow_loopback(app, url):
    assert check_url(url, allow_loopback=True).addresses


@pytest.mark.parametrize("url", ["http://10.0.0.1/", "http://169.254.169.254/"])
def test_allow_loopback_does_not_open_other_private_ranges(app, url):
    with pytest.raises(BlockedTarget):
        check_url(url, allow_loopback=True)


@pytest.mark.parametrize("answers", [["10.1.2.3"], ["192.168.0.10"], ["127.0.0.1"],
                                     [PUBLIC_IP, "10.0.0.1"], ["fd00::1"]])
def test_a_name_resolving_to_any_non_public_address_is_refused(app, answers):
    with pytest.raises(BlockedTarget) as refused:
        check_url("http://intranet.example/", resolver=resolver_to(*answers))
    assert "intranet.example" in str(refused.value.message)


@pytest.mark.parametrize("url", ["ftp://example.cn/", "file:///etc/passwd", "gopher://example.cn/",
                                 "javascript:alert(1)", "//example.cn/", "example.cn",
                                 "http://user:secret@example.cn/", "http:///path", "",
                                 "http://exa mple.cn/", "http://example.cn:99999/"])
def test_malformed_and_non_http_urls_are_refused(app, url):
    with pytest.raises(BlockedTarget):
        check_url(url, resolver=resolver_to(PUBLIC_IP))


def test_public_name_is_resolved_and_kept(app):
    target = check_url("https://Example.CN/a?b=1#frag", resolver=resolver_to(PUBLIC_IP))
    assert (target.scheme, target.host, target.port, target.path) == ("https", "example.cn",
                                                                      443, "/a?b=1")
    assert target.addresses == (PUBLIC_IP,)


def test_unicode_host_and_path_are_encoded(app):
    target = check_url("http://例子.中国/证书%201?q=备案", resolver=resolver_to(PUBLIC_IP))
    assert target.host == "xn--fsqu00a.xn--fiqs8s"
    assert target.path == "/%E8%AF%81%E4%B9%A6%201?q=%E5%A4%87%E6%A1%88"


def test_unresolvable_name_is_refused(app):
    def fail(host, port, **kwargs):
        raise socket.gaierror("no such name")
    with pytest.raises(BlockedTarget) as refused:
        check_url("http://nowhere.example/", resolver=fail)
    assert "无法解析" in str(refused.value.message)


# -- fetching ---------------------------------------------------------------

def test_fetch_refuses_loopback_without_contacting_it(app, site):
    with pytest.raises(BlockedTarget):
        fetch(site.url())
    assert site.seen == []


def test_fetch_returns_status_headers_body_and_sends_user_agent(app, site):
    site.routes["/page"] = (200, {"Content-Type": "text/html"}, "<p>你好</p>")
    result = fetch(site.url("/page"), allow_loopback=True)
    assert (result.status, result.body.decode()) == (200, "<p>你好</p>")
    assert result.headers["content-type"] == "text/html"
    assert site.seen[0]["agent"] == outbound.USER_AGENT


def test_dns_rebinding_cannot_reach_the_second_answer(app, site, monkeypatch):
    """The name is resolved once; the connection goes to that vetted address, with the
    name in the Host header, even though a second lookup would say 10.0.0.1."""
    answers, calls, connected = [PUBLIC_IP, "10.0.0.1"], [], []
    real_connect = socket.create_connection

    def rebinding(host, port, **kwargs):
        calls.append(host)
        return resolver_to(answers[min(len(calls), 2) - 1])(host, port)

    def connect(address, timeout=None, *args):
        connected.append(address)
        return real_connect(("127.0.0.1", site.port), timeout)

    monkeypatch.setattr(socket, "create_connection", connect)
    site.routes["/"] = (200, {}, "public page")
    result = fetch("http://rebind.example/", resolver=rebinding)
    assert result.body == b"public page"
    assert connected == [(PUBLIC_IP, 80)] and calls == ["rebind.example"]
    assert site.seen[0]["host"] == "rebind.example"


def test_https_connects_to_the_vetted_address_with_the_name_for_sni(app, monkeypatch):
    connected, names = [], []

    def connect(address, timeout=None, *args):
        connected.append(address)
        ours, theirs = socket.socketpair()
        theirs.close()
        return ours

    def wrap_socket(context, sock, server_hostname=None, **kwargs):
        names.append(server_hostname)
        raise ssl.SSLCertVerificationError("certificate verify failed")

    monkeypatch.setattr(socket, "create_connection", connect)
    monkeypatch.setattr(ssl.SSLContext, "wrap_socket", wrap_socket)
    with pytest.raises(FetchFailed) as failed:
        fetch("https://secure.example/", resolver=resolver_to(PUBLIC_IP))
    assert connected == [(PUBLIC_IP, 443)] and names == ["secure.example"]
    assert "HTTPS" in str(failed.value.message)


def redirect_to(location):
    return (302, {"Location": location}, b"")


def test_redirects_are_followed_and_each_target_checked_again(app, site):
    site.routes["/a"] = redirect_to("/b")
    site.routes["/b"] = (200, {}, "arrived")
    result = fetch(site.url("/a"), allow_loopback=True)
    assert (result.body, result.final_url) == (b"arrived", site.url("/b"))
    site.routes["/evil"] = redirect_to("http://169.254.169.254/latest/meta-data/")
    with pytest.raises(BlockedTarget):
        fetch(site.url("/evil"), allow_loopback=True)


def test_more_than_three_redirects_are_refused(app, site):
    for n in range(5):
        site.routes[f"/r{n}"] = redirect_to(f"/r{n + 1}")
    site.routes["/r3"] = (200, {}, "three hops")
    assert fetch(site.url("/r0"), allow_loopback=True).body == b"three hops"
    site.routes["/r3"] = redirect_to("/r4")
    with pytest.raises(FetchFailed) as failed:
        fetch(site.url("/r0"), allow_loopback=True)
    assert "重定向超过 3 次" in str(failed.value.message)


def stream_without_length(handler):
    handler.send_response(200)
    handler.end_headers()
    handler.wfile.write(b"x" * 5000)


@pytest.mark.parametrize("route", [(200, {}, b"x" * 5000), stream_without_length])
def test_byte_limit(app, site, route):
    site.routes["/big"] = route
    with pytest.raises(FetchFailed) as failed:
        fetch(site.url("/big"), allow_loopback=True, max_bytes=1024)
    assert "超过 1 KB" in str(failed.value.message)
    assert len(fetch(site.url("/big"), allow_loopback=True, max_bytes=5000).body) == 5000


def test_timeout(app, site):
    def slow(handler):
        time.sleep(0.6)
    site.routes["/slow"] = slow
    started = time.monotonic()
    with pytest.raises(FetchFailed) as failed:
        fetch(site.url("/slow"), allow_loopback=True, timeout=0.2)
    assert time.monotonic() - started < 0.6
    assert "超时" in str(failed.value.message)


def test_connection_refused_is_a_clear_failure(app):
    with socket.socket() as probe:      # a port nobody listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(FetchFailed) as failed:
        fetch(f"http://127.0.0.1:{port}/", allow_loopback=True, timeout=1)
    assert "无法连接" in str(failed.value.message)
