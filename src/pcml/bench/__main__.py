"""``python -m pcml.bench``: the cost benchmark from the command line (see :mod:`pcml.bench.cli`)."""
from pcml.bench.cli import main

raise SystemExit(main())
