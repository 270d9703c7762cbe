"""Verification codes for registration, identity checks and password resets."""
from peewee import *


def up(migrator, db):
    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class VerificationCode(Model):
        account = ForeignKeyField(Account, on_delete='CASCADE')
        purpose = CharField()
        channel = CharField()
        target = CharField()
        code_hash = CharField()
        tries = IntegerField(default=0)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'verification_code'
            indexes = ((('account', 'purpose', 'channel'), False),)
    db.create_tables([VerificationCode])


def down(migrator, db):
    db.execute_sql('DROP TABLE verification_code')
