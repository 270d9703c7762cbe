"""Domain errors. `portal` raises them; views turn them into messages or 404s.

Messages are lazy gettext strings: Chinese source, translated per request.
"""


class DomainError(Exception):
    """A rule refused the operation; nothing was changed."""

    def __init__(self, message, field=None, **details):
        super().__init__(str(message))
        self.message = message
        self.field = field
        self.details = details


class ValidationError(DomainError):
    """Input has the wrong shape or content (a field is named where one is at fault)."""


class NotFound(DomainError):
    """No such object for this actor. Another tenant's object is 'not found' too."""


class Forbidden(DomainError):
    """The actor is in the right tenant but lacks the role (HTTP 403)."""


class Refused(DomainError):
    """A workflow guard refused the transition (wrong state, wrong actor, blocked)."""


class StaleDecision(Refused):
    """The application changed since the actor looked at it (already decided)."""


class FormErrors(ValidationError):
    """Several fields at fault at once: {field: [messages]}."""

    def __init__(self, errors: dict):
        first = next(iter(errors.values()))[0] if errors else ""
        super().__init__(first)
        self.errors = errors


# What a view catches and shows next to a field or as a message. NotFound and Forbidden
# are left to the app's handlers (404, 403): a foreign object must never become a redirect.
FIXABLE = (ValidationError, Refused)
