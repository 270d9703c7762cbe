"""Approved records of the bench data set: per subject, the rows its approvals wrote
(portal/services/records.py, lookup_keys.py, certificates.py, numbering.py): the filer's
account, the subject with its filing number, its services with their numbers, IPs,
access links, lookup keys and certificates (signed by bench/data_certs.py), the approved
first filing and one record version.

Simplifications, each cheaper than the real history and invisible to lookups, conflict
checks and the review queue: one approved application per subject (its first filing,
naming the services approved that day; later services have no add-service application),
one record version (the record as it stands now), no audit events or outbox messages.
"""
from datetime import datetime, timedelta

from data_proposals import World
from data_tables import APPLICATION_DEFAULTS, Batch, day, js, quoted, row, ts
from portal.calendar import add_working_days
from portal.clock import to_local
from portal.validators import normalise_name

ABBREVIATION, BUREAU, PROVINCE = "晋", "山西省通信管理局", "山西"
SUFFIX = {"website": "", "app": "A", "miniprogram": "X", "quickapp": "K"}
HISTORY_DAYS = 16 * 365          # records approved over the last sixteen years
OLD_STYLE_BEFORE = 2012          # numbers before then have 8 digits and no year
CANCELLED_SHARE, APP_SHARE, MINI_SHARE = 0.01, 0.02, 0.02
RESTRICTED_SHARE, VIOLATION_SHARE = 0.001, 0.0005


class Ids:
    """The next id of each table the builders give ids to themselves."""

    def __init__(self, start: dict[str, int]):
        self.next = dict(start)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def reference(created: datetime, app_id: int) -> str:
    """BA + local date + 8 hex digits, unique per id (an odd multiplier is a bijection)."""
    return f"BA{to_local(created):%Y%m%d}{(app_id * 0x9E3779B1) & 0xFFFFFFFF:08X}"


def approval_times(world: World, count: int, until: datetime) -> list[datetime]:
    """`count` approval moments, more of them recent, oldest first."""
    rng = world.rng
    moments = [until - timedelta(days=HISTORY_DAYS * rng.random() ** 1.6,
                                 seconds=rng.randint(0, 36000)) for _ in range(count)]
    return sorted(m.replace(microsecond=0) for m in moments)


def site_counts(world: World, subjects: int, websites: int) -> list[int]:
    """1 to 6 websites per subject, `websites` in all."""
    if not subjects <= websites <= 6 * subjects:
        raise SystemExit(f"--websites must lie between --subjects and 6 x --subjects "
                         f"({subjects}..{6 * subjects}), not {websites}")
    counts, rng = [1] * subjects, world.rng
    open_ = list(range(subjects))
    for _ in range(websites - subjects):
        slot = rng.randrange(len(open_))
        counts[open_[slot]] += 1
        if counts[open_[slot]] == 6:
            open_[slot] = open_[-1]
            open_.pop()
    return counts


class Numbers:
    """Subject filing numbers by approval year, as numbering.py allocates them."""

    def __init__(self):
        self.serials: dict[int, int] = {}

    def subject_number(self, approved: datetime) -> str:
        year = to_local(approved).year
        serial = self.serials[year] = self.serials.get(year, 0) + 1
        if year < OLD_STYLE_BEFORE:
            return f"{ABBREVIATION}ICP备{year % 100:02d}{serial:06d}号"
        return f"{ABBREVIATION}ICP备{year}{serial:06d}号"

    def counters(self) -> list[tuple[int, int]]:
        """FilingCounter rows (the years with the current scheme)."""
        return sorted((y, v) for y, v in self.serials.items() if y >= OLD_STYLE_BEFORE)


