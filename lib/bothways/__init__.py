"""bothways: compare neural networks with brains, in both directions.

Modules (data flows one way):

- :mod:`bothways.config` — sizes ("ci"/"full"), default alpha grid, device choice.
- :mod:`bothways.data` — file registry with checksums, :class:`~bothways.data.Recording`
  (trials + mean), V4 sessions, IT files, digital twins.
- :mod:`bothways.models` — model zoo, model specs and labels, hook-based features (cached).
- :mod:`bothways.ridge` — ``cv_ridge``: the only regression code in the project.
- :mod:`bothways.reliability` — split halves, Spearman–Brown, noise ceilings.
- :mod:`bothways.predictivity` — forward/reverse/animal-to-animal explained variance.
- :mod:`bothways.zoo` — layer choice on separate stimuli, both-ways scores, model zoos.
- :mod:`bothways.stats` — column correlations, bootstrap and paired-difference intervals.
- :mod:`bothways.simulate` — populations with known ground truth.
- :mod:`bothways.dimensionality` — participation ratio, spectra, power laws, spectral transforms.
- :mod:`bothways.spectral` — the spectral theory of neural regression (Canatar et al.).
- :mod:`bothways.metrics` — RSA, CKA, Procrustes, matching, transform classes.
- :mod:`bothways.grid` — grid-cell analysis and models.
- :mod:`bothways.plotting` — one theme, figure helpers.
- :mod:`bothways.report` — glue helpers and verdicts computed from intervals.
- :mod:`bothways.exercises` — friendly ``check_*`` helpers for students.
- :mod:`bothways.analyses` — one thin recipe per chapter (they never import each other).
- :mod:`bothways.sweep` — declared grids of content-keyed cells, a Parquet store, local and Dask executors.
- :mod:`bothways.cli` — the ``bothways`` command line (``score``, ``sweep``, ``report``, ``layers``).

Submodules are imported lazily (``import bothways; bothways.ridge``) so that
``import bothways`` stays fast and does not pull torch unless needed.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_SUBMODULES = (
    "config", "data", "models", "ridge", "reliability", "predictivity", "zoo", "stats", "simulate",
    "dimensionality", "spectral", "metrics", "grid", "behaviour", "plotting", "report", "exercises", "analyses",
    "sweep", "cli",
)


def __getattr__(name):
    if name in _SUBMODULES:
        return importlib.import_module(f"bothways.{name}")
    raise AttributeError(f"module 'bothways' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_SUBMODULES))
