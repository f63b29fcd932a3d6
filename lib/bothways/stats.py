"""Small statistics shared by the whole library: column-wise correlations and intervals.

- :func:`pearson_columns`, :func:`spearman_columns` — the correlation of every column
  (or row) of one array with the same column of another, NaN where either is constant;
- :func:`percentile_interval` — the percentile interval of resampled values;
  :func:`centred_interval` — its spread centred on the estimate (for biased resamples);
- :func:`bootstrap` — a percentile-bootstrap interval of any statistic of paired or
  single samples, resampled with an explicit seed;
- :func:`paired_difference` — the difference of a statistic between two conditions
  measured on the same items, with a paired bootstrap interval (so that every
  difference a chapter reports gets one);
- :func:`nonconstant_units` — the columns that vary over stimuli;
- :func:`benjamini_hochberg` — false-discovery-rate adjusted p-values.

Everything is numpy; randomness only through an explicit ``seed``.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import rankdata

from bothways._validation import check_int, check_number, numeric_array

__all__ = ["pearson_columns", "spearman_columns", "percentile_interval", "Interval", "bootstrap",
           "paired_difference", "nonconstant_units", "benjamini_hochberg", "centred_interval"]


# --------------------------------------------------------------------------- correlations
def pearson_columns(a, b, axis: int = 0) -> np.ndarray:
    """Pearson correlation of every column of ``a`` with the same column of ``b``.

    ``a`` and ``b`` have the same shape (e.g. (stimuli, targets): held-out predictions
    and the targets they predict); the correlation runs over ``axis`` (0: over rows,
    one value per column; 1: over columns, one per row). NaN where either side is
    constant along ``axis`` or holds a NaN (never a spurious ±1 from rounding).
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must have the same shape, got {a.shape} and {b.shape}")
    constant = (np.ptp(a, axis=axis) == 0) | (np.ptp(b, axis=axis) == 0)
    a = a - a.mean(axis=axis, keepdims=True)
    b = b - b.mean(axis=axis, keepdims=True)
    den = np.sqrt((a * a).sum(axis=axis) * (b * b).sum(axis=axis))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (a * b).sum(axis=axis) / den
    return np.where((den > 0) & ~constant, r, np.nan)


def spearman_columns(a, b, axis: int = 0) -> np.ndarray:
    """Spearman rank correlation of every column of ``a`` with the same column of ``b``
    (:func:`pearson_columns` of the ranks, ties averaged; NaN propagates)."""
    a = rankdata(np.asarray(a, dtype=np.float64), axis=axis, nan_policy="propagate")
    b = rankdata(np.asarray(b, dtype=np.float64), axis=axis, nan_policy="propagate")
    return pearson_columns(a, b, axis=axis)


def nonconstant_units(X, rtol: float = 1e-10) -> np.ndarray:
    """Indices of the columns of ``X`` (stimuli, units) that vary over stimuli.

    A column counts as constant when its standard deviation is at most ``rtol`` times
    the largest column standard deviation (e.g. a ReLU unit silent on every stimulus).
    """
    X = numeric_array(X, "X", allow_bool=True)
    if X.ndim != 2:
        raise ValueError(f"X must be (stimuli, units), got shape {X.shape}")
    sd = X.std(axis=0)
    top = sd.max() if sd.size else 0.0
    return np.flatnonzero(sd > rtol * top) if top > 0 else np.zeros(0, dtype=np.int64)


