"""Timing and memory measurements of the cost benchmark.

Timing: a candidate and its baseline are timed in the same process, alternately (the order flips
every repeat), after warm-up calls; each repeat times one call of each with ``time.perf_counter``.
The reported time is the median over repeats, and the ratio is the median of the per-repeat
ratios candidate / baseline (paired, so a load change on a shared machine moves both).

Memory: ``peak_rss_mb`` is the growth of the process's peak resident set size during one call,
in MiB: on Linux, free heap memory is first returned to the system (``malloc_trim``), the peak is
reset (``/proc/self/clear_refs``), and the peak after the call (``VmHWM``) minus the resident size
before it (``VmRSS``) is reported. It counts everything the call allocates and still holds at its
peak (activations, gradients, temporaries, the allocator's own retention), not the model's
parameters or inputs that exist before the call. Where /proc is not available it is NaN.
"""
from __future__ import annotations

import ctypes
import gc
import math
import statistics
import time
from collections.abc import Callable
from pathlib import Path

__all__ = ["time_alternating", "peak_rss_mb", "summarise"]


def time_alternating(candidate: Callable[[], None], baseline: Callable[[], None] | None,
                     repeats: int, warmup: int) -> tuple[list[float], list[float]]:
    """Seconds per call of ``candidate`` and ``baseline`` (empty without one), alternated.

    ``warmup`` untimed calls of each first; then ``repeats`` rounds of one timed call of each,
    the baseline first in odd rounds.
    """
    if repeats < 1:
        raise ValueError(f"time_alternating: repeats must be >= 1, got {repeats}")
    fns = [candidate] + ([baseline] if baseline is not None else [])
    for _ in range(warmup):
        for fn in fns:
            fn()
    times: list[list[float]] = [[] for _ in fns]
    for r in range(repeats):
        order = range(len(fns)) if r % 2 == 0 else reversed(range(len(fns)))
        for i in order:
            t0 = time.perf_counter()
            fns[i]()
            times[i].append(time.perf_counter() - t0)
    return times[0], (times[1] if baseline is not None else [])


def summarise(candidate: list[float], baseline: list[float]) -> tuple[float, float, float]:
    """(median candidate s, median baseline s, median of paired ratios); NaN where not measured."""
    med_c = statistics.median(candidate) if candidate else math.nan
    if not baseline:
        return med_c, math.nan, math.nan
    ratios = [c / b for c, b in zip(candidate, baseline)]
    return med_c, statistics.median(baseline), statistics.median(ratios)


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def peak_rss_mb(fn: Callable[[], None]) -> float:
    """Peak resident-set growth in MiB during one call of ``fn`` (see the module doc); NaN off Linux."""
    try:
        gc.collect()
        try:
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        except (OSError, AttributeError):
            pass
        Path("/proc/self/clear_refs").write_text("5")
        before = _status_kib("VmRSS")
    except (OSError, KeyError):
        fn()
        return math.nan
    fn()
    return max(0, _status_kib("VmHWM") - before) / 1024.0
