"""A small HTML form reader for the route-audit cases: the values a browser would send
for a form, unchanged (hidden fields, pre-filled inputs, selected options)."""
from html.parser import HTMLParser
from urllib.parse import urlsplit


class _Forms(HTMLParser):
    """Each <form>: its action and the values a browser would submit unchanged."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._select, self._textarea = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "fields": [],
                               "post": (a.get("method") or "get").lower() == "post"})
        elif not self.forms:
            return
        elif tag == "input":
            self._input(a)
        elif tag == "select":
            self._select = {"name": a.get("name"), "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append((a.get("value", ""), "selected" in a))
        elif tag == "textarea":
            self._textarea = [a.get("name"), ""]

    def _input(self, a):
        kind = a.get("type", "text").lower()
        if kind in ("submit", "button", "file", "image", "reset") or not a.get("name"):
            return
        if kind in ("checkbox", "radio") and "checked" not in a:
            return
        self.forms[-1]["fields"].append((a["name"], a.get("value", "on" if kind == "checkbox"
                                                           else "")))

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            options, chosen = self._select["options"], None
            picked = [v for v, selected in options if selected]
            if self._select["multiple"]:
                chosen = picked
            else:
                chosen = picked[:1] or [v for v, _ in options[:1]]
            self.forms[-1]["fields"] += [(self._select["name"], v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.forms[-1]["fields"].append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None


def form_values(html: str, page: str, action: str) -> dict:
    """The fields of the form on `html` (fetched from `page`) that posts to `action`, as
    a dict (a list where a name repeats)."""
    parser = _Forms()
    parser.feed(html)
    target = urlsplit(action).path
    for form in parser.forms:
        if form["post"] and urlsplit(form["action"] or page).path == target:
            values = {}
            for name, value in form["fields"]:
                values.setdefault(name, []).append(value)
            return {k: v[0] if len(v) == 1 else v for k, v in values.items()}
    raise AssertionError(f"no form posting to {action} on {page}")
