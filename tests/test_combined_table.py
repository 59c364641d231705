"""The combined main-text table (ProbConserv spec §6.6) shows the per-experiment tables' numbers."""
import pandas as pd
import pytest

from pcml.outputs.combined_table import make_combined_table


def table_csv(path, param_name, values, mse):
    rows = []
    for method, m in mse.items():
        for v in values:
            for metric, mean in (("ce", 0.0 if method != "anp" else 0.01), ("ll", 2.0), ("mse", m * v)):
                rows.append(dict(method=method, param_name=param_name, param=v, t=0.5, metric=metric, mean=mean,
                                 sd=0.1, se=0.01 * m, n=3, source="reproduced", source_note=""))
    rows.append(dict(method="anp", param_name=param_name, param=values[0], t=0.5, metric="mse", mean=99.0, sd=0,
                     se=0, n=1, source="paper", source_note="quoted"))
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_combined_table_picks_each_experiments_value_and_keeps_its_numbers(tmp_path):
    pme = table_csv(tmp_path / "pme.csv", "m", [1.0, 3.0], {"anp": 2e-3, "probconserv_anp": 1e-3})
    stefan = table_csv(tmp_path / "stefan.csv", "u_star", [0.5, 0.6], {"anp": 8e-3, "probconserv_anp": 4e-3})
    table = make_combined_table({"pme": pme, "stefan": stefan}, {"pme": 3.0, "stefan": 0.6}, caption="Cap.",
                                out_csv=tmp_path / "c.csv", out_md=tmp_path / "c.md")
    assert list(table.index) == ["ANP", "ProbConserv-ANP"]
    mse_pme = [c for c in table.columns if c[0].startswith("pme (m = 3") and c[1].startswith("MSE")][0]
    assert mse_pme[1] == "MSE ×10⁻³" and table.loc["ANP", mse_pme] == "6.00 (0.02)"  # 2e-3 * 3 (SE 2e-5), not the paper row 99
    long = pd.read_csv(tmp_path / "c.csv")
    assert set(long.source) == {"reproduced"} and set(long.param) == {3.0, 0.6}
    with pytest.raises(ValueError, match="no rows for 2.0"):
        make_combined_table({"pme": pme}, {"pme": 2.0}, caption="C", out_csv=tmp_path / "d.csv", out_md=tmp_path / "d.md")
