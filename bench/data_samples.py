"""Sample keys of a bench data set, checked against the built database through the
portal's own services (lookup, conflict check, review queue) before they are written:
a hit that finds nothing or a miss that finds something stops the build.
"""
import random

from data_proposals import TLDS
from data_records import ABBREVIATION


def collect(kept: list[dict], world, numbers, in_flight_domains: list[str],
            cancelled: list[str], seed: int) -> dict:
    """Hits, misses and conflict-check proposals from the kept records."""
    rng = random.Random(seed * 17 + 3)
    orgs = [k for k in kept if k["subject"]["nature"] != "个人"]
    people = [k for k in kept if k["subject"]["nature"] == "个人"]
    domains, numbers_, names = [], [], []
    for record in kept:
        live = [s for s in record["services"] if s["status"] == "active"]
        site = rng.choice([s for s in live if s["kind"] == "website"])
        domains.append(rng.choice(site["domains"]))
        numbers_.append(rng.choice(live)["number"] if rng.random() < 0.7 else record["number"])
        names.append(site["name"])
    misses = miss_domains(world, domains, rng)
    return {
        "domains": domains, "www_domains": [f"www.{d}" for d in domains[:500]],
        "filing_numbers": numbers_,
        "old_style_numbers": [k["number"] for k in kept if len(k["number"]) == 14][:200],
        "subject_names": [k["subject"]["name"] for k in orgs],
        "individual_names": [k["subject"]["name"] for k in people][:500],
        "service_names": names,
        "misses": misses, "miss_numbers": miss_numbers(numbers, kept, rng),
        "miss_subject_names": [world.names.organisation(world.names.org_space - 1 - i,
                                                        "企业")["name"] for i in range(500)],
        "filers": [{"username": k["username"], "subject_number": k["number"]} for k in kept[:20]],
        "cancelled_domains": cancelled[:500], "in_flight_domains": in_flight_domains[:500],
        "conflict_fresh": [misses[i * 10:(i + 1) * 10] for i in range(20)],
        "conflict_taken": [domains[i * 10:i * 10 + 2] + misses[200 + i * 8:200 + (i + 1) * 8]
                           for i in range(20)],
    }


def miss_domains(world, domains: list[str], rng) -> list[str]:
    """Domains shaped like the real ones that no record and no application holds."""
    out = []
    for domain in domains:
        label = domain.split(".")[0] + rng.choice(["zx", "qy", "hq", "xw"])
        if label not in world.labels and not label.startswith("xn--"):
            out.append(f"{label}.{rng.choice(TLDS)}")
    return out


def miss_numbers(numbers, kept: list[dict], rng) -> list[str]:
    """Unissued subject serials and unissued service indexes of issued numbers."""
    out = []
    for year, value in numbers.counters():
        out += [f"{ABBREVIATION}ICP备{year}{value + k:06d}号" for k in (1, 7, 93)]
    for record in kept[:500]:
        out.append(f"{record['number']}-{len(record['services']) + rng.randint(1, 5)}")
    return out


def verify(app, samples: dict) -> dict:
    """Every hit finds a record, every miss none, conflicts are found, the queue has work.
    Returns figures for the summary; stops the build on the first inconsistency."""
    from portal.db import db
    from portal.services.conflicts import find_conflicts
    from portal.services.lookup import lookup
    from portal.services.review_queue import QueueFilters, review_queue
    problems = []
    with app.app_context(), db.connection_context():
        for name, type_, hit in (("domains", "domain", True), ("www_domains", "domain", True),
                                 ("filing_numbers", "number", True),
                                 ("old_style_numbers", "number", True),
                                 ("subject_names", "subject", True),
                                 ("service_names", "service", True),
                                 ("misses", "domain", False), ("miss_numbers", "number", False),
                                 ("miss_subject_names", "subject", False),
                                 ("cancelled_domains", "domain", False),
                                 ("in_flight_domains", "domain", False)):
            for q in samples[name]:
                if (lookup(q, type_, per_page=1).total > 0) != hit:
                    problems.append(f"{name}: {q} {'not found' if hit else 'found'}")
        taken = find_conflicts(0, proposal(samples["conflict_taken"][0]))
        fresh = find_conflicts(0, proposal(samples["conflict_fresh"][0]))
        in_flight = find_conflicts(0, proposal(samples["in_flight_domains"][:1])
                                   ) if samples["in_flight_domains"] else [1]
        if not taken or fresh or not in_flight:
            problems.append(f"conflict check: taken {len(taken)}, fresh {len(fresh)}, "
                            f"in flight {len(in_flight)}")
        page = list(review_queue(QueueFilters()).limit(20))
        in_review = review_queue(QueueFilters()).count()
    if problems or not page:
        raise SystemExit("the data set is inconsistent with the portal's services:\n  "
                         + "\n  ".join(problems[:20] or ["review queue empty"]))
    return {"in_review": in_review}


def proposal(domains: list[str]) -> dict:
    """A website proposal with these domains, as the conflict check takes it."""
    return {"services": [{"kind": "website", "name": "冲突检查测试网站", "domains": domains,
                          "homepage": ""}]}
