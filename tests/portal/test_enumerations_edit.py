"""Enumerations as data: every list's shape is checked before a new version is stored,
each save is audited with its version, and the current version is what the rules use."""
import copy

import pytest

from portal import enumerations as enums
from portal.audit import verify_chain
from portal.enumeration_shapes import validate_enumeration
from portal.errors import Forbidden, NotFound, Refused, ValidationError
from portal.models import AuditEvent, Enumeration


def versions(name) -> int:
    return Enumeration.select().where(Enumeration.name == name).count()


def last_event() -> AuditEvent:
    return AuditEvent.select().order_by(AuditEvent.seq.desc()).first()


def current(name):
    return copy.deepcopy(enums.get_enumeration(name))


@pytest.mark.parametrize("name", sorted(enums.DEFAULTS))
def test_every_default_passes_its_own_check(app, name):
    assert validate_enumeration(name, enums.DEFAULTS[name]) == enums.DEFAULTS[name]


def test_init_seeds_version_one_without_an_event_each(app):
    assert {enums.current_version(n) for n in enums.DEFAULTS} == {1}
    assert not AuditEvent.select().where(AuditEvent.action == "enumeration.save").exists()


def test_a_good_edit_is_a_new_audited_version(bureau_admin):
    data = current("service_categories") + ["元宇宙社区"]
    row = enums.save_enumeration("service_categories", data, bureau_admin, expected_version=1)
    assert row.version == 2 and row.created_by == bureau_admin.id
    assert enums.get_enumeration("service_categories")[-1] == "元宇宙社区"
    event = last_event()
    assert (event.action, event.actor_id, event.object_id) == (
        "enumeration.save", bureau_admin.id, str(row.id))
    assert event.before["version"] == 1 and event.after["version"] == 2
    assert "元宇宙社区" in event.after["data"] and "元宇宙社区" not in event.before["data"]
    assert verify_chain().ok
    assert enums.get_enumeration_version("service_categories", 1).data == \
        enums.DEFAULTS["service_categories"]


def _natures_without_individual():
    return [n for n in current("subject_natures") if n["name"] != "个人"]


def _cert_with_unknown_nature():
    data = current("certificate_types")
    data[0]["natures"].append("外星组织")
    return data


def _pre_approval_without_authority():
    data = current("pre_approval_categories")
    del data[2]["authority"]
    return data


def _naming_with_bad_example():
    data = current("naming_rules")
    data["examples"]["accepted"].append("中国好网站")
    return data


def _naming_with_lax_refused_example():
    data = current("naming_rules")
    data["examples"]["refused"].append("山西美食天地")
    return data


def _matrix_with_unknown_role():
    data = current("sms_matrix")
    data["first_filing"] = ["subject", "boss"]
    return data


def _matrix_missing_a_kind():
    data = current("sms_matrix")
    del data["cancel_access"]
    return data


def _kinds_with_new_suffix():
    data = current("service_kinds")
    data[1]["suffix"] = "B"
    return data


@pytest.mark.parametrize("name,data,words", [
    ("service_categories", [], "不能为空"),
    ("service_categories", ["企业官网", "企业官网"], "重复"),
    ("service_categories", ["企业官网", ""], "第2项"),
    ("service_categories", "企业官网", "列表"),
    ("languages", ["中文", 3], "第2项"),
    ("subject_natures", _natures_without_individual, "个人"),
    ("subject_natures", [{"name": "企业", "national_body": "yes"}, {"name": "个人"}],
     "true 或 false"),
    ("subject_natures", [{"name": "个人", "colour": "red"}], "colour"),
    ("certificate_types", _cert_with_unknown_nature, "外星组织"),
    ("pre_approval_categories", _pre_approval_without_authority, "authority"),
    ("naming_rules", _naming_with_bad_example, "中国好网站"),
    ("naming_rules", _naming_with_lax_refused_example, "山西美食天地"),
    ("naming_rules", lambda: {**current("naming_rules"), "min_chinese_chars": -1}, "整数"),
    ("sms_matrix", _matrix_with_unknown_role, "subject"),
    ("sms_matrix", _matrix_missing_a_kind, "cancel_access"),
    ("service_kinds", _kinds_with_new_suffix, "后缀"),
    ("server_locations", ["山西", "北京"], "其它"),
    ("server_locations", ["北京", "其它"], "山西"),
])
def test_a_bad_edit_is_refused_with_a_message_and_nothing_saved(bureau_admin, name, data, words):
    data = data() if callable(data) else data
    before, events = versions(name), AuditEvent.select().count()
    with pytest.raises(ValidationError) as caught:
        enums.save_enumeration(name, data, bureau_admin)
    assert words in str(caught.value.message) and caught.value.field == "data"
    assert versions(name) == before and AuditEvent.select().count() == events


