"""Output conventions shared by tables and figures (spec §1, §7).

Method keys map to the display names and colours used in every table and figure, in the
papers' order; the plot theme is a seaborn style applied locally (never ``usetex``); and
every output file is written atomically (complete or absent). Parameter labels and LaTeX escaping
are shared by tables and figures.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from pcml.data.netcdf import current_umask

#: method key -> (display name, colour), in the order of every table and figure (spec §1).
METHODS: dict[str, tuple[str, str]] = {
    "anp": ("ANP", "#F8766D"),
    "softc_anp": ("SoftC-ANP", "#7CAE00"),
    "hardc_anp": ("HardC-ANP", "#00BFC4"),
    "probconserv_anp": ("ProbConserv-ANP", "#C77CFF"),
    "probconserv_anp_wdiff": ("ProbConserv-ANP (w/diff)", "#ff8000"),
}

#: the true solution / true mass: (display name, colour, matplotlib line style).
TRUE: tuple[str, str, str] = ("True", "#000000", "--")

#: marker per method (plotnine's default shape order); the truth uses an inverted triangle.
MARKERS: dict[str, str] = {
    "anp": "o",
    "softc_anp": "^",
    "hardc_anp": "s",
    "probconserv_anp": "D",
    "probconserv_anp_wdiff": "P",
}
TRUE_MARKER = "v"

_PARAM_LABELS = {"u_star": ("u*", "$u^*$"), "beta": ("β", r"$\beta$"), "nu": ("ν", r"$\nu$")}
_TEX_ESCAPES = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                "±": r"$\pm$", "×": r"$\times$", "–": "--", "—": "---", "σ": r"$\sigma$", "β": r"$\beta$",
                "ν": r"$\nu$", "≈": r"$\approx$", "⁻": r"$^{-}$", "²": r"$^{2}$", "³": r"$^{3}$"}


def _check(key: str) -> str:
    if key not in METHODS:
        raise ValueError(f"unknown method key {key!r}; known: {list(METHODS)}")
    return key


def display_name(key: str) -> str:
    """Display name of method ``key`` (e.g. ``"probconserv_anp"`` -> ``"ProbConserv-ANP"``)."""
    return METHODS[_check(key)][0]


def colour(key: str) -> str:
    """Hex colour of method ``key``."""
    return METHODS[_check(key)][1]


def marker(key: str) -> str:
    """Matplotlib marker of method ``key``."""
    return MARKERS[_check(key)]


def ordered(keys: Iterable[str]) -> list[str]:
    """The distinct ``keys`` sorted in the papers' method order; ValueError on an unknown key."""
    unique = list(dict.fromkeys(keys))
    for key in unique:
        _check(key)
    order = list(METHODS)
    return sorted(unique, key=order.index)


def param_label(param_name: str, value: float, *, latex: bool = False) -> str:
    """Column-group label of a parameter value, e.g. ``"k = 5"``, ``"u* = 0.6"`` (or LaTeX ``"$u^*$ = 0.6"``)."""
    plain, tex = _PARAM_LABELS.get(param_name, (param_name, f"${param_name}$" if len(param_name) == 1
                                                 else tex_escape(param_name)))
    return f"{tex if latex else plain} = {value:g}"


def tex_escape(text: str) -> str:
    """``text`` with LaTeX special characters and a few Unicode symbols made safe for pdflatex."""
    return "".join(_TEX_ESCAPES.get(c, c) for c in text)


def plot_rc() -> dict:
    """Matplotlib rc settings of every figure: seaborn ``whitegrid`` + ``paper`` context, no TeX."""
    import seaborn as sns  # here, not at the top: tables and manifests use this module without plotting (1.2 s)

    rc = dict(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("paper", font_scale=1.0))
    rc.update({"text.usetex": False, "axes.edgecolor": "0.2", "pdf.fonttype": 42, "svg.hashsalt": "pcml"})
    return rc




@contextlib.contextmanager
def atomic_output(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` if the block succeeds.

    The temporary file is removed if the block raises, so the target is complete or absent.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~current_umask())  # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; return the path."""
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
