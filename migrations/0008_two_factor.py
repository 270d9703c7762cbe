"""The optional TOTP second factor of ISP and bureau staff: the encrypted secret, the
last accepted time step (a code is never accepted twice) and when it was enrolled."""
from peewee import *


def up(migrator, db):
    migrator.migrate(
        # Database-level defaults too: bulk writers (the ISP import, bench data) insert
        # accounts with explicit column lists that predate these columns.
        migrator.add_column('account', 'totp_secret',
                            TextField(default='', constraints=[SQL("DEFAULT ''")])),
        migrator.add_column('account', 'totp_last_step',
                            IntegerField(default=0, constraints=[SQL('DEFAULT 0')])),
        migrator.add_column('account', 'totp_enabled_at', DateTimeField(null=True)),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_column('account', 'totp_enabled_at'),
        migrator.drop_column('account', 'totp_last_step'),
        migrator.drop_column('account', 'totp_secret'),
    )
