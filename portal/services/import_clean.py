"""A filing's cleaned proposal, computed for a whole import file at once.

`clean_proposal` reads the instance settings, four bureau lists and the ISP table for
every filing (six queries) and runs the slow validators: about 3 ms a filing, five
minutes for 100,000. `clean_filing` gives the same result for the proposals an import
builds, with the lists read once per file (`ImportLists`) and the fast validators
(portal.services.fast_validators). It only ever accepts: at the first problem it
answers None and the caller runs `clean_proposal` itself, whose errors (with their
field paths) are the ones reported. The tests hold both to the same output.
"""
from dataclasses import dataclass, field
from datetime import date

from portal import enumerations as enums
from portal import validators as v
from portal.clock import local_today
from portal.errors import ValidationError
from portal.models import InstanceSettings, IspOrganisation
from portal.services import fast_validators as fast
from portal.services.proposals import ABROAD

PERSON_FIELDS = ("name", "cert_type", "cert_number", "mobile", "email")
LANGUAGES = ["中文简体"]


@dataclass
class ImportLists:
    """What clean_proposal reads from the database, read once for a file."""
    province: str
    natures: list
    cert_types: dict            # nature → the certificate types it may use
    naming_rules: dict
    pre_approvals: dict         # category → its pre-approval entry
    isp_id: int
    isp_active: bool
    today: date
    email: fast.EmailChecker = field(default_factory=fast.EmailChecker)
    ips: dict = field(default_factory=dict)
    persons: dict = field(default_factory=dict)   # a website's person is mostly the subject's

    @classmethod
    def load(cls, isp_id: int) -> "ImportLists":
        natures = [n["name"] for n in enums.get_enumeration("subject_natures")]
        types = enums.get_enumeration("certificate_types")
        active = IspOrganisation.select().where(IspOrganisation.id == isp_id,
                                                IspOrganisation.is_suspended == False  # peewee
                                                ).exists()
        return cls(province=InstanceSettings.get().province, natures=natures,
                   cert_types={n: [t["name"] for t in types if n in t["natures"]]
                               for n in natures},
                   naming_rules=enums.get_enumeration("naming_rules"),
                   pre_approvals={p["name"]: p for p in
                                  enums.get_enumeration("pre_approval_categories")},
                   isp_id=isp_id, isp_active=active, today=local_today())

    def ip(self, value) -> str:
        if value not in self.ips:
            self.ips[value] = v.validate_ip(value)
        return self.ips[value]


class _Doubt(Exception):
    """Something clean_proposal would refuse, or a case left to it."""


def _required(value):
    if value in (None, "", [], {}):
        raise _Doubt()
    return value.strip() if isinstance(value, str) else value


def clean_filing(proposed: dict, lists: ImportLists) -> dict | None:
    """clean_proposal(FIRST_FILING, proposed) for an import's proposal (import_format.
    build_proposal), or None when clean_proposal must decide."""
    try:
        subject = _subject(proposed["subject"], lists)
        services = [_service(s, subject["nature"], lists) for s in proposed["services"]]
    except (_Doubt, ValidationError, KeyError, TypeError, AttributeError):
        return None
    return {"subject": subject, "services": services} if services else None


def _subject(data: dict, lists: ImportLists) -> dict:
    nature, cert_type = _required(data.get("nature")), _required(data.get("cert_type"))
    if nature not in lists.natures or cert_type not in lists.cert_types.get(nature, ()):
        raise _Doubt()
    if data.get("investor") or data.get("licence_number"):
        raise _Doubt()
    return {"nature": nature, "name": _required(data.get("name")), "cert_type": cert_type,
            "cert_number": fast.validate_certificate(cert_type, data.get("cert_number") or "",
                                                     lists.today),
            "province": lists.province,
            "address": v.validate_address_in_province(data.get("address") or "",
                                                      lists.province),
            "mailing_address": (data.get("mailing_address") or "").strip(),
            "investor": "", "licence_number": "",
            "responsible": _person(data.get("responsible"), lists)}


def _person(data: dict, lists: ImportLists) -> dict:
    if data.get("phone") or data.get("emergency_contact"):
        raise _Doubt()
    given = tuple(data.get(name) for name in PERSON_FIELDS)
    if given not in lists.persons:
        name, cert_type, cert_number, mobile, email = given
        cert_type = _required(cert_type)
        lists.persons[given] = {
            "name": _required(name), "cert_type": cert_type,
            "cert_number": fast.validate_certificate(cert_type, cert_number or "", lists.today),
            "mobile": v.validate_mobile(mobile or ""), "phone": "",
            "email": lists.email(email or ""), "emergency_contact": ""}
    return dict(lists.persons[given])


def _service(data: dict, nature: str, lists: ImportLists) -> dict:
    if data.get("kind") != "website" or set(data) - _SERVICE_KEYS or data.get("service_id"):
        raise _Doubt()
    domains = list(dict.fromkeys(fast.normalise_domain(d) for d in data.get("domains") or []))
    location, category = _required(data.get("location")), (data.get("content_category")
                                                            or "").strip()
    if (not domains or location == ABROAD or not lists.isp_active
            or data.get("isps") != [lists.isp_id] or lists.pre_approvals.get(category)
            or data.get("pre_approvals")):
        raise _Doubt()
    return {"kind": "website",
            "name": fast.check_service_name(data.get("name") or "", lists.naming_rules,
                                            nature, domains=domains),
            "homepage": fast.validate_homepage(data.get("homepage") or "", domains),
            "domains": domains, "ips": [lists.ip(ip) for ip in data.get("ips") or []],
            "location": location, "isps": [lists.isp_id], "content_category": category,
            "languages": list(data.get("languages") or LANGUAGES), "pre_approvals": [],
            "responsible": _person(data.get("responsible"), lists), "extra": {}}


_SERVICE_KEYS = frozenset(("kind", "name", "domains", "homepage", "ips", "location", "isps",
                           "content_category", "languages", "responsible"))
