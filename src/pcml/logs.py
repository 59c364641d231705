"""Logging for workflow jobs: everything a job prints goes to its log file.

``job_logging(path)`` sends the ``logging`` records and stderr (progress bars, warnings) to
``path`` and, if the job fails, writes the error message as the last line of the log and
re-raises it so the workflow stops with the message.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import Iterator


@contextlib.contextmanager
def job_logging(path: str | Path, level: int = logging.INFO) -> Iterator[logging.Logger]:
    """Context manager: log and stderr to ``path`` for the duration of a workflow job."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", buffering=1) as stream:
        handler = logging.StreamHandler(stream)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(level)
        old_stderr = sys.stderr
        sys.stderr = stream
        try:
            yield logging.getLogger("pcml.job")
        except Exception as exc:
            logging.getLogger("pcml.job").error("%s: %s", type(exc).__name__, exc, exc_info=True)
            sys.stderr = old_stderr
            print(f"pcml job failed ({path}): {type(exc).__name__}: {exc}", file=sys.stderr)
            raise
        finally:
            sys.stderr = old_stderr
            root.removeHandler(handler)
