"""What one sweep cell computes, and the unit of work executors run.

A cell scores one representation (a layer's features) against one set of recordings
in one direction with :func:`bothways.predictivity.predictivity`:

- ``"forward"``: ``predictivity(features, trials)`` — every neuron predicted from all units;
- ``"reverse"``: ``predictivity(trials, features[:, units])`` — every scored unit
  predicted from all neurons. ``units``: the non-constant columns (a column whose SD is
  at most 1e-10 of the largest is constant: its EV is undefined), and with
  ``max_units`` a random sample of at most that many, drawn with
  ``numpy.random.default_rng([seed, 7])``, sorted. A random sample estimates the mean
  over all units without bias (Muzellec & Kar 2026 average over every unit).

Unless the options set ``match_to``, reverse cells also summarise random subsets of
as many units as there are neurons (``mean_ev_matched``, ...) under every method, and
forward cells none. With the option ``n_permutations`` (K > 0) every target also gets
predictivity's stimulus-permutation null (the source's stimuli permuted K times,
refitted with the same folds and ceilings): per-target ``ev_null_mean``,
``r_null_mean`` and ``p_value``, and in the summary ``null_mean_ev``, ``n_above_null``
(p ≤ 0.05) and ``n_above_null_fdr`` (after Benjamini–Hochberg).
The summary adds ``median_r2`` and ``mean_r2`` (100 r², %, over
targets): the criterion that ranks layers without noise correction.

Executors run *groups*: the cells that share (model, layer, image set, pooling) are run
together after one feature extraction, so features are computed once per group (and
the disk feature cache of :mod:`bothways.models` serves later runs).
"""
from __future__ import annotations

import importlib.util
import os
import platform
import time
import traceback
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

__all__ = ["score_cell", "run_group", "Group", "code_fingerprint", "worker_device", "CODE_MODULES"]

#: Modules whose source determines a cell's numbers: their SHA-256 is part of every key,
#: so changing the ridge, the predictivity or the feature code recomputes the cells.
CODE_MODULES = ("bothways.ridge", "bothways.reliability", "bothways.predictivity", "bothways.stats",
                "bothways.models", "bothways.sweep.compute")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """SHA-256 of the source files of :data:`CODE_MODULES` (first 16 hex digits)."""
    import hashlib

    h = hashlib.sha256()
    for name in CODE_MODULES:
        origin = importlib.util.find_spec(name).origin
        with open(origin, "rb") as f:
            h.update(name.encode() + b"\x1f" + f.read())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def versions() -> dict:
    import sys

    import bothways

    out = dict(bothways=bothways.__version__, python=sys.version.split()[0])
    for mod in ("numpy", "scipy", "pandas", "torch", "sklearn", "pyarrow"):
        try:
            out[mod] = __import__(mod).__version__
        except ImportError:  # pragma: no cover
            out[mod] = None
    return out


def _worker_name() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().name)
    except (ImportError, ValueError):
        return "local"


def worker_device(device=None):
    """The torch device for this process: ``device`` as given, except that ``None`` or
    ``"cuda"`` on a Dask worker of a machine with several GPUs picks GPU ``worker name
    mod GPU count`` (one worker per GPU, as the Dask executor starts them)."""
    import torch

    from bothways.config import get_device

    if device in (None, "cuda") and torch.cuda.is_available() and torch.cuda.device_count() > 1:
        name = _worker_name()
        if name.isdigit():
            return torch.device(f"cuda:{int(name) % torch.cuda.device_count()}")
    return get_device(device)


