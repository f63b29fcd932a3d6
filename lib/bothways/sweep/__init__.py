"""Sweeps: declared grids of content-keyed cells, a Parquet store, local and Dask executors.

A sweep is a grid — models × layers × data × directions × methods × seeds — of
*cells*. Each cell scores one layer of one network against one set of recordings in
one direction (:func:`bothways.predictivity.predictivity`, forward or reverse) and is a
pure function of its inputs, so it is keyed by a hash of their *content*: the model's
weights checksum, architecture and preprocessing, the layer and pooling, the image-set
and recordings hashes, the direction, the resolved method and ridge options, the seed,
the library version and a fingerprint of the code that computes it. Results go to a
store with one verified Parquet file per cell; running a sweep again computes only what
is missing, so an interrupted sweep resumes, a failing cell is recorded and the others
go on, and a damaged file is detected and recomputed.

>>> from bothways import sweep
>>> sw = sweep.Sweep(["efficientnet-lite0", "resnet20-cifar10"], ["v4:210325"],   # doctest: +SKIP
...                  layers="auto", methods=["default", "muzellec_kar"],
...                  options=dict(n_splits=5, n_boot=200, max_units=1000), store="results")
>>> sw.run()                                   # or sw.run("dask", scheduler="tcp://...")  # doctest: +SKIP
>>> table = sw.results()                       # one row per cell                         # doctest: +SKIP

- :mod:`~bothways.sweep.inputs`: model specs (zoo names, ``"<name>/untrained"``, your
  own ``"package.module:callable"``) and data specs (``"v4:210325"``, ``"twins:PE"``,
  ``"npz:file.npz"``, ``"kar-it:..."``), with the named input errors;
- :mod:`~bothways.sweep.core`: :class:`Sweep`, :class:`Cell`, :data:`METHODS`,
  :func:`best_layers`;
- :mod:`~bothways.sweep.store`: :class:`Store` (atomic writes, verification on read);
- :mod:`~bothways.sweep.compute`: what a cell computes (:func:`score_cell`);
- :mod:`~bothways.sweep.executors`: :func:`run` with ``"local"`` and ``"dask"``.

The command line (``bothways score``, ``bothways sweep``, ``bothways report``) is
:mod:`bothways.cli`.
"""
from __future__ import annotations

from pathlib import Path

from .compute import CODE_MODULES, code_fingerprint, score_cell
from .core import DIRECTIONS, METHODS, Cell, Sweep, best_layers, spread_layers
from .executors import EXECUTORS, RunReport, SchedulerError, SweepTimeout, run
from .inputs import (DATA_KINDS, DataError, DataSource, ModelSource, SweepInputError, UnknownLayerError,
                     UnknownModelError, data_source, model_source)
from .store import CellRecord, CorruptCellError, Store

__all__ = ["Sweep", "Cell", "METHODS", "DIRECTIONS", "EXECUTORS", "DATA_KINDS", "run", "RunReport",
           "best_layers", "spread_layers", "load_config", "Store", "CellRecord", "ModelSource", "DataSource",
           "model_source", "data_source", "score_cell", "code_fingerprint", "CODE_MODULES", "SweepInputError",
           "UnknownModelError", "UnknownLayerError", "DataError", "CorruptCellError", "SchedulerError",
           "SweepTimeout"]


def load_config(path) -> tuple[Sweep, dict]:
    """Read a sweep file (YAML) -> ``(Sweep, run settings)``.

    Top-level keys are the arguments of :class:`Sweep` (``models``, ``data``,
    ``layers``, ``max_layers``, ``directions``, ``methods``, ``seeds``, ``options``,
    ``pool``, ``n_stimuli``, ``stimulus_seed``, ``store``: relative to the file's
    folder) plus an optional ``run:`` mapping of :func:`run` arguments (``executor``,
    ``scheduler``, ``n_workers``, ``device``, ``timeout``, ...). File paths inside data
    and model specs (``npz:...``, ``file.py:build``) are relative to the working directory.
    """
    import yaml

    p = Path(path).expanduser()
    try:
        cfg = yaml.safe_load(p.read_text())
    except FileNotFoundError:
        raise SweepInputError(f"no sweep file {p}") from None
    except yaml.YAMLError as err:
        raise SweepInputError(f"sweep file {p} is not valid YAML: {err}") from None
    if not isinstance(cfg, dict):
        raise SweepInputError(f"sweep file {p} must be a mapping of settings, got {type(cfg).__name__}")
    settings = cfg.pop("run", None) or {}
    if not isinstance(settings, dict):
        raise SweepInputError(f"{p}: 'run' must be a mapping of run settings")
    import inspect

    allowed = set(inspect.signature(run).parameters) - {"sweep"}
    unknown = sorted(set(settings) - allowed)
    if unknown:
        raise SweepInputError(f"{p}: unknown run setting(s) {unknown}; settings: {sorted(allowed)}")
    return Sweep.from_config(cfg, base=p.parent), settings
