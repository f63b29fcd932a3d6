"""Chapter 1 recipe: forward vs reverse predictivity of a model zoo on real recordings.

Muzellec & Kar (2026) score each network in two directions on macaque IT: forward
(the network's units predict each recorded site, EV ≈ 50 % for good ImageNet networks)
and reverse (the recorded sites predict each network unit, EV 5–21 %). The scoring
itself is shared with other chapters and lives in :mod:`bothways.zoo` (layer choice on
separate stimuli, both directions under analysis variants, a whole zoo, EV against the
number of predictors). This module holds what only chapter 1 adds:

- :data:`PAPER` — the published numbers the chapter compares with (means over
  targets, as the paper reports them, per model where it gives them);
- :func:`gap_table` — one row per model of :func:`bothways.zoo.paired_gap` results,
  with the verdict word of each;
- :func:`interpolation_check` — a simulation of the published forward correction near
  interpolation beside the book's default, against the noiseless EV;
- :func:`fit_saturation` — an extrapolation of EV against the number of predictors
  with bootstrap bands, under two saturating forms and one that does not saturate;
- :func:`top_stimuli`, :func:`reliability_table` — small summaries the chapter draws
  and prints.

Shapes follow the book: a model is ``(stimuli, units)``, recordings ``(stimuli,
neurons, repeats)`` NaN-padded (or a :class:`~bothways.data.recording.Recording`).
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bothways._validation import as_trials, check_index, check_int
from bothways.reliability import split_half_reliability
from bothways.stats import percentile_interval

__all__ = ["PAPER", "FORMS", "SaturationFit", "fit_saturation", "top_stimuli", "reliability_table",
           "gap_table", "interpolation_check"]

#: Published reference numbers (EV %, macaque IT, 1320 images), Muzellec & Kar 2026,
#: all means over targets: forward EV of good ImageNet networks (≈ 50 %), the range of
#: reverse EV over 39 networks, the number of recording sites used as reverse
#: predictors (288, the two monkeys together), per-model (forward, reverse) means where
#: the authors' notebooks give both, and the monkey→monkey medians in both directions.
#: Forward used every unit of a layer as predictors; reverse the 288 sites.
PAPER = {"forward": 50.0, "reverse_low": 5.0, "reverse_high": 21.0, "n_sites": 288,
         "models": {"VGG16": (53.0, 5.7), "DenseNet-161": (54.6, 16.9)},
         "monkey_to_monkey": (35.3, 43.2)}


@dataclass(frozen=True, eq=False)
class SaturationFit:
    """A curve ``EV(n)`` fitted to EV against the number of predictors ``n``.

    ``form`` and parameters ``params = (p1, p2)``:

    - ``"hyperbolic"``: ``EV = ev_max · n / (n + n_half)`` (``n_half``: the count at half
      of the asymptote ``ev_max``);
    - ``"exponential"``: ``EV = ev_max · (1 − exp(−n / n_half))`` (``n_half``: the
      e-folding count);
    - ``"log"``: ``EV = p1 + p2 · ln n`` — no asymptote (``ev_max`` and ``n_half`` are
      NaN): the reference that does *not* saturate.

    ``*_ci``: percentile-bootstrap intervals (resampling draws within each count).
    ``grid``, ``curve``, ``band_low``, ``band_high``: the fit and its pointwise band on
    ``grid`` (for drawing). ``boot``: (n_boot, 2) bootstrap parameters.
    """

    form: str
    params: tuple
    ev_max: float
    n_half: float
    ev_max_ci: tuple
    n_half_ci: tuple
    grid: np.ndarray
    curve: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray
    boot: np.ndarray = field(repr=False)
    level: float = 0.95

    def predict(self, n):
        """The fitted EV (%) at predictor count(s) ``n``."""
        return _saturating(self.form, np.asarray(n, dtype=float), *self.params)

    def extrapolate(self, n) -> tuple:
        """``(estimate, low, high)`` of EV (%) at ``n`` predictors, band from the bootstrap."""
        vals = _saturating(self.form, float(n), self.boot[:, 0], self.boot[:, 1])
        lo, hi = percentile_interval(vals, self.level)
        return float(self.predict(n)), lo, hi


# --------------------------------------------------------------------------- predictor count


FORMS = ("hyperbolic", "exponential", "log")


def _saturating(form, n, p1, p2):
    n = np.asarray(n, dtype=float)
    if form == "hyperbolic":
        return p1 * n / (n + p2)
    if form == "exponential":
        return p1 * (1.0 - np.exp(-n / p2))
    return p1 + p2 * np.log(n)


def _fit_curve(form, n, y, p0=None):
    from scipy.optimize import curve_fit

    if form == "log":
        slope, intercept = np.polyfit(np.log(n), y, 1)
        return float(intercept), float(slope)
    if p0 is None or not np.all(np.isfinite(p0)):
        p0 = (max(float(np.max(y)), 1e-3) * 1.2, max(float(np.median(n)), 1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            (a, b), _ = curve_fit(lambda x, a, b: _saturating(form, x, a, b), n, y, p0=p0,
                                  bounds=([0.0, 1e-6], [1e4, 1e6]), maxfev=20000)
        except RuntimeError:
            return np.nan, np.nan
    return float(a), float(b)


def fit_saturation(n, ev, form: str = "hyperbolic", n_boot: int = 1000, seed=0, level: float = 0.95,
                   grid=None) -> SaturationFit:
    """Least-squares fit of EV (%) against predictor count ``n``, with bootstrap bands.

    Forms (see :class:`SaturationFit`): ``"hyperbolic"`` ``ev_max·n/(n + n_half)``,
    ``"exponential"`` ``ev_max·(1 − e^(−n/n_half))`` (both saturate) and ``"log"``
    ``p1 + p2·ln n`` (does not). Uncertainty: a percentile bootstrap that resamples the
    points (draws) *within* each count with replacement and refits; the band on
    ``grid`` (default: 1 to 6× the largest count, log-spaced) is pointwise. The
    bootstrap says nothing about whether the form is right: beyond the measured counts
    the forms can disagree by more than their bands, so fit several and report the
    spread.

    Parameters
    ----------
    n, ev : (points,) predictor counts (≥ 1) and EV values (%), e.g. the columns
        ``n_source`` and ``mean_ev`` of :func:`bothways.zoo.ev_vs_source_size`. At least 3 distinct
        counts.
    """
    if form not in FORMS:
        raise ValueError(f"form must be one of {FORMS}, got {form!r}")
    n = np.asarray(n, dtype=float)
    y = np.asarray(ev, dtype=float)
    if n.ndim != 1 or n.shape != y.shape:
        raise ValueError(f"n and ev must be 1-D of equal length, got {n.shape} and {y.shape}")
    if not (np.all(np.isfinite(n)) and np.all(np.isfinite(y))):
        raise ValueError("n and ev must be finite (drop NaN EVs first, and say how many)")
    if np.any(n < 1):
        raise ValueError("predictor counts must be >= 1")
    levels = np.unique(n)
    if levels.size < 3:
        raise ValueError(f"need at least 3 distinct counts to fit 2 parameters, got {levels.size}")
    n_boot = check_int(n_boot, "n_boot", minimum=0)
    a, b = _fit_curve(form, n, y)
    if not np.isfinite(a):
        raise ValueError("the saturating fit did not converge")
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(n == v) for v in levels]
    boot = np.full((int(n_boot), 2), np.nan)
    for i in range(int(n_boot)):
        idx = np.concatenate([rng.choice(g, g.size, replace=True) for g in groups])
        boot[i] = _fit_curve(form, n[idx], y[idx], p0=(a, b))
    grid = np.geomspace(1, 6 * levels.max(), 80) if grid is None else np.asarray(grid, dtype=float)
    curves = _saturating(form, grid[None, :], boot[:, :1], boot[:, 1:])
    ok = np.all(np.isfinite(boot), axis=1)
    if ok.any():
        low, high = percentile_interval(curves[ok], level, axis=0)
    else:
        low = high = np.full(grid.shape, np.nan)
    saturates = form != "log"
    nan2 = (np.nan, np.nan)
    return SaturationFit(form, (a, b), a if saturates else np.nan, b if saturates else np.nan,
                         percentile_interval(boot[:, 0], level) if saturates else nan2,
                         percentile_interval(boot[:, 1], level) if saturates else nan2, grid,
                         _saturating(form, grid, a, b), low, high, boot, float(level))


# --------------------------------------------------------------------------- small summaries
def top_stimuli(features, units, k: int = 4) -> pd.DataFrame:
    """The ``k`` stimuli that drive each of ``units`` most.

    ``features``: (stimuli, units) activations; ``units``: column indices. Returns one
    row per (``unit``, ``rank``) with ``stimulus`` (row index) and ``response``, rank 0
    the strongest; ties keep the earlier stimulus.
    """
    X = np.asarray(features)
    if X.ndim != 2:
        raise ValueError(f"features must be (stimuli, units), got shape {X.shape}")
    units = check_index(np.atleast_1d(units), "units", X.shape[1])
    k = check_int(k, "k", minimum=1, maximum=X.shape[0])
    rows = []
    for u in units:
        order = np.argsort(-X[:, u], kind="stable")[:k]
        rows += [dict(unit=int(u), rank=j, stimulus=int(s), response=float(X[s, u])) for j, s in enumerate(order)]
    return pd.DataFrame(rows)


def reliability_table(recordings, n_splits: int = 20, seed=0) -> pd.DataFrame:
    """Split-half reliability of every neuron under the two published choices.

    Columns: ``pearson_balanced`` (the book's default: Pearson, halves balanced within
    each stimulus) and ``spearman_permutation`` (Muzellec & Kar 2026: Spearman, one
    permutation of the repeat axis), both Spearman–Brown corrected and averaged over
    ``n_splits`` seeded splits (:func:`bothways.reliability.split_half_reliability`).
    One row per neuron. The EV of a neuron scales with 1/reliability, so their ratio is
    how much the choice alone moves forward EV.
    """
    R = as_trials(recordings, "recordings")
    return pd.DataFrame({
        "pearson_balanced": split_half_reliability(R, n_splits, seed, "pearson", "balanced"),
        "spearman_permutation": split_half_reliability(R, n_splits, seed, "spearman", "permutation"),
    }, index=pd.RangeIndex(R.shape[1], name="neuron"))


# --------------------------------------------------------------------------- matched counts
def gap_table(gaps, labels=None, expected_sign: int = +1) -> pd.DataFrame:
    """One row per model of :func:`bothways.zoo.paired_gap` results.

    ``gaps``: mapping model -> :class:`~bothways.zoo.Gap`; ``labels``: model -> display
    name. Columns: ``bothways.zoo.Gap.as_dict()`` (forward, reverse and gap with their intervals,
    each direction's permutation-null mean), ``forward_p``/``reverse_p`` (permutation
    p-values of each score), and ``verdict`` (:func:`bothways.report.verdict` of the
    gap's interval, the paper claiming forward > reverse).
    """
    from bothways import report

    rows = []
    for model, g in gaps.items():
        row = dict(model=model, label=(labels or {}).get(model, model), **g.as_dict(),
                   forward_p=g.forward.p_value, reverse_p=g.reverse.p_value,
                   forward_null_high=g.forward.null_high, reverse_null_high=g.reverse.null_high)
        row["verdict"] = report.verdict(g.estimate, g.ci_low, g.ci_high, expected_sign=expected_sign)
        rows.append(row)
    return pd.DataFrame(rows).set_index("model")


def interpolation_check(n_units: int = 2000, n_model_latents: int = 500, n_stimuli: int = 192,
                        n_neurons: int = 50, reliability=(0.6, 0.77), n_repeats: int = 8, n_splits: int = 5,
                        seed=0, **options) -> dict:
    """The published forward correction near interpolation, in a simulation with a known answer.

    A model of ``n_units`` units reading ``10 + n_model_latents`` latents (10 shared
    with the brain) predicts ``n_neurons`` simulated neurons with reliabilities spread
    over ``reliability``, on ``n_stimuli`` stimuli: with the published fixed α = 0.1 on
    raw features the fit interpolates. Returns the mean forward EV (%) of
    ``"noiseless"`` (the book's default method on the noiseless rates: the answer),
    ``"default"`` (the default, noisy trials, ``prediction_reliability="either"``),
    ``"source"`` (the default without the target-half correction) and
    ``"muzellec_kar"`` (the published procedure), and the median ``"mk_prediction_reliability"``.
    """
    from bothways.predictivity import predictivity
    from bothways.simulate import noise_for_reliability, simulate_pair

    rel = np.linspace(*reliability, n_neurons)
    s = simulate_pair(n_stimuli=n_stimuli, n_shared=10, n_brain_private=5, n_model_private=n_model_latents,
                      n_neurons=n_neurons, n_units=n_units, n_repeats=n_repeats,
                      noise=noise_for_reliability(rel, n_repeats), seed=seed)
    kw = dict(n_splits=n_splits, n_boot=0, seed=0, warn=False, **options)
    out = dict(noiseless=predictivity(s.model, s.recording.signal, **kw).summary["mean_ev"],
               default=predictivity(s.model, s.recording, **kw).summary["mean_ev"],
               source=predictivity(s.model, s.recording, prediction_reliability="source", **kw).summary["mean_ev"])
    mk = predictivity(s.model, s.recording, method="muzellec_kar", **kw)
    out.update(muzellec_kar=mk.summary["mean_ev"], mk_prediction_reliability=mk.summary["median_prediction_reliability"])
    return out
