"""The OpenAPI document: served publicly, structurally sound, and describing every
/api/v1 route of the app, so a new route without documentation fails the suite."""
import re

import pytest

from portal.openapi import build_document

METHODS = {"get", "post", "put", "patch", "delete"}


def openapi_path(rule: str) -> str:
    """/api/v1/isp/applications/<int:app_id> → /api/v1/isp/applications/{app_id}"""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def shape(path: str) -> str:
    """A path with its parameter names dropped: the URL's shape, whatever the names."""
    return re.sub(r"\{[^}]+\}", "{}", path)


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            yield openapi_path(rule.rule), {m.lower() for m in rule.methods} & METHODS


def operations(document):
    for path, item in document["paths"].items():
        for method, op in item.items():
            assert method in METHODS, (path, method)
            yield path, method, op


def test_every_api_route_and_method_is_documented(app, document):
    documented = {shape(p): {m for m in item} for p, item in document["paths"].items()}
    missing = [(path, sorted(methods - documented.get(shape(path), set())))
               for path, methods in api_rules(app)
               if methods - documented.get(shape(path), set())]
    assert not missing, f"undocumented /api/v1 routes: {missing}"


def test_documented_paths_exist(app):
    routes = {}
    for path, methods in api_rules(app):
        routes.setdefault(shape(path), set()).update(methods)
    for path, item in build_document()["paths"].items():
        assert set(item) <= routes.get(shape(path), set()), f"documented but not served: {path}"


def test_basic_structure(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        **document["components"]["securitySchemes"]["bearerAuth"],
        "type": "http", "scheme": "bearer"}
    assert {"Error"} <= set(document["components"]["schemas"])
    ids = [op["operationId"] for _, _, op in operations(document)]
    assert len(ids) == len(set(ids))


def test_every_operation_has_responses_and_declares_its_path_parameters(document):
    for path, method, op in operations(document):
        assert op["responses"] and op["summary"], (path, method)
        declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
        assert declared == set(re.findall(r"\{([^}]+)\}", path)), (path, method)
        assert all(p["required"] for p in op["parameters"] if p["in"] == "path")


def test_isp_operations_need_the_bearer_token_and_document_their_errors(document):
    for path, method, op in operations(document):
        if not path.startswith("/api/v1/isp/"):
            assert op["security"] == [], path
            continue
        assert op["security"] == [{"bearerAuth": []}] and op["x-scope"] in ("read", "write")
        assert {"401", "403"} <= set(op["responses"]), (path, method)
        if "{" in path:
            assert "404" in op["responses"], (path, method)


def test_error_responses_use_the_error_schema(document):
    responses = document["components"]["responses"]
    for status in ("400", "401", "403", "404", "409", "422", "429"):
        assert any(status in op["responses"] for _, _, op in operations(document)), status
    for response in responses.values():
        assert response["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"}


def refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def test_every_ref_resolves(document):
    found = list(refs(document))
    assert len(found) > 50
    for target in found:
        assert target.startswith("#/"), target
        node = document
        for part in target[2:].split("/"):
            assert part in node, f"unresolved $ref {target}"
            node = node[part]


def test_every_schema_is_used(document):
    used = {r.rsplit("/", 1)[1] for r in refs(document) if "/schemas/" in r}
    assert set(document["components"]["schemas"]) == used


def test_the_document_is_cacheable(client):
    first = client.get("/api/v1/openapi.json")
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
