"""One case per route and method of the URL map: who may call it and how to fill its
path, query and body. Shared by the authorisation crawl, the GET-is-safe test, the CSRF
map and the page-language test; each fails when the URL map and this table disagree.

A value in `path`, `query` or `form` is a world key: "app_review" means the acting party's
own object (filer/ISP/API cases; the crawl swaps in the other party's), "A.subject" or
"bureau.written" a fixed object, and L("x") a literal.
"""
from dataclasses import dataclass, field

ISP_ALL = ("admin", "operator", "readonly")
WRITERS = ("admin", "operator")
ADMIN = ("admin",)
READERS = ("admin", "reviewer", "auditor")
DECIDERS = ("admin", "reviewer")


@dataclass(frozen=True)
class L:
    value: str


@dataclass(frozen=True)
class Case:
    kind: str                        # public | filer | isp | bureau | api | open_api
    roles: tuple = ()
    path: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    form: dict = field(default_factory=dict)
    json: dict | None = None
    cross: str = "404"               # another party's ids: "404", or "hidden" (a search)
    ok: tuple = ()                   # more statuses the rightful actor may get

    @property
    def owned(self) -> bool:
        """The case names the acting party's own objects (so the crawl swaps them)."""
        values = list(self.path.values()) + list(self.query.values()) + list(self.form.values())
        return any(isinstance(v, str) and "." not in v for v in values) or bool(
            self.json and any(isinstance(v, str) and "." not in v for v in self.json.values()))


def pub(**kw):
    return Case("public", **kw)


def filer(**kw):
    return Case("filer", **kw)


def isp(roles=ISP_ALL, **kw):
    return Case("isp", roles, **kw)


def bureau(roles=READERS, **kw):
    return Case("bureau", roles, **kw)


def api(scope, **kw):
    return Case("api", (scope,), **kw)


DRAFT = {"app_id": "app_draft"}
ISP_DRAFT = {"app_id": "isp_draft"}
WEBSITE = {"service_id": "website"}
REVIEW = {"app_id": "A.app_review"}
CONFLICT = {"app_id": "bureau.conflict_app"}
SUBJECT = {"subject_id": "A.subject"}
SERVICE = {"service_id": "A.website"}
ORG = {"org_id": "A.isp"}
SPARE = {"account_id": "bureau.spare"}
WRITTEN = {"written_id": "bureau.written"}
REASON = {"reason": L("安全测试")}
KIND = {"kind": L("website")}
FORM_ERRORS = (400,)   # the form re-rendered with its errors: the route admitted the actor

