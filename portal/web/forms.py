"""Turning portal errors into form errors."""
from flask_wtf import FlaskForm

from portal.errors import DomainError, FormErrors


def _last_part(path: str) -> str:
    return (path or "").split(".")[-1]


def attach_errors(form, error: DomainError, mapper=_last_part) -> None:
    """Put each message next to its field (or on the form when no field fits)."""
    errors = error.errors if isinstance(error, FormErrors) else {error.field or "": [error.message]}
    for path, messages in errors.items():
        field = getattr(form, mapper(path), None) if path else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
        else:
            form.form_errors = list(getattr(form, "form_errors", [])) + list(messages)


class EmptyForm(FlaskForm):
    """A button that changes something: just the CSRF token."""
