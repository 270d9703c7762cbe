"""The JSON shape of a proposal, checked before its rules: a proposal comes from forms,
the ISP API and import files, and a value of the wrong type (`"services": 5`,
`"subject": true`, `"isps": [":"]`) must be a FormErrors naming its path, not an
AttributeError deep in a rule (a 500).

`normalise_shape` returns a copy in which every text field holds text (numbers become
text: an import file may carry a certificate number as a number) and every id an int;
keys it does not know are kept as they are."""
from flask_babel import lazy_gettext as _l

from portal.errors import FormErrors
from portal.models.base import MAX_ID

TEXT, ID, ANY = "text", "id", "any"
PERSON = {key: TEXT for key in ("name", "cert_type", "cert_number", "mobile", "phone",
                                "email", "emergency_contact")}
PRE_APPROVAL = {"category": TEXT, "document_number": TEXT, "document": ANY}
SERVICE = {"kind": TEXT, "name": TEXT, "homepage": TEXT, "domains": [TEXT], "ips": [TEXT],
           "location": TEXT, "isps": [ID], "content_category": TEXT, "languages": [TEXT],
           "pre_approvals": [PRE_APPROVAL], "responsible": PERSON, "service_id": ID,
           "registered_name": ANY}
SUBJECT = {"nature": TEXT, "name": TEXT, "cert_type": TEXT, "cert_number": TEXT,
           "address": TEXT, "mailing_address": TEXT, "investor": TEXT,
           "licence_number": TEXT, "responsible": PERSON}
PROPOSAL = {"subject": SUBJECT, "services": [SERVICE], "description": TEXT, "reason": TEXT,
            "isp_id": ID, "customer_ref": TEXT}
NO_ISP = ("", "其它")       # the isps list's "abroad" choice, and an unticked one


class _Walk:
    def __init__(self):
        self.errors: dict[str, list] = {}

    def wrong(self, path: str, message=_l("格式不正确")):
        self.errors.setdefault(path or "proposal", []).append(message)

    def value(self, path: str, shape, value):
        if value is None or shape == ANY:
            return value
        if isinstance(shape, dict):
            return self.mapping(path, shape, value)
        if isinstance(shape, list):
            return self.sequence(path, shape[0], value)
        if shape == ID:
            return self.ident(path, value)
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return self.wrong(path)
        return value if isinstance(value, str) else str(value)

    def mapping(self, path: str, shape: dict, value):
        if not isinstance(value, dict):
            return self.wrong(path)
        return {key: (self.value(f"{path}.{key}".lstrip("."), shape[key], item)
                      if key in shape else item) for key, item in value.items()}

    def sequence(self, path: str, shape, value):
        if not isinstance(value, list):
            return self.wrong(path)
        return [self.value(f"{path}.{i}", shape, item) for i, item in enumerate(value)]

    def ident(self, path: str, value):
        if isinstance(value, str) and value.strip() in NO_ISP:
            return value
        text = str(value).strip() if isinstance(value, (str, int)) else ""
        if isinstance(value, bool) or not text.isdecimal() or len(text) > 10 \
                or not 0 < int(text) <= MAX_ID:
            return self.wrong(path)
        return int(text)


def normalise_shape(proposed) -> dict:
    """The proposal with its types checked (see the module docstring); raises FormErrors."""
    walk = _Walk()
    cleaned = walk.mapping("", PROPOSAL, proposed if proposed is not None else {})
    if walk.errors:
        raise FormErrors(walk.errors)
    return cleaned