# --------------------------------------------------------------------------- intervals
def percentile_interval(values, level: float = 0.95, axis=None):
    """The central ``level`` percentile interval ``(low, high)`` of ``values``.

    Non-finite values (failed resamples) are left out; with ``axis`` the interval is
    taken along it (arrays out), else over all values (floats out, NaN when none is
    finite).
    """
    level = check_number(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    v = np.asarray(values, dtype=np.float64)
    v = np.where(np.isfinite(v), v, np.nan)
    if axis is None and not np.isfinite(v).any():
        return (np.nan, np.nan)
    q = 50 * (1 - level), 50 * (1 + level)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices -> NaN
        lo, hi = np.nanpercentile(v, q, axis=axis)
    return (float(lo), float(hi)) if axis is None else (lo, hi)


def centred_interval(estimate, samples, level: float = 0.95) -> tuple:
    """The percentile interval of ``samples`` shifted so that their median sits on ``estimate``.

    ``(estimate + q_low − median, estimate + q_high − median)``. For statistics whose
    resamples are biased — the r² of a bootstrap resample is biased *upward* near 0,
    because repeated stimuli correlate by chance — the plain percentile interval can
    miss the estimate altogether; this keeps the bootstrap's spread and drops its
    bias. Non-finite samples are left out.
    """
    lo, hi = percentile_interval(samples, level)
    v = np.asarray(samples, dtype=np.float64)
    med = float(np.median(v[np.isfinite(v)])) if np.isfinite(v).any() else np.nan
    est = float(estimate)
    return est + lo - med, est + hi - med


@dataclass(frozen=True, eq=False)
class Interval:
    """A statistic with its percentile-bootstrap interval.

    ``estimate`` (on the data as they are), ``low``/``high`` (the central ``level``
    interval of the resampled statistic), ``n`` (items resampled), ``n_boot``,
    ``level`` and the resampled values ``samples``. ``excludes_zero`` says whether the
    interval lies entirely on one side of 0.
    """

    estimate: float
    low: float
    high: float
    n: int
    n_boot: int
    level: float
    samples: np.ndarray = field(repr=False)

    @property
    def excludes_zero(self) -> bool:
        return bool(self.low > 0 or self.high < 0)

    def as_dict(self, prefix: str = "") -> dict:
        """``{prefix+"estimate", prefix+"ci_low", prefix+"ci_high"}`` for a table row."""
        return {f"{prefix}estimate": self.estimate, f"{prefix}ci_low": self.low, f"{prefix}ci_high": self.high}


def _samples(arrays, name):
    out = [numeric_array(a, name).astype(np.float64) for a in arrays]
    n = len(out[0])
    if any(len(a) != n for a in out):
        raise ValueError(f"{name} must all have the same length (items), got {[len(a) for a in out]}")
    if n < 2:
        raise ValueError(f"{name} need at least 2 items to resample, got {n}")
    return out, n


def bootstrap(statistic, *samples, n_boot: int = 1000, level: float = 0.95, seed=0) -> Interval:
    """Percentile-bootstrap interval of ``statistic(*samples)`` over items.

    ``samples`` are arrays whose first axis indexes the same items (stimuli, neurons,
    networks); each resample draws items with replacement and applies ``statistic`` to
    the rows of every sample together (a paired resample). ``statistic`` must return a
    float (NaN for a resample where it is undefined: those are left out of the
    interval). Resamples come from ``numpy.random.default_rng(seed)``.

    Example: ``bootstrap(np.median, ev)`` is the interval of a median over neurons;
    ``bootstrap(lambda x, y: np.corrcoef(x, y)[0, 1], pr, score)`` that of a correlation
    across networks.
    """
    n_boot = check_int(n_boot, "n_boot", minimum=1)
    arrays, n = _samples(samples, "samples")
    rng = np.random.default_rng(seed)
    est = float(statistic(*arrays))
    idx = rng.integers(0, n, size=(n_boot, n))
    boot = np.array([float(statistic(*(a[i] for a in arrays))) for i in idx])
    lo, hi = percentile_interval(boot, level)
    return Interval(est, lo, hi, n, n_boot, float(level), boot)


def paired_difference(a, b, statistic=np.mean, n_boot: int = 1000, level: float = 0.95, seed=0) -> Interval:
    """``statistic(a) − statistic(b)`` for two conditions measured on the same items,
    with a paired percentile-bootstrap interval.

    ``a`` and ``b`` are (items,) values of the same items under two conditions (e.g.
    the forward and the reverse EV of the same neurons, or two analysis variants);
    items where either is NaN are dropped first (say how many: ``n`` is what remains).
    Each resample draws items with replacement and keeps their pairing, so the interval
    reflects the variability of the *difference*, not of each side.
    """
    (a, b), _ = _samples((a, b), "a and b")
    if a.ndim != 1 or b.ndim != 1:
        raise ValueError(f"a and b must be 1-D (items,), got shapes {a.shape} and {b.shape}")
    keep = np.isfinite(a) & np.isfinite(b)
    return bootstrap(lambda x, y: statistic(x) - statistic(y), a[keep], b[keep], n_boot=n_boot,
                     level=level, seed=seed)


# --------------------------------------------------------------------------- multiple comparisons
def benjamini_hochberg(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (Benjamini & Hochberg 1995).

    ``p_(i) · m / i`` for the i-th smallest of ``m`` p-values, made monotone from the
    largest down (``min`` over ``j ≥ i``) and capped at 1, returned in the input order.
    Rejecting where the adjusted value is ``≤ q`` controls the false-discovery rate at
    ``q`` for independent (or positively dependent) tests; the same numbers as
    ``scipy.stats.false_discovery_control(p, method="bh")``.
    """
    p = numeric_array(p_values, "p_values").astype(np.float64)
    if p.ndim != 1:
        raise ValueError(f"p_values must be 1-D, got shape {p.shape}")
    if not np.all(np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p_values must be finite and lie in [0, 1] (drop undefined ones first)")
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    out = np.empty(m)
    out[order] = adjusted
    return out
