"""ISP integrations: API tokens, webhooks and bulk import jobs."""
from peewee import *


def up(migrator, db):
    class IspOrganisation(Model):
        class Meta:
            database = db
            table_name = 'isp_organisation'

    class Account(Model):
        class Meta:
            database = db
            table_name = 'account'

    class ApiToken(Model):
        organisation = ForeignKeyField(IspOrganisation, index=True)
        name = CharField()
        token_hash = CharField(unique=True)
        prefix = CharField()
        scopes = TextField()
        created_by = ForeignKeyField(Account, null=True)
        created_at = DateTimeField()
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'api_token'

    class Webhook(Model):
        organisation = ForeignKeyField(IspOrganisation, index=True)
        url = CharField()
        secret = CharField()
        is_active = BooleanField(default=True)
        created_by = ForeignKeyField(Account, null=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'webhook'

    class ImportJob(Model):
        organisation = ForeignKeyField(IspOrganisation, index=True)
        created_by = ForeignKeyField(Account, null=True)
        filename = CharField(default='')
        stored_name = CharField(default='')
        file_format = CharField(default='csv')
        dry_run = BooleanField(default=True)
        status = CharField(default='queued')
        total = IntegerField(default=0)
        done = IntegerField(default=0)
        errors = TextField()
        result = TextField(default='')
        created_at = DateTimeField()
        finished_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'import_job'

    db.create_tables([ApiToken, Webhook, ImportJob])


def down(migrator, db):
    for table in ('import_job', 'webhook', 'api_token'):
        db.execute_sql(f'DROP TABLE {table}')
