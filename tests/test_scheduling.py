"""The workflow switches off Snakemake's default job-rate limit for local runs only (pcml.scheduling)."""
from types import SimpleNamespace

from pcml.scheduling import SNAKEMAKE_DEFAULT_RATE, drop_default_rate_limit


def _workflow(local=True, rate=SNAKEMAKE_DEFAULT_RATE):
    limiter = None if rate is None else SimpleNamespace(max_jobs=rate[0], timespan=rate[1])
    return SimpleNamespace(local_exec=local, scheduler=SimpleNamespace(job_rate_limiter=limiter))


def test_default_limit_of_a_local_run_is_switched_off():
    wf = _workflow()
    assert drop_default_rate_limit(wf) is True and wf.scheduler.job_rate_limiter is None


def test_cluster_runs_and_limits_given_by_the_user_are_kept():
    for wf in (_workflow(local=False), _workflow(rate=(50, 60)), _workflow(rate=(100, 10))):
        limiter = wf.scheduler.job_rate_limiter
        assert drop_default_rate_limit(wf) is False and wf.scheduler.job_rate_limiter is limiter


def test_no_limiter_or_another_snakemake_layout_is_left_alone():
    assert drop_default_rate_limit(_workflow(rate=None)) is False
    assert drop_default_rate_limit(SimpleNamespace()) is False
    assert drop_default_rate_limit(SimpleNamespace(local_exec=True, scheduler=object())) is False


def test_snakemake_still_has_the_default_this_relies_on():
    """If Snakemake changes its command-line default, this module's check must follow it."""
    from snakemake.cli import get_argument_parser
    from snakemake.settings.types import MaxJobsPerTimespan

    option = next(a for a in get_argument_parser()._actions if "--max-jobs-per-timespan" in a.option_strings)
    default = MaxJobsPerTimespan.parse_choice(option.default)
    assert (default.max_jobs, default.timespan) == SNAKEMAKE_DEFAULT_RATE
