"""The public lookup API's token bucket (60 a minute, bursts of 20), shared by workers."""
import multiprocessing

import pytest

from tests.factories import process_config


def _hammer(config: dict, count: int, queue) -> None:
    from portal import create_app
    client = create_app(config).test_client()
    queue.put([client.get("/api/v1/lookup?q=nothing.example").status_code
               for _ in range(count)])


def test_lookup_api_answers_429_with_retry_after(client):
    codes = [client.get("/api/v1/lookup?q=nothing.example").status_code for _ in range(25)]
    assert codes[:20] == [200] * 20 and 429 in codes[20:]
    response = client.get("/api/v1/lookup?q=nothing.example")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert response.get_json()["error"]["code"] == "rate_limited"


def test_the_lookup_page_shares_the_api_bucket(client):
    """The HTML page is no way around the API's limit: both take from one bucket."""
    codes = [client.get("/api/v1/lookup?q=nothing.example").status_code for _ in range(20)]
    assert codes == [200] * 20
    response = client.get("/lookup?q=nothing.example")
    assert response.status_code == 429 and int(response.headers["Retry-After"]) >= 1
    assert "查询过于频繁" in response.get_data(as_text=True)
    assert client.get("/lookup").status_code == 200      # the empty form costs nothing


def test_clients_behind_a_trusted_proxy_have_their_own_buckets(app, client):
    app.config["TRUSTED_PROXIES"] = 1
    for address in ("198.51.100.1", "198.51.100.2"):
        codes = [client.get("/api/v1/lookup?q=x.example",
                            headers={"X-Forwarded-For": address}).status_code
                 for _ in range(20)]
        assert codes == [200] * 20


@pytest.mark.slow
def test_the_limit_is_shared_by_two_processes(app):
    config = process_config(app)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    workers = [context.Process(target=_hammer, args=(config, 15, queue)) for _ in range(2)]
    for worker in workers:
        worker.start()
    results = [queue.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    codes = results[0] + results[1]
    assert 20 <= codes.count(200) <= 23      # one bucket of 20, plus the refill meanwhile
    assert codes.count(429) == 30 - codes.count(200)
