"""No personal data in logs in production mode (PRODUCTION=1).

The portal's own log lines name ids, never a mobile, an email, a code or a password. What
other libraries log is cleaned when the record is made (a log record factory, so it holds
for every logger and handler, gunicorn's and huey's included): peewee's query log loses
its parameters (they hold mobiles, emails and message bodies with codes), and any
message or traceback has mobile numbers, email addresses and sent codes masked.
Development keeps full logs; codes are read on the development mailbox page there.
"""
import logging
import re

_state = {"production": False, "installed": False}
_MASKS = (
    (re.compile(r"[\w.+-]+@([\w-]+\.)+[\w-]+"), "<email>"),
    (re.compile(r"(?<!\d)(?:\+?86)?1[3-9]\d{9}(?!\d)"), "<mobile>"),
    (re.compile(r"验证码[为是:：]?\s*\d{4,8}"), "验证码<code>"),
)


def scrub(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def _clean(record: logging.LogRecord) -> None:
    if record.name.startswith("peewee") and isinstance(record.msg, tuple) and record.msg:
        sql, params = record.msg[0], record.msg[1] if len(record.msg) > 1 else ()
        record.msg, record.args = f"{sql} -- {len(params or ())} parameters not logged", ()
    else:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):     # a malformed call: the handler would report it
            return
        record.msg, record.args = scrub(message), ()
    if record.exc_info and not record.exc_text:
        record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))


def configure(production: bool) -> None:
    """Called by the factory with the PRODUCTION setting; installs the factory once."""
    _state["production"] = bool(production)
    if _state["installed"]:
        return
    make_record = logging.getLogRecordFactory()

    def private_record(*args, **kwargs):
        record = make_record(*args, **kwargs)
        if _state["production"]:
            _clean(record)
        return record
    logging.setLogRecordFactory(private_record)
    _state["installed"] = True
