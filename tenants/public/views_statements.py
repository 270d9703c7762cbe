"""Record statements (备案证明) and the printable certificate: the filer's own statement
(printable page and signed JSON, as of today or a past date), the public page that checks
a statement, and the certificate print page. Each printed page carries a QR code that
opens its public verification page."""
import json

from flask import Response, abort, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, TextAreaField
from wtforms.validators import Length, Optional
from wtforms.validators import ValidationError as FieldError

from portal.errors import FIXABLE
from portal.qr import qr_svg
from portal.scoping import get_service_for_filer
from portal.services import statements
from portal.services.certificates import current_certificate
from portal.services.record_history import FLAG_LABELS, STATUS_LABELS
from portal.web.auth import public_page
from tenants.public import bp
from tenants.public.views_filing import me
from tenants.public.views_records import active_subject


class AsOfForm(FlaskForm):
    """A GET form (it changes nothing): no CSRF."""

    class Meta:
        csrf = False

    on = DateField(_l("证明日期"), validators=[Optional()])


class StatementCheckForm(FlaskForm):
    """Paste or upload a statement; one of the two."""

    text = TextAreaField(_l("备案证明内容（JSON）"),
                         validators=[Optional(), Length(max=statements.MAX_BYTES)])
    upload = FileField(_l("备案证明文件（.json）"))

    document: bytes | str | None = None

    def validate_upload(self, field):
        if not field.data:
            return
        content = field.data.stream.read(statements.MAX_BYTES + 1)
        if len(content) > statements.MAX_BYTES:
            raise FieldError(_l("文件超过 256 KB，不是备案证明文件"))
        self.document = content

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        pasted = (self.text.data or "").strip()
        if pasted and self.upload.data:
            self.form_errors.append(_l("请只选择一种方式：粘贴内容或上传文件"))
            return False
        self.document = pasted or self.document
        if not self.document:
            self.form_errors.append(_l("请粘贴备案证明内容或上传备案证明文件"))
            return False
        return True


LABELS = {"status": STATUS_LABELS, "flags": FLAG_LABELS}


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _as_of():
    """The chosen date (None: today) and the form, or 400 on a malformed date."""
    form = AsOfForm(request.args)
    if request.args.get("on") and not form.validate():
        abort(400)
    return form, form.on.data


# -- the filer's statement -------------------------------------------------------------------

@bp.route("/records/statement")
def statement_view():
    subject = active_subject()
    form, on = _as_of()
    try:
        payload = statements.statement_payload(subject, on)
    except FIXABLE as exc:
        form.on.errors = [exc.message]
        return _private(Response(render_template("public/statement_view.html", form=form,
                                                 payload=None, labels=LABELS), 400))
    verify_url = url_for("public.statement_verify", _external=True)
    return _private(Response(render_template(
        "public/statement_view.html", form=form, payload=payload, labels=LABELS,
        times=statements.payload_times(payload), verify_url=verify_url,
        qr=qr_svg(verify_url, label=_l("备案证明核验页：%(url)s", url=verify_url)))))


@bp.route("/records/statement.json")
def statement_download():
    subject = active_subject()
    _, on = _as_of()
    try:
        document = statements.issue_statement(subject, on)
    except FIXABLE:
        abort(404)
    name = f"record-statement-{json.loads(document)['payload']['as_of']}.json"
    return _private(Response(document, mimetype="application/json", headers={
        "Content-Disposition": f"attachment; filename={name}"}))


# -- anyone checks a statement ---------------------------------------------------------------

@bp.route("/statement/verify", methods=["GET", "POST"])
@public_page
def statement_verify():
    form = StatementCheckForm()
    check = statements.verify(form.document) if form.validate_on_submit() else None
    status = 400 if request.method == "POST" and (check is None or not check.ok) else 200
    return render_template("public/statement_verify.html", form=form, check=check,
                           labels=LABELS), status


# -- the printable certificate ---------------------------------------------------------------

@bp.route("/records/services/<int:service_id>/certificate/print")
def certificate_print(service_id):
    service = get_service_for_filer(service_id, me())
    certificate = current_certificate(service) if service.status == "active" else None
    if certificate is None:
        abort(404)
    check_url = url_for("public.certificate_check", serial=certificate.serial, _external=True)
    return _private(Response(render_template(
        "public/certificate_print.html", service=service, certificate=certificate,
        payload=json.loads(certificate.document)["payload"], check_url=check_url,
        qr=qr_svg(check_url, label=_l("电子证书核验页：%(url)s", url=check_url)))))
