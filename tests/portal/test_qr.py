"""QR codes as inline SVG: well-formed, labelled, escaped."""
import xml.etree.ElementTree as ET

from portal.qr import qr_svg

SVG = "{http://www.w3.org/2000/svg}"


def test_the_svg_is_well_formed_xml():
    svg = qr_svg("https://portal.example/statement/verify")
    root = ET.fromstring(str(svg))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert root.find(f"{SVG}path").get("d").startswith("M")
    assert str(svg).startswith("<svg ") and "svg:" not in str(svg)   # plain, as HTML parses it
    assert 'id="' not in str(svg)


def test_the_label_and_url_are_escaped():
    label = '核验 "页" <script>alert(1)</script> & more'
    svg = str(qr_svg("https://portal.example/cert-check?a=1&b=<2>", label=label))
    root = ET.fromstring(svg)
    assert "<script>" not in svg
    assert root.get("aria-label") == label and root.find(f"{SVG}title").text == label


def test_the_code_grows_with_the_data():
    short = ET.fromstring(str(qr_svg("https://a.example/")))
    long = ET.fromstring(str(qr_svg("https://a.example/" + "x" * 200)))
    assert short.get("viewBox") != long.get("viewBox")
