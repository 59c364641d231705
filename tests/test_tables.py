"""Results tables (pcml.outputs.tables) and the shared output conventions (pcml.outputs.style)."""
import numpy as np
import pandas as pd
import pytest

from pcml.outputs import style
from pcml.outputs.style import param_label
from pcml.outputs.tables import format_cell, make_results_table, metric_header, mse_power

TIMES = np.linspace(0.0, 1.0, 11)
T_STAR = 0.5
# hand-set values at t*, per (method, k, metric): (mean, se); other times get different numbers
AT_T_STAR = {
    ("anp", 1.0, "ce"): (4.68e-3, 1.0e-4), ("anp", 1.0, "ll"): (2.72, 0.05), ("anp", 1.0, "mse"): (2.5e-3, 1e-4),
    ("anp", 5.0, "ce"): (-3.0e-3, 2.0e-4), ("anp", 5.0, "ll"): (3.10, 0.04), ("anp", 5.0, "mse"): (1.71e-4, 2e-6),
    ("hardc_anp", 1.0, "ce"): (1e-17, 1e-18), ("hardc_anp", 1.0, "ll"): (1.50, 0.10),
    ("hardc_anp", 1.0, "mse"): (3.3e-3, 2e-4),
    ("hardc_anp", 5.0, "ce"): (-2e-17, 1e-18), ("hardc_anp", 5.0, "ll"): (3.08, 0.02),
    ("hardc_anp", 5.0, "mse"): (1.37e-4, 3e-6),
    ("probconserv_anp", 1.0, "ce"): (0.0, 0.0), ("probconserv_anp", 1.0, "ll"): (2.00, 0.07),
    ("probconserv_anp", 1.0, "mse"): (1.9e-3, 1e-4),
    ("probconserv_anp", 5.0, "ce"): (0.0, 0.0), ("probconserv_anp", 5.0, "ll"): (2.74, 0.03),
    ("probconserv_anp", 5.0, "mse"): (1.55e-4, 1e-6),
}


def write_metrics(path, methods=("anp", "hardc_anp", "probconserv_anp")):
    rows = []
    for (method, k, metric), (mean, se) in AT_T_STAR.items():
        if method not in methods:
            continue
        for t in TIMES:
            m = mean if np.isclose(t, T_STAR) else mean * 7.0 + 1.0  # wrong time -> visibly wrong numbers
            rows.append(dict(method=method, param_name="k", param=k, t=t, metric=metric, mean=m,
                             sd=se * np.sqrt(50), se=se, n=50))
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def write_paper(path):
    rows = [("diffusion", "anp", "k", 5.0, "ce", 4.68e-3, 1.0e-4), ("diffusion", "anp", "k", 5.0, "ll", 2.72, None),
            ("diffusion", "anp", "k", 5.0, "mse", 1.71e-4, None),
            ("diffusion", "softc_anp", "k", 5.0, "ce", 3.47e-3, 1.7e-4),
            ("pme", "anp", "m", 3.0, "ce", 9.99, None)]  # another experiment: ignored
    df = pd.DataFrame(rows, columns=["experiment", "method", "param_name", "param", "metric", "mean", "se"])
    df.assign(source_note="test").to_csv(path, index=False)
    return path


def run(tmp_path, paper=False, methods=("probconserv_anp", "anp", "hardc_anp"), t_star=T_STAR, **kw):
    out = {k: tmp_path / "tables" / f"tab.{k}" for k in ("csv", "md", "tex")}
    table = make_results_table(kw.pop("metrics", None) or write_metrics(tmp_path / "metrics.csv"),
                               experiment="diffusion", t_star=t_star, methods=list(methods),
                               caption="Diffusion at t = 0.5 (50 functions) & u_star", out_csv=out["csv"],
                               out_md=out["md"], out_tex=out["tex"],
                               paper_csv=write_paper(tmp_path / "paper.csv") if paper else None)
    return table, out


