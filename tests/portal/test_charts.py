"""SVG charts: valid XML, labelled for assistive technology, text escaped, deterministic."""
import xml.etree.ElementTree as ET

import pytest

from portal import charts

SVG = "{http://www.w3.org/2000/svg}"
ITEMS = [("审核通过", 12), ("退回", 3), ("草稿", 0)]


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.column_chart])
def test_valid_svg_with_title_and_desc(draw):
    root = parse(draw("c1", "申请数", ITEMS))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.get("aria-labelledby") == "c1-title c1-desc"
    assert root.find(f"{SVG}title").text == "申请数"
    desc = root.find(f"{SVG}desc").text
    assert "审核通过：12" in desc and "退回：3" in desc
    rects = root.findall(f"{SVG}rect")
    assert len(rects) == len(ITEMS)
    assert [r.find(f"{SVG}title").text for r in rects] == ["审核通过：12", "退回：3", "草稿：0"]


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.column_chart])
def test_text_is_escaped(draw):
    hostile = '<script>alert("x")</script> & \'q\''
    svg = str(draw("c2", hostile, [(hostile, 1)]))
    assert "<script>" not in svg
    root = parse(svg)
    assert root.find(f"{SVG}title").text == hostile
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert any(t and t.startswith("<script>alert") for t in texts)


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.column_chart])
def test_same_numbers_same_bytes(draw):
    assert str(draw("c3", "t", ITEMS)) == str(draw("c3", "t", list(ITEMS)))
    assert str(draw("c3", "t", ITEMS)) != str(draw("c3", "t", [("审核通过", 13)] + ITEMS[1:]))


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.column_chart])
def test_empty_series_says_so(draw):
    root = parse(draw("c4", "空", []))
    assert [t.text for t in root.iter(f"{SVG}text")] == ["暂无数据"]
    assert root.find(f"{SVG}desc").text == "暂无数据"


def test_bars_are_proportional():
    rects = parse(charts.bar_chart("c5", "t", [("a", 10), ("b", 5)])).findall(f"{SVG}rect")
    widths = [float(r.get("width")) for r in rects]
    assert widths[0] == pytest.approx(2 * widths[1], rel=0.01)


def test_column_chart_thins_labels_of_long_series():
    weeks = [(f"w{i:03d}", i) for i in range(100)]
    root = parse(charts.column_chart("c6", "t", weeks))
    labels = [t.text for t in root.iter(f"{SVG}text") if t.text and t.text.startswith("w")]
    assert 8 <= len(labels) <= 13 and labels[0] == "w000"
    assert len(root.findall(f"{SVG}rect")) == 100


def test_chart_id_is_made_safe():
    root = parse(charts.bar_chart('x" onload="bad', "t", ITEMS))
    assert root.get("onload") is None
    assert root.get("id") == "x--onload--bad"


def test_long_labels_are_shortened_but_kept_in_the_tip():
    label = "很长的字段名称" * 10
    root = parse(charts.bar_chart("c7", "t", [(label, 1)]))
    shown = next(t.text for t in root.iter(f"{SVG}text"))
    assert shown.endswith("…") and len(shown) < len(label)
    assert root.find(f"{SVG}rect").find(f"{SVG}title").text == f"{label}：1"


@pytest.mark.parametrize("raw, step", [(0, 1), (0.3, 0.5), (3, 5), (7.5, 10), (120, 200)])
def test_nice_step(raw, step):
    assert charts.nice_step(raw) == pytest.approx(step)


def test_float_values_show_one_decimal():
    root = parse(charts.bar_chart("c8", "t", [("中位数", 18.26)]))
    assert "18.3" in [t.text for t in root.iter(f"{SVG}text")]
