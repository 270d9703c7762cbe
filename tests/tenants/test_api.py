"""Public JSON API: lookup and enumerations."""
from portal.states import State


def test_lookup_api_answers_with_the_documented_shape(client, make_application):
    app = make_application(state=State.APPROVED)
    domain = app.proposed["services"][0]["domains"][0]
    response = client.get(f"/api/v1/lookup?q={domain}&type=domain&kind=website")
    body = response.get_json()
    assert response.status_code == 200 and body["total"] == 1 and body["page"] == 1
    assert set(body["results"][0]) == {
        "subject_filing_number", "service_filing_number", "subject_name", "subject_nature",
        "service_name", "service_kind", "homepage", "domains", "pre_approvals", "restricted",
        "violation", "approved_on"}


def test_lookup_api_etag_gives_304(client, make_application):
    make_application(state=State.APPROVED)
    first = client.get("/api/v1/lookup?q=site.example")
    again = client.get("/api/v1/lookup?q=site.example",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304


def test_lookup_api_refuses_a_malformed_query_with_json(client):
    for query in ("", "?q=", "?q=a..b.example", "?q=x.example&type=bogus", "?q=x.example&page=x"):
        response = client.get("/api/v1/lookup" + query)
        assert response.status_code == 400 and response.get_json()["error"]["code"]


def test_enumerations_are_served_as_json(client):
    body = client.get("/api/v1/enumerations").get_json()
    assert "个人" in [n["name"] for n in body["subject_natures"]]
    assert body["sms_matrix"]["first_filing"] == ["subject", "service"]
    assert body["naming_rules"]["forbidden_prefixes"]


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"


def test_the_signing_key_is_published_and_verifies_certificates(client, make_application):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from portal.models import Certificate
    from portal.signing import verify_document
    make_application(state=State.APPROVED)
    pem = client.get("/api/v1/signing-key.pem").get_data(as_text=True)
    assert load_pem_public_key(pem.encode())
    document = Certificate.select().first().document
    assert verify_document(document, pem, "bazs.cert/1").valid
