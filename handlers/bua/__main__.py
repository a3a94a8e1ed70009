"""``python -m handlers.bua``: run the whole pipeline locally (see :mod:`handlers.bua.pipeline`)."""

from .pipeline import main

raise SystemExit(main())