class RecordBuilder:
    """Writes subject after subject into a Batch. `keep` holds the indexes whose
    details the applications in flight and the sample keys need afterwards."""

    def __init__(self, world: World, ids: Ids, certificates: bool, password_hash: str,
                 reviewers: list[int], keep: set[int]):
        self.world, self.ids, self.with_certificates = world, ids, certificates
        self.certificates: list[tuple] = []     # to sign: see data_certs.CertificateQueue
        self.password_hash, self.reviewers, self.keep = password_hash, reviewers, keep
        self.numbers, self.kept, self.counts = Numbers(), {}, {}
        self.cancelled_domains: list[str] = []

    def subject(self, index: int, approved: datetime, websites: int, batch: Batch) -> None:
        world = self.world
        data = world.subject(index)
        services = self._plan_services(data, approved, websites)
        account_id, subject_id = self.ids.take("account"), self.ids.take("subject")
        number = self.numbers.subject_number(approved)
        username = services[0][1]["domains"][0].split(".")[0]
        org = self._account(batch, account_id, username, data, approved)
        owner = {"account": account_id, "subject": subject_id, "number": number,
                 "name": data["name"]}
        written = [self._service(batch, owner, k + 1, *planned)
                   for k, planned in enumerate(services)]
        batch.add("subject", self._subject_row(subject_id, account_id, data, number,
                                               len(services), approved))
        batch.extend("lookup_key", [
            ("subject_name", normalise_name(data["name"]), account_id, subject_id, None, None),
            ("cert_number", data["cert_number"], account_id, subject_id, None, None)])
        subject_json = js(public_subject(data))
        app_id = self._first_filing(batch, account_id, subject_id, subject_json, written,
                                    approved, org)
        batch.add("record_version", (subject_id, 1, snapshot(subject_json, number, written),
                                     app_id, ts(approved)))
        if index in self.keep:
            self.kept[index] = {"account_id": account_id, "username": username,
                                "subject_id": subject_id, "subject": data, "number": number,
                                "services": written}

    def _plan_services(self, data, approved, websites):
        """(moment, proposal, status) per service, in the order numbers were issued."""
        world, rng, until = self.world, self.world.rng, self.world.until
        plan = []
        for k in range(websites):
            plan.append(world.website(data, k))
            if rng.random() < CANCELLED_SHARE:
                plan.append({**world.website(data, k + 1), "_cancelled": True})
        first_domain = plan[0]["domains"][0]
        for kind, share in (("app", APP_SHARE), ("miniprogram", MINI_SHARE)):
            if data["nature"] != "个人" and rng.random() < share:
                plan.append(world.other_service(data, kind, first_domain))
        later = [approved if rng.random() < 0.4 else
                 approved + (until - approved) * rng.random() for _ in plan[1:]]
        moments = [approved] + sorted(m.replace(microsecond=0) for m in later)
        return [(m, p, "cancelled" if p.pop("_cancelled", False) else "active")
                for m, p in zip(moments, plan, strict=True)]

    def _account(self, batch, account_id, username, data, approved):
        world = self.world
        via, org = "self", None
        if world.rng.random() < 0.25:
            via = "isp_import"
            org = world.rng.choices(world.isps, cum_weights=world.isp_cum)[0]["id"]
        created = approved - timedelta(days=world.rng.randint(12, 40))
        person = data["responsible"]
        batch.add("account", (account_id, username, "public", "filer", None, "",
                              self.password_hash, via, org, person["mobile"], person["email"],
                              1, 1, 1, 0, None, 0, 1, ts(created), ts(approved), "", 0, None))
        return org

    def _subject_row(self, subject_id, account_id, data, number, sequence, approved):
        year = self.world.until.year - 1
        reviewed = (year if to_local(approved).year < year and self.world.rng.random() < 0.6
                    else None)
        return (subject_id, account_id, data["nature"], data["name"], data["cert_type"],
                data["cert_number"], data["province"], data["address"], data["mailing_address"],
                data["investor"], js(data["responsible"]), data["licence_number"], number,
                sequence, "active", 1, ts(approved), None, reviewed)

    # -- services ----------------------------------------------------------------

    def _service(self, batch, owner: dict, index: int, moment, p: dict, status: str) -> dict:
        """One service with its IPs, access links, lookup keys and certificate."""
        world, account_id, subject_id = self.world, owner["account"], owner["subject"]
        service_id, kind = self.ids.take("service"), p["kind"]
        number = f"{owner['number']}-{index}{SUFFIX[kind]}"
        details_json = js({f: p[f] for f in DETAIL_FIELDS})
        active = status == "active"
        ended = None if active else (moment + (world.until - moment) * world.rng.random()
                                     ).replace(microsecond=0)
        flags = self._flags(batch, subject_id, service_id, moment) if (
            active and kind == "website") else (0, 0)
        batch.add("service", (service_id, subject_id, kind, p["name"], p["homepage"],
                              details_json, number, status, *flags, ts(moment), ts(ended)))
        batch.extend("service_ip", [(service_id, ip) for ip in p["ips"]])
        batch.extend("access_link", [(service_id, isp, "", status, ts(moment), ts(ended))
                                     for isp in p["isps"]])
        if active:
            keys = [("domain", d) for d in p["domains"]]
            if p["homepage"]:
                keys.append(("host", p["domains"][0]))
            keys.append(("service_name", normalise_name(p["name"])))
            batch.extend("lookup_key", [(k, v, account_id, subject_id, service_id, None)
                                        for k, v in keys])
        if kind == "website" and self.with_certificates:
            self._certificate(batch, service_id, number, owner, p, moment, ended)
        label = kind if active else f"cancelled {kind}"
        self.counts[label] = self.counts.get(label, 0) + 1
        if not active and len(self.cancelled_domains) < 500:
            self.cancelled_domains.append(p["domains"][0])
        return {"id": service_id, "kind": kind, "name": p["name"], "homepage": p["homepage"],
                "number": number, "status": status, "isps": p["isps"], "domains": p["domains"],
                "details_json": details_json, "approved": moment,
                "responsible": p["responsible"]}

    def _flags(self, batch, subject_id, service_id, moment) -> tuple[int, int]:
        """Restricted access (限制接入) or violation (违法违规) on a few websites."""
        roll = self.world.rng.random()
        if roll >= RESTRICTED_SHARE + VIOLATION_SHARE:
            return 0, 0
        kind = "restricted" if roll < RESTRICTED_SHARE else "violation"
        reason = "网站内容与备案信息不符，限制接入" if kind == "restricted" else "发布违法违规信息"
        set_at = moment + (self.world.until - moment) * self.world.rng.random()
        batch.add("record_flag", (kind, subject_id, service_id, reason,
                                  self.world.rng.choice(self.reviewers), ts(set_at), None, None))
        return (1, 0) if kind == "restricted" else (0, 1)

    def _certificate(self, batch, service_id, number, owner, p, moment, ended):
        serial = f"{self.world.rng.getrandbits(128):032x}"
        payload = {"serial": serial, "filing_number": number,
                   "subject_filing_number": owner["number"], "subject_name": owner["name"],
                   "website_name": p["name"], "domains": list(p["domains"]),
                   "issued_at": moment.isoformat(timespec="seconds") + "Z",
                   "bureau": BUREAU, "province": PROVINCE}
        self.certificates.append((service_id, serial, payload, ts(moment), ts(ended),
                                  "" if ended is None else "cancelled"))

    # -- the approved first filing and the record version ---------------------------

    def _first_filing(self, batch, account_id, subject_id, subject_json, written, approved,
                      org):
        rng, app_id = self.world.rng, self.ids.take("application")
        filed = [s for s in written if s["approved"] == approved]
        proposal = ('{"subject": ' + subject_json + ', "services": ['
                    + ", ".join(proposal_entry(s) for s in filed) + "]}")
        created = approved - timedelta(days=rng.randint(8, 25), seconds=rng.randint(0, 36000))
        submitted = created + timedelta(hours=rng.randint(1, 30))
        review = submitted + timedelta(hours=rng.randint(24, 96))
        isp_filed = org is not None
        batch.add("application", row(
            "application", APPLICATION_DEFAULTS, id=app_id, reference=reference(created, app_id),
            kind="first_filing", state="approved", account_id=account_id, subject_id=subject_id,
            channel="isp" if isp_filed else "filer", isp_id=org,
            submitted_by_id=self.world.isp(org)["operator_id"] if isp_filed else account_id,
            proposed=proposal, version=5, created_at=ts(created), updated_at=ts(approved),
            submitted_at=ts(submitted), review_started_at=ts(review),
            due_on=day(add_working_days(to_local(review).date(), 20, {})),
            decided_at=ts(approved), decided_by_id=rng.choice(self.reviewers)))
        named = sorted({i for s in filed for i in s["isps"] if i} | ({org} if org else set()))
        batch.extend("application_isp", [(app_id, i) for i in named])
        return app_id



