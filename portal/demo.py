"""Demo data: bureau staff, three ISPs with staff, and filers with applications of
every kind in every state the lifecycle can reach, plus conflicts, a pending
cancellation, an overdue review and a shell, and the bureau's own (portal/demo_bureau.py).
Loaded once; prints the logins."""
from datetime import timedelta

from portal import clock, sample_data, workflow
from portal.db import transaction
from portal.demo_bureau import load_bureau_demo
from portal.models import Account, Application, IspOrganisation, Service, SmsVerification
from portal.services.accounts import hash_password
from portal.states import Kind, State

DEMO_PASSWORD = "demo-pass-2026"
ISPS = [("晋云数据", "jinyun"), ("太行网络", "taihang"), ("汾河云计算", "fenhe")]
# States no application of the kind can reach (its SMS matrix entry is empty).
UNREACHABLE = {(Kind.CANCEL_ACCESS, State.SMS), (Kind.CONFLICT_RESOLUTION, State.SMS),
               (Kind.ANNUAL_REVIEW, State.SMS)}


class Demo:
    def __init__(self):
        self.hash = hash_password(DEMO_PASSWORD)
        self.n = 100
        self.isps = []
        self.reviewer = None

    def account(self, username, tenant, role, org=None, **fields):
        return Account.create(username=username, tenant=tenant, role=role, organisation=org,
                              password_hash=self.hash, mobile_verified=True,
                              email_verified=True, identity_verified=True, **fields)

    def staff(self):
        admin = Account.get_or_none(Account.username == "admin")
        if admin is not None:
            Account.update(password_hash=self.hash, must_change_password=False).where(
                Account.id == admin.id).execute()
        self.reviewer = self.account("reviewer1", "bureau", "reviewer", display_name="审核员一")
        self.account("reviewer2", "bureau", "reviewer", display_name="审核员二")
        self.account("auditor", "bureau", "auditor", display_name="审计员")
        for name, slug in ISPS:
            org = IspOrganisation.create(name=name, consultation_phone="0351-1234567",
                                         licence_number=f"晋B1-2026{len(self.isps):04d}")
            org.admin = self.account(f"{slug}-admin", "isp", "admin", org)
            org.operator = self.account(f"{slug}-op", "isp", "operator", org)
            self.account(f"{slug}-ro", "isp", "readonly", org)
            self.isps.append(org)

    def filer(self, label=None):
        self.n += 1
        return self.account(label or f"filer{self.n:03d}", "public", "filer",
                            email=f"filer{self.n}@mail.example", mobile=f"136{self.n:08d}")


    def isp_for(self, n):
        return self.isps[n % len(self.isps)]

    def approved_filer(self, label=None):
        """A filer with an approved record: a website, an APP and a mini program."""
        filer = self.filer(label)
        isp = self.isp_for(self.n)
        services = [sample_data.website(self.n, [isp.id]), sample_data.app_service(self.n, [isp.id]),
                    sample_data.mini_service(self.n, [isp.id])]
        proposal = sample_data.first_filing(self.n, [isp.id], services=services)
        app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                          proposed=proposal)
        self.drive(app, State.APPROVED)
        return filer

    def proposal_for(self, kind, filer):
        """Data for an application of `kind` by a filer that has an approved record."""
        subject = filer.subjects.get()
        website = subject.services.where(Service.kind == "website").get()
        current = {**website.details, "kind": "website", "name": website.name,
                   "homepage": website.homepage, "service_id": website.id}
        base_subject = {**subject.__data__, "responsible": subject.responsible}
        other_isp = next(i for i in self.isps if i.id not in website.details["isps"])
        return {
            Kind.ADD_SERVICE: {"services": [sample_data.mini_service(self.n + 9000,
                                                                     website.details["isps"],
                                                                     "quickapp")]},
            Kind.ADD_ACCESS: {"isp_id": other_isp.id, "customer_ref": f"C{self.n}"},
            Kind.CHANGE_SUBJECT: {"subject": {**base_subject,
                                              "mailing_address": "山西省太原市新建路1号"}},
            Kind.CHANGE_SERVICE: {"services": [{**current, "domains": current["domains"]
                                                + [f"www{self.n}.example"]}]},
            Kind.CHANGE_ACCESS: {"services": [{**current, "ips": ["58.200.1.1"]}]},
            Kind.CANCEL_SUBJECT: {"reason": "主办单位业务调整，不再提供互联网信息服务"},
            Kind.CANCEL_SERVICE: {"reason": "网站停止运营"},
            Kind.CANCEL_ACCESS: {"isp_id": website.details["isps"][0], "reason": "更换接入商"},
            Kind.CONFLICT_RESOLUTION: {"description": "客户称其域名被他人抢注备案，附域名证书"},
            Kind.ANNUAL_REVIEW: {"subject": base_subject, "services": [current]},
        }[kind], website, other_isp

    def open(self, kind, filer, target):
        """Open an application of `kind`; ISP-filed where the filer's path would skip the
        ISP step but the target state needs it."""
        proposal, website, other_isp = self.proposal_for(kind, filer)
        service_id = website.id if kind in (Kind.ADD_ACCESS, Kind.CHANGE_SERVICE,
                                            Kind.CHANGE_ACCESS, Kind.CANCEL_SERVICE,
                                            Kind.CANCEL_ACCESS) else None
        isp = other_isp if kind == Kind.ADD_ACCESS else self.isp_by_id(website.details["isps"][0])
        by_isp = kind in (Kind.ADD_ACCESS, Kind.CONFLICT_RESOLUTION) or (
            target == State.SUBMITTED and kind in (Kind.CANCEL_SUBJECT, Kind.CANCEL_SERVICE,
                                                   Kind.CANCEL_ACCESS))
        actor = isp.operator if by_isp else filer
        return workflow.create_application(kind, account=filer, actor=actor, proposed=proposal,
                                           channel="isp" if by_isp else "filer",
                                           isp=isp if by_isp else None, service_id=service_id)

    def isp_by_id(self, isp_id):
        return next(i for i in self.isps if i.id == isp_id)

    def submitter(self, app):
        if app.channel == "isp":
            return self.isp_by_id(app.isp_id).operator
        return Account.get_by_id(app.account_id)

    def verifier(self, app):
        from portal.models import ApplicationIsp
        named = ApplicationIsp.select().where(ApplicationIsp.application == app.id).first()
        return self.isp_by_id(named.isp_id).operator

    def drive(self, app, target):
        """Follow the lifecycle until the application reaches `target`."""
        for _ in range(8):
            app = workflow.load_application(app.id)
            if app.state == target:
                return app
            self.step(app, target)
        raise RuntimeError(f"could not drive {app.kind} to {target}")

    def step(self, app, target):
        who = self.submitter(app)
        if app.state == State.DRAFT:
            if target == State.ABANDONED:
                return workflow.abandon_application(app.id, who)
            return workflow.submit_application(app.id, who)
        if app.state == State.SUBMITTED:
            if target == State.WITHDRAWN:
                return workflow.withdraw_application(app.id, who)
            if target in (State.RETURNED, State.ABANDONED):
                return workflow.isp_return_application(
                    app.id, self.verifier(app), "材料不完整",
                    [{"field": "subject.name", "note": "请按营业执照填写单位全称"}])
            return workflow.verify_application(app.id, self.verifier(app))
        if app.state == State.SMS:
            if target == State.WITHDRAWN:
                return workflow.withdraw_application(app.id, who)
            return confirm_codes(app)
        if app.state == State.REVIEW:
            if target == State.WITHDRAWN:
                return workflow.delete_application_on_request(app.id, self.reviewer,
                                                              "主办者书面申请删除")
            if target in (State.RETURNED, State.ABANDONED):
                return workflow.return_application(
                    app.id, self.reviewer, "网站名称与内容不符",
                    [{"field": "services.0.name", "note": "网站名称应体现网站内容"}])
            return workflow.approve_application(app.id, self.reviewer)
        if app.state == State.RETURNED and target == State.ABANDONED:
            return workflow.abandon_application(app.id, who)
        raise RuntimeError(f"no step from {app.state} to {target}")