def score_cell(features, trials, direction: str, kwargs: dict, seed: int, max_units: int | None = None,
               device=None) -> tuple[pd.DataFrame, dict]:
    """Score one cell (module docstring). Returns ``(targets, summary)``: the
    per-target table of :class:`~bothways.predictivity.PredictivityResult` with a
    ``target`` column (neuron index forward, unit column reverse), and its summary dict
    with ``procedure`` (predictivity's method) and counts of units and stimuli."""
    from bothways.predictivity import predictivity
    from bothways.stats import nonconstant_units

    X = np.asarray(features, dtype=np.float64)
    T = np.asarray(trials, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != T.shape[0]:
        raise ValueError(f"features must be (stimuli={T.shape[0]}, units), got shape {X.shape}")
    extra = dict(n_stimuli=X.shape[0], n_neurons=T.shape[1], n_units=X.shape[1])
    opts = dict(kwargs, seed=int(seed), progress=False)
    if device is not None:
        opts["device"] = device
    if direction == "forward":
        opts.setdefault("match_to", None)
        res = predictivity(X, T, **opts)
        target = np.arange(T.shape[1])
    elif direction == "reverse":
        units = nonconstant_units(X)
        extra["n_constant_units"] = int(X.shape[1] - units.size)
        if units.size == 0:
            raise ValueError("every unit of this layer is constant over the stimuli: reverse EV is undefined")
        if max_units is not None and units.size > int(max_units):
            rng = np.random.default_rng([int(seed), 7])
            units = np.sort(rng.choice(units, int(max_units), replace=False))
        opts.setdefault("match_to", T.shape[1] if units.size > T.shape[1] else None)
        res = predictivity(T, X[:, units], **opts)
        target = units
    else:
        raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")
    extra["n_units_scored"] = int(len(target)) if direction == "reverse" else int(X.shape[1])
    table = res.per_target.reset_index(drop=True)
    summary = {("procedure" if k == "method" else k): v for k, v in res.summary.items() if k != "direction"}
    table.insert(0, "target", np.asarray(target, dtype=np.int64))
    summary.update(extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN r2 -> NaN
        summary.update(median_r2=float(100 * np.nanmedian(table["r2"])), mean_r2=float(100 * np.nanmean(table["r2"])))
    return table, summary


@dataclass(frozen=True, eq=False)
class Group:
    """Cells that share one feature extraction.

    ``model``: a model spec string (loaded where the group runs, checked against
    ``weights``) or a :class:`~bothways.sweep.inputs.ModelSource`; ``data``: a
    :class:`~bothways.sweep.inputs.DataSource`; ``cells``: the
    :class:`~bothways.sweep.Cell` objects; ``code``: the driver's
    :func:`code_fingerprint`, checked where the group runs.
    """

    model: object
    weights: str
    layer: str
    pool: str | None
    data: object
    cells: tuple
    code: str = field(default="")


def _error(err: BaseException) -> dict:
    return dict(type=type(err).__name__, message=str(err),
                traceback="".join(traceback.format_exception(type(err), err, err.__traceback__)))


def run_group(group: Group, device=None, progress: bool | None = False) -> list[dict]:
    """Extract the group's features once and score each of its cells.

    Returns one outcome per cell: ``{"key", "status": "done", "targets", "summary",
    "provenance"}`` or ``{"key", "status": "failed", "error", "provenance"}``. A cell
    that raises is recorded as failed and the next one runs; a failure to load the
    model or extract the features fails every cell of the group. ``progress``: a bar
    over the feature batches (None: for long extractions only).
    """
    from bothways.sweep.inputs import model_source

    base = dict(worker=_worker_name(), host=platform.node(), pid=os.getpid(), versions=versions())
    t0 = time.perf_counter()
    try:
        if group.code and group.code != code_fingerprint():
            raise RuntimeError(f"this worker runs different bothways code ({code_fingerprint()}) from the "
                               f"process that declared the sweep ({group.code}): install the same version")
        model = model_source(group.model)
        if model.weights != group.weights:
            raise RuntimeError(f"model {model.name!r} loads with different weights here ({model.weights[:12]}) "
                               f"than where the sweep was declared ({group.weights[:12]})")
        dev = worker_device(device)
        features, from_cache = model.extract(group.data.images, group.layer, pool=group.pool, device=dev,
                                              progress=progress)
    except Exception as err:
        prov = dict(base, features_s=time.perf_counter() - t0)
        return [dict(key=c.key, status="failed", error=_error(err), provenance=prov) for c in group.cells]
    feat_s = time.perf_counter() - t0
    dtype = "float32" if dev.type != "cpu" else "float64"
    out = []
    for cell in group.cells:
        t1 = time.perf_counter()
        started = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        prov = dict(base, device=str(dev), dtype=str(cell.kwargs.get("dtype") or dtype), started_at=started,
                    features_s=feat_s, features_from_cache=bool(from_cache))
        try:  # (warnings are process-wide: with threaded Dask workers this column may mix cells)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                targets, summary = score_cell(features, group.data.trials, cell.direction, cell.kwargs, cell.seed,
                                              cell.max_units, dev)
            prov.update(wall_s=time.perf_counter() - t1,
                        warnings=" | ".join(dict.fromkeys(str(w.message) for w in caught)))
            out.append(dict(key=cell.key, status="done", targets=targets, summary=summary, provenance=prov))
        except Exception as err:
            prov.update(wall_s=time.perf_counter() - t1)
            out.append(dict(key=cell.key, status="failed", error=_error(err), provenance=prov))
    return out
