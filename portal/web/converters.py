"""URL converters. `<int:…>` in every route is bounded like an id column: a path id past
2**31 - 1 is a 404, not an OverflowError (SQLite) or DataError (PostgreSQL) that would
answer 500."""
from werkzeug.routing import IntegerConverter, ValidationError

from portal.models.base import MAX_ID


class BoundedIntConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(self.max)):    # int() of 4300+ digits raises ValueError
            raise ValidationError()
        return super().to_python(value)


def init_app(app) -> None:
    """Before any blueprint is registered: the rules take the converter when built."""
    app.url_map.converters["int"] = BoundedIntConverter
