"""Accounts of every tenant and the ISP organisations that own ISP staff."""
from datetime import UTC

from flask_login import UserMixin
from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from portal.clock import utcnow
from portal.models.base import BaseModel, JSONField


class IspOrganisation(BaseModel):
    name = CharField(unique=True)
    licence_number = CharField(default="")
    consultation_phone = CharField(default="")
    contacts = JSONField(default=dict)
    is_suspended = BooleanField(default=False)
    created_at = DateTimeField(default=utcnow)


class Account(UserMixin, BaseModel):
    """A login. `tenant` is public, isp or bureau; a session of one grants nothing in another."""
    username = CharField(unique=True)
    tenant = CharField(index=True)
    role = CharField(default="filer")
    organisation = ForeignKeyField(IspOrganisation, null=True, backref="staff", index=True)
    display_name = CharField(default="")
    password_hash = TextField(default="")
    created_via = CharField(default="self")   # self | isp_import | isp_behalf | bureau | cli
    created_by_org = ForeignKeyField(IspOrganisation, null=True, backref="imported", index=True)
    mobile = CharField(default="", index=True)
    email = CharField(default="", index=True)
    mobile_verified = BooleanField(default=False)
    email_verified = BooleanField(default=False)
    identity_verified = BooleanField(default=False)
    must_change_password = BooleanField(default=False)
    password_changed_at = DateTimeField(null=True)
    session_generation = IntegerField(default=0)
    is_active = BooleanField(default=True)
    created_at = DateTimeField(default=utcnow)
    last_login_at = DateTimeField(null=True)
    totp_secret = TextField(default="")      # encrypted (portal.services.two_factor); "" = none
    totp_last_step = IntegerField(default=0)  # the last accepted time step: no code twice
    totp_enabled_at = DateTimeField(null=True)

    def get_id(self) -> str:
        """The session token: bumping session_generation ends every session at once."""
        return f"{self.id}:{self.session_generation}"

    def session_token(self) -> str:
        """What a new session and a remember cookie carry (Flask-Login's id_attribute):
        the id, the session generation and the issue time, so that a remember cookie
        can be refused after its 14 days on the server too (portal.web.sessions)."""
        issued = int(utcnow().replace(tzinfo=UTC).timestamp())
        return f"{self.id}:{self.session_generation}:{issued}"

    @property
    def has_two_factor(self) -> bool:
        return bool(self.totp_secret)

    @property
    def is_bureau(self) -> bool:
        return self.tenant == "bureau"

    @property
    def is_isp(self) -> bool:
        return self.tenant == "isp"

    @property
    def is_filer(self) -> bool:
        return self.tenant == "public"


class VerificationCode(BaseModel):
    """A code sent to a mobile or an email: registration, identity check, password reset.
    Valid 24 hours, limited tries; only its hash is kept."""
    account = ForeignKeyField(Account, backref="codes", on_delete="CASCADE")
    purpose = CharField()              # verify | reset
    channel = CharField()              # mobile | email
    target = CharField()
    code_hash = CharField()
    tries = IntegerField(default=0)
    created_at = DateTimeField(default=utcnow)
    expires_at = DateTimeField()
    used_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("account", "purpose", "channel"), False),)
