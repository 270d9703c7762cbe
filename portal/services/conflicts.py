"""Conflict detection (冲突): an application's homepage hosts, domains, subject name
and certificate number against other accounts' live records and pending applications."""
from peewee import Tuple

from portal.models import Account, LookupKey
from portal.services.lookup_keys import CONFLICT_KEYS, proposal_keys


def find_conflicts(account_id: int, proposal: dict) -> list[dict]:
    """Every key of the proposal held by another account, one entry per hit."""
    pairs = [(k, v) for k, v in proposal_keys(proposal) if k in CONFLICT_KEYS]
    if not pairs:
        return []
    query = (LookupKey.select(LookupKey.key, LookupKey.value,
                              LookupKey.account.alias("other_account"),
                              Account.username.alias("other_username"),
                              LookupKey.subject, LookupKey.service, LookupKey.application)
             .join(Account, on=(LookupKey.account == Account.id))
             .where(Tuple(LookupKey.key, LookupKey.value).in_(pairs),
                    LookupKey.account != account_id)
             .order_by(LookupKey.id))
    return list(query.dicts())
