"""The numbered migrations build exactly the schema the models describe."""
from playhouse.migrations import Runner
from playhouse.schema_diff import diff_models

from portal.db import db
from portal.migrate import MIGRATIONS_DIR, pending_migrations
from portal.models import ALL_MODELS


def test_migrated_schema_matches_the_models(app):
    assert pending_migrations() == []
    diff = diff_models(db.obj, ALL_MODELS)
    assert not diff, str(diff)


def test_migrations_are_numbered_and_applied_in_order(app):
    names = [m.name for m in Runner(db.obj, MIGRATIONS_DIR).status()]
    assert names == sorted(names) and names[0].startswith("0001_")
