"""Expiry of short-lived rows.

- Verification codes (registration, identity check, password reset) are valid 24 hours;
  a code used or expired more than a day ago is of no further use and is deleted.
- Captchas need nothing here: they live in the ephemeral store with a time to live
  (Redis expires them itself; the SQLite store deletes every expired value whenever
  any captcha is checked, portal/ephemeral.py `pop`).
- Drafts: not expired yet; abandoning a stale draft is a state change, so it waits for a
  workflow transition that the system may take (see the issue 6 report).
"""
import logging
from datetime import timedelta

from portal.audit import record_event
from portal.clock import utcnow
from portal.db import transaction
from portal.models import VerificationCode

log = logging.getLogger(__name__)
KEEP_FOR = timedelta(days=1)     # after use or expiry, before a code row is deleted


def stale_codes():
    cutoff = utcnow() - KEEP_FOR
    return VerificationCode.select(VerificationCode.id).where(
        (VerificationCode.used_at < cutoff) | (VerificationCode.expires_at < cutoff))


def expire_codes() -> int:
    """Delete verification codes used or expired more than a day ago; one audit event
    for the run when any were deleted."""
    with transaction():
        ids = [row.id for row in stale_codes()]
        if not ids:
            return 0
        VerificationCode.delete().where(VerificationCode.id.in_(ids)).execute()
        record_event("codes.expire", object_type="verification_code", object_id="stale",
                     after={"deleted": len(ids)})
    log.info("expired %d verification codes", len(ids))
    return len(ids)
