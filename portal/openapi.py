"""The OpenAPI 3.1 document of every /api/v1 route (served at /api/v1/openapi.json).

Written by hand, next to no view: a test walks the app's URL map and fails when a route
under /api/v1 is missing here, so a new route cannot ship undocumented. Schemas live in
components; operations refer to them. Public routes need nothing, ISP routes a bearer
token with the read or write scope (created by the ISP admin at /isp/tokens).
"""
import copy

from portal.models.base import MAX_ID
from portal.states import Kind, State


def ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def obj(required=(), **properties) -> dict:
    schema = {"type": "object", "properties": properties}
    return {**schema, "required": list(required)} if required else schema


def string(description: str = "", **extra) -> dict:
    return {"type": "string", **({"description": description} if description else {}), **extra}


def nullable(schema: dict) -> dict:
    return {"oneOf": [schema, {"type": "null"}]}


INT, BOOL, DATE_TIME = {"type": "integer"}, {"type": "boolean"}, string(format="date-time")
STRINGS = {"type": "array", "items": {"type": "string"}}


def page_of(item: str) -> dict:
    return obj(("items", "page", "per_page", "total"), items={"type": "array", "items": ref(item)},
               page=INT, per_page=INT, total=INT)


# -- schemas ----------------------------------------------------------------

PERSON = obj(("name", "cert_type", "cert_number", "mobile"), name=string(),
             cert_type=string("证件类型, e.g. 居民身份证"), cert_number=string(),
             mobile=string(), phone=string("landline, e.g. 0351-8788032"),
             email=string(format="email"), emergency_contact=string())

SUBJECT = obj(("nature", "name", "cert_type", "cert_number", "address", "responsible"),
              nature=string("subject nature (see /api/v1/enumerations subject_natures)"),
              name=string("主办单位全称 or the person's name"), cert_type=string(),
              cert_number=string("with its check character"),
              address=string("must lie in this province"), mailing_address=string(),
              investor=string(), licence_number=string("ICP licence (经营许可证), if any"),
              responsible=ref("Person"))

SERVICE = obj(("kind", "name", "location", "responsible"),
              kind=string(enum=["website", "app", "miniprogram", "quickapp"]),
              name=string("checked against the naming rules"),
              homepage=string("websites: a URL on one of the domains"),
              domains=STRINGS, ips=STRINGS,
              location=string("server location: a province, or 其它 when abroad"),
              isps={"type": "array", "items": INT, "description": "access provider ids"},
              content_category=string(), languages=STRINGS,
              pre_approvals={"type": "array", "items": obj(
                  ("category", "document_number"), category=string(), document_number=string())},
              responsible=ref("Person"), platforms={"type": "array", "items": {"type": "object"}},
              app_id=string("mini programs / quick apps"),
              service_id={"type": "integer",
                          "description": "the service changed (change_service, annual_review)"})

PROPOSAL = {"type": "object", "description": (
    "The proposed data, by kind: first_filing and annual_review {subject, services}; "
    "change_subject {subject}; add_service, change_service, change_access {services}; "
    "add_access {isp_id, customer_ref}; cancel_access {isp_id, reason}; cancel_subject, "
    "cancel_service {reason}; conflict_resolution {description}. Read back, an ISP that "
    "did not file the application sees only the services it is named for or serves."),
    "properties": {"subject": ref("Subject"), "services": {"type": "array", "items": ref("Service")},
                   "isp_id": INT, "customer_ref": string(), "reason": string(),
                   "description": string()}}

APPLICATION_SUMMARY = obj(
    ("id", "reference", "kind", "state", "version"), id=INT,
    reference=string("shown to people, used on the SMS verification page"),
    kind=string(enum=[k.value for k in Kind]), state=string(enum=[s.value for s in State]),
    channel=string(enum=["filer", "isp", "bureau"]), filed_by_this_isp=BOOL,
    customer_id=INT, service_id=nullable(INT),
    version={"type": "integer", "description": "send it back with a decision"},
    in_conflict=BOOL, due_on=nullable(string(format="date")),
    submitted_at=nullable(DATE_TIME), updated_at=DATE_TIME)

