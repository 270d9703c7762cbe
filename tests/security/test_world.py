"""The world itself: every actor's session works and each party's marker shows on its
own pages (so the crawl's marker check can fail)."""
from tests.security.conftest import ACTORS, HOME


def test_every_actor_is_logged_in_and_sees_its_own_marker(world):
    for actor, spec in ACTORS.items():
        if spec is None:
            continue
        response = world.client(actor).get(HOME[spec[0]])
        assert response.status_code == 200, actor
    record = world.client("filer_a").get("/record").get_data(as_text=True)
    assert "qalpha" in record and "qbravo" not in record
    customers = world.client("isp_b_admin").get("/isp/customers").get_data(as_text=True)
    assert "qbravo" in customers and "qalpha" not in customers
