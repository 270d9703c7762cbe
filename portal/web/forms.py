"""Turning portal errors into form errors."""
from portal.errors import DomainError, FormErrors


def attach_errors(form, error: DomainError) -> bool:
    """Put each message next to its field (or on the form when none fits)."""
    errors = error.errors if isinstance(error, FormErrors) else {error.field or "": [error.message]}
    placed = False
    for name, messages in errors.items():
        field = getattr(form, (name or "").split(".")[-1], None) if name else None
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors) + list(messages)
            placed = True
        else:
            form.form_errors = list(getattr(form, "form_errors", [])) + list(messages)
    return placed
