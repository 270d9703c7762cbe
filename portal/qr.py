"""QR codes as inline SVG (no Pillow): printed certificates and record statements carry
one that opens their public verification page."""
import xml.etree.ElementTree as ET  # nosec B405 - parses only the qrcode library's own SVG

import qrcode
import qrcode.image.svg
from markupsafe import Markup

SVG_NS = "http://www.w3.org/2000/svg"


def qr_svg(url: str, label: str = "", size_mm: int = 30) -> Markup:
    """An <svg> element encoding `url`, safe to place in a page as is.

    The tree is rebuilt with ElementTree, so the label (shown to screen readers as the
    accessible name and <title>) is escaped whatever it contains."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4,
                         image_factory=qrcode.image.svg.SvgPathImage)
    label = str(label or url)      # a lazy translation is resolved here
    code.add_data(url)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    root = ET.fromstring(svg)  # nosec B314 - our own qrcode output, never user input
    root.set("width", f"{size_mm}mm")
    root.set("height", f"{size_mm}mm")
    root.set("role", "img")
    root.set("aria-label", label)
    root.set("class", "qr")
    for element in root.iter():
        element.tag = element.tag.rpartition("}")[2]   # plain <svg xmlns=...>, as HTML wants
        element.attrib.pop("id", None)      # two codes on one page must not share an id
    root.set("xmlns", SVG_NS)
    title = ET.Element("title")
    title.text = label
    root.insert(0, title)
    return Markup(ET.tostring(root, encoding="unicode"))  # nosec B704 - ElementTree escaped it
