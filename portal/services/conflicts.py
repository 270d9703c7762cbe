"""Conflict detection (冲突): an application's homepage hosts, domains, subject name
and certificate number against other accounts' live records and pending applications."""
import operator
from functools import reduce

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
             .where(keys_match(pairs), LookupKey.account != account_id)
             .order_by(LookupKey.id))
    return list(query.dicts())


def keys_match(pairs: list[tuple[str, str]]):
    """`(key = k AND value IN (...)) OR ...`, one term per kind of key: each term is a
    seek on the (key, value) index. A row-value `(key, value) IN ((?, ?), ...)` would
    read the same rows on PostgreSQL, but SQLite scans the whole table for it."""
    values: dict[str, list[str]] = {}
    for key, value in pairs:
        values.setdefault(key, []).append(value)
    return reduce(operator.or_, [(LookupKey.key == key) & LookupKey.value.in_(found)
                                 for key, found in values.items()])