APPLICATION = {"allOf": [ref("ApplicationSummary"), obj(
    (), return_reason=string(), return_notes={"type": "array", "items": ref("ReturnNote")},
    proposed=ref("Proposal"), created_at=DATE_TIME, decided_at=nullable(DATE_TIME),
    history={"type": "array", "items": obj(("action", "at"), action=string(
        "create, submit, verify, isp_return, sms_confirmed, approve, return, …"),
        at=DATE_TIME)})]}

CUSTOMER = obj(("id", "username", "created_via"), id=INT, username=string(),
               created_via=string(enum=["self", "isp_import", "isp_behalf", "bureau", "cli"]),
               created_at=DATE_TIME, subject_name=nullable(string()),
               filing_number=nullable(string()), subject_status=nullable(string()))

CUSTOMER_SERVICE = obj(("id", "kind", "name", "filing_number"), id=INT, kind=string(),
                       name=string(), filing_number=string(), domains=STRINGS, restricted=BOOL,
                       on_access_list=BOOL, customer_ref=nullable(string()),
                       current=nullable(ref("Service")))

LOOKUP_RESULT = obj(
    (), subject_filing_number=string(), service_filing_number=string(),
    subject_name=string("individuals' names are masked"), subject_nature=string(),
    service_name=string(), service_kind=string(), homepage=string(), domains=STRINGS,
    pre_approvals={"type": "array", "items": obj((), category=string(),
                                                 document_number=string())},
    restricted=BOOL, violation=BOOL, approved_on=string(format="date"))

IMPORT_ERROR = obj(("row", "field", "message"), row=INT, field=string(), message=string())
IMPORT_JOB = obj(("job", "status", "dry_run", "total", "done", "errors"), job=INT,
                 status=string(enum=["queued", "running", "done", "failed"]), dry_run=BOOL,
                 total=INT, done=INT, created=INT,
                 errors={"type": "array", "items": ref("ImportError")})
IMPORT_FAILED = {"allOf": [ref("Error"), ref("ImportJob")]}
IMPORT_DONE = {"allOf": [ref("ImportJob"), obj((), accounts={
    "type": "array", "description": "real import only: given once, with initial passwords",
    "items": obj((), row=string(), username=string(), initial_password=string(),
                 reference=string(), customer_ref=string())})]}

SCHEMAS = {
    "Error": obj(("error",), error=obj(
        ("code", "message"), code=string(
            "bad_request, validation, unauthorised, forbidden, not_found, conflict, "
            "rate_limited, bad_query, …"), message=string("in the request's language"),
        fields={"type": "object", "additionalProperties": STRINGS,
                "description": "validation only: messages by field path (services.0.domains)"})),
    "Person": PERSON, "Subject": SUBJECT, "Service": SERVICE, "Proposal": PROPOSAL,
    "ReturnNote": obj(("field", "note"), field=string("field path, e.g. services.0.name"),
                      note=string("what to fix")),
    "ApplicationSummary": APPLICATION_SUMMARY, "Application": APPLICATION,
    "ApplicationPage": page_of("ApplicationSummary"),
    "ConnectCheck": obj(
        ("domain", "filed", "restricted", "on_access_list", "may_connect", "reason"),
        domain=string("normalised (punycode)"), filed=BOOL,
        filing_number=nullable(string()), service_name=nullable(string()), restricted=BOOL,
        on_access_list=BOOL, may_connect=BOOL, reason=string()),
    "Customer": CUSTOMER, "CustomerPage": page_of("Customer"),
    "CustomerService": CUSTOMER_SERVICE,
    "CustomerDetail": {"allOf": [ref("Customer"), obj(("services",), services={
        "type": "array", "items": ref("CustomerService")})]},
    "NewApplication": obj(
        ("kind", "customer_id", "proposed"),
        kind=string(enum=["first_filing", "add_service", "change_subject", "change_service",
                          "change_access", "annual_review"]),
        customer_id=INT, proposed=ref("Proposal"),
        service_id={"type": "integer", "description": "the service a change is about"}),
    "Decision": obj(("version",), version=INT),
    "IspReturn": obj(("reason", "notes", "version"), reason=string(),
                     notes={"type": "array", "minItems": 1, "items": ref("ReturnNote")},
                     version=INT),
    "AddAccess": obj(("code",), code=string("the filer's authorisation code (授权码)"),
                     customer_ref=string("your own customer reference", maxLength=64)),
    "CancelAccess": obj(("reason",), reason=string()),
    "LookupResult": LOOKUP_RESULT,
    "LookupPage": obj(("query", "results", "page", "total"), query=string(),
                      results={"type": "array", "items": ref("LookupResult")},
                      page=INT, total=INT),
    "ImportError": IMPORT_ERROR, "ImportJob": IMPORT_JOB, "ImportFailed": IMPORT_FAILED,
    "ImportDone": IMPORT_DONE,
    "Webhook": obj(("id", "url", "is_active"), id=INT, url=string(format="uri"),
                   is_active=BOOL, created_at=DATE_TIME),
    "WebhookList": obj(("webhooks",), webhooks={"type": "array", "items": ref("Webhook")}),
    "NewWebhook": obj(("url",), url=string(format="uri")),
    "WebhookCreated": obj(("id", "url", "secret"), id=INT, url=string(format="uri"),
                          secret=string("HMAC-SHA256 signing secret, shown only here")),
    "WebhookTest": obj(("event_id", "status"), event_id=string(), status=string()),
}

