"""Server-side captcha: single use, expiring in 5 minutes, kept in the ephemeral store.

The picture is an SVG with jittered characters and noise lines; the answer never
leaves the server.
"""
import base64
import secrets

from portal import ephemeral

ALPHABET = "ABCDEFHJKMNPRSTUVWXY3456789"
LENGTH = 5
TTL = 300


def new_captcha() -> tuple[str, str]:
    """A fresh captcha: (id for the form, data: URI of its picture)."""
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    captcha_id = secrets.token_urlsafe(16)
    ephemeral.store().put(f"captcha:{captcha_id}", answer, TTL)
    svg = render_svg(answer)
    return captcha_id, "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def check_captcha(captcha_id: str, answer: str) -> bool:
    """True once for the right answer; the captcha is gone after any attempt."""
    expected = ephemeral.store().pop(f"captcha:{captcha_id or ''}")
    return expected is not None and secrets.compare_digest(
        expected, (answer or "").strip().upper())


def peek_answer(captcha_id: str) -> str | None:
    """For automated tests only (the route that uses it exists only when TESTING)."""
    return ephemeral.store().peek(f"captcha:{captcha_id}")


def render_svg(text: str) -> str:
    rand = secrets.SystemRandom()
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="150" height="50" '
             'viewBox="0 0 150 50"><rect width="150" height="50" fill="#f3f4f6"/>']
    for _ in range(6):
        parts.append(f'<line x1="{rand.randint(0, 150)}" y1="{rand.randint(0, 50)}" '
                     f'x2="{rand.randint(0, 150)}" y2="{rand.randint(0, 50)}" '
                     f'stroke="#9ca3af" stroke-width="1"/>')
    for i, char in enumerate(text):
        x, y, angle = 14 + i * 26, rand.randint(30, 40), rand.randint(-25, 25)
        parts.append(f'<text x="{x}" y="{y}" font-family="monospace" font-size="28" '
                     f'font-weight="bold" fill="#1f2937" transform="rotate({angle} {x} {y})">'
                     f'{char}</text>')
    parts.append("</svg>")
    return "".join(parts)
