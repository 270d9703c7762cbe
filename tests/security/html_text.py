"""What a page shows, for the language and label checks: its visible text (text nodes
outside script/style, plus the attributes a user reads: placeholder, title, aria-label,
alt and the value of buttons) and its form controls with how each is labelled."""
from dataclasses import dataclass, field
from html.parser import HTMLParser

HIDDEN_TAGS = {"script", "style", "template", "noscript"}
CODE_TAGS = {"code", "kbd", "samp", "pre"}
READ_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt")
NO_LABEL_NEEDED = {"hidden", "submit", "button", "image", "reset"}


@dataclass
class Control:
    tag: str
    attrs: dict
    in_label: bool


@dataclass
class Page:
    texts: list = field(default_factory=list)
    code: list = field(default_factory=list)     # text inside code/kbd/samp/pre
    controls: list = field(default_factory=list)
    label_for: set = field(default_factory=set)
    ids: set = field(default_factory=set)

    def unlabelled(self) -> list[str]:
        """Visible controls with no label[for], wrapping label, aria-label or labelledby."""
        found = []
        for control in self.controls:
            a = control.attrs
            if control.tag == "input" and (a.get("type") or "text") in NO_LABEL_NEEDED:
                continue
            if "hidden" in a or a.get("aria-hidden") == "true":
                continue
            if control.in_label or a.get("aria-label") or (a.get("id") in self.label_for):
                continue
            labelled_by = (a.get("aria-labelledby") or "").split()
            if labelled_by and all(i in self.ids for i in labelled_by):
                continue
            found.append(f"<{control.tag} name={a.get('name')!r} id={a.get('id')!r}>")
        return found


class _Parser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.page, self.hidden, self.labels, self.in_code = Page(), 0, 0, 0

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if a.get("id"):
            self.page.ids.add(a["id"])
        if tag in HIDDEN_TAGS:
            self.hidden += 1
        if tag in CODE_TAGS:
            self.in_code += 1
        if tag == "label":
            self.labels += 1
            if a.get("for"):
                self.page.label_for.add(a["for"])
        if tag in ("input", "select", "textarea"):
            self.page.controls.append(Control(tag, a, self.labels > 0))
        if not self.hidden:
            self.page.texts += [a[k] for k in READ_ATTRIBUTES if a.get(k)]
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.page.texts.append(a["value"])

    def handle_endtag(self, tag):
        if tag in HIDDEN_TAGS and self.hidden:
            self.hidden -= 1
        if tag in CODE_TAGS and self.in_code:
            self.in_code -= 1
        if tag == "label" and self.labels:
            self.labels -= 1

    def handle_data(self, data):
        if not self.hidden and data.strip():
            (self.page.code if self.in_code else self.page.texts).append(data.strip())


def parse(html: str) -> Page:
    parser = _Parser()
    parser.feed(html)
    parser.close()
    return parser.page
