"""Creating an instance: settings, the signing key, enumerations, a first bureau admin."""
from portal import keys
from portal.audit import record_event
from portal.db import transaction
from portal.enumerations import seed_enumerations
from portal.errors import Refused
from portal.models import InstanceSettings
from portal.services import accounts


def init_instance(province: str, abbreviation: str, bureau_name: str,
                  admin_username: str = "admin", admin_password: str | None = None):
    """Idempotent except that province and abbreviation are fixed once numbers exist.
    Returns the admin's initial password when one was generated (None otherwise)."""
    keys.create_signing_key()
    public_pem = keys.public_key_pem()
    with transaction():
        settings = InstanceSettings.get_or_none()
        if settings is None:
            settings = InstanceSettings.create(province=province, abbreviation=abbreviation,
                                               bureau_name=bureau_name, public_key_pem=public_pem)
            record_event("instance.init", settings, after={"province": province,
                                                           "abbreviation": abbreviation})
        elif (settings.province, settings.abbreviation) != (province, abbreviation):
            if settings.numbers_issued:
                raise Refused("province and abbreviation are fixed once a number is issued")
            settings.province, settings.abbreviation = province, abbreviation
        settings.public_key_pem = public_pem
        settings.save()
        seed_enumerations()
    from portal.models import Account
    if Account.select().where(Account.username == admin_username).exists():
        return None
    _, initial = accounts.create_account(admin_username, admin_password, tenant="bureau",
                                         role="admin", created_via="cli",
                                         display_name="管理员")
    return initial
