"""bandit, the security linter, finds nothing of medium or high severity in the portal's
code, and every finding silenced with `# nosec` says which check and why."""
import json
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCES = ["portal", "tenants", "wsgi.py", "gunicorn.conf.py"]
NOSEC = re.compile(r"#\s*nosec\b(.*)$")
REASONED = re.compile(r"^\s+B\d{3}(,\s*B\d{3})*\s+-\s+\S")


@pytest.mark.slow
def test_bandit_finds_no_medium_or_high_issue():
    result = subprocess.run(
        [sys.executable, "-m", "bandit", "-q", "-r", *SOURCES, "-ll", "-f", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}"
                for r in report["results"]]
    assert not findings, "bandit:\n" + "\n".join(findings)


def test_every_nosec_names_its_check_and_gives_a_reason():
    bare = []
    for source in SOURCES:
        path = ROOT / source
        for file in (path.rglob("*.py") if path.is_dir() else [path]):
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
                match = NOSEC.search(line)
                if match and not REASONED.match(match.group(1)):
                    bare.append(f"{file.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not bare, "a nosec without its check id and reason:\n" + "\n".join(bare)
