"""Findings of the nightly site check of approved websites."""
from peewee import *


def up(migrator, db):
    class Service(Model):
        class Meta:
            database = db
            table_name = 'service'

    class SiteCheckFinding(Model):
        service = ForeignKeyField(Service, backref='site_checks', on_delete='CASCADE')
        domain = CharField()
        checked_at = DateTimeField()
        ok = BooleanField()
        problems = TextField()
        class Meta:
            database = db
            table_name = 'site_check_finding'
            indexes = ((('service', 'checked_at'), False), (('ok', 'checked_at'), False))

    db.create_tables([SiteCheckFinding])


def down(migrator, db):
    db.execute_sql('DROP TABLE site_check_finding')
