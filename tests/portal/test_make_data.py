"""bench/make_data.py at a tiny size: the rows it writes are what the portal's own
services read (lookup, conflict check, review queue, record keys, certificates)."""
import json
import sys

import pytest

from portal import ROOT, create_app
from portal.db import db

sys.path.insert(0, str(ROOT / "bench"))
import make_data  # noqa: E402

class Rollback(Exception):
    """Raised to leave a transaction without keeping its changes."""


TINY = ["--websites", "200", "--subjects", "60", "--isps", "3", "--in-flight", "50",
        "--sign-inline"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A tiny data set (built twice: the second copy shows the seed decides the keys);
    yields (samples document of the first, samples of the second) with an app bound
    to the first."""
    folder = tmp_path_factory.mktemp("bench")
    url = f"sqlite:///{folder / 'bench.db'}"
    make_data.main(TINY + ["--database-url", f"sqlite:///{folder / 'again.db'}"])
    make_data.main(TINY + ["--database-url", url])
    document = json.loads((folder / "bench.json").read_text())
    again = json.loads((folder / "again.json").read_text())["samples"]
    app = create_app({"TESTING": True, "DATABASE_URL": url, "HUEY_URL": "memory://",
                      "HUEY_IMMEDIATE": True, "INSTANCE_PATH": str(folder / "bench.instance")})
    with app.app_context(), db.connection_context():
        yield document, again
    db.obj.close_all()


def test_counts_match_the_sizes_asked_for(built):
    document, _ = built
    counts, states = document["counts"], document["in_flight"]
    assert document["records"]["website"] == 200
    assert counts["subject"] == 60 and counts["isp_organisation"] == 3
    assert counts["application"] == 60 + 50
    assert sum(states.values()) == 50
    assert {label.split("/")[1] for label in states} <= {
        "submitted", "sms_verification", "bureau_review", "returned"}
    assert counts["lookup_key"] > 60 * 2 + 200 * 3


def test_sample_keys_hit_and_miss_through_the_public_lookup(built):
    from portal.services.lookup import lookup
    samples = built[0]["samples"]
    for name, type_ in (("domains", "domain"), ("filing_numbers", "number"),
                        ("subject_names", "subject"), ("service_names", "service")):
        assert lookup(samples[name][0], type_).total >= 1, name
    assert lookup(samples["misses"][0], "domain").total == 0
    assert lookup(samples["miss_numbers"][0], "number").total == 0


def test_conflict_check_finds_approved_and_pending_domains(built):
    from portal.services.conflicts import find_conflicts
    samples = built[0]["samples"]
    taken = samples["conflict_taken"][0]

    def website(domains):
        return {"services": [{"kind": "website", "name": "冲突测试网站", "domains": domains,
                              "homepage": ""}]}

    hits = find_conflicts(0, website(taken))
    assert {h["value"] for h in hits} <= set(taken) and hits
    assert find_conflicts(0, website(samples["conflict_fresh"][0])) == []
    pending = find_conflicts(0, website(samples["in_flight_domains"][:1]))
    assert pending and pending[0]["application"] is not None


def test_review_queue_has_work_with_deadlines(built):
    from portal.services.review_queue import QueueFilters, queue_rows, review_queue
    rows = queue_rows(list(review_queue(QueueFilters()).limit(20)))
    assert rows and all(r.app.due_on is not None and r.days_left is not None for r in rows)


def test_record_rows_are_what_an_approval_writes(built):
    """Keys equal rebuild_record_keys, the version equals records.snapshot, the stored
    proposal survives clean_proposal, and each website's certificate verifies."""
    from portal.db import transaction
    from portal.models import Application, LookupKey, RecordVersion, Service, Subject
    from portal.services import records
    from portal.services.certificates import current_certificate, verify_certificate
    from portal.services.lookup_keys import rebuild_record_keys
    from portal.services.proposals import clean_proposal

    def keys(subject_id):
        return sorted(LookupKey.select(LookupKey.key, LookupKey.value, LookupKey.service)
                      .where(LookupKey.subject == subject_id).tuples())

    for subject in Subject.select().order_by(Subject.id).limit(5):
        before = keys(subject.id)
        with pytest.raises(Rollback), transaction():
            rebuild_record_keys(subject)
            assert keys(subject.id) == before
            assert json.loads(json.dumps(records.snapshot(subject), default=str)) == (
                RecordVersion.get(RecordVersion.subject == subject).snapshot)
            raise Rollback
        first = Application.get(Application.subject == subject, Application.state == "approved")
        assert clean_proposal(first.kind, first.proposed) == first.proposed
        for site in subject.services.where(Service.kind == "website", Service.status == "active"):
            assert verify_certificate(current_certificate(site).document,
                                      site.details["domains"][0]).valid


def test_certificates_render_as_sign_document_does(built):
    from data_certs import Signer

    from portal import keys
    from portal.signing import sign_document
    payload = {"serial": "ab" * 16, "filing_number": "晋ICP备2026000001号-1",
               "subject_filing_number": "晋ICP备2026000001号", "subject_name": "山西“测试”有限公司",
               "website_name": '测试"网站"\\一', "domains": ["a.example", "b.test"],
               "issued_at": "2026-01-01T00:00:00Z", "bureau": "山西省通信管理局",
               "province": "山西"}
    key = keys.signing_key()
    signer = Signer(key, keys.key_id(keys.public_key_pem(key)))
    assert signer.document(payload) == sign_document("bazs.cert/1", payload)


def test_refuses_to_overwrite_without_force(built):
    with pytest.raises(SystemExit, match="--force"):
        make_data.main(TINY + ["--database-url", built[0]["database_url"]])


def test_same_seed_same_keys(built):
    first, again = built[0]["samples"], built[1]
    for name in ("domains", "filing_numbers", "subject_names", "misses", "in_flight_domains"):
        assert again[name] == first[name], name
