"""Argument checks shared by the data generators: each raises ValueError naming the argument."""

from __future__ import annotations

import math


def check_count(name: str, value: int, minimum: int) -> None:
    """``value`` must be an integer (not a bool) >= ``minimum``."""
    if isinstance(value, bool) or int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")


def check_positive(**kwargs: float) -> None:
    """Every keyword value must be a positive finite number."""
    for name, value in kwargs.items():
        if not (math.isfinite(value) and value > 0):
            raise ValueError(f"{name} must be a positive finite number, got {value}")


def check_range(name: str, bounds: tuple[float, float]) -> tuple[float, float]:
    """``bounds`` = (low, high) with 0 < low <= high, both finite; returns them as floats."""
    lo, hi = (float(b) for b in bounds)
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo <= hi):
        raise ValueError(f"{name} must be (low, high) with 0 < low <= high, got {bounds}")
    return lo, hi