def test_cells_are_hand_computed_and_csv_round_trips(tmp_path):
    table, out = run(tmp_path)
    assert list(table.index) == ["ANP", "HardC-ANP", "ProbConserv-ANP"]  # style order, not argument order
    assert list(table.columns) == [("k = 1", "CE ×10⁻³"), ("k = 1", "LL"), ("k = 1", "MSE ×10⁻³"),
                                   ("k = 5", "CE ×10⁻³"), ("k = 5", "LL"), ("k = 5", "MSE ×10⁻⁴")]
    assert table.loc["ANP", ("k = 1", "CE ×10⁻³")] == "4.68 (0.10)"
    assert table.loc["ANP", ("k = 5", "CE ×10⁻³")] == "-3.00 (0.20)"
    assert table.loc["ANP", ("k = 5", "MSE ×10⁻⁴")] == "1.71 (0.02)"
    assert table.loc["HardC-ANP", ("k = 5", "CE ×10⁻³")] == "0.00 (0.00)"  # -2e-17: no "-0.00"
    assert table.loc["ProbConserv-ANP", ("k = 1", "MSE ×10⁻³")] == "1.90 (0.10)"
    long = pd.read_csv(out["csv"])
    assert set(long["source"]) == {"reproduced"} and np.allclose(long["t"], T_STAR, rtol=0, atol=1e-15)
    assert len(long) == len(AT_T_STAR)
    for row in long.itertuples():
        assert (row.mean, row.se) == AT_T_STAR[(row.method, row.param, row.metric)]  # exact round trip
    assert list(long["method"].drop_duplicates()) == ["anp", "hardc_anp", "probconserv_anp"]


def test_markdown_and_latex_headers_caption_and_bold(tmp_path):
    _, out = run(tmp_path)
    md, tex = out["md"].read_text(), out["tex"].read_text()
    assert md.splitlines()[0] == "Diffusion at t = 0.5 (50 functions) & u_star"
    assert "k = 5: MSE ×10⁻⁴" in md and "k = 1: MSE ×10⁻³" in md and "k = 1: CE ×10⁻³" in md
    lines = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
             for line in md.splitlines() if line.startswith("| ") and "Model" not in line}
    # best: lowest |CE| (HardC and ProbConserv tie at 0.00), highest LL, lowest MSE
    assert lines["ANP"] == ["4.68 (0.10)", "**2.72 (0.05)**", "2.50 (0.10)",
                            "-3.00 (0.20)", "**3.10 (0.04)**", "1.71 (0.02)"]
    assert lines["HardC-ANP"][0] == lines["HardC-ANP"][3] == "**0.00 (0.00)**"
    assert lines["ProbConserv-ANP"][0] == "**0.00 (0.00)**" and lines["ProbConserv-ANP"][2] == "**1.90 (0.10)**"
    assert lines["HardC-ANP"][5] == "**1.37 (0.03)**"
    assert r"\begin{table}" in tex and r"\caption{Diffusion at t = 0.5 (50 functions) \& u\_star}" in tex
    assert r"MSE ($\times 10^{-4}$)" in tex and r"\multicolumn{3}{c}{$k$ = 5}" in tex
    assert r"\bfseries 2.72 (0.05)" in tex and "×" not in tex


def test_paper_rows_are_labelled_and_placed_in_their_group(tmp_path):
    table, out = run(tmp_path, paper=True)
    assert list(table.index) == ["ANP", "ANP (paper)", "SoftC-ANP (paper)", "HardC-ANP", "ProbConserv-ANP"]
    paper = table.loc["ANP (paper)"]
    assert paper[("k = 5", "CE ×10⁻³")] == "4.68 (0.10)"  # same scales as the reproduced rows
    assert paper[("k = 5", "LL")] == "2.72"  # no SE given
    assert paper[("k = 5", "MSE ×10⁻⁴")] == "1.71"
    assert list(paper["k = 1"]) == ["–"] * 3
    assert table.loc["SoftC-ANP (paper)", ("k = 5", "LL")] == "–"
    long = pd.read_csv(out["csv"])
    from_paper = long[long["source"] == "paper"]
    assert len(from_paper) == 4 and set(from_paper["param"]) == {5.0}
    assert from_paper.set_index(["method", "metric"]).loc[("anp", "ce"), "mean"] == 4.68e-3
    md = out["md"].read_text()
    assert "| ANP (paper)" in md and "not reproduced" in md
    assert "**" not in "".join(line for line in md.splitlines() if "(paper)" in line)  # paper never bold
    assert "ANP (paper) & -- & -- & -- & 4.68 (0.10)" in out["tex"].read_text()


