"""Written applications received on paper, by fax or by email (书面申请)."""
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

    class Service(Model):
        class Meta:
            database = db
            table_name = 'service'

    class Application(Model):
        class Meta:
            database = db
            table_name = 'application'

    class WrittenApplication(Model):
        reference = CharField(unique=True)
        kind = CharField()
        account = ForeignKeyField(Account, backref='written_applications')
        service = ForeignKeyField(Service, null=True)
        isp = ForeignKeyField(IspOrganisation, null=True)
        target_application = ForeignKeyField(Application, null=True,
                                             backref='deletion_requests')
        received_via = CharField()
        received_on = DateField()
        applicant = TextField()
        scans = TextField()
        note = TextField(default='')
        state = CharField(default='recorded')
        refuse_reason = TextField(default='')
        application = ForeignKeyField(Application, null=True, backref='written_sources')
        recorded_by = ForeignKeyField(Account, null=True, backref='+')
        created_at = DateTimeField()
        due_on = DateField()
        decided_at = DateTimeField(null=True)
        decided_by = ForeignKeyField(Account, null=True, backref='+')
        class Meta:
            database = db
            table_name = 'written_application'
            indexes = ((('state', 'due_on', 'id'), False),)

    db.create_tables([WrittenApplication])


def down(migrator, db):
    db.execute_sql('DROP TABLE written_application')
