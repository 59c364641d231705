"""The scorecard and the HTML report of the smoke profile, checked in a real headless browser."""
import re
import shutil
import subprocess

import pandas as pd
import pytest

from conftest import SMOKE, snakemake

pytestmark = pytest.mark.smoke
BROWSERS = ("chromium", "chromium-headless-shell", "chrome-headless-shell", "google-chrome")
BROWSER = next((shutil.which(name) for name in BROWSERS if shutil.which(name)), None)


def test_smoke_scorecard_judges_every_claim_and_says_it_is_not_meaningful(smoke_run):
    frame = pd.read_csv(smoke_run / "results/smoke/tables/scorecard.csv")
    assert len(frame) >= 12 and frame["id"].is_unique
    ran = frame[frame["n_seeds"] > 0]
    assert set(ran["verdict"]) == {"smoke: not meaningful"}
    # every claim's experiment runs at the smoke profile (the cavity's NS claim too, since the 3-D models exist)
    assert (frame["n_seeds"] > 0).all(), frame.loc[frame["n_seeds"] == 0, "id"].tolist()
    assert {"BOON-NS-ERROR-CURVE", "BOON-BC-EXACT-CAVITY", "BOON-BC-EXACT-WAVE"} <= set(ran["id"])
    assert (frame.loc[frame["id"] == "PC-STEFAN-MSE", "n_seeds"] == 2).all()  # both smoke seeds judged
    for suffix in ("md", "tex", "rst"):
        assert (smoke_run / f"results/smoke/tables/scorecard.{suffix}").stat().st_size > 0
    assert (smoke_run / "figures/smoke/scorecard.png").stat().st_size > 0
    assert (smoke_run / "results/smoke/benchmarks/summary/rule_costs.png").stat().st_size > 0


@pytest.fixture(scope="module")
def report(smoke_run, tmp_path_factory):
    path = tmp_path_factory.mktemp("report") / "report.html"
    snakemake(smoke_run, "--report", str(path), *SMOKE)
    return path


def test_report_is_one_self_contained_page(report):
    html = report.read_text()
    assert "1. Scorecard" in html and "2. ProbConserv" in html and "4. Cost" in html
    assert not re.search(r"<script[^>]+src=\"https?://", html)  # nothing loaded from the network


@pytest.mark.skipif(BROWSER is None, reason="no headless Chromium found (apt-get install chromium-headless-shell)")
def test_report_loads_in_a_browser_and_shows_the_scorecard_first(report):
    proc = subprocess.run([BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000",
                           "--dump-dom", report.as_uri()], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    app = proc.stdout[proc.stdout.find('id="app"'):]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", app))
    assert "Reproduction scorecard" in text and "PC-STEFAN-MSE" in text and "smoke: not meaningful" in text
    assert text.find("Reproduction scorecard") < text.find("PC-CE-EXACT-DIFFUSION")