DETAIL_FIELDS = ("domains", "ips", "location", "isps", "content_category", "languages",
                 "pre_approvals", "responsible", "extra")


def public_subject(data: dict) -> dict:
    return {k: v for k, v in data.items() if not k.startswith("_")}


def proposal_entry(service: dict) -> str:
    """A service as a cleaned proposal holds it, from its stored details."""
    return (f'{{"kind": "{service["kind"]}", "name": {quoted(service["name"])}, '
            f'"homepage": {quoted(service["homepage"])}, ' + service["details_json"][1:])


def snapshot(subject_json: str, number: str, written: list[dict]) -> str:
    """records.snapshot(subject) of the record as generated: the subject's fields, its
    number and status, each service with its details and access links."""
    entries = []
    for s in written:
        access = ", ".join(f'{{"isp": {"null" if i is None else i}, "status": "{s["status"]}"}}'
                           for i in s["isps"])
        entries.append(f'{{"id": {s["id"]}, "kind": "{s["kind"]}", "name": {quoted(s["name"])}, '
                       f'"homepage": {quoted(s["homepage"])}, "filing_number": '
                       f'{quoted(s["number"])}, "status": "{s["status"]}", "access": [{access}], '
                       + s["details_json"][1:])
    return (subject_json[:-1] + f', "filing_number": {quoted(number)}, "status": "active", '
            '"services": [' + ", ".join(entries) + "]}")
