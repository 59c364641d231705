"""How every BOON table and figure shows a method: display name, colour, marker and order.

One place for the method keys of the operator registry (``fno1d``, ``boon_fno2d_clean``, ``pino_fno3d``,
``fno1d_bcin``, ...): any dimension, known kinds in a fixed order, unknown keys shown as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["method_kind", "method_name", "method_colour", "method_marker", "method_order", "EXACT_COLOUR"]

#: kind -> (display name, colour, marker), in table and legend order
_KINDS: dict[str, tuple[str, str, str]] = {
    "fno": ("FNO", "#228B22", "s"),
    "boon": ("BOON-FNO", "#8B0000", "o"),
    "boon_clean": ("BOON-FNO (clean)", "#1F4E9B", "^"),
    "pino": ("PINO-lite", "#FF7F0E", "v"),
    "fno_bcin": ("FNO + BC input", "#9467BD", "D"),
    "boon_bcin": ("BOON-FNO + BC input", "#8C564B", "P"),
}
_OTHER_COLOURS = ("#1F77B4", "#E377C2", "#7F7F7F", "#BCBD22")
EXACT_COLOUR = "#000000"


def method_kind(method: str) -> str | None:
    """'fno', 'boon', 'boon_clean', 'pino', 'fno_bcin', 'boon_bcin' (dimension suffix dropped) or None."""
    m = re.fullmatch(r"(pino_)?(boon_)?fno\dd(_clean|_bcin)?", method)
    if m is None:
        return None
    if m.group(1):
        return "pino"
    return ("boon" if m.group(2) else "fno") + (m.group(3) or "")


def method_name(method: str) -> str:
    """Display name: fno2d -> 'FNO', boon_fno3d -> 'BOON-FNO', boon_fno1d_clean -> 'BOON-FNO (clean)',
    pino_fno2d -> 'PINO-lite', fno1d_bcin -> 'FNO + BC input'; unknown keys as-is."""
    kind = method_kind(method)
    return method if kind is None else _KINDS[kind][0]


def method_colour(method: str, position: int = 0) -> str:
    """The colour of a method kind (FNO green, BOON dark red, as in Fig. 1); unknown keys cycle by position."""
    kind = method_kind(method)
    return _OTHER_COLOURS[position % len(_OTHER_COLOURS)] if kind is None else _KINDS[kind][1]


def method_marker(method: str) -> str:
    """The line-plot marker of a method kind ('D' for unknown keys)."""
    kind = method_kind(method)
    return "D" if kind is None else _KINDS[kind][2]


def method_order(methods: Iterable[str]) -> list[str]:
    """Distinct methods: FNO, BOON-FNO, clean, PINO-lite, BC-input variants (each kind by key), then unknown keys
    sorted."""
    unique = list(dict.fromkeys(methods))
    kinds = list(_KINDS)
    known = sorted((m for m in unique if method_kind(m) is not None), key=lambda m: (kinds.index(method_kind(m)), m))
    return known + sorted(m for m in unique if method_kind(m) is None)
