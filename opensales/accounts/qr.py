"""QR codes as inline SVG, drawn on the server: no image request, no script, nothing for the CSP."""

from __future__ import annotations

import qrcode
from django.utils.safestring import SafeString, mark_safe
from qrcode.image.svg import SvgPathFillImage


def qr_svg(data: str, *, label: str, size_px: int = 200) -> SafeString:
    """An <svg> element encoding `data`, scaled to `size_px`, white background for dark themes.

    mark_safe is sound here: the markup is built by qrcode as an element tree (data only becomes
    module paths), and `label` is set as an attribute value, which ElementTree escapes.
    """
    image = qrcode.make(data, image_factory=SvgPathFillImage, border=2)
    svg = image._img  # the ElementTree root that to_string() serialises
    svg.set("width", str(size_px))
    svg.set("height", str(size_px))
    svg.set("role", "img")
    svg.set("aria-label", label)
    return mark_safe(image.to_string(encoding="unicode"))  # noqa: S308 (see docstring)
