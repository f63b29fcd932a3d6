"""One container for neural responses: :class:`Recording`.

Every loader of the book returns a :class:`Recording` — the V4 sessions
(:func:`bothways.data.load_cowley_session`), the IT files
(:func:`bothways.data.load_kar_it`, :func:`bothways.data.load_majajhong2015`), the
digital twins (:func:`bothways.data.twin_population`, :func:`bothways.data.twin_panel`)
and the simulations (:attr:`bothways.simulate.SimulatedPair.recording`) — and every
function that scores recordings accepts one (or a plain array, as before).

The vocabulary, used by code, notebooks and prose alike (``book/methods.md``):

- **stimuli**: the images shown, the first axis of everything;
- **neurons**: the recorded channels (single units, multi-unit sites or model-predicted
  twins), the second axis; a model's columns are **units**; whatever a regression
  predicts are its **targets**;
- **trials**: ``(stimuli, neurons, repeats)`` single-trial responses, NaN where a
  stimulus was shown fewer times (a missing **repeat**);
- **mean**: ``(stimuli, neurons)``, the trial average over the present repeats;
- **signal**: ``(stimuli, neurons)``, the noiseless expected response — known only where
  we made the data (simulations, digital twins), ``None`` for real recordings.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from bothways._validation import check_index, check_no_inf, numeric_array

__all__ = ["Recording", "RECORDED", "SIMULATED"]

#: ``Recording.kind`` of real recordings and of simulations (twins: ``TWIN_KIND``).
RECORDED = "recorded"
SIMULATED = "simulated"


def _as_float(a, name, ndim):
    a = numeric_array(a, name)
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    if a.ndim != ndim:
        want = "(stimuli, neurons, repeats)" if ndim == 3 else "(stimuli, neurons)"
        raise ValueError(f"{name} must be {want}, got shape {a.shape}")
    return check_no_inf(a, name)


def _table(table, n, axis):
    if table is None:
        return pd.DataFrame(index=pd.RangeIndex(n, name={"stimuli": "stimulus", "neurons": "neuron"}[axis]))
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{axis} metadata must be a pandas DataFrame, got {type(table).__name__}")
    if len(table) != n:
        raise ValueError(f"{axis} metadata has {len(table)} rows for {n} {axis}")
    return table


@dataclass(frozen=True, eq=False, kw_only=True)
class Recording:
    """Neural responses to a set of stimuli, with what they are and where they came from.

    Give ``trials`` (single trials; ``mean`` is then their average) or, for data
    published only as repeat averages, ``mean`` alone.

    Attributes
    ----------
    trials : (stimuli, neurons, repeats) float, NaN where a stimulus has fewer repeats;
        ``None`` where only trial averages exist (most Cowley et al. sessions). inf is
        refused.
    mean : (stimuli, neurons) the trial average over present repeats (NaN for a
        (stimulus, neuron) with none).
    images : (stimuli, H, W, 3) uint8 stimuli, or ``None`` where the images are not
        part of the data (IT files, simulations).
    stimuli, neurons : one row per stimulus / neuron (pandas DataFrames; ids and
        labels, e.g. ``session`` and ``monkey`` of each neuron).
    signal : (stimuli, neurons) noiseless expected responses, known only for data we
        made ourselves (simulations, digital twins); ``None`` for real recordings.
    kind : ``"recorded"``, ``"simulated"`` or ``"model-predicted (digital twin)"``.
    source : where the data come from (file and dataset, or the simulation).
    citation : key in ``book/references.bib``.
    info : loader-specific provenance (session, monkey, time window, noise law, seed).
    """

    trials: np.ndarray | None = field(default=None, repr=False)
    mean: np.ndarray | None = field(default=None, repr=False)
    images: np.ndarray | None = field(default=None, repr=False)
    stimuli: pd.DataFrame | None = field(default=None, repr=False)
    neurons: pd.DataFrame | None = field(default=None, repr=False)
    signal: np.ndarray | None = field(default=None, repr=False)
    kind: str = RECORDED
    source: str = ""
    citation: str = ""
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        set_ = object.__setattr__
        if self.trials is not None:
            if self.mean is not None:
                raise ValueError("give trials or mean, not both (mean is the average of the trials)")
            trials = _as_float(self.trials, "trials", 3)
            if 0 in trials.shape:
                raise ValueError(f"trials is empty (shape {trials.shape})")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # no present repeat -> NaN
                mean = np.nanmean(trials, axis=2)
            set_(self, "trials", trials)
            set_(self, "mean", mean)
        elif self.mean is None:
            raise ValueError("a Recording needs trials (stimuli, neurons, repeats) or mean (stimuli, neurons)")
        else:
            set_(self, "mean", _as_float(self.mean, "mean", 2))
        n, q = self.mean.shape
        if self.signal is not None:
            sig = _as_float(self.signal, "signal", 2)
            if sig.shape != (n, q):
                raise ValueError(f"signal has shape {sig.shape}, expected {(n, q)}")
            set_(self, "signal", sig)
        if self.images is not None:
            imgs = np.asarray(self.images)
            if len(imgs) != n:
                raise ValueError(f"{len(imgs)} images for {n} stimuli")
            set_(self, "images", imgs)
        set_(self, "stimuli", _table(self.stimuli, n, "stimuli"))
        set_(self, "neurons", _table(self.neurons, q, "neurons"))

    # ------------------------------------------------------------------ shape
    @property
    def n_stimuli(self) -> int:
        return self.mean.shape[0]

    @property
    def n_neurons(self) -> int:
        return self.mean.shape[1]

    @property
    def has_trials(self) -> bool:
        """Whether single trials exist (else only ``mean``; no noise ceiling can be computed)."""
        return self.trials is not None

    @property
    def n_repeats(self) -> np.ndarray | None:
        """(stimuli, neurons) number of present repeats; ``None`` without single trials."""
        return None if self.trials is None else (~np.isnan(self.trials)).sum(axis=2)

    @property
    def shape(self) -> tuple:
        """``trials.shape`` (stimuli, neurons, repeats), or ``mean.shape`` without trials."""
        return self.trials.shape if self.trials is not None else self.mean.shape

    def __repr__(self) -> str:
        what = (f"{self.n_stimuli} stimuli × {self.n_neurons} neurons × "
                f"{self.trials.shape[2] if self.has_trials else 'no single'} trials")
        return f"Recording({what}, kind={self.kind!r}, source={self.source!r})"

    # ------------------------------------------------------------------ use
    def split_halves(self, rng, scheme: str = "balanced") -> tuple:
        """Two half-means of the repeats, each (stimuli, neurons):
        :func:`bothways.reliability.split_halves` on ``trials``."""
        from bothways.reliability import split_halves

        if self.trials is None:
            raise ValueError("this recording has only trial averages: there are no repeats to split")
        return split_halves(self.trials, rng, scheme)

    def subset(self, stimuli=None, neurons=None) -> "Recording":
        """The same recording restricted to some stimuli and/or neurons (index arrays,
        or boolean masks), metadata and images included."""
        n, q = self.mean.shape
        si = np.arange(n) if stimuli is None else _indices(stimuli, "stimuli", n)
        ni = np.arange(q) if neurons is None else _indices(neurons, "neurons", q)
        pick = (lambda a: None if a is None else a[np.ix_(si, ni)])  # noqa: E731
        return replace(
            self, trials=None if self.trials is None else self.trials[np.ix_(si, ni)],
            mean=None if self.trials is not None else pick(self.mean), signal=pick(self.signal),
            images=None if self.images is None else self.images[si],
            stimuli=self.stimuli.iloc[si], neurons=self.neurons.iloc[ni], info=dict(self.info))


def _indices(idx, name, n):
    idx = np.asarray(idx)
    if idx.dtype == bool:
        if idx.shape != (n,):
            raise ValueError(f"{name} mask must have shape ({n},), got {idx.shape}")
        return np.flatnonzero(idx)
    return check_index(idx, name, n)