# -- responses and operations -----------------------------------------------

ERRORS = {"400": ("BadRequest", "malformed request (not JSON, bad query parameter)"),
          "401": ("Unauthorised", "no valid bearer token (missing, revoked, ISP suspended)"),
          "403": ("Forbidden", "the token lacks the scope this route needs"),
          "404": ("NotFound", "no such object for this ISP (another ISP's is not found too)"),
          "409": ("Conflict", "refused by a workflow rule, or a stale version"),
          "422": ("Validation", "invalid content; `fields` names each field at fault"),
          "429": ("RateLimited", "too many requests; see Retry-After")}

RESPONSES = {name: {"description": text, "content": {"application/json": {
    "schema": ref("Error")}}} for name, text in ERRORS.values()}
RESPONSES["RateLimited"]["headers"] = {"Retry-After": {"schema": INT}}


def json_response(description: str, schema=None) -> dict:
    """A response; `schema` is a JSON schema, (content type, schema), or None (no body)."""
    if schema is None:
        return {"description": description}
    content_type, schema = schema if isinstance(schema, tuple) else ("application/json", schema)
    return {"description": description, "content": {content_type: {"schema": schema}}}


def param(name: str, where: str = "query", schema=None, description: str = "",
          required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required or where == "path",
            "schema": schema or {"type": "string"}, "description": description}


ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}   # 32-bit keys; larger: 404


def path_id(name: str, description: str = "") -> dict:
    return param(name, "path", ID, description)


PAGE = [param("page", schema=INT, description="1-based"),
        param("per_page", schema=INT, description="default 20, at most 100")]


def operation(op_id: str, summary: str, tag: str, ok: tuple, *, scope: str | None = None,
              errors=(), params=(), body=None, description: str = "", more=None) -> dict:
    """One operation. `ok` is (status, description, schema) as json_response takes it;
    `body` a JSON schema or {content type: schema}; `more` further responses by status.
    ISP operations name their token `scope` and answer 401 and 403 too."""
    status, text, schema = ok
    op = {"operationId": op_id, "summary": summary, "tags": [tag], "parameters": list(params),
          "responses": {status: json_response(text, schema), **(more or {})}}
    if body is not None:
        bodies = body if "$ref" not in body and "type" not in body else {"application/json": body}
        op["requestBody"] = {"required": True, "content": {
            content_type: {"schema": schema} for content_type, schema in bodies.items()}}
    if scope:
        op["security"], op["x-scope"] = [{"bearerAuth": []}], scope
        description = f"Needs a token with the `{scope}` scope. {description}".strip()
        errors = ("401", "403", *errors)
    else:
        op["security"] = []
    if description:
        op["description"] = description
    for code in errors:
        op["responses"].setdefault(code, ref(ERRORS[code][0], "responses"))
    return op


# -- paths ------------------------------------------------------------------

V1, ISP = "/api/v1", "/api/v1/isp"
APP_ERRORS = ("404", "409", "422", "400")

