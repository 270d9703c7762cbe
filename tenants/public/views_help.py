"""Public help pages (no login): the help centre, the filing guide, the printable written
application forms, the announcements board and the violation list."""
from dataclasses import dataclass

from flask import abort, current_app, make_response, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.routing import BuildError

from portal import written_forms as paper
from portal.enumerations import get_enumeration
from portal.pagination import Page
from portal.services import announcements as board
from portal.services import violations as violation_records
from portal.web.auth import public_page
from portal.web.pagination import page_number, paginate
from tenants.public import bp


@dataclass(frozen=True)
class HelpTopic:
    slug: str
    title: str
    question: str
    related: tuple = ()

    @property
    def template(self) -> str:
        return f"public/help/{self.slug.replace('-', '_')}.html"


def _topic(slug, title, question, *related) -> HelpTopic:
    return HelpTopic(slug, title, question, related)


HELP_GROUPS = (
    (_l("办理备案"), (
        _topic("review-time", _l("审核时限与进度查询"), _l("审核要多长时间？怎样查询进度？"),
               "missing-codes", "changes"),
        _topic("fees", _l("备案费用"), _l("办理备案要交费吗？"), "review-time"),
        _topic("multiple-services", _l("多个网站/APP的备案"), _l("我有多个网站或APP，怎样备案？"),
               "changes", "conflicts"),
        _topic("pre-approval", _l("前置审批"), _l("哪些网站/APP要先办前置审批？怎样办？"),
               "commercial"),
        _topic("commercial", _l("经营性互联网信息服务"), _l("提供收费服务也是办备案吗？"),
               "pre-approval", "footer"),
        _topic("overseas-server", _l("服务器在境外"), _l("服务器不在中国大陆，怎样备案？"),
               "access-change"),
        _topic("closed-site", _l("网站被关闭后重新开通"), _l("网站被关闭了，怎样才能重新开通？"),
               "review-time", "access-change"),
    )),
    (_l("账号与验证码"), (
        _topic("lost-password", _l("忘记用户名或密码"), _l("忘记了用户名或密码，怎么办？"),
               "missing-codes"),
        _topic("missing-codes", _l("收不到验证码"), _l("邮件或短信验证码一直收不到，怎么办？"),
               "lost-password"),
    )),
    (_l("变更、注销与冲突"), (
        _topic("changes", _l("变更备案信息"), _l("备案信息有变化，怎样修改？"),
               "access-change", "cancellation"),
        _topic("access-change", _l("更换接入服务商"), _l("换了接入服务商，备案要怎样处理？"),
               "changes"),
        _topic("cancellation", _l("注销备案与“撤销”"), _l("怎样注销备案？“注销”和“撤销”有什么区别？"),
               "changes", "conflicts"),
        _topic("conflicts", _l("备案冲突"), _l("收到备案冲突的通知，是什么意思？怎样解决？"),
               "cancellation", "multiple-services"),
        _topic("annual-review", _l("年度审核"), _l("备案需要年检吗？怎样办理年度审核？"),
               "changes"),
    )),
    (_l("证书与网站展示"), (
        _topic("certificates", _l("电子证书"), _l("电子证书在哪里下载？怎样安装和核验？"),
               "footer"),
        _topic("footer", _l("首页底部的备案号"), _l("备案号应该怎样放在网站首页上？"),
               "certificates"),
    )),
    (_l("联系我们"), (
        _topic("contact", _l("联系管局"), _l("怎样联系省通信管理局？"), "review-time"),
    )),
)
HELP_TOPICS = {topic.slug: topic for _, topics in HELP_GROUPS for topic in topics}


def _optional_url(endpoint: str) -> str | None:
    """A link to a page another area provides, or None while that page is absent."""
    try:
        return url_for(endpoint)
    except BuildError:
        return None


def _render(template: str, **context):
    """Every help page shows the bureau's contact settings and may link to optional pages."""
    return render_template(template, optional_url=_optional_url,
                           settings=context.pop("settings", None) or board.bureau_contacts(),
                           **context)


def _account():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _topic_context(slug: str) -> dict:
    if slug == "pre-approval":
        return {"categories": get_enumeration("pre_approval_categories")}
    if slug == "footer":
        prefill = paper.prefill_for(_account())
        return {"websites": [s for s in prefill.services if s.kind == "website"]}
    return {}


@bp.route("/help")
@public_page
def help_index():
    return _render("public/help/index.html", groups=HELP_GROUPS)


@bp.route("/help/<topic>")
@public_page
def help_topic(topic):
    entry = HELP_TOPICS.get(topic) or abort(404)
    return _render(entry.template, topic=entry, topics=HELP_TOPICS, **_topic_context(topic))


@bp.route("/guide")
@public_page
def guide():
    return _render("public/guide.html")


@bp.route("/forms")
@public_page
def written_forms():
    return _render("public/written_forms.html", forms=paper.FORMS.values(),
                   recommended=paper.recommended_form(_account()))


@bp.route("/forms/<form>")
@public_page
def written_form(form):
    sheet = paper.prepare_sheet(form, _account())
    response = make_response(_render("public/written_form_print.html", sheet=sheet,
                                     settings=sheet.settings))
    if sheet.prefill.username:   # the filer's own identity data: never cached on the way
        response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/announcements")
@public_page
def announcements():
    return _render("public/announcements.html",
                   announcements=paginate(board.published_announcements()),
                   isps=_paginate_by(board.isp_contacts(), "isp_page"))


@bp.route("/violations")
@public_page
def violations():
    page = violation_records.violation_page(page_number(), current_app.config["PAGE_SIZE"])
    return _render("public/violations.html", page=page)


def _paginate_by(query, arg: str) -> Page:
    """Like `paginate`, for a second list on one page that keeps its own page number."""
    return paginate(query, arg=arg)
