"""axe-core in the page: serious and critical accessibility violations, readably.

axe.min.js comes from the npm registry (scripts/browser.sh puts it under .cache/axe);
it is injected as a script tag, so the page's context must bypass the CSP
(`browser.new_context(bypass_csp=True)`), which forbids inline and foreign scripts."""
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / ".cache/axe/node_modules/axe-core/axe.min.js"
BLOCKING = ("serious", "critical")
RUN = "async () => await axe.run(document, {resultTypes: ['violations']})"


def axe_violations(page) -> list[str]:
    """Each serious or critical violation on the page as one readable line."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core missing at {AXE_JS}: run scripts/browser.sh")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE_JS))
    found = page.evaluate(RUN)["violations"]
    where = urlsplit(page.url)
    return [f"{where.path}{'?' + where.query if where.query else ''}: {v['id']} ({v['impact']}) "
            f"{v['help']}: " + "; ".join(" ".join(node["target"]) for node in v["nodes"][:5])
            for v in found if v["impact"] in BLOCKING]


class AxeAudit:
    """Audit each distinct page once (ids in the path do not make a new page), collect
    the violations, and fail at the end with all of them."""

    def __init__(self):
        self.seen, self.problems = set(), []

    def page_key(self, page) -> str:
        """The path with its ids replaced; `kind` picks a different form (website, APP)."""
        url = urlsplit(page.url)
        kind = parse_qs(url.query).get("kind", [""])[0]
        return re.sub(r"/\d+", "/<id>", url.path) + (f"?kind={kind}" if kind else "")

    def audit(self, page) -> None:
        key = self.page_key(page)
        if key not in self.seen:
            self.seen.add(key)
            self.problems += axe_violations(page)

    def assert_clean(self) -> None:
        assert not self.problems, (f"axe-core: {len(self.problems)} serious or critical "
                                   "violations\n  " + "\n  ".join(self.problems))
