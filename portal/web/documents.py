"""Serving uploaded files (application documents, written-application scans), only through
a scoped load: as downloads, or inline for the bureau's reviewers. Never type-sniffed:
the type was checked on the content when the file was stored."""
from flask import abort, send_file

from portal.errors import FIXABLE
from portal.services import uploads


def send_document(app, stored: str):
    """One of `app`'s files by its stored name (the caller scoped `app`), or 404."""
    try:
        document = uploads.find_document(app, stored)
    except FIXABLE:
        abort(404)
    return send_file_of(document)


def send_file_of(document: dict, inline: bool = False):
    """A stored file described by {"path", "type", "name"}."""
    response = send_file(document["path"], mimetype=document["type"], as_attachment=not inline,
                         download_name=document["name"])
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
