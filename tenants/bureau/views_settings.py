"""Bureau pages: instance settings, the editable enumerations and the working-day calendar."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal import enumerations as enums
from portal.clock import local_today
from portal.errors import FIXABLE
from portal.services import instance_settings, working_days
from portal.states import BUREAU_ADMINS, BUREAU_READERS
from portal.web.auth import role_required
from portal.web.forms import EmptyForm, attach_errors
from portal.web.pagination import int_arg, paginate
from tenants.bureau import bp
from tenants.bureau.forms_admin import CalendarForm, EnumerationForm, SettingsForm, YearForm


@bp.route("/settings", methods=["GET", "POST"])
@role_required(*BUREAU_ADMINS)
def settings():
    current = instance_settings.get_settings()
    form = SettingsForm(data=instance_settings.settings_values(current))
    if form.validate_on_submit():
        try:
            instance_settings.update_settings(current_user, form.values())
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("设置已保存"), "info")
            return redirect(url_for("bureau.settings"))
    return render_template("bureau/settings_edit.html", form=form, settings=current)


# -- enumerations ---------------------------------------------------------------------

def _enumeration_name_or_404(name: str) -> str:
    if name not in enums.DEFAULTS:
        abort(404)
    return name


@bp.route("/enumerations")
@role_required(*BUREAU_READERS)
def enumerations():
    rows = [(name, enums.LABELS.get(name, name), enums.current_version(name))
            for name in enums.DEFAULTS]
    return render_template("bureau/enumeration_list.html", rows=rows)


@bp.route("/enumerations/<name>", methods=["GET", "POST"])
@role_required(*BUREAU_ADMINS)
def enumeration_edit(name):
    name = _enumeration_name_or_404(name)
    version = enums.current_version(name)
    form = EnumerationForm(base_version=str(version),
                           content=enums.format_enumeration_text(name, enums.get_enumeration(name)))
    if form.validate_on_submit():
        try:
            row = enums.save_enumeration_text(name, form.content.data, current_user,
                                              expected_version=_int(form.base_version.data))
        except FIXABLE as exc:
            attach_errors(form, exc, lambda path: "content")
        else:
            flash(_l("已保存为第 %(v)d 版", v=row.version), "info")
            return redirect(url_for("bureau.enumeration_edit", name=name))
    return render_template("bureau/enumeration_edit.html", form=form, name=name,
                           label=enums.LABELS.get(name, name), version=version,
                           data=enums.get_enumeration(name),
                           as_lines=name in enums.TEXT_LISTS)


@bp.route("/enumerations/<name>/history")
@role_required(*BUREAU_READERS)
def enumeration_history(name):
    name = _enumeration_name_or_404(name)
    shown = int_arg("version")
    return render_template("bureau/enumeration_history.html", name=name,
                           label=enums.LABELS.get(name, name),
                           versions=paginate(enums.enumeration_versions(name)),
                           shown=enums.get_enumeration_version(name, shown) if shown else None)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# -- working-day calendar -------------------------------------------------------------

@bp.route("/calendar")
@role_required(*BUREAU_READERS)
def calendar():
    query = YearForm(request.args)
    year = query.year.data if query.validate() and query.year.data else local_today().year
    return _render_calendar(year, CalendarForm())


def _render_calendar(year: int, form):
    if not working_days.MIN_YEAR <= year <= working_days.MAX_YEAR:
        year = local_today().year
    return render_template("bureau/calendar_view.html", year=year, form=form,
                           overrides=paginate(working_days.year_overrides(year)),
                           months=working_days.year_summary(year), action=EmptyForm())


@bp.route("/calendar", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def calendar_add():
    form = CalendarForm()
    if form.validate_on_submit():
        try:
            row = working_days.add_override(current_user, form.day.data,
                                            form.kind.data == "workday", form.note.data or "")
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("已添加 %(day)s", day=row.day.isoformat()), "info")
            return redirect(url_for("bureau.calendar", year=row.day.year))
    year = form.day.data.year if form.day.data else local_today().year
    return _render_calendar(year, form)


@bp.route("/calendar/<int:override_id>/delete", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def calendar_delete(override_id):
    year = int_arg("year")
    if EmptyForm().validate_on_submit():
        try:
            working_days.remove_override(current_user, override_id)
        except FIXABLE as exc:
            flash(exc.message, "error")
        else:
            flash(_l("已删除该日历设置"), "info")
    return redirect(url_for("bureau.calendar", year=year))
