"""Declared grids of content-keyed cells: :class:`Sweep` and :class:`Cell`."""
from __future__ import annotations

import inspect
import itertools
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .compute import code_fingerprint
from .inputs import DataSource, ModelSource, SweepInputError, data_source, model_source
from .store import STORE_SCHEMA, Store, identity_key

__all__ = ["Sweep", "Cell", "METHODS", "DIRECTIONS", "best_layers", "spread_layers"]

#: Named scoring methods: name -> keyword arguments of :func:`bothways.predictivity.predictivity`.
#: ``"fixed_alpha"`` is the default method with the published fixed alpha (0.1).
METHODS = {
    "default": dict(method="default"),
    "fixed_alpha": dict(method="default", alphas=0.1),
    "muzellec_kar": dict(method="muzellec_kar"),
}
DIRECTIONS = ("forward", "reverse")
#: Options the published procedure fixes: dropped from the sweep's options for it.
_FIXED = {"muzellec_kar": {"alphas", "fit_intercept", "n_folds", "folds", "prediction_reliability",
                           "min_reliability"}}
_NOT_OPTIONS = {"source", "target", "method", "seed", "progress", "device", "folds", "X", "Y", "groups",
                "return_weights", "score_all_alphas", "backend", "chunk_bytes", "warn"}


def _allowed_options() -> set:
    from bothways.predictivity import predictivity
    from bothways.ridge import cv_ridge

    names = set(inspect.signature(predictivity).parameters) | set(inspect.signature(cv_ridge).parameters)
    return (names - _NOT_OPTIONS - {"ridge_options"}) | {"max_units"}


