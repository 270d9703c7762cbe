"""Public checks, open to anyone: the certificate check (电子证书核验) and the SMS
verification page (短信核验), reached with an application reference, not an account."""

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l

from portal import workflow
from portal.errors import NotFound, Refused, ValidationError
from portal.masking import mask_mobile
from portal.services import site_check, throttle
from portal.services.sms_checks import sms_summary
from portal.states import State
from portal.web.auth import public_page
from tenants.public import bp
from tenants.public.forms_check import CertificateCheckForm, SmsConfirmForm, SmsLookupForm



# -- certificate check ------------------------------------------------------

@bp.route("/cert-check", methods=["GET", "POST"])
@public_page
def certificate_check():
    form = CertificateCheckForm()
    report, error = None, None
    if request.method == "GET" and request.args.get("serial"):   # a printed certificate's QR
        report = site_check.check_certificate_serial(request.args["serial"])
    elif form.validate_on_submit():
        try:
            report = _check_certificate(form)
        except (Refused, ValidationError) as exc:
            error = exc.message
    return render_template("public/cert_check.html", form=form, report=report, error=error)


def _check_certificate(form: CertificateCheckForm) -> site_check.CertificateReport:
    domain = form.domain.data or None
    if form.certificate is not None:
        return site_check.check_certificate_text(form.certificate, domain=domain)
    wait = throttle.take_lookup(request.remote_addr or "")
    if wait:
        raise Refused(_l("核验过于频繁，请 %(seconds)d 秒后再试", seconds=int(wait) + 1))
    return site_check.check_certificate_at(
        domain, allow_loopback=current_app.config["ALLOW_LOOPBACK_OUTBOUND"])


# -- SMS verification -------------------------------------------------------

def _render_sms(reference="", summary=None, form=None, returned=None, status=200):
    lookup = SmsLookupForm(formdata=None, reference=reference)
    not_found = bool(reference) and summary is None and returned is None
    return render_template("public/sms_verification.html", lookup=lookup, summary=summary,
                           form=form, returned=returned, not_found=not_found), status


@bp.route("/sms-verification", methods=["GET", "POST"])
@public_page
def sms_verification():
    if request.method == "POST":
        return _sms_post()
    reference = request.args.get("reference", "").strip()[:32]
    summary = sms_summary(reference) if reference else None
    form = SmsConfirmForm(formdata=None, reference=reference) if summary else None
    return _render_sms(reference, summary, form)


def _sms_post():
    form = SmsConfirmForm()
    reference = (form.reference.data or "").strip()[:32]
    summary = sms_summary(reference)
    if summary is None:
        return _render_sms(reference, status=404 if reference else 400)
    if not form.validate_on_submit():
        return _render_sms(reference, summary, form, status=400)
    if form.resend.data:
        return _resend_code(form)
    return _confirm_code(form)


def _confirm_code(form: SmsConfirmForm):
    reference = form.reference.data.strip()
    try:
        app = workflow.confirm_sms(reference, form.cert_number.data, form.mobile.data,
                                   form.code.data)
    except NotFound:
        return _render_sms(reference, status=404)
    except Refused as exc:
        return _refused(form, reference, exc)
    summary = sms_summary(reference) if app.state == State.SMS else None
    if summary is None:
        flash(_l("核验成功。所有核验人均已完成核验，申请已提交管局审核，结果会通知提交者。"), "info")
        return redirect(url_for(".sms_verification"))
    flash(_l("核验成功。还有 %(n)d 位核验人尚未完成，请提醒其在核验期限内完成。",
             n=summary.pending), "info")
    return redirect(url_for(".sms_verification", reference=reference))


def _refused(form: SmsConfirmForm, reference: str, exc: Refused):
    summary = sms_summary(reference)
    if summary is None:   # timed out or too many wrong codes: it went back to the submitter
        return _render_sms(reference, returned=exc.message, status=409)
    if "tries_left" in exc.details:
        form.code.errors.append(exc.message)
    else:
        form.form_errors.append(exc.message)
    form.code.data = ""
    return _render_sms(reference, summary, form, status=400)


def _resend_code(form: SmsConfirmForm):
    reference = form.reference.data.strip()
    try:
        throttle.check_code_send(f"sms:{form.mobile.data}", request.remote_addr or "")
        workflow.resend_sms_code(reference, form.cert_number.data, form.mobile.data)
    except NotFound:
        return _render_sms(reference, status=404)
    except Refused as exc:
        form.form_errors.append(exc.message)
        return _render_sms(reference, sms_summary(reference), form, status=400)
    flash(_l("如您尚未完成核验，新的核验码已发送至 %(mobile)s，此前的核验码随即失效。"
             "核验期限不变，请在期限内完成。", mobile=mask_mobile(form.mobile.data)), "info")
    return redirect(url_for(".sms_verification", reference=reference))