PUBLIC_PATHS = {
    f"{V1}/lookup": {"get": operation(
        "lookup", "Is it filed (是否备案)", "public", ("200", "matches", ref("LookupPage")),
        errors=("400", "429"), params=[
            param("q", description="domain, filing number, subject or service name",
                  required=True),
            param("type", schema=string(enum=["domain", "number", "subject", "service"])),
            param("kind", schema=string(enum=["website", "app", "miniprogram", "quickapp"])),
            param("page", schema=INT)],
        description="Approved services only. Rate-limited per client; answers carry an ETag "
                    "(If-None-Match gives 304).")},
    f"{V1}/enumerations": {"get": operation(
        "enumerations", "The bureau's editable lists", "public",
        ("200", "subject natures, certificate types, categories, SMS matrix, naming rules, …",
         {"type": "object", "additionalProperties": True}))},
    f"{V1}/signing-key.pem": {"get": operation(
        "signing_key", "The bureau's public Ed25519 key (verifies bazs.cert)", "public",
        ("200", "PEM", ("application/x-pem-file", {"type": "string"})))},
    f"{V1}/openapi.json": {"get": operation(
        "openapi", "This document", "public", ("200", "OpenAPI 3.1", {"type": "object"}))},
}

ISP_PATHS = {
    f"{ISP}/check": {"get": operation(
        "check_domain", "May we connect this domain? (接入核验)", "isp",
        ("200", "the answer", ref("ConnectCheck")), scope="read", errors=("422",),
        params=[param("domain", required=True, description="a subdomain finds its filed parent")],
        description="An ISP must not connect an unfiled service: may_connect is true only "
                    "when the domain is filed, not restricted, and this ISP is on its access list.")},
    f"{ISP}/applications": {
        "get": operation(
            "list_applications", "This ISP's applications", "isp",
            ("200", "newest first", ref("ApplicationPage")), scope="read", errors=("400",),
            params=[param("state", schema=APPLICATION_SUMMARY["properties"]["state"]),
                    param("kind", schema=APPLICATION_SUMMARY["properties"]["kind"]), *PAGE],
            description="Those it filed or that name it as access provider, in any state."),
        "post": operation(
            "create_application", "File for a customer (代为提交)", "isp",
            ("201", "opened and submitted", ref("Application")), scope="write",
            errors=APP_ERRORS, body=ref("NewApplication"),
            description="For an account this ISP created (first filing) or serves. Access is "
                        "added with POST /access and cancelled with POST /access/{service_id}/cancel; "
                        "cancellations and conflict resolution need materials (ISP pages).")},
    f"{ISP}/applications/{{app_id}}": {"get": operation(
        "get_application", "One application, with its history", "isp",
        ("200", "the application", ref("Application")), scope="read", errors=("404",),
        params=[path_id("app_id")])},
    f"{ISP}/applications/{{app_id}}/verify": {"post": operation(
        "verify_application", "Verify and forward (核实通过)", "isp",
        ("200", "forwarded (to SMS verification or bureau review)", ref("Application")),
        scope="write", errors=APP_ERRORS, params=[path_id("app_id")], body=ref("Decision"))},
    f"{ISP}/applications/{{app_id}}/return": {"post": operation(
        "return_application", "Return to the submitter (退回)", "isp",
        ("200", "returned", ref("Application")), scope="write", errors=APP_ERRORS,
        params=[path_id("app_id")], body=ref("IspReturn"),
        description="The reason and at least one field note with what to fix are required.")},
    f"{ISP}/access": {"post": operation(
        "add_access", "Add access with the filer's code (新增接入)", "isp",
        ("201", "the submitted add-access application", ref("Application")), scope="write",
        errors=("409", "422", "400"), body=ref("AddAccess"),
        description="Step one of an access change: the code is single-use and valid 7 days; "
                    "a refused request leaves it unused.")},
    f"{ISP}/access/{{service_id}}/cancel": {"post": operation(
        "cancel_access", "Cancel this ISP's access to a service (取消接入)", "isp",
        ("201", "the submitted cancel-access application", ref("Application")),
        scope="write", errors=APP_ERRORS, params=[path_id("service_id")],
        body=ref("CancelAccess"),
        description="Step two of an access change, once the new ISP's access is approved.")},
    f"{ISP}/customers": {"get": operation(
        "list_customers", "This ISP's customers", "isp", ("200", "accounts", ref("CustomerPage")),
        scope="read", errors=("400",),
        params=[param("q", description="username, subject name, mobile or email"), *PAGE],
        description="Filer accounts this ISP created or serves. Never passwords.")},
    f"{ISP}/customers/{{account_id}}": {"get": operation(
        "get_customer", "One customer with its services", "isp",
        ("200", "the customer", ref("CustomerDetail")), scope="read", errors=("404",),
        params=[path_id("account_id")])},
    f"{ISP}/imports": {"post": operation(
        "create_import", "Bulk import of first filings (dry run or import)", "import",
        ("200", "a small file, done at once", ref("ImportDone")), scope="write",
        errors=("400",), params=[param("dry_run", schema=string(enum=["true", "false"],
                                                                default="true"),
                                       description="true (default): check only, change nothing")],
        body={"text/csv": string(format="binary"), "application/json": {"type": "array"}},
        more={"202": json_response("a large file: the queued job", ref("ImportJob")),
              "422": json_response("errors in the file; nothing was written",
                                   ref("ImportFailed"))},
        description="The file is the raw body, text/csv or application/json, in the format of "
                    "docs/import-format.md. All or nothing. A large file runs as a job: 202, "
                    "then poll GET /imports/{job_id}.")},
    f"{ISP}/imports/{{job_id}}": {"get": operation(
        "get_import", "One import job", "import", ("200", "the job", ref("ImportJob")),
        scope="read", errors=("404",), params=[path_id("job_id")])},
    f"{ISP}/imports/{{job_id}}/result": {"post": operation(
        "take_import_result", "The result file of a real import (CSV)", "import",
        ("200", "row, username, initial_password, reference, customer_ref",
         ("text/csv", {"type": "string"})),
        scope="write", errors=("404",), params=[path_id("job_id")],
        description="Only for the account that ran the import; the initial passwords are in "
                    "it the first time only.")},
    f"{ISP}/webhooks": {
        "get": operation("list_webhooks", "This ISP's webhooks", "webhooks",
                         ("200", "the webhooks", ref("WebhookList")), scope="read"),
        "post": operation(
            "create_webhook", "Register a webhook", "webhooks",
            ("201", "registered; the secret is shown only here", ref("WebhookCreated")),
            scope="write", errors=("400",), body=ref("NewWebhook"),
            description="Every state change of this ISP's applications is POSTed as signed "
                        "JSON (X-ICP-Signature: sha256=HMAC of \"<timestamp>.<body>\").")},
    f"{ISP}/webhooks/{{webhook_id}}": {"delete": operation(
        "delete_webhook", "Delete a webhook", "webhooks", ("204", "deleted", None),
        scope="write", errors=("404",), params=[path_id("webhook_id")])},
    f"{ISP}/webhooks/{{webhook_id}}/test": {"post": operation(
        "test_webhook", "Send a test event", "webhooks",
        ("202", "queued for delivery", ref("WebhookTest")), scope="write",
        errors=("404", "409"), params=[path_id("webhook_id")])},
}


def build_document(version: str = "1.0.0") -> dict:
    """The whole document, a fresh dict each time (callers may change it)."""
    return copy.deepcopy({
        "openapi": "3.1.0",
        "info": {"title": "ICP filing portal API", "version": version, "description": (
            "Public lookup and enumerations, and the ISP API. ISP calls send "
            "`Authorization: Bearer <token>`; the ISP admin creates tokens at /isp/tokens. "
            "Errors are {\"error\": {\"code\", \"message\"}} (plus `fields` on 422). "
            "Lists are paginated: ?page=&per_page= → {items, page, per_page, total}.")},
        "servers": [{"url": "/"}],
        "tags": [{"name": "public"}, {"name": "isp"}, {"name": "import"}, {"name": "webhooks"}],
        "paths": {**PUBLIC_PATHS, **ISP_PATHS},
        "components": {
            "schemas": SCHEMAS, "responses": RESPONSES,
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "An ISP API token (icp_…) with the read and/or write scope."}},
        },
    })