CASES = {
    # -- anyone -------------------------------------------------------------------------
    "GET /": pub(), "GET /announcements": pub(), "GET /violations": pub(),
    "GET /lookup": pub(query={"q": L("qalpha-site.example")}),
    "GET /help": pub(), "GET /help/<topic>": pub(path={"topic": L("review-time")}),
    "GET /guide": pub(), "GET /forms": pub(),
    "GET /forms/<form>": pub(path={"form": L("password-recovery")}),
    "GET /cert-check": pub(), "POST /cert-check": pub(),
    "GET /sms-verification": pub(), "POST /sms-verification": pub(ok=FORM_ERRORS),
    "GET /statement/verify": pub(), "POST /statement/verify": pub(ok=FORM_ERRORS),
    "GET /register": pub(), "POST /register": pub(),
    "GET /login": pub(), "POST /login": pub(),
    "GET /password/forgot": pub(), "POST /password/forgot": pub(),
    "GET /password/reset": pub(), "POST /password/reset": pub(),
    "GET /username/forgot": pub(), "POST /username/forgot": pub(),
    "GET /testing/captcha/<captcha_id>": pub(path={"captcha_id": L("none")}, ok=(404,)),
    "GET /static/<path:filename>": pub(path={"filename": L("portal.css")}),
    "GET /isp/login": pub(), "POST /isp/login": pub(),
    "GET /bureau/login": pub(), "POST /bureau/login": pub(),
    "GET /isp/login/code": pub(), "POST /isp/login/code": pub(),
    "GET /bureau/login/code": pub(), "POST /bureau/login/code": pub(),
    "GET /api/v1/lookup": Case("open_api", query={"q": L("qalpha-site.example")}),
    "GET /api/v1/enumerations": Case("open_api"),
    "GET /api/v1/openapi.json": Case("open_api"),
    "GET /api/v1/signing-key.pem": Case("open_api"),
    # -- filers ---------------------------------------------------------------------------
    "GET /home": filer(), "GET /record": filer(),
    "GET /verify": filer(), "POST /verify": filer(), "POST /verify/email": filer(),
    "POST /verify/resend": filer(),
    "GET /password": filer(), "POST /password": filer(), "POST /logout": filer(),
    "GET /applications/<int:app_id>": filer(path={"app_id": "app_review"}),
    "POST /applications/<int:app_id>/abandon": filer(path=DRAFT),
    "POST /applications/<int:app_id>/submit": filer(path=DRAFT),
    "POST /applications/<int:app_id>/withdraw": filer(path={"app_id": "app_review"}),
    "GET /applications/<int:app_id>/documents/<stored>": filer(
        path={"app_id": "app_draft", "stored": "document"}),
    "GET /filing": filer(), "POST /filing": filer(),
    "GET /filing/<int:app_id>/subject": filer(path={"app_id": "app_subject_draft"}),
    "POST /filing/<int:app_id>/subject": filer(path={"app_id": "app_subject_draft"}),
    "GET /filing/<int:app_id>/services": filer(path=DRAFT),
    "GET /filing/<int:app_id>/services/new": filer(path=DRAFT),
    "POST /filing/<int:app_id>/services/new": filer(path=DRAFT, form=KIND),
    "GET /filing/<int:app_id>/services/<int:index>": filer(path={**DRAFT, "index": L("0")}),
    "POST /filing/<int:app_id>/services/<int:index>": filer(path={**DRAFT, "index": L("0")},
                                                            form=KIND),
    "POST /filing/<int:app_id>/services/<int:index>/delete": filer(
        path={**DRAFT, "index": L("0")}),
    "GET /filing/<int:app_id>/access": filer(path=DRAFT),
    "POST /filing/<int:app_id>/access": filer(path=DRAFT),
    "GET /filing/<int:app_id>/pre-approval": filer(path=DRAFT),
    "POST /filing/<int:app_id>/pre-approval": filer(path=DRAFT),
    "GET /filing/<int:app_id>/review": filer(path=DRAFT),
    "POST /filing/<int:app_id>/submit": filer(path=DRAFT),
    "GET /record/cancel": filer(), "POST /record/cancel": filer(),
    "POST /record/add-service": filer(), "POST /record/annual-review": filer(),
    "POST /record/change-subject": filer(),
    "GET /record/services/<int:service_id>/access/<int:isp_id>/cancel": filer(
        path={**WEBSITE, "isp_id": "isp"}),
    "POST /record/services/<int:service_id>/access/<int:isp_id>/cancel": filer(
        path={**WEBSITE, "isp_id": "isp"}),
    "POST /record/services/<int:service_id>/authorisation-code": filer(path=WEBSITE),
    "GET /record/services/<int:service_id>/bazs.cert": filer(path=WEBSITE),
    "GET /record/services/<int:service_id>/cancel": filer(path=WEBSITE),
    "POST /record/services/<int:service_id>/cancel": filer(path=WEBSITE),
    "POST /record/services/<int:service_id>/change": filer(path=WEBSITE),
    "POST /record/services/<int:service_id>/change-access": filer(path=WEBSITE),
    "POST /record/services/<int:service_id>/check-site": filer(path=WEBSITE),
    "GET /records/services/<int:service_id>/certificate/print": filer(path=WEBSITE),
    "GET /records/statement": filer(), "GET /records/statement.json": filer(),
}
