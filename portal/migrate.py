"""Schema migrations: numbered scripts in migrations/, run by playhouse.migrations."""
from playhouse.migrations import Runner

from portal import ROOT
from portal.db import db

MIGRATIONS_DIR = str(ROOT / "migrations")


def runner() -> Runner:
    return Runner(db.obj, MIGRATIONS_DIR)


def apply_migrations() -> list[str]:
    """Apply every pending migration in order; returns their names."""
    with db.connection_context():
        return runner().up()


def pending_migrations() -> list[str]:
    return [m.name for m in runner().status() if not m.applied]