def confirm_codes(app):
    """Demo only: confirm SMS checks with the codes the development outbox holds."""
    from portal.models import OutboxMessage
    for row in SmsVerification.select().where(SmsVerification.application == app.id,
                                              SmsVerification.confirmed_at.is_null()):
        message = (OutboxMessage.select().where(OutboxMessage.channel == "sms",
                                                OutboxMessage.recipient == row.mobile)
                   .order_by(OutboxMessage.id.desc()).first())
        code = message.body.split("核验码为")[1][:6]
        workflow.confirm_sms(app.reference, row.cert_number, row.mobile, code)


def _every_kind_and_state(demo):
    for kind in Kind:
        for state in State:
            if (kind, state) in UNREACHABLE:
                continue
            if kind == Kind.FIRST_FILING:
                filer = demo.filer()
                isp = demo.isp_for(demo.n)
                app = workflow.create_application(
                    kind, account=filer, actor=filer,
                    proposed=sample_data.first_filing(demo.n, [isp.id]))
            else:
                filer = demo.approved_filer()
                app = demo.open(kind, filer, state)
            demo.drive(app, state)


def _special_cases(demo):
    """Two conflicts, an overdue review and an abroad website."""
    victim = demo.approved_filer("conflict-owner")
    taken = victim.subjects.get().services.where(Service.kind == "website").get()
    for label, tweak in (("conflict-domain", "domain"), ("conflict-name", "name")):
        filer = demo.filer(label)
        proposal = sample_data.first_filing(demo.n, [demo.isps[0].id])
        if tweak == "domain":
            proposal["services"][0]["domains"] = list(taken.details["domains"])
            proposal["services"][0]["homepage"] = taken.homepage
        else:
            proposal["subject"]["name"] = victim.subjects.get().name
        app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                          proposed=proposal)
        demo.drive(app, State.REVIEW)
    clock.freeze(clock.utcnow() - timedelta(days=45))
    try:
        filer = demo.filer("overdue")
        app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                          proposed=sample_data.first_filing(demo.n,
                                                                            [demo.isps[1].id]))
        demo.drive(app, State.REVIEW)
    finally:
        clock.freeze(None)
    filer = demo.filer("abroad")
    proposal = {"subject": sample_data.subject(demo.n, "个人"),
                "services": [sample_data.website(demo.n, [], abroad=True)]}
    app = workflow.create_application(Kind.FIRST_FILING, account=filer, actor=filer,
                                      proposed=proposal)
    demo.drive(app, State.APPROVED)


def load_demo() -> list[str]:
    """Load the demo data unless it is there; return the login lines to print."""
    if not IspOrganisation.select().where(IspOrganisation.name == ISPS[0][0]).exists():
        demo = Demo()
        with transaction():   # all or nothing: a failed load leaves no half demo behind
            demo.staff()
            demo.approved_filer("demo")
            _every_kind_and_state(demo)
            _special_cases(demo)
            load_bureau_demo("demo")
    return logins()


def logins() -> list[str]:
    sample = Application.select().where(Application.state == State.RETURNED).first()
    returned = Account.get_by_id(sample.account_id).username if sample else "-"
    return [
        f"Demo logins (password for all: {DEMO_PASSWORD})",
        "  bureau  /bureau/login : admin (admin), reviewer1, reviewer2 (reviewers), auditor",
        "  isp     /isp/login    : " + ", ".join(f"{s}-admin, {s}-op, {s}-ro" for _, s in ISPS),
        f"  filer   /login        : demo (approved record), {returned} (returned application),"
        " conflict-domain (in conflict), overdue (review overdue)",
    ]
