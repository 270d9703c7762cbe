"""The shape of each enumeration the bureau edits, checked before a new version is saved.

Each check returns the cleaned value or raises ValidationError naming where the fault is
("第3项.authority"), so the editor can find it in the JSON; some also check one list
against another (a certificate type may only name existing subject natures).
"""
from flask_babel import lazy_gettext as _l

from portal.enumerations import (ABROAD, DEFAULTS, INDIVIDUAL, MAX_ITEMS, MAX_TEXT, SMS_ROLES,
                                 get_enumeration)
from portal.errors import ValidationError
from portal.models import InstanceSettings
from portal.states import Kind


def validate_enumeration(name: str, data):
    """`data` cleaned (texts stripped) when it has the list's shape; ValidationError if not."""
    return _CHECKS[name](data, "")


def _fail(where: str, problem) -> None:
    message = _l("%(where)s：%(problem)s", where=where, problem=problem) if where else problem
    raise ValidationError(message, field="data")


def _text(value, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(where, _l("应为非空文字"))
    if len(value.strip()) > MAX_TEXT:
        _fail(where, _l("不能超过 %(n)d 个字符", n=MAX_TEXT))
    return value.strip()


def _optional_text(value, where: str) -> str:
    return "" if value in (None, "") else _text(value, where)


def _flag(value, where: str) -> bool:
    if not isinstance(value, bool):
        _fail(where, _l("应为 true 或 false"))
    return value


def _list(value, where: str, item=_text, allow_empty=False, key=lambda v: v) -> list:
    """A list of items, each checked by `item`, without two equal keys."""
    if not isinstance(value, list):
        _fail(where, _l("应为列表（[…]）"))
    if not value and not allow_empty:
        _fail(where, _l("不能为空"))
    if len(value) > MAX_ITEMS:
        _fail(where, _l("最多 %(n)d 项", n=MAX_ITEMS))
    items = [item(v, f"{where}第{i + 1}项") for i, v in enumerate(value)]
    seen = set()
    for entry in items:
        if key(entry) in seen:
            _fail(where, _l("“%(value)s”重复出现", value=key(entry)))
        seen.add(key(entry))
    return items


def _record(**fields):
    """A check for an object with exactly these keys; a field given as (check, default)
    may be left out."""
    def check(value, where: str) -> dict:
        if not isinstance(value, dict):
            _fail(where, _l("应为对象（{…}）"))
        unknown = sorted(set(value) - set(fields))
        if unknown:
            _fail(where, _l("不认识的字段：%(names)s", names="、".join(unknown)))
        cleaned = {}
        for field, spec in fields.items():
            test, default = spec if isinstance(spec, tuple) else (spec, None)
            if field not in value and not isinstance(spec, tuple):
                _fail(where, _l("缺少字段“%(field)s”", field=field))
            place = f"{where}.{field}" if where else field
            cleaned[field] = test(value.get(field, default), place)
        return cleaned
    return check


def _by_name(entry: dict) -> str:
    return entry["name"]


def _natures(data, where):
    natures = _list(data, where, _record(name=_text, national_body=(_flag, False)), key=_by_name)
    names = {n["name"] for n in natures}
    if INDIVIDUAL not in names:
        _fail(where, _l("必须保留“%(name)s”（个人主办者的规则依赖它）", name=INDIVIDUAL))
    used = {n for t in get_enumeration("certificate_types") for n in t["natures"]} - names
    if used:
        _fail(where, _l("证件类型仍在使用以下性质，请先在证件类型中移除：%(names)s",
                        names="、".join(sorted(used))))
    return natures


def _certificate_types(data, where):
    types = _list(data, where, _record(name=_text, natures=_list), key=_by_name)
    known = {n["name"] for n in get_enumeration("subject_natures")}
    for i, entry in enumerate(types):
        unknown = [n for n in entry["natures"] if n not in known]
        if unknown:
            _fail(f"第{i + 1}项.natures", _l("不是已有的主办单位性质：%(names)s（请先在主办单位性质中添加）",
                                             names="、".join(unknown)))
    return types


def _service_kinds(data, where):
    kinds = _list(data, where, _record(code=_text, name=_text, suffix=(_optional_text, "")),
                  key=lambda k: k["code"])
    fixed = {k["code"]: k["suffix"] for k in DEFAULTS["service_kinds"]}
    if {k["code"]: k["suffix"] for k in kinds} != fixed:
        _fail(where, _l("服务类型的代码和备案号后缀不能修改（已发出的备案号依赖它们），只能修改名称"))
    return kinds


def _pre_approvals(data, where):
    return _list(data, where, _record(name=_text, authority=_text,
                                      contact=(_optional_text, "")), key=_by_name)


def _sms_matrix(data, where):
    if not isinstance(data, dict):
        _fail(where, _l("应为对象（{…}），键为申请类型"))
    wanted = {str(k) for k in Kind}
    missing, unknown = sorted(wanted - set(data)), sorted(set(data) - wanted)
    if missing or unknown:
        _fail(where, _l("申请类型应恰好为：%(kinds)s", kinds="、".join(sorted(wanted))))
    matrix = {}
    for kind in sorted(data):
        roles = _list(data[kind], kind, allow_empty=True)
        if set(roles) - set(SMS_ROLES):
            _fail(kind, _l("只能包含 subject（主体负责人）和 service（网站负责人）"))
        matrix[kind] = roles
    return matrix


def _naming_rules(data, where):
    rules = _record(min_chinese_chars=_count, forbidden_prefixes=_words,
                    individual_forbidden_words=_words,
                    examples=_record(accepted=_list, refused=_list))(data, where)
    _check_examples(rules)
    return rules


def _count(value, where):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 20:
        _fail(where, _l("应为 0 到 20 之间的整数"))
    return value


def _words(value, where):
    return _list(value, where, allow_empty=True)


def _check_examples(rules: dict) -> None:
    """The examples must agree with the rules: accepted ones pass for an organisation,
    refused ones fail for an individual (the strictest case)."""
    from portal.validators.names import check_service_name
    for name in rules["examples"]["accepted"]:
        try:
            check_service_name(name, rules, "企业")
        except ValidationError as exc:
            _fail("examples.accepted", _l("示例“%(name)s”按这些规则会被拒绝：%(reason)s",
                                          name=name, reason=exc.message))
    for name in rules["examples"]["refused"]:
        try:
            check_service_name(name, rules, INDIVIDUAL)
        except ValidationError:
            continue
        _fail("examples.refused", _l("示例“%(name)s”按这些规则不会被拒绝", name=name))


def _locations(data, where):
    places = _list(data, where)
    settings = InstanceSettings.get_or_none()
    for needed in (ABROAD, settings.province if settings else None):
        if needed and needed not in places:
            _fail(where, _l("必须包含“%(name)s”", name=needed))
    return places


_CHECKS = {
    "subject_natures": _natures, "certificate_types": _certificate_types,
    "service_kinds": _service_kinds, "service_categories": _list,
    "pre_approval_categories": _pre_approvals, "sms_matrix": _sms_matrix,
    "naming_rules": _naming_rules, "languages": _list, "app_platforms": _list,
    "server_locations": _locations,
}
