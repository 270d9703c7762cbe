"""Masking personal data for public pages: individuals' names and mobiles."""


def mask_name(name: str) -> str:
    """Keep the first character only: 张三 → 张*."""
    return name[:1] + "*" * max(len(name) - 1, 1) if name else ""


def mask_mobile(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile or "") >= 8 else "****"
