"""Applications in flight for the bench data set, as portal/workflow.py leaves them:
submitted (待接入商核实), sms_verification (verified by the ISP, 短信核验), bureau_review
(待管局审核) and returned (退回), with the ISPs they name (ApplicationIsp), their
application-scoped lookup keys (lookup_keys.set_application_keys, what the conflict
check reads) and their SMS verification rows. Times spread over the last weeks, so the
review queue holds fresh, due-soon and overdue work. One application per filer, as the
exclusivity rule demands; about 1 % of first filings collide with an approved record.
"""
import hashlib
import json
from datetime import timedelta

from data_proposals import TLDS
from data_records import Ids, public_subject, reference
from data_tables import APPLICATION_DEFAULTS, Batch, day, js, row, ts
from portal.calendar import add_working_days
from portal.clock import to_local
from portal.validators import normalise_name

KINDS = ["first_filing", "add_service", "change_service", "change_subject", "add_access",
         "cancel_service"]
KIND_WEIGHTS = [60, 20, 8, 5, 4, 3]
STATES = ["submitted", "sms_verification", "bureau_review", "returned"]
STATE_WEIGHTS = [30, 10, 55, 5]
SMS_ROLES = {"first_filing": ("subject", "service"), "add_service": ("subject", "service"),
             "change_service": ("service",), "change_subject": ("subject",),
             "add_access": ("service",), "cancel_service": ("subject",)}
CONFLICT_SHARE = 0.01
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


