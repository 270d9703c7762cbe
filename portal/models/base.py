"""Base model and the field types every model shares."""
import json

from peewee import Model, TextField

from portal.db import db

# The largest id any table holds: keys are 32-bit integers on PostgreSQL (SQLite takes no
# integer past 64 bits). A larger id in a path, query, body or import file can name no
# row and must not reach the database, which would fail on it (a 500).
MAX_ID = 2**31 - 1


class JSONField(TextField):
    """JSON stored as text, so the same column works on SQLite and PostgreSQL."""

    def db_value(self, value):
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False
