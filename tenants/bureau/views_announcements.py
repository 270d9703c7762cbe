"""Bureau pages: the announcements board (公告栏): write, edit, publish, unpublish."""
from flask import flash, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from portal.errors import FIXABLE
from portal.services import announcements as board
from portal.states import BUREAU_ADMINS, BUREAU_READERS
from portal.web.auth import role_required
from portal.web.forms import EmptyForm, attach_errors
from portal.web.pagination import paginate
from tenants.bureau import bp
from tenants.bureau.forms_admin import AnnouncementForm


@bp.route("/announcements")
@role_required(*BUREAU_READERS)
def announcements():
    return render_template("bureau/announcement_list.html",
                           announcements=paginate(board.bureau_announcements()),
                           action=EmptyForm())


@bp.route("/announcements/new", methods=["GET", "POST"])
@role_required(*BUREAU_ADMINS)
def announcement_new():
    form = AnnouncementForm()
    if form.validate_on_submit():
        try:
            item = board.create_announcement(current_user, form.title.data, form.body.data)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("公告草稿已保存，发布后才会在公告栏显示"), "info")
            return redirect(url_for("bureau.announcement_edit", announcement_id=item.id))
    return render_template("bureau/announcement_edit.html", form=form, item=None,
                           action=EmptyForm())


@bp.route("/announcements/<int:announcement_id>/edit", methods=["GET", "POST"])
@role_required(*BUREAU_ADMINS)
def announcement_edit(announcement_id):
    item = board.get_announcement(announcement_id)
    form = AnnouncementForm(obj=item)
    if form.validate_on_submit():
        try:
            board.update_announcement(item.id, current_user, form.title.data, form.body.data)
        except FIXABLE as exc:
            attach_errors(form, exc)
        else:
            flash(_l("公告已保存"), "info")
            return redirect(url_for("bureau.announcement_edit", announcement_id=item.id))
    return render_template("bureau/announcement_edit.html", form=form, item=item,
                           action=EmptyForm())


def _publish_action(announcement_id, operation, message):
    item = board.get_announcement(announcement_id)
    if EmptyForm().validate_on_submit():
        try:
            operation(item.id, current_user)
        except FIXABLE as exc:
            flash(exc.message, "error")
        else:
            flash(message, "info")
    return redirect(url_for("bureau.announcements"))


@bp.route("/announcements/<int:announcement_id>/publish", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def announcement_publish(announcement_id):
    return _publish_action(announcement_id, board.publish_announcement,
                           _l("公告已发布，公告栏即时可见"))


@bp.route("/announcements/<int:announcement_id>/unpublish", methods=["POST"])
@role_required(*BUREAU_ADMINS)
def announcement_unpublish(announcement_id):
    return _publish_action(announcement_id, board.unpublish_announcement,
                           _l("公告已撤下，公告栏不再显示"))
