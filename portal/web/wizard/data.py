"""Moving data between the wizard's forms and the proposal's dictionaries."""
from portal.web.wizard.forms import fill_person, lines, person_from

SUBJECT_FIELDS = ("nature", "name", "cert_type", "cert_number", "address", "mailing_address",
                  "investor", "licence_number")
PLATFORM_FIELDS = (("Android", "android_package", "android_fingerprint"),
                   ("iOS", "ios_bundle", "ios_fingerprint"), ("HarmonyOS", "harmony_bundle", None))


def subject_from(form) -> dict:
    data = {f: (getattr(form, f).data or "").strip() for f in SUBJECT_FIELDS}
    data["responsible"] = person_from(form)
    return data


def fill_subject(form, data: dict) -> None:
    for f in SUBJECT_FIELDS:
        getattr(form, f).data = (data or {}).get(f, "")
    form.commercial.data = bool((data or {}).get("licence_number"))
    fill_person(form, (data or {}).get("responsible"))


def service_from(form) -> dict:
    data = {"kind": form.kind.data, "name": (form.name.data or "").strip(),
            "registered_name": form.registered_name.data, "domains": lines(form.domains.data),
            "homepage": (form.homepage.data or "").strip(), "ips": lines(form.ips.data),
            "content_category": form.content_category.data, "languages": form.languages.data,
            "responsible": person_from(form)}
    if form.kind.data in ("miniprogram", "quickapp"):
        data["app_id"] = (form.app_id.data or "").strip()
    if form.kind.data == "app":
        data["platforms"] = [{"platform": name, "package": getattr(form, pkg).data.strip(),
                              "fingerprint": getattr(form, fp).data.strip() if fp else ""}
                             for name, pkg, fp in PLATFORM_FIELDS if getattr(form, pkg).data]
        data["sdks"] = lines(form.sdks.data)
    return data


def fill_service(form, data: dict) -> None:
    form.kind.data = data.get("kind", form.kind.data)
    form.name.data = data.get("name", "")
    form.registered_name.data = bool(data.get("registered_name"))
    form.domains.data = "\n".join(data.get("domains", []))
    form.homepage.data = data.get("homepage", "")
    form.ips.data = "\n".join(data.get("ips", []))
    form.content_category.data = data.get("content_category")
    form.languages.data = data.get("languages") or ["中文简体"]
    extra = {**data.get("extra", {}), **{k: data[k] for k in ("app_id", "platforms", "sdks")
                                         if k in data}}
    form.app_id.data = extra.get("app_id", "")
    for platform in extra.get("platforms", []):
        for name, pkg, fp in PLATFORM_FIELDS:
            if platform.get("platform") == name:
                getattr(form, pkg).data = platform.get("package", "")
                if fp:
                    getattr(form, fp).data = platform.get("fingerprint", "")
    form.sdks.data = "\n".join(extra.get("sdks", []))
    fill_person(form, data.get("responsible"))


def field_name(path: str) -> str:
    """'subject.responsible.mobile' → 'r_mobile'; 'service.domains' → 'domains'."""
    parts = path.split(".")[1:]
    if parts and parts[0] == "responsible":
        return "r_" + parts[1]
    return parts[0] if parts else path