def test_paper_parameter_name_mismatch_raises(tmp_path):
    paper = tmp_path / "paper.csv"
    pd.DataFrame([dict(experiment="diffusion", method="anp", param_name="m", param=5.0, metric="ce", mean=1.0,
                       se=None, source_note="")]).to_csv(paper, index=False)
    with pytest.raises(ValueError, match="'m'"):
        make_results_table(write_metrics(tmp_path / "metrics.csv"), experiment="diffusion", t_star=T_STAR,
                           methods=["anp"], caption="c", out_csv=tmp_path / "a.csv", out_md=tmp_path / "a.md",
                           out_tex=tmp_path / "a.tex", paper_csv=paper)


def test_missing_t_star_and_bad_methods_raise_before_writing(tmp_path):
    with pytest.raises(ValueError, match=r"t\* = 0.55 .*\[0, 1\]"):
        run(tmp_path, t_star=0.55)
    with pytest.raises(ValueError, match="'gp'"):
        run(tmp_path, methods=("anp", "gp"))
    with pytest.raises(ValueError, match="softc_anp"):
        run(tmp_path, methods=("anp", "softc_anp"))  # known key, absent from metrics.csv
    assert not (tmp_path / "tables").exists() or not any((tmp_path / "tables").iterdir())


def test_files_written_atomically(tmp_path):
    _, out = run(tmp_path)
    assert sorted(p.name for p in (tmp_path / "tables").iterdir()) == ["tab.csv", "tab.md", "tab.tex"]
    target = tmp_path / "x" / "file.txt"
    with pytest.raises(RuntimeError):
        with style.atomic_output(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("killed mid-write")
    assert list(target.parent.iterdir()) == []  # neither the target nor a temporary file


def test_formatting_helpers():
    assert mse_power(np.array([1.71e-4, 2.24e-4, np.nan])) == -4
    assert mse_power(np.array([9.99e-4])) == -4 and mse_power(np.array([1e-3])) == -3
    assert mse_power(np.array([0.0])) == 0
    assert metric_header("mse", -4) == "MSE ×10⁻⁴" and metric_header("ll", 0) == "LL"
    assert metric_header("ce", -3, latex=True) == r"CE ($\times 10^{-3}$)"
    assert format_cell(4.68e-3, np.nan, 1e-3) == "4.68" and format_cell(np.nan, 1.0, 1.0) == "–"
    assert param_label("u_star", 0.6) == "u* = 0.6" and param_label("m", 3.0) == "m = 3"
    assert param_label("u_star", 0.6, latex=True) == "$u^*$ = 0.6"


def test_style_names_colours_and_order():
    assert style.display_name("probconserv_anp_wdiff") == "ProbConserv-ANP (w/diff)"
    assert style.colour("softc_anp") == "#7CAE00" and style.colour("anp") == "#F8766D"
    assert style.TRUE == ("True", "#000000", "--")
    assert style.ordered(["probconserv_anp", "anp", "hardc_anp", "anp"]) == ["anp", "hardc_anp", "probconserv_anp"]
    for bad in (lambda: style.display_name("pinp"), lambda: style.colour("pinp"),
                lambda: style.ordered(["anp", "pinp"])):
        with pytest.raises(ValueError, match="'pinp'"):
            bad()
    assert style.plot_rc()["text.usetex"] is False


def test_table_modules_do_not_import_seaborn():
    """Table and manifest jobs (about 35 at the quick profile) skip seaborn (and scipy.stats): 1.2 s each."""
    import subprocess
    import sys

    code = ("import sys; import pcml.outputs.tables, pcml.outputs.combined_table, pcml.manifest; "
            "sys.exit('seaborn' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0, "a table module imports seaborn"
