"""Initial schema: every table of the portal (frozen copy of the models)."""
from peewee import *


def up(migrator, db):
    class IspOrganisation(Model):
        name = CharField(unique=True)
        licence_number = CharField(default='')
        consultation_phone = CharField(default='')
        contacts = TextField()
        is_suspended = BooleanField(default=False)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'isp_organisation'
    db.create_tables([IspOrganisation])

    class Account(Model):
        username = CharField(unique=True)
        tenant = CharField(index=True)
        role = CharField(default='filer')
        organisation = ForeignKeyField(IspOrganisation, null=True)
        display_name = CharField(default='')
        password_hash = TextField(default='')
        created_via = CharField(default='self')
        created_by_org = ForeignKeyField(IspOrganisation, null=True)
        mobile = CharField(index=True, default='')
        email = CharField(index=True, default='')
        mobile_verified = BooleanField(default=False)
        email_verified = BooleanField(default=False)
        identity_verified = BooleanField(default=False)
        must_change_password = BooleanField(default=False)
        password_changed_at = DateTimeField(null=True)
        session_generation = IntegerField(default=0)
        is_active = BooleanField(default=True)
        created_at = DateTimeField()
        last_login_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'account'
    db.create_tables([Account])

    class Subject(Model):
        account = ForeignKeyField(Account, unique=True)
        nature = CharField()
        name = CharField(index=True)
        cert_type = CharField()
        cert_number = CharField(index=True)
        province = CharField()
        address = CharField()
        mailing_address = CharField(default='')
        investor = CharField(default='')
        responsible = TextField()
        licence_number = CharField(default='')
        filing_number = CharField(unique=True)
        service_sequence = IntegerField(default=0)
        status = CharField(index=True, default='active')
        version = IntegerField(default=1)
        approved_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        annual_review_year = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'subject'
    db.create_tables([Subject])

    class Service(Model):
        subject = ForeignKeyField(Subject)
        kind = CharField()
        name = CharField(index=True)
        homepage = CharField(default='')
        details = TextField()
        filing_number = CharField(unique=True)
        status = CharField(index=True, default='active')
        restricted = BooleanField(default=False)
        violation = BooleanField(default=False)
        approved_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'service'
    db.create_tables([Service])

    class AccessLink(Model):
        service = ForeignKeyField(Service)
        isp = ForeignKeyField(IspOrganisation, null=True)
        customer_ref = CharField(default='')
        status = CharField(default='active')
        created_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'access_link'
            indexes = ((('isp', 'status'), False),)
    db.create_tables([AccessLink])

    class Announcement(Model):
        title = CharField()
        body = TextField()
        published = BooleanField(index=True, default=False)
        created_at = DateTimeField()
        published_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'announcement'
    db.create_tables([Announcement])

    class Application(Model):
        reference = CharField(unique=True)
        kind = CharField()
        state = CharField()
        account = ForeignKeyField(Account)
        subject = ForeignKeyField(Subject, null=True)
        service = ForeignKeyField(Service, null=True)
        channel = CharField(default='filer')
        isp = ForeignKeyField(IspOrganisation, null=True)
        submitted_by = ForeignKeyField(Account, null=True)
        proposed = TextField()
        returned_proposed = TextField(null=True)
        version = IntegerField(default=1)
        revision = IntegerField(default=1)
        return_reason = TextField(default='')
        return_notes = TextField()
        in_conflict = BooleanField(default=False)
        conflicts = TextField()
        materials = TextField()
        created_at = DateTimeField()
        updated_at = DateTimeField()
        submitted_at = DateTimeField(null=True)
        review_started_at = DateTimeField(null=True)
        due_on = DateField(null=True)
        decided_at = DateTimeField(null=True)
        decided_by = ForeignKeyField(Account, null=True)
        class Meta:
            database = db
            table_name = 'application'
            indexes = ((('state', 'due_on', 'id'), False), (('account', 'state'), False), (('subject', 'state'), False), (('isp', 'state'), False), (('kind', 'state'), False))
    db.create_tables([Application])

    class ApplicationIsp(Model):
        application = ForeignKeyField(Application, on_delete='CASCADE')
        isp = ForeignKeyField(IspOrganisation)
        class Meta:
            database = db
            table_name = 'application_isp'
            indexes = ((('isp', 'application'), True),)
    db.create_tables([ApplicationIsp])

    class AuditEvent(Model):
        seq = IntegerField(unique=True)
        at = DateTimeField()
        actor_id = IntegerField(index=True, null=True)
        actor_name = CharField(default='')
        tenant = CharField(default='system')
        action = CharField(index=True)
        object_type = CharField(default='')
        object_id = CharField(default='')
        before = TextField(null=True)
        after = TextField(null=True)
        reason = TextField(default='')
        ip = CharField(default='')
        request_id = CharField(default='')
        prev_hash = CharField()
        hash = CharField()
        class Meta:
            database = db
            table_name = 'audit_event'
            indexes = ((('object_type', 'object_id', 'seq'), False), (('at',), False))
    db.create_tables([AuditEvent])

    class AuditHead(Model):
        id = IntegerField(primary_key=True)
        seq = IntegerField(default=0)
        hash = CharField(default='')
        class Meta:
            database = db
            table_name = 'audit_head'
    db.create_tables([AuditHead])

    class AuthorisationCode(Model):
        service = ForeignKeyField(Service)
        code_hash = CharField(unique=True)
        created_at = DateTimeField()
        expires_at = DateTimeField()
        used_at = DateTimeField(null=True)
        used_by = ForeignKeyField(IspOrganisation, null=True)
        class Meta:
            database = db
            table_name = 'authorisation_code'
    db.create_tables([AuthorisationCode])

    class BlacklistEntry(Model):
        kind = CharField()
        value = CharField()
        reason = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'blacklist_entry'
            indexes = ((('kind', 'value'), True),)
    db.create_tables([BlacklistEntry])

    class Certificate(Model):
        service = ForeignKeyField(Service)
        serial = CharField(unique=True)
        document = TextField()
        issued_at = DateTimeField()
        voided_at = DateTimeField(null=True)
        void_reason = CharField(default='')
        class Meta:
            database = db
            table_name = 'certificate'
    db.create_tables([Certificate])

    class Enumeration(Model):
        name = CharField()
        version = IntegerField()
        data = TextField()
        created_at = DateTimeField()
        created_by = IntegerField(null=True)
        class Meta:
            database = db
            table_name = 'enumeration'
            indexes = ((('name', 'version'), True),)
    db.create_tables([Enumeration])

    class FilingCounter(Model):
        year = IntegerField(primary_key=True)
        value = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'filing_counter'
    db.create_tables([FilingCounter])

    class InstanceSettings(Model):
        province = CharField()
        abbreviation = CharField(max_length=1)
        bureau_name = CharField()
        address = CharField(default='')
        office_hours = CharField(default='')
        phones = CharField(default='')
        fax = CharField(default='')
        cancellation_mailbox = CharField(default='')
        public_site_url = CharField(default='https://beian.miit.gov.cn/')
        annual_review_start = DateField(null=True)
        annual_review_end = DateField(null=True)
        shell_warning_days = IntegerField(default=30)
        shell_candidate_days = IntegerField(default=60)
        public_key_pem = TextField(default='')
        numbers_issued = BooleanField(default=False)
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'instance_settings'
    db.create_tables([InstanceSettings])

    class LookupKey(Model):
        key = CharField()
        value = CharField()
        account = ForeignKeyField(Account)
        subject = ForeignKeyField(Subject, null=True, on_delete='CASCADE')
        service = ForeignKeyField(Service, null=True, on_delete='CASCADE')
        application = IntegerField(index=True, null=True)
        class Meta:
            database = db
            table_name = 'lookup_key'
            indexes = ((('key', 'value'), False), (('service',), False), (('subject',), False))
    db.create_tables([LookupKey])

    class OutboxMessage(Model):
        message_id = CharField(unique=True)
        channel = CharField()
        recipient = CharField(index=True)
        subject = CharField(default='')
        body = TextField(default='')
        payload = TextField()
        status = CharField(default='pending')
        attempts = IntegerField(default=0)
        last_error = TextField(default='')
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)
        adapter = CharField(default='')
        class Meta:
            database = db
            table_name = 'outbox_message'
            indexes = ((('status', 'created_at'), False), (('channel', 'id'), False))
    db.create_tables([OutboxMessage])

    class PreApprovalDocument(Model):
        category = CharField()
        document_number = CharField()
        stored_name = CharField(default='')
        original_name = CharField(default='')
        service = ForeignKeyField(Service, null=True)
        application = IntegerField(index=True, null=True)
        uploaded_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'pre_approval_document'
    db.create_tables([PreApprovalDocument])

    class RecordFlag(Model):
        kind = CharField()
        subject = ForeignKeyField(Subject, null=True)
        service = ForeignKeyField(Service, null=True)
        reason = TextField(default='')
        set_by = ForeignKeyField(Account, null=True)
        set_at = DateTimeField()
        cleared_at = DateTimeField(index=True, null=True)
        warned_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'record_flag'
    db.create_tables([RecordFlag])

    class RecordVersion(Model):
        subject = ForeignKeyField(Subject)
        version = IntegerField()
        snapshot = TextField()
        application = IntegerField(null=True)
        valid_from = DateTimeField()
        class Meta:
            database = db
            table_name = 'record_version'
            indexes = ((('subject', 'version'), True),)
    db.create_tables([RecordVersion])

    class ServiceIp(Model):
        service = ForeignKeyField(Service, on_delete='CASCADE')
        address = CharField(index=True)
        class Meta:
            database = db
            table_name = 'service_ip'
    db.create_tables([ServiceIp])

    class SmsVerification(Model):
        application = ForeignKeyField(Application, on_delete='CASCADE')
        role = CharField()
        name = CharField()
        cert_number = CharField()
        mobile = CharField()
        code_hash = CharField(default='')
        tries = IntegerField(default=0)
        sent_at = DateTimeField(null=True)
        expires_at = DateTimeField()
        confirmed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'sms_verification'
            indexes = ((('application', 'mobile'), False),)
    db.create_tables([SmsVerification])

    class WorkingDayOverride(Model):
        day = DateField(unique=True)
        is_working = BooleanField()
        note = CharField(default='')
        class Meta:
            database = db
            table_name = 'working_day_override'
    db.create_tables([WorkingDayOverride])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('working_day_override'))
    migrator.migrate(migrator.drop_table('sms_verification'))
    migrator.migrate(migrator.drop_table('service_ip'))
    migrator.migrate(migrator.drop_table('record_version'))
    migrator.migrate(migrator.drop_table('record_flag'))
    migrator.migrate(migrator.drop_table('pre_approval_document'))
    migrator.migrate(migrator.drop_table('outbox_message'))
    migrator.migrate(migrator.drop_table('lookup_key'))
    migrator.migrate(migrator.drop_table('instance_settings'))
    migrator.migrate(migrator.drop_table('filing_counter'))
    migrator.migrate(migrator.drop_table('enumeration'))
    migrator.migrate(migrator.drop_table('certificate'))
    migrator.migrate(migrator.drop_table('blacklist_entry'))
    migrator.migrate(migrator.drop_table('authorisation_code'))
    migrator.migrate(migrator.drop_table('audit_head'))
    migrator.migrate(migrator.drop_table('audit_event'))
    migrator.migrate(migrator.drop_table('application_isp'))
    migrator.migrate(migrator.drop_table('application'))
    migrator.migrate(migrator.drop_table('announcement'))
    migrator.migrate(migrator.drop_table('access_link'))
    migrator.migrate(migrator.drop_table('service'))
    migrator.migrate(migrator.drop_table('subject'))
    migrator.migrate(migrator.drop_table('account'))
    migrator.migrate(migrator.drop_table('isp_organisation'))