class InFlightBuilder:
    """`existing`: kept records (data_records.RecordBuilder.kept values) the change kinds
    use, one each; `taken`: approved records a conflicting first filing copies from."""

    def __init__(self, world, ids: Ids, password_hash: str, reviewers: list[int],
                 existing: list[dict], taken: list[dict], now, first_index: int):
        self.world, self.ids, self.password_hash = world, ids, password_hash
        self.reviewers, self.existing, self.taken = reviewers, existing, taken
        self.now, self.next_index = now, first_index
        self.counts: dict[str, int] = {}
        self.samples: list[str] = []      # domains only an application in flight holds

    def application(self, batch: Batch) -> None:
        rng = self.world.rng
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        state = rng.choices(STATES, STATE_WEIGHTS)[0]
        app_id = self.ids.take("application")
        app = (self._first_filing(batch) if kind == "first_filing" or not self.existing
               else self._on_record(kind, self.existing.pop(), state))
        if app.get("skips_isp", not app["named"]) and state == "submitted":
            state = "sms_verification"     # no ISP verifies it (workflow._skips_isp)
        times = self._times(app["kind"], state, app.get("skips_isp", not app["named"]))
        batch.add("application", self._row(app_id, app, state, times))
        batch.extend("application_isp", [(app_id, i) for i in app["named"]])
        batch.extend("lookup_key", [(k, v, app["account_id"], None, None, app_id)
                                    for k, v in conflict_keys(app["proposal"])])
        if state in ("sms_verification", "bureau_review"):
            batch.extend("sms_verification", self._sms_rows(app_id, app, state, times))
        label = f"{app['kind']}/{state}"
        self.counts[label] = self.counts.get(label, 0) + 1

    # -- what is proposed ----------------------------------------------------------

    def _first_filing(self, batch: Batch) -> dict:
        world, rng = self.world, self.world.rng
        subject = world.subject(self.next_index)
        self.next_index += 1
        count = 1 if rng.random() < 0.8 else (2 if rng.random() < 0.75 else 3)
        services = [world.website(subject, k) for k in range(count)]
        username = services[0]["domains"][0].split(".")[0]
        conflicts = (self._collide(subject, services)
                     if self.taken and rng.random() < CONFLICT_SHARE else [])
        account_id = self.ids.take("account")
        org = next((i for i in services[0]["isps"] if i), None) if rng.random() < 0.3 else None
        # Registered before anything in flight happened (those start at most 45 days ago).
        person, created = subject["responsible"], self.now - DAY * (60 + 300 * rng.random())
        batch.add("account", (account_id, username, "public",
                              "filer", None, "", self.password_hash,
                              "isp_import" if org else "self", org, person["mobile"],
                              person["email"], 1, 1, 1, 0, None, 0, 1, ts(created),
                              ts(created), "", 0, None))
        if not conflicts and len(self.samples) < 500:
            self.samples.append(services[0]["domains"][0])
        proposal = {"subject": public_subject(subject), "services": services}
        return {"kind": "first_filing", "account_id": account_id, "subject_id": None,
                "service_id": None, "proposal": proposal, "conflicts": conflicts,
                "named": _named(services, org), **self._channel(org, account_id),
                "persons": [subject["responsible"]] + [s["responsible"] for s in services]}

    def _collide(self, subject: dict, services: list) -> list:
        """Copy an approved record's domain (and home page) or subject name."""
        other = self.world.rng.choice(self.taken)
        who = {"other_account": other["account_id"], "other_username": other["username"],
               "subject": other["subject_id"], "application": None}
        if subject["nature"] == "个人" or self.world.rng.random() < 0.5:
            services[0]["domains"] = [other["domain"]] + services[0]["domains"][1:]
            services[0]["homepage"] = f"http://{other['domain']}/"
            return [{"key": key, "value": other["domain"], **who, "service": other["service_id"]}
                    for key in ("domain", "host")]
        subject["name"] = other["name"]
        return [{"key": "subject_name", "value": normalise_name(other["name"]), **who,
                 "service": None}]

    def _on_record(self, kind: str, record: dict, state: str) -> dict:
        """A change of an approved record (one application per filer)."""
        sites = [s for s in record["services"] if s["kind"] == "website"
                 and s["status"] == "active"]
        site = self.world.rng.choice(sites)
        details = json.loads(site["details_json"])
        base = {"kind": kind, "account_id": record["account_id"],
                "subject_id": record["subject_id"], "service_id": site["id"], "conflicts": [],
                **self._channel(None, record["account_id"])}
        if kind == "add_access" and not [i for i in self.world.isps
                                         if i["id"] not in site["isps"]]:
            kind = base["kind"] = "change_subject"
        make = getattr(self, "_" + kind)
        return {**base, **make(record, site, details, state)}

    def _add_service(self, record, site, details, state) -> dict:
        subject = record["subject"]
        new = self.world.website(subject, len(record["services"]))
        return {"service_id": None, "proposal": {"services": [new]},
                "named": _named([new], None),
                "persons": [subject["responsible"], new["responsible"]]}

    def _change_service(self, record, site, details, state) -> dict:
        """The website gets one more domain (seed question 4)."""
        used = {d.split(".", 1)[1] for d in details["domains"]}
        label = details["domains"][0].split(".")[0]
        extra = [f"{label}.{t}" for t in TLDS if t not in used][:1]
        changed = {"kind": "website", "name": site["name"], "homepage": site["homepage"],
                   **details, "domains": details["domains"] + extra, "service_id": site["id"]}
        return {"proposal": {"services": [changed]}, "named": _named([changed], None),
                "persons": [details["responsible"]]}

    def _change_subject(self, record, site, details, state) -> dict:
        subject = record["subject"]
        data = {**public_subject(subject), "mailing_address": subject["address"] + "3层"}
        live = {i for s in record["services"] if s["status"] == "active" for i in s["isps"]}
        return {"service_id": None, "proposal": {"subject": data},
                "named": sorted(i for i in live if i), "persons": [subject["responsible"]]}

    def _add_access(self, record, site, details, state) -> dict:
        isp = self.world.rng.choice([i["id"] for i in self.world.isps
                                     if i["id"] not in site["isps"]])
        return {"proposal": {"isp_id": isp, "customer_ref": f"C{isp}-{site['id']}",
                             "reason": ""}, "named": [isp],
                **self._channel(isp, record["account_id"]), "persons": [details["responsible"]]}

    def _cancel_service(self, record, site, details, state) -> dict:
        """Filed by the filer (no ISP step) or, while still 'submitted', by its ISP."""
        ending = sorted(i for i in site["isps"] if i)
        by_isp = bool(state == "submitted" and ending)
        return {"proposal": {"reason": "网站停止运营，申请注销"}, "named": ending,
                "skips_isp": not by_isp,
                **self._channel(ending[0] if by_isp else None, record["account_id"]),
                "persons": [record["subject"]["responsible"]]}

    def _channel(self, isp_id, account_id) -> dict:
        if isp_id is None:
            return {"channel": "filer", "isp_id": None, "submitted_by": account_id}
        return {"channel": "isp", "isp_id": isp_id,
                "submitted_by": self.world.isp(isp_id)["operator_id"]}

    # -- where it stands -------------------------------------------------------------

    def _times(self, kind: str, state: str, skips_isp: bool) -> dict:
        rng, now = self.world.rng, self.now
        t = {"review": None, "due": None, "returned": None, "by_bureau": False}
        if state == "submitted":
            t["submitted"] = now - 10 * DAY * rng.random() ** 1.5
            t["last"] = t["submitted"]
        elif state == "sms_verification":
            t["sent"] = now - 12 * HOUR * rng.random()
            t["submitted"] = t["sent"] - DAY * (1 + 4 * rng.random())
            t["last"] = t["sent"]
        elif state == "bureau_review" or skips_isp or rng.random() < 0.5:
            t["review"] = now - 40 * DAY * rng.random()
            t["sent"] = t["review"] - HOUR * (1 + 20 * rng.random())
            t["submitted"] = t["sent"] - DAY * (1 + 5 * rng.random())
            t["due"] = add_working_days(to_local(t["review"]).date(),
                                        5 if kind.startswith("cancel") else 20, {})
            t["last"] = t["review"]
        else:
            t["submitted"] = now - DAY * (3 + 27 * rng.random())
            t["last"] = t["submitted"] + DAY * (0.5 + 2 * rng.random())
        if state == "returned":
            t["by_bureau"] = t["review"] is not None
            if t["by_bureau"]:
                t["last"] = min(now, t["review"] + DAY * (1 + 14 * rng.random()))
            t["returned"] = t["last"]
        t["created"] = t["submitted"] - DAY * 3 * rng.random()
        return {k: v.replace(microsecond=0) if hasattr(v, "microsecond") else v
                for k, v in t.items()}

    def _row(self, app_id: int, app: dict, state: str, t: dict) -> tuple:
        proposal = js(app["proposal"])
        version = {"submitted": 2, "sms_verification": 3, "bureau_review": 4}.get(
            state, 5 if t["by_bureau"] else 3)
        returned = state == "returned"
        note = ([{"field": "services.0.name", "note": "网站名称应体现网站内容"}] if t["by_bureau"]
                else [{"field": "subject.name", "note": "请按营业执照填写单位全称"}])
        return row("application", APPLICATION_DEFAULTS, id=app_id,
                   reference=reference(t["created"], app_id), kind=app["kind"], state=state,
                   account_id=app["account_id"], subject_id=app["subject_id"],
                   service_id=app["service_id"], channel=app["channel"], isp_id=app["isp_id"],
                   submitted_by_id=app["submitted_by"], proposed=proposal,
                   returned_proposed=proposal if returned else None, version=version,
                   return_reason=("网站名称与内容不符" if t["by_bureau"] else "材料不完整")
                   if returned else "", return_notes=js(note) if returned else "[]",
                   in_conflict=int(bool(app["conflicts"])), conflicts=js(app["conflicts"]),
                   created_at=ts(t["created"]), updated_at=ts(t["last"]),
                   submitted_at=ts(t["submitted"]), review_started_at=ts(t["review"]),
                   due_on=day(t["due"]), decided_at=ts(t["returned"]) if t["by_bureau"] else None,
                   decided_by_id=self.world.rng.choice(self.reviewers) if t["by_bureau"] else None)

    def _sms_rows(self, app_id: int, app: dict, state: str, t: dict) -> list[tuple]:
        """One row per distinct person the kind requires (sms_checks.persons_for)."""
        rng, rows, seen = self.world.rng, [], set()
        roles = SMS_ROLES[app["kind"]]
        people = [("subject", app["persons"][0])] if "subject" in roles else []
        people += [("service", p) for p in app["persons"][1 if "subject" in roles else 0:]]
        for role, person in people:
            key = (person["cert_number"], person["mobile"])
            if key in seen:
                continue
            seen.add(key)
            done = state == "bureau_review" or rng.random() < 0.3
            confirmed = t["sent"] + ((t["review"] or self.now) - t["sent"]) * rng.random()
            code = hashlib.sha256(f"{app_id}:{role}:{key}".encode()).hexdigest()
            rows.append((app_id, role, person["name"], person["cert_number"], person["mobile"],
                         code, 0, ts(t["sent"]), ts(t["sent"] + DAY),
                         ts(confirmed.replace(microsecond=0)) if done else None))
        return rows


def _named(services: list, org) -> list[int]:
    return sorted({i for s in services for i in s["isps"] if i} | ({org} if org else set()))


def conflict_keys(proposal: dict) -> list[tuple[str, str]]:
    """lookup_keys.proposal_keys restricted to CONFLICT_KEYS, without its slow URL parse
    (generated home pages are http(s)://<first domain>/)."""
    keys = []
    if "subject" in proposal:
        keys += [("subject_name", normalise_name(proposal["subject"]["name"])),
                 ("cert_number", proposal["subject"]["cert_number"])]
    for service in proposal.get("services", []):
        keys += [("domain", d) for d in service["domains"]]
        if service.get("homepage"):
            keys.append(("host", service["homepage"].split("/")[2]))
    return list(dict.fromkeys(keys))