def spread_layers(layers: Sequence[str], max_layers: int | None) -> tuple:
    """At most ``max_layers`` of ``layers``, evenly spaced over depth (first and last kept;
    one layer: the middle one)."""
    layers = tuple(layers)
    if max_layers is None or len(layers) <= int(max_layers):
        return layers
    if int(max_layers) < 1:
        raise SweepInputError(f"max_layers must be >= 1, got {max_layers}")
    if int(max_layers) == 1:
        return (layers[len(layers) // 2],)
    idx = np.unique(np.round(np.linspace(0, len(layers) - 1, int(max_layers))).astype(int))
    return tuple(layers[i] for i in idx)


@dataclass(frozen=True)
class Cell:
    """One cell of a sweep: labels, its content key and what it passes to the scorer.

    ``model``, ``layer``, ``data``, ``direction``, ``method``, ``seed``: labels (names as
    given to the sweep); ``key``: SHA-256 of ``identity`` (weights, architecture and
    preprocessing of the model, layer, pooling, image-set and recordings hashes,
    direction, the resolved predictivity options, seed, library version and code
    fingerprint); ``kwargs``: the predictivity options; ``max_units``: reverse-target
    sample size; ``depth``: the layer's position in the network (orders layers).
    """

    model: str
    layer: str
    data: str
    direction: str
    method: str
    seed: int
    key: str
    depth: int = 0
    kwargs: dict = field(default_factory=dict, repr=False, compare=False, hash=False)
    max_units: int | None = field(default=None, repr=False)
    identity: dict = field(default_factory=dict, repr=False, compare=False, hash=False)

    @property
    def labels(self) -> dict:
        return dict(model=self.model, layer=self.layer, depth=self.depth, data=self.data,
                    direction=self.direction, method=self.method, seed=self.seed)


def _as_list(name, x, allow_str=True):
    if x is None:
        raise SweepInputError(f"{name} must not be empty")
    if (allow_str and isinstance(x, str)) or not isinstance(x, (Sequence, Mapping, set, frozenset)):
        x = [x]
    x = list(x)
    if not x:
        raise SweepInputError(f"{name} must not be empty")
    return x


def _named(name, items, convert):
    """A mapping label -> converted item, from a list of specs/objects or a mapping."""
    if isinstance(items, Mapping):
        pairs = [(str(k), convert(v, str(k))) for k, v in items.items()]
    else:
        pairs = []
        for it in _as_list(name, items):
            src = convert(it, None)
            pairs.append((src.name, src))
    out = {}
    for label, src in pairs:
        if label in out:
            raise SweepInputError(f"{name}: the label {label!r} is used twice")
        out[label] = src
    if not out:
        raise SweepInputError(f"{name} must not be empty")
    return out


class Sweep:
    """A declared grid: models × layers × data × directions × methods × seeds.

    Everything is resolved when the sweep is declared: models are loaded (to checksum
    their weights), data are loaded and hashed, layers and options are checked, and
    every cell gets its content key — so bad input fails here, before any work.
    After declaration, ``cells`` is the list of :class:`Cell` in grid order (model,
    layer, data, direction, method, seed); ``models`` and ``data`` are the resolved
    sources by label; ``store`` is the :class:`~bothways.sweep.store.Store`.

    Parameters
    ----------
    models : model specs (see :mod:`bothways.sweep.inputs`: zoo names, ``"<name>/untrained"``,
        ``"package.module:callable"``), :class:`~bothways.sweep.inputs.ModelSource`
        or ``ZooModel`` objects, or a mapping label -> any of these.
    data : data specs (``"v4:210325"``, ``"twins:PE"``, ``"npz:file.npz"``, ...),
        :class:`~bothways.sweep.inputs.DataSource` objects, or a mapping label ->
        spec / DataSource / ``(images, trials)``.
    layers : ``"auto"`` (each model's candidate layers, thinned to ``max_layers``),
        a list of layer names for every model, a mapping model label -> list, or a
        callable ``ModelSource -> list``.
    directions : subset of ``("forward", "reverse")``.
    methods : names of :data:`METHODS`, or a mapping name -> predictivity keyword
        arguments (e.g. ``{"gcv": {"method": "default", "inner": "gcv"}}``).
    seeds : integers; each seeds predictivity (folds, split halves, bootstrap) and the
        reverse-unit sample.
    options : predictivity / ridge options for every cell (``n_splits``, ``n_folds``,
        ``n_boot``, ``match_to``, ``alphas``, ``inner``, ``dtype``, ...) plus
        ``max_units`` (reverse targets: a seeded sample of at most that many
        non-constant units); ``n_permutations`` adds predictivity's per-target
        stimulus-permutation null (:mod:`bothways.sweep.compute`). Options a method fixes (``muzellec_kar``: alphas, folds,
        intercept, reliability choices) are left out of that method's cells. Without
        ``match_to``, reverse cells summarise unit subsets as large as the neuron count
        (every method) and forward cells none.
    pool : ``None`` (flatten C × H × W), ``"avg"`` or ``"max"`` over space.
    n_stimuli, stimulus_seed : score a seeded random subset of ``n_stimuli`` stimuli
        of every data set (``None``: all).  For a chosen split (e.g. layer-selection and held-out
        stimuli) give the parts as data: :meth:`DataSource.split
        <bothways.sweep.inputs.DataSource.split>`. A subset's cells are keyed by the
        hashes of its own images and recordings, so a different split is a different
        cell and the same split finds its cells in the store.
    store : folder of the result store (default ``$BOTHWAYS_CACHE/sweeps``: content
        keys make one shared store safe).

    """

    def __init__(self, models, data, *, layers="auto", max_layers: int | None = None,
                 directions: Sequence[str] = DIRECTIONS, methods=("default",), seeds: Sequence[int] = (0,),
                 options: Mapping | None = None, pool: str | None = None, n_stimuli: int | None = None,
                 stimulus_seed: int = 0, store=None):
        from bothways.data.files import cache_dir

        self.models: dict[str, ModelSource] = _named("models", models, lambda m, lab: model_source(m, lab))
        data = _named("data", data, lambda d, lab: data_source(d, lab))
        subsets = [d.subset(n_stimuli, stimulus_seed) for d in data.values()]  # a subset is labelled as one
        self.data: dict[str, DataSource] = {(s.name if s is not d else k): s for (k, d), s in zip(data.items(), subsets)}
        self.directions = tuple(_as_list("directions", directions))
        bad = [d for d in self.directions if d not in DIRECTIONS]
        if bad:
            raise SweepInputError(f"directions must be among {DIRECTIONS}, got {bad}")
        self.methods = self._methods(methods)
        self.seeds = tuple(self._seed(s) for s in _as_list("seeds", seeds))
        self.options = dict(options or {})
        unknown = sorted(set(self.options) - _allowed_options())
        if unknown:
            raise SweepInputError(f"unknown option(s) {unknown}; options: {sorted(_allowed_options())}")
        mu = self.options.get("max_units")
        if mu is not None and (isinstance(mu, bool) or not isinstance(mu, numbers.Integral) or mu < 1):
            raise SweepInputError(f"max_units must be None or an integer >= 1, got {mu!r}")
        npm = self.options.get("n_permutations")
        if npm is not None and (isinstance(npm, bool) or not isinstance(npm, numbers.Integral) or npm < 0):
            raise SweepInputError(f"n_permutations must be an integer >= 0, got {npm!r}")
        if pool not in (None, "avg", "max"):
            raise SweepInputError(f"pool must be None, 'avg' or 'max', got {pool!r}")
        self.pool = pool
        self.layers = {label: self._layers(label, src, layers, max_layers) for label, src in self.models.items()}
        self.store = Store(cache_dir("sweeps") if store is None else store)
        self.cells = self._cells()

    # ------------------------------------------------------------------ declaration
    @staticmethod
    def _seed(s):
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise SweepInputError(f"seeds must be integers, got {s!r}")
        return int(s)

    @staticmethod
    def _methods(methods) -> dict:
        if isinstance(methods, Mapping):
            out = {str(k): dict(v) for k, v in methods.items()}
        else:
            names = _as_list("methods", methods)
            unknown = [m for m in names if m not in METHODS]
            if unknown:
                raise SweepInputError(f"unknown method(s) {unknown}; known: {list(METHODS)} "
                                      "(or pass a mapping name -> predictivity options)")
            out = {m: dict(METHODS[m]) for m in names}
        if not out:
            raise SweepInputError("methods must not be empty")
        return out

    @staticmethod
    def _layers(label, src: ModelSource, layers, max_layers) -> tuple:
        if isinstance(layers, str) and layers == "auto":
            chosen = spread_layers(src.layers, max_layers)
        elif isinstance(layers, Mapping):
            if label not in layers:
                raise SweepInputError(f"layers: no entry for model {label!r} (entries: {list(layers)})")
            chosen = layers[label]
            chosen = spread_layers(src.layers, max_layers) if chosen == "auto" else _as_list("layers", chosen)
        elif isinstance(layers, Callable):
            chosen = layers(src)
        else:
            chosen = _as_list("layers", layers)
        return src.check_layers(chosen)

    def _kwargs(self, method: str) -> dict:
        opts = {k: v for k, v in self.options.items() if k != "max_units"}
        base = self.methods[method]
        fixed = _FIXED.get(base.get("method", "default"), set())
        return {**{k: v for k, v in opts.items() if k not in fixed}, **base}

    def _cells(self) -> list[Cell]:
        import bothways

        code = code_fingerprint()
        cells = []
        for (ml, src), (dl, dsrc) in itertools.product(self.models.items(), self.data.items()):
            for layer in self.layers[ml]:
                for direction, method, seed in itertools.product(self.directions, self.methods, self.seeds):
                    kwargs = self._kwargs(method)
                    mu = self.options.get("max_units") if direction == "reverse" else None
                    identity = dict(schema=STORE_SCHEMA, bothways=bothways.__version__, code=code,
                                    model=src.identity, layer=layer, pool=self.pool, data=dsrc.identity,
                                    direction=direction, options=kwargs, max_units=mu, seed=seed)
                    cells.append(Cell(ml, layer, dl, direction, method, seed, identity_key(identity),
                                      src.depth(layer), kwargs, mu, identity))
        order = {m: i for i, m in enumerate(self.models)}
        cells.sort(key=lambda c: (order[c.model], c.depth))  # stable: grid order within a layer
        return cells

    @classmethod
    def from_config(cls, config: Mapping, base: Path | None = None) -> "Sweep":
        """A sweep from a mapping with the constructor's arguments (e.g. a parsed YAML
        file: see :func:`bothways.sweep.load_config`); unknown keys raise."""
        cfg = dict(config)
        params = set(inspect.signature(cls.__init__).parameters) - {"self"}
        unknown = sorted(set(cfg) - params)
        if unknown:
            raise SweepInputError(f"unknown sweep setting(s) {unknown}; settings: {sorted(params)}")
        for required in ("models", "data"):
            if required not in cfg:
                raise SweepInputError(f"the sweep declares no {required!r}")
        if cfg.get("store") is not None and base is not None and not Path(cfg["store"]).is_absolute():
            cfg["store"] = base / cfg["store"]
        return cls(**cfg)

    # ------------------------------------------------------------------ running
    def __len__(self) -> int:
        return len(self.cells)

    def __repr__(self) -> str:
        return (f"Sweep({len(self.models)} model(s) x layers x {len(self.data)} data x {len(self.directions)} "
                f"direction(s) x {len(self.methods)} method(s) x {len(self.seeds)} seed(s) = {len(self)} cells; "
                f"store={str(self.store.root)!r})")

    def run(self, executor: str = "local", **kwargs):
        """Compute every cell that is not yet in the store; see :func:`bothways.sweep.run`."""
        from .executors import run

        return run(self, executor, **kwargs)

    def status(self) -> pd.DataFrame:
        """One row per cell: labels, ``key`` and ``status`` (done, failed, corrupt, missing)."""
        return pd.DataFrame([dict(c.labels, key=c.key, status=self.store.status(c.key)) for c in self.cells])

    def _labelled(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Attach this sweep's labels to store rows (a key may serve several cells)."""
        if frame.empty:
            return frame
        labels = pd.DataFrame([dict(c.labels, key=c.key) for c in self.cells])
        frame = frame.drop(columns=[c for c in labels.columns if c != "key" and c in frame.columns])
        out = labels.merge(frame, on="key", how="inner", sort=False)
        first = list(labels.columns)
        return out[first + [c for c in out.columns if c not in first]]

    def results(self, kind: str = "summary") -> pd.DataFrame:
        """One tidy DataFrame of the finished cells.

        ``kind="summary"``: one row per cell — labels (``model``, ``layer``, ``depth``,
        ``data``, ``direction``, ``method``, ``seed``, ``key``), the summary of
        :func:`~bothways.predictivity.predictivity` (``median_ev``, ``mean_ev``,
        ``ci_low``, ``ci_high``, matched-count fields, counts, ``procedure``) and
        provenance (``device``, ``dtype``, ``wall_s``, ``features_s``,
        ``features_from_cache``, ``worker``, ``host``, ``started_at``, ``warnings``,
        ``version_<package>``). ``kind="targets"``: one row per (cell, target) with the
        per-target table (``target``, ``r``, ``r2``, ``ev``, reliabilities, ``alpha``, ...).
        Cells not yet computed, failed or corrupted are left out (see :meth:`status`).
        """
        keys = list(dict.fromkeys(c.key for c in self.cells))
        if kind == "summary":
            return self._labelled(self.store.summary(keys))
        if kind == "targets":
            return self._labelled(self.store.per_target(keys))
        raise ValueError(f"kind must be 'summary' or 'targets', got {kind!r}")

    def failures(self) -> pd.DataFrame:
        """One row per failed cell: labels, ``error``, ``message``, ``traceback``."""
        keys = list(dict.fromkeys(c.key for c in self.cells))
        return self._labelled(self.store.failures(keys))


def best_layers(results: pd.DataFrame, stat: str = "median_ev", direction: str = "forward") -> dict:
    """``{model: layer}``: the layer with the highest ``stat`` for each model, from
    :meth:`Sweep.results` rows of one ``direction`` (ties: the earlier layer; one row per
    (model, layer) expected: filter data, method and seed first). Use it on a sweep
    over *selection* stimuli, then score the chosen layers on held-out stimuli, so that
    the choice never sees the stimuli it is scored on. ``stat="median_r2"`` (median
    held-out 100 r² over neurons) ranks layers as
    :func:`bothways.zoo.select_layer` does (tested equal)."""
    d = results[results["direction"] == direction]
    if d.empty:
        raise ValueError(f"no {direction!r} rows in the results")
    if d.duplicated(["model", "layer"]).any():
        raise ValueError("several rows per (model, layer): filter the results to one data set, method and seed")
    d = d.sort_values(["model", "depth"], kind="stable")
    idx = d.groupby("model", sort=False)[stat].idxmax()
    return dict(zip(d.loc[idx, "model"], d.loc[idx, "layer"]))
