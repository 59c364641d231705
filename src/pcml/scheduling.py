"""How the workflow's own Snakemake run is scheduled (the machinery around the science, not the science).

Snakemake (8.x, 9.x) applies a job-rate limit by default (``--max-jobs-per-timespan 100/1s``). To honour
it, every pass of its scheduling loop re-arms a timer of the limit's timespan that wakes the loop again,
and a pass that is woken also re-arms one. Each job that finishes while others wait for a core therefore
starts one more chain of wake-ups, one per second, for the rest of the run: after k such completions the
loop runs about k times a second. Each pass re-reads the parameters and resources of every ready job
and the sizes of their input files, so the scheduler's own CPU grows with the number of finished jobs.
In the quick profile's 757-job run on 2 cores it averaged 13 % of a core over the first 35 minutes and
ran at 40-44 % of a core after an hour, with 160-185 live timer threads, taken from the two job slots;
with the limiter off it used 1.5 % over 44 minutes, with 7 threads.

A local run needs no rate limit: a finishing job wakes the scheduler anyway. ``drop_default_rate_limit``
switches the limiter off for a local run whose limit is Snakemake's default (a limit given on the command
line is kept, and so is any limit of a cluster run, where it protects the batch system).
"""
from __future__ import annotations

from typing import Any

__all__ = ["SNAKEMAKE_DEFAULT_RATE", "drop_default_rate_limit"]

#: Snakemake's default ``--max-jobs-per-timespan``: (jobs, timespan in seconds)
SNAKEMAKE_DEFAULT_RATE = (100, 1)


def drop_default_rate_limit(workflow: Any) -> bool:
    """Switch off the job-rate limiter of ``workflow``'s scheduler if the run is local and the limit is
    Snakemake's default; returns True if it was switched off, False if it was left as it was.

    Call it from the Snakefile's ``onstart:`` handler (the scheduler exists then, before its first pass).
    Objects without the expected attributes (another Snakemake version) are left alone.
    """
    scheduler = getattr(workflow, "scheduler", None)
    limiter = getattr(scheduler, "job_rate_limiter", None)
    if limiter is None or not getattr(workflow, "local_exec", False):
        return False
    if (getattr(limiter, "max_jobs", None), getattr(limiter, "timespan", None)) != SNAKEMAKE_DEFAULT_RATE:
        return False
    scheduler.job_rate_limiter = None
    return True