def test_removing_a_nature_still_used_by_a_certificate_type_is_refused(bureau_admin):
    natures = [n for n in current("subject_natures") if n["name"] != "基金会"]
    with pytest.raises(ValidationError) as caught:
        enums.save_enumeration("subject_natures", natures, bureau_admin)
    assert "基金会" in str(caught.value.message)
    types = current("certificate_types")
    types[0]["natures"].remove("基金会")
    enums.save_enumeration("certificate_types", types, bureau_admin)
    enums.save_enumeration("subject_natures", natures, bureau_admin)
    assert "基金会" not in [n["name"] for n in enums.get_enumeration("subject_natures")]


def test_a_stale_edit_and_an_unchanged_one_are_refused(bureau_admin):
    data = current("languages") + ["世界语"]
    enums.save_enumeration("languages", data, bureau_admin, expected_version=1)
    with pytest.raises(Refused):
        enums.save_enumeration("languages", data + ["拉丁语"], bureau_admin, expected_version=1)
    with pytest.raises(Refused):
        enums.save_enumeration("languages", data, bureau_admin)
    assert enums.current_version("languages") == 2


def test_only_a_bureau_admin_saves(reviewer, auditor, make_filer):
    for actor in (reviewer, auditor, make_filer()):
        with pytest.raises(Forbidden):
            enums.save_enumeration("languages", ["中文简体", "其它"], actor)
    assert enums.current_version("languages") == 1


def test_text_parsing_names_the_json_error_and_reads_lines(app):
    assert enums.parse_enumeration_text("languages", " 中文 \n\n英语\n") == ["中文", "英语"]
    with pytest.raises(ValidationError) as caught:
        enums.parse_enumeration_text("sms_matrix", '{"first_filing": [\n  "subject",\n}')
    assert "第 3 行" in str(caught.value.message)
    data = enums.get_enumeration("naming_rules")
    text = enums.format_enumeration_text("naming_rules", data)
    assert enums.parse_enumeration_text("naming_rules", text) == data


def test_versions_list_names_who_saved(bureau_admin):
    enums.save_enumeration("app_platforms", ["Android", "iOS", "其它"], bureau_admin)
    rows = list(enums.enumeration_versions("app_platforms"))
    assert [(r.version, r.author) for r in rows] == [(2, bureau_admin.username), (1, None)]
    with pytest.raises(NotFound):
        enums.get_enumeration_version("app_platforms", 9)


def test_the_rules_use_the_new_version(bureau_admin):
    rules = current("naming_rules")
    rules["forbidden_prefixes"].append("山西")
    rules["examples"]["accepted"].remove("山西美食分享")
    enums.save_enumeration("naming_rules", rules, bureau_admin)
    from portal.validators import check_service_name
    with pytest.raises(ValidationError):
        check_service_name("山西美食分享", enums.get_enumeration("naming_rules"), "企业")
    matrix = current("sms_matrix")
    matrix["add_access"] = []
    enums.save_enumeration("sms_matrix", matrix, bureau_admin)
    assert enums.sms_roles_for("add_access") == []
