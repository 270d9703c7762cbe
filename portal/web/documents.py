"""Serving an application's uploaded files: as attachments, only through a scoped load."""
from flask import abort, send_file

from portal.errors import FIXABLE
from portal.services import uploads


def send_document(app, stored: str):
    """One of `app`'s files by its stored name (the caller scoped `app`), or 404."""
    try:
        document = uploads.find_document(app, stored)
    except FIXABLE:
        abort(404)
    return send_file(document["path"], mimetype=document["type"], as_attachment=True,
                     download_name=document["name"])
