"""Server-rendered SVG charts: no library, no script, nothing fetched from elsewhere.

Each chart is an `<svg role="img">` labelled by its `<title>` and `<desc>`; the page puts
the same numbers in a table beside it for anyone who cannot see the picture. Every text
is escaped and every coordinate is formatted the same way, so the same numbers always
give the same bytes (which is what the tests compare).
"""
import math
import re

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

BAR = "#2f6fad"
AXIS = "#555555"
GRID = "#dddddd"
TEXT = "#222222"
FONT = 'font-family="sans-serif" font-size="12"'
ROW = 22            # horizontal bars: height of one row
MAX_LABEL = 200     # horizontal bars: widest label column before labels are shortened
MAX_X_LABELS = 12   # column charts: about this many labels under the axis
NO_DATA = _l("暂无数据")


def _num(value: float) -> str:
    """A coordinate: at most one decimal, no trailing zeros."""
    return f"{value:.1f}".removesuffix(".0")


def value_text(value) -> str:
    return str(value) if isinstance(value, int) else f"{value:.1f}"


def text_width(text: str) -> float:
    """A rough width in pixels at 12px: wide for CJK, narrow otherwise."""
    return sum(12 if ord(char) >= 0x2E80 else 7 for char in text)


def shorten(text: str, width: float) -> str:
    """Cut a label to fit `width`, with an ellipsis (the table has it whole)."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least `raw`."""
    if raw <= 0:
        return 1
    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def _scale(values: list) -> tuple[float, float]:
    """(step, top) of the value axis: about four steps, whole numbers for counts."""
    largest = max(values, default=0)
    step = nice_step(largest / 4)
    if all(isinstance(v, int) for v in values):
        step = max(step, 1)
    return step, max(step * math.ceil(largest / step), step)


def _safe_id(chart_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "chart"


def _describe(items: list) -> str:
    return "；".join(f"{label}：{value_text(value)}" for label, value in items)


def _svg(chart_id: str, width: float, height: float, title, desc, body: list[str]) -> Markup:
    cid = _safe_id(chart_id)
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" id="{cid}" class="chart" role="img" '
            f'width="{_num(width)}" height="{_num(height)}" '
            f'viewBox="0 0 {_num(width)} {_num(height)}" '
            f'aria-labelledby="{cid}-title {cid}-desc">'
            f'<title id="{cid}-title">{escape(str(title))}</title>'
            f'<desc id="{cid}-desc">{escape(str(desc))}</desc>')
    return Markup(head + "".join(body) + "</svg>")  # nosec B704 - every text escaped above


def _text(x: float, y: float, text, anchor: str = "start") -> str:
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{TEXT}" '
            f'{FONT}>{escape(str(text))}</text>')


def _line(x1: float, y1: float, x2: float, y2: float, colour: str) -> str:
    return (f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{colour}"/>')


def _rect(x: float, y: float, width: float, height: float, tip: str) -> str:
    return (f'<rect x="{_num(x)}" y="{_num(y)}" width="{_num(width)}" height="{_num(height)}" '
            f'fill="{BAR}"><title>{escape(tip)}</title></rect>')


def _empty(chart_id, title, width, empty) -> Markup:
    return _svg(chart_id, width, 40, title, empty, [_text(8, 24, empty)])


def bar_chart(chart_id: str, title, items: list, *, desc=None, width: float = 560,
              empty=NO_DATA) -> Markup:
    """Horizontal bars, one row per (label, value): categories and per-field counts."""
    items = [(str(label), value) for label, value in items]
    if not items:
        return _empty(chart_id, title, width, empty)
    label_w = min(max(text_width(label) for label, _ in items), MAX_LABEL) + 8
    plot_w = width - label_w - 48
    _, top = _scale([value for _, value in items])
    body = [_line(label_w, 4, label_w, ROW * len(items) + 4, AXIS)]
    for i, (label, value) in enumerate(items):
        y, length = 8 + ROW * i, plot_w * value / top
        body += [_text(label_w - 6, y + 11, shorten(label, MAX_LABEL), "end"),
                 _rect(label_w, y, length, 14, f"{label}：{value_text(value)}"),
                 _text(label_w + length + 4, y + 11, value_text(value))]
    return _svg(chart_id, width, ROW * len(items) + 12, title, desc or _describe(items), body)


def column_chart(chart_id: str, title, items: list, *, desc=None, width: float = 640,
                 height: float = 240, empty=NO_DATA) -> Markup:
    """Vertical columns over a series (weeks): gridlines, thinned labels, a tip per column."""
    items = [(str(label), value) for label, value in items]
    if not items:
        return _empty(chart_id, title, width, empty)
    left, bottom, plot_h = 44, height - 28, height - 48
    slot = (width - left - 8) / len(items)
    step, top = _scale([value for _, value in items])
    body = _grid(left, bottom, plot_h, width - 8, step, top)
    every = math.ceil(len(items) / MAX_X_LABELS)
    for i, (label, value) in enumerate(items):
        x, h = left + slot * i, plot_h * value / top
        body.append(_rect(x + slot * 0.15, bottom - h, slot * 0.7, h,
                          f"{label}：{value_text(value)}"))
        if len(items) <= 2 * MAX_X_LABELS and value:
            body.append(_text(x + slot / 2, bottom - h - 3, value_text(value), "middle"))
        if i % every == 0:
            body.append(_text(x + slot / 2, bottom + 16, label, "middle"))
    return _svg(chart_id, width, height, title, desc or _describe(items), body)


def _grid(left: float, bottom: float, plot_h: float, right: float, step: float,
          top: float) -> list[str]:
    """Horizontal gridlines with their values, then the axis on top."""
    lines = []
    for k in range(round(top / step) + 1):
        y = bottom - plot_h * (k * step) / top
        tick = step * k
        lines += [_line(left, y, right, y, GRID),
                  _text(left - 6, y + 4, value_text(int(tick) if tick == int(tick) else tick),
                        "end")]
    lines.append(_line(left, bottom, right, bottom, AXIS))
    return lines
