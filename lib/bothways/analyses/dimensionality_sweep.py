"""Chapter 3 recipe: does effective dimensionality drive forward up and reverse down?

Muzellec & Kar (2026) report, across 39 networks, that the participation ratio (PR) of
a layer correlates with forward predictivity (Spearman +0.37) and against reverse
predictivity (−0.40); Elmoznino & Bonner (2024) report that encoding performance grows
with log PR. Correlations across networks cannot tell whether the spectrum itself is
the cause, so this module provides both halves of the chapter:

- the **across-network** half: :func:`fit_log_pr` (a straight line of a score on
  ``log10 PR`` with bootstrap confidence intervals) and :func:`spearman_table`
  (Spearman correlations with bootstrap CIs, next to the published ones);
- the **causal** half: :func:`transformed_scores` scores a layer in both directions
  after a transform that changes its spectrum and nothing else
  (:class:`~bothways.dimensionality.SpectralTransform`: power laws, whitening,
  truncation, reversed eigenvalue order) or builds a wider layer on top of it
  (:class:`~bothways.dimensionality.RandomExpansion`), the transform **estimated on
  the training stimuli of each fold** (or once on a separate reference image set) and
  applied to the held-out ones; :func:`spectrum_sweep` runs a list of transforms with a
  tuned and a fixed penalty, :func:`theory_for_transforms` gives the spectral theory's
  error for each transformed spectrum with the weights held fixed, and
  :func:`planted_population` a layer with a known answer for the controls;
  :func:`sweep_zoo` scores every layer of a zoo;
- intervals across networks resample **networks** (``groups``), not layers.

All regression goes through :func:`bothways.predictivity.predictivity` (and so
:func:`bothways.ridge.cv_ridge`); all dimensionality through
:mod:`bothways.dimensionality`. Representations are ``(stimuli, units)``.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from bothways._validation import as_trials, as_vector, check_int, check_number
from bothways.dimensionality import (Modes, RandomExpansion, SpectralTransform, modes, participation_ratio,
                                     pool_features)
from bothways.stats import pearson_columns, percentile_interval

__all__ = ["PAPER_SPEARMAN", "PUBLISHED_ALPHA", "LogFit", "fit_log_pr", "spearman_table", "fit_table",
           "score_representation", "TransformedScores", "transformed_scores", "sweep_transforms",
           "spectrum_sweep", "theory_for_transforms", "planted_population", "zoo_plan", "sweep_zoo"]

#: Spearman correlation of effective dimensionality (PR of the un-pooled layer on the
#: test images) with forward and reverse EV across 39 networks, Muzellec & Kar (2026).
PAPER_SPEARMAN = {"forward": 0.37, "reverse": -0.40}


# --------------------------------------------------------------------------- fits
@dataclass(frozen=True)
class LogFit:
    """Ordinary least squares ``score = slope · log10(PR) + intercept`` with bootstrap CIs.

    Attributes
    ----------
    slope, intercept : score units per decade of PR, and score units at PR = 1.
    r2 : R² of the line (squared Pearson r of score and ``log10 PR``).
    spearman, spearman_p : Spearman ρ of PR and score and its two-sided p-value.
    slope_ci, intercept_ci, r2_ci, spearman_ci : ``(low, high)`` percentile-bootstrap
        intervals (resampling networks with replacement) at level ``level``.
    n, n_boot, level : points, bootstrap resamples, confidence level.
    grid : (g,) PR values spanning the data (for drawing); ``line``, ``band_low``,
        ``band_high`` : (g,) the fitted line and its pointwise bootstrap band there.
    """

    slope: float
    intercept: float
    r2: float
    spearman: float
    spearman_p: float
    slope_ci: tuple
    intercept_ci: tuple
    r2_ci: tuple
    spearman_ci: tuple
    n: int
    n_boot: int
    level: float
    grid: np.ndarray
    line: np.ndarray
    band_low: np.ndarray
    band_high: np.ndarray

    def predict(self, pr):
        """The fitted score at participation ratio(s) ``pr``."""
        return self.slope * np.log10(np.asarray(pr, dtype=float)) + self.intercept


def fit_log_pr(pr, score, n_boot: int = 2000, level: float = 0.95, seed: int = 0,
               n_grid: int = 50, groups=None) -> LogFit:
    """Fit ``score ≈ slope · log10(PR) + intercept`` across networks, with bootstrap CIs.

    The relation Elmoznino & Bonner (2024) report between encoding performance and
    effective dimensionality ("test R² ≈ a·log PR + b").

    Parameters
    ----------
    pr : (n,) participation ratios (> 0), one per network/layer.
    score : (n,) a score per network (test R², EV in %, …), finite.
    n_boot : bootstrap resamples of the ``n`` points (pairs bootstrap).
    level : confidence level of the percentile intervals.
    seed : seeds the resampling.
    n_grid : points of the drawing grid (``LogFit.grid``).
    groups : (n,) labels of the network each point belongs to. Given, the bootstrap
        resamples **networks** with replacement, each with all its layers (layers of
        one network are not independent); ``None`` resamples points.

    Returns
    -------
    :class:`LogFit`. Resamples in which all PRs coincide have no slope and are ignored
    by the intervals.
    """
    pr, score = (as_vector(a, name, what="one value per network") for name, a in (("pr", pr), ("score", score)))
    if pr.shape != score.shape:
        raise ValueError(f"pr and score must have the same length, got {pr.size} and {score.size}")
    if pr.size < 3:
        raise ValueError(f"need at least 3 networks to fit a line, got {pr.size}")
    if np.any(pr <= 0):
        raise ValueError("pr must be positive (the participation ratio is >= 1)")
    if np.ptp(pr) == 0:
        raise ValueError("all participation ratios are equal: no slope to fit")
    level = check_number(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", minimum=1)
    x = np.log10(pr)
    slope, intercept = np.polyfit(x, score, 1)
    r = np.corrcoef(x, score)[0, 1] if np.ptp(score) > 0 else 0.0
    rho, p = stats.spearmanr(pr, score)

    rng = np.random.default_rng(seed)
    if groups is None:
        idx = rng.integers(0, x.size, size=(int(n_boot), x.size))
        b_slope, b_inter, b_r2, b_rho = _boot_line(x[idx], score[idx])
    else:
        labels = np.asarray(groups)
        if labels.shape != x.shape:
            raise ValueError(f"groups must have one label per point ({x.size}), got shape {labels.shape}")
        members = [np.flatnonzero(labels == g) for g in pd.unique(labels)]
        if len(members) < 2:
            raise ValueError("need at least 2 networks (groups) to resample networks")
        picks = rng.integers(0, len(members), size=(int(n_boot), len(members)))
        b = np.array([[v[0] for v in _boot_line(x[None, rows], score[None, rows])]
                      for rows in (np.concatenate([members[g] for g in pick]) for pick in picks)])
        b_slope, b_inter, b_r2, b_rho = b.T

    grid_x = np.linspace(x.min(), x.max(), int(n_grid))
    band = b_slope[:, None] * grid_x[None, :] + b_inter[:, None]
    band_low, band_high = percentile_interval(band, level, axis=0)
    ci = {k: percentile_interval(b, level)
          for k, b in (("slope", b_slope), ("intercept", b_inter), ("r2", b_r2), ("rho", b_rho))}
    return LogFit(slope=float(slope), intercept=float(intercept), r2=float(r ** 2),
                  spearman=float(rho), spearman_p=float(p), slope_ci=ci["slope"],
                  intercept_ci=ci["intercept"], r2_ci=ci["r2"], spearman_ci=ci["rho"],
                  n=int(x.size), n_boot=int(n_boot), level=float(level), grid=10 ** grid_x,
                  line=slope * grid_x + intercept, band_low=band_low, band_high=band_high)


def _boot_line(xb, yb):
    """Slope, intercept, R² and Spearman ρ of each row of (resamples, points)."""
    xc = xb - xb.mean(1, keepdims=True)
    sxx = (xc ** 2).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        b_slope = np.where(sxx > 0, (xc * (yb - yb.mean(1, keepdims=True))).sum(1) / sxx, np.nan)
    b_inter = yb.mean(1) - b_slope * xb.mean(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        b_r2 = pearson_columns(xb, yb, axis=1) ** 2
        b_rho = pearson_columns(stats.rankdata(xb, axis=1), stats.rankdata(yb, axis=1), axis=1)
    return b_slope, b_inter, b_r2, b_rho


def spearman_table(table: pd.DataFrame, dims=("pr_test", "pr_pooled"),
                   scores=("forward_ev", "reverse_ev"), n_boot: int = 2000,
                   level: float = 0.95, seed: int = 0, groups: str | None = None) -> pd.DataFrame:
    """Spearman correlations of each dimensionality column with each score column.

    Parameters
    ----------
    table : one row per network/layer, with the columns named in ``dims`` and ``scores``.
        Rows with NaN in either column of a pair are left out *of that pair* and the
        count used is reported (``n``).
    dims, scores : column names. A score column whose name starts with ``forward`` /
        ``reverse`` gets the published value (:data:`PAPER_SPEARMAN`) beside it.
    groups : the column naming each row's network: the bootstrap then resamples
        networks (:func:`fit_log_pr`); ``None`` resamples rows.

    Returns
    -------
    DataFrame with columns ``dimensionality, score, rho, ci_low, ci_high, p_value, n,
    paper`` (bootstrap percentile CI over networks; ``paper`` NaN where none).
    """
    missing = [c for c in (*dims, *scores) if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {missing}")
    rows = []
    for d in dims:
        for s in scores:
            sub = table[[d, s]].astype(float)
            ok = np.isfinite(sub[d]) & np.isfinite(sub[s])
            sub = sub[ok]
            if len(sub) < 3:
                raise ValueError(f"fewer than 3 rows with finite {d!r} and {s!r}")
            fit = fit_log_pr(sub[d], sub[s], n_boot=n_boot, level=level, seed=seed, n_grid=2,
                             groups=None if groups is None else table.loc[ok, groups].to_numpy())
            direction = s.split("_")[0]
            rows.append(dict(dimensionality=d, score=s, rho=fit.spearman, ci_low=fit.spearman_ci[0],
                             ci_high=fit.spearman_ci[1], p_value=fit.spearman_p, n=fit.n,
                             paper=PAPER_SPEARMAN.get(direction, np.nan)))
    return pd.DataFrame(rows)


def fit_table(table: pd.DataFrame, dims=("pr_test", "pr_pooled"),
              scores=("forward_r2", "forward_ev", "reverse_ev"), n_boot: int = 2000,
              level: float = 0.95, seed: int = 0, groups: str | None = None) -> pd.DataFrame:
    """:func:`fit_log_pr` for every (dimensionality column, score column) pair of ``table``.

    Rows with NaN in either column of a pair are left out of that pair (``n`` says how
    many remain); ``groups`` as in :func:`spearman_table`. Returns a DataFrame with columns ``dimensionality, score, slope,
    slope_low, slope_high, intercept, intercept_low, intercept_high, r2, r2_low,
    r2_high, n`` (slope in score units per decade of PR).
    """
    missing = [c for c in (*dims, *scores) if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {missing}")
    rows = []
    for d in dims:
        for s in scores:
            sub = table[[d, s]].astype(float)
            ok = np.isfinite(sub[d]) & np.isfinite(sub[s])
            sub = sub[ok]
            f = fit_log_pr(sub[d], sub[s], n_boot=n_boot, level=level, seed=seed, n_grid=2,
                           groups=None if groups is None else table.loc[ok, groups].to_numpy())
            rows.append(dict(dimensionality=d, score=s, slope=f.slope, slope_low=f.slope_ci[0],
                             slope_high=f.slope_ci[1], intercept=f.intercept,
                             intercept_low=f.intercept_ci[0], intercept_high=f.intercept_ci[1],
                             r2=f.r2, r2_low=f.r2_ci[0], r2_high=f.r2_ci[1], n=f.n))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------- scoring
#: Unit variance below this fraction of the largest counts as constant (not scored in reverse).
CONSTANT_RTOL = 1e-12
#: The published fixed ridge penalty (Muzellec & Kar 2026), used by the fixed-alpha sweep.
PUBLISHED_ALPHA = 0.1


def _reverse_units(X, max_reverse_units, seed):
    """Non-constant units of ``X`` (over all stimuli) and a seeded subset of them."""
    var = X.var(axis=0)
    live = np.flatnonzero(var > CONSTANT_RTOL * var.max())
    n_constant = X.shape[1] - live.size
    rng = np.random.default_rng(seed)
    if max_reverse_units is not None and live.size > int(max_reverse_units):
        live = np.sort(rng.choice(live, size=int(max_reverse_units), replace=False))
    return live, n_constant


def score_representation(X, trials, *, n_splits: int = 5, n_folds: int = 10,
                         max_reverse_units: int | None = 1000, seed: int = 0,
                         method: str = "default", rtol: float = 1e-10, **ridge_options) -> dict:
    """Participation ratio and both directions of predictivity of one representation as it is.

    Parameters
    ----------
    X : (stimuli, units) features on the recorded stimuli (nothing is fitted on them
        but the regressions, inside their training folds). To score a *transformed*
        representation use :func:`transformed_scores`, which fits the transform on the
        training stimuli of each fold.
    trials : (stimuli, neurons, repeats) recordings, NaN for missing repeats.
    n_splits, n_folds, method, **ridge_options : passed to
        :func:`bothways.predictivity.predictivity` (``n_folds`` only for ``"default"``).
    max_reverse_units : reverse predictivity is scored on a random subset (drawn from
        ``seed``) of at most this many non-constant units (``None``: all); the median
        over units is estimated from it. Constant units are never scored (their EV is
        undefined); their number is reported.
    seed : seeds the unit subset and every split of ``predictivity``.

    Returns
    -------
    dict with ``n_units``, ``rank``, ``pr_test`` (PR of the un-pooled representation on
    these stimuli, the Muzellec & Kar variant), ``forward_ev`` / ``reverse_ev`` (median
    noise-corrected EV over neurons / over the scored units, %), ``forward_r2`` /
    ``reverse_r2`` (median held-out coefficient of determination), ``n_reverse_units``,
    ``n_constant_units``, ``n_nan_forward``, ``n_nan_reverse``.

    Forward predictivity is computed from :meth:`~bothways.dimensionality.Modes.compact`
    (an exact rotation of the centred features: the same Gram, hence the same ridge
    predictions, at a fraction of the cost).
    """
    from bothways.predictivity import predictivity

    if isinstance(X, Modes):
        raise TypeError("score_representation takes the features themselves, not Modes")
    X = pool_features(X)
    m = modes(X, rtol)
    trials = as_trials(trials, "trials")
    if trials.shape[0] != m.shape[0]:
        raise ValueError(f"X has {m.shape[0]} stimuli but trials has {trials.shape[0]}")
    opts = dict(method=method, n_splits=n_splits, seed=seed, n_boot=0, match_to=None,
                progress=False, **ridge_options)
    if method == "default":
        opts["n_folds"] = n_folds
    fwd = predictivity(m.compact(), trials, **opts)
    live, n_constant = _reverse_units(X, max_reverse_units, seed)
    rev = predictivity(trials, X[:, live], **opts)
    return dict(n_units=m.shape[1], rank=m.rank, pr_test=m.participation_ratio(),
                forward_ev=float(fwd.summary["median_ev"]),
                forward_r2=float(np.nanmedian(fwd.per_target["cv_r2"])),
                reverse_ev=float(rev.summary["median_ev"]),
                reverse_r2=float(np.nanmedian(rev.per_target["cv_r2"])),
                n_reverse_units=int(live.size), n_constant_units=int(n_constant),
                n_nan_forward=int(fwd.summary["n_nan"]), n_nan_reverse=int(rev.summary["n_nan"]))


@dataclass(frozen=True, eq=False)
class TransformedScores:
    """Both directions of predictivity of a representation transformed inside each fold.

    Attributes
    ----------
    transform : the :class:`~bothways.dimensionality.SpectralTransform` or
        :class:`~bothways.dimensionality.RandomExpansion`; alpha : the ridge penalty
        (``None``: chosen per target inside each training fold).
    forward_ev, forward_r2 : (neurons,) noise-corrected EV (%) and held-out R² of every
        neuron predicted from the transformed representation.
    reverse_ev, reverse_r2 : (units,) the same for the scored units (``units``)
        predicted from the neurons (empty when ``reverse=False``).
    units : indices of the scored units (non-constant in ``X``, a seeded subset).
    pr_test : PR of the transformed representation on all stimuli (training rows and
        held-out rows, transformed by the fold's fit), mean over folds; pr_train : PR of
        the transformed training rows (what the transform set), mean over folds.
    rank : mean rank of the fitted transforms; n_units : width of the representation.
    error_all, error_test : forward error of the neurons' trial means, normalised by
        their total variance ``‖Y − Ȳ‖²_F`` over all stimuli: over **all** stimuli
        (training ones included, mean over folds; the quantity the spectral theory
        predicts, :func:`bothways.spectral.theory_error`) and over the held-out
        predictions of all folds pooled (every stimulus is held out once).
    folds : the (train, test) pairs.
    """

    transform: object
    alpha: float | None
    forward_ev: np.ndarray
    forward_r2: np.ndarray
    reverse_ev: np.ndarray
    reverse_r2: np.ndarray
    units: np.ndarray
    pr_test: float
    pr_train: float
    rank: float
    n_units: int
    n_constant_units: int
    error_all: float
    error_test: float
    folds: tuple = field(repr=False)

    def row(self) -> dict:
        """The summary as a dict (one table row): medians over neurons / units."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            med = {k: float(np.nanmedian(v)) if v.size else np.nan
                   for k, v in (("forward_ev", self.forward_ev), ("forward_r2", self.forward_r2),
                                ("reverse_ev", self.reverse_ev), ("reverse_r2", self.reverse_r2))}
        return dict(transform=self.transform.label, n_units=self.n_units, rank=self.rank,
                    pr_test=self.pr_test, pr_train=self.pr_train, **med,
                    error_all=self.error_all, error_test=self.error_test,
                    n_reverse_units=int(self.units.size), n_constant_units=self.n_constant_units,
                    n_nan_forward=int(np.isnan(self.forward_ev).sum()),
                    n_nan_reverse=int(np.isnan(self.reverse_ev).sum()))


def _pearson_r2(pred, Y):
    r = pearson_columns(pred, Y)
    Yc = Y - Y.mean(0)
    with np.errstate(invalid="ignore", divide="ignore"):
        r2 = 1.0 - ((Y - pred) ** 2).sum(0) / (Yc ** 2).sum(0)
    return r, np.where((Yc ** 2).sum(0) > 0, r2, np.nan)


def transformed_scores(X, trials, transform=None, *, alpha=None, n_splits: int = 5, n_folds: int = 10,
                       seed: int = 0, max_reverse_units: int | None = 1000, reverse: bool = True,
                       reference=None, device=None, _cache: dict | None = None) -> TransformedScores:
    """Score a representation in both directions after a transform **fitted inside each fold**.

    For every fold ``(train, test)`` of :func:`bothways.ridge.kfold_indices` ``(n,
    n_folds, seed)`` the transform is fitted on the training rows of ``X`` only
    (:meth:`~bothways.dimensionality.SpectralTransform.fit`), applied to the held-out
    rows (which it refuses if they were among the fitted ones), and the fold's ridge
    regressions (:func:`bothways.ridge.cv_ridge`, alpha chosen inside the training
    rows, or fixed) predict the held-out rows: forward, the neurons' trial means from
    the transformed representation; reverse, the transformed units (a fold's own
    targets) from the neurons. Held-out predictions of all folds are pooled per target.

    Noise correction is the book's default (:func:`bothways.predictivity.predictivity`,
    ``method="default"``), with the same random draws: forward EV
    ``100 r² / ρ̄_target`` (split-half reliability of each neuron, ``n_splits`` balanced
    splits), reverse EV ``100 r² / ρ̄_prediction`` (predictions from the two halves of
    the neurons' repeats, each fitted fold by fold). For the identity transform the
    numbers equal ``predictivity(..., folds=...)`` (``tests`` check it).

    Parameters
    ----------
    X : (stimuli, units) features on the recorded stimuli.
    trials : (stimuli, neurons, repeats) recordings.
    transform : :class:`~bothways.dimensionality.SpectralTransform` (default: the
        identity) or :class:`~bothways.dimensionality.RandomExpansion`.
    alpha : ``None`` (the default grid, chosen per target inside each training fold)
        or a fixed penalty (e.g. :data:`PUBLISHED_ALPHA`).
    max_reverse_units, seed : reverse is scored on a seeded subset of at most this many
        units that are non-constant in ``X`` (a random expansion: of its units).
    reverse : also score the reverse direction (``n_splits · 2 + 1`` fits per fold).
    reference : optional (images, units) features of the same layer on a separate
        image set, none of them a scored stimulus (a row of ``X`` among them raises
        :class:`~bothways.dimensionality.TransformLeakError`). Given, a spectral
        transform is fitted **once** on them and applied to every scored stimulus,
        instead of fold by fold on the training stimuli. With more reference images
        than training stimuli the transform can change what a near-ridgeless fit
        predicts; fitted on the training stimuli it cannot (the minimum-norm
        interpolant is invariant to any invertible rescaling of the training span).
        The identity transform still scores ``X`` as it is.

    Returns
    -------
    :class:`TransformedScores`.
    """
    from bothways.reliability import (explained_variance, noise_ceiling, prediction_reliability,
                                      split_half_reliability, split_halves)
    from bothways.ridge import cv_ridge, kfold_indices

    X = pool_features(X)
    trials = as_trials(trials, "trials")
    n = X.shape[0]
    if trials.shape[0] != n:
        raise ValueError(f"X has {n} stimuli but trials has {trials.shape[0]}")
    transform = SpectralTransform() if transform is None else transform
    if not isinstance(transform, (SpectralTransform, RandomExpansion)):
        raise TypeError(f"transform must be a SpectralTransform or a RandomExpansion, got {transform!r}")
    expansion = isinstance(transform, RandomExpansion)
    n_splits = check_int(n_splits, "n_splits", minimum=1)
    n_folds = check_int(n_folds, "n_folds", minimum=2)
    if alpha is not None:
        alpha = check_number(alpha, "alpha", low=0.0, low_open=True)
    if reference is not None:
        if expansion:
            raise ValueError("reference is for spectral transforms; a random expansion is fitted fold by fold")
        reference = pool_features(reference)
        if reference.shape[1] != X.shape[1]:
            raise ValueError(f"reference has {reference.shape[1]} units but X has {X.shape[1]}")
    folds = kfold_indices(n, n_folds, seed)
    Y = np.nanmean(trials, axis=2)
    ridge = dict(alphas=alpha, device=device, progress=False)

    rng_f, rng_r = np.random.default_rng(seed), np.random.default_rng(seed)
    rho_t = np.stack([split_half_reliability(trials, 1, rng_f, "pearson", "balanced", return_splits=True)[0]
                      for _ in range(n_splits)])
    halves = [split_halves(trials, rng_r, "balanced") for _ in range(n_splits)] if reverse else []

    n_units = transform.n_features if expansion else X.shape[1]
    if expansion or not reverse:
        units, n_constant = np.arange(0), 0
    else:
        units, n_constant = _reverse_units(X, max_reverse_units, seed)
    pred_f = np.empty_like(Y)
    total = float(((Y - Y.mean(0)) ** 2).sum())
    err_all, err_test, prs, prs_train, ranks = [], 0.0, [], [], []
    T = pa = pb = pred_r = None
    _cache = {} if _cache is None else _cache
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*constant target", category=UserWarning)
        for f, (tr, te) in enumerate(folds):
            if expansion:
                fit = transform.fit(X[tr])
                C = np.empty((n, n_units))
                C[tr], C[te] = fit.train_values(), fit.values(X[te])
            elif reference is not None:
                key = ("reference", transform.rtol)
                if key not in _cache:
                    base = SpectralTransform(rtol=transform.rtol).fit(reference)
                    _cache[key] = (base, base.coordinates(X))
                base, coords = _cache[key]
                if transform.is_identity:
                    if ("identity",) not in _cache:
                        _cache[("identity",)] = modes(X).compact()
                    ident = _cache[("identity",)]
                fit = base.refit(transform)
                C = ident if transform.is_identity else coords * fit.factors
                prs_train.append(fit.participation_ratio())
                ranks.append(ident.shape[1] if transform.is_identity else int(np.sum(fit.new_s > 0)))
            else:
                key = (n_folds, seed, f, transform.rtol)
                if key not in _cache:
                    base = SpectralTransform(rtol=transform.rtol).fit(X[tr])
                    coords = np.empty((n, base.rank))
                    coords[tr], coords[te] = base.train_coordinates(), base.coordinates(X[te])
                    _cache[key] = (base, coords)
                base, coords = _cache[key]
                fit = base.refit(transform)
                C = coords * fit.factors
                prs_train.append(fit.participation_ratio())
                ranks.append(int(np.sum(fit.new_s > 0)))
            if f == 0 and not expansion and transform.is_identity:
                prs.append(participation_ratio(X))  # the identity keeps what lies outside the span
            elif expansion or not transform.is_identity:
                prs.append(participation_ratio(C))
            res = cv_ridge(C, Y, folds=[(tr, te)], return_weights=True, **ridge)
            pred_f[te] = res.predictions[te]
            full = C @ res.coef[0] + res.intercept[0]
            err_all.append(float(((Y - full) ** 2).sum()) / total)
            err_test += float(((Y[te] - full[te]) ** 2).sum())
            if not reverse:
                continue
            if expansion:
                if f == 0:
                    units, n_constant = _reverse_units(C, max_reverse_units, seed)
                Tf = C[:, units]
            else:
                Tf = X[:, units] if transform.is_identity else fit.mean[units] + C @ fit.basis[units].T
            if T is None:
                T, pred_r = np.empty_like(Tf), np.empty_like(Tf)
                pa, pb = np.empty((n_splits, *Tf.shape)), np.empty((n_splits, *Tf.shape))
            T[te] = Tf[te]
            pred_r[te] = cv_ridge(Y, Tf, folds=[(tr, te)], **ridge).predictions[te]
            for i, (a, b) in enumerate(halves):
                pa[i, te] = cv_ridge(a, Tf, folds=[(tr, te)], **ridge).predictions[te]
                pb[i, te] = cv_ridge(b, Tf, folds=[(tr, te)], **ridge).predictions[te]

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r_f, r2_f = _pearson_r2(pred_f, Y)
        fwd_ev = explained_variance(r_f, noise_ceiling(rho_t, np.ones_like(rho_t), min_reliability=0.0))
        if reverse:
            r_r, r2_r = _pearson_r2(pred_r, T)
            rho_p = np.stack([prediction_reliability(pa[i], pb[i]) for i in range(n_splits)])
            rev_ev = explained_variance(r_r, noise_ceiling(np.ones_like(rho_p), rho_p, min_reliability=0.0))
        else:
            r2_r = rev_ev = np.empty(0)
    return TransformedScores(transform, alpha, fwd_ev, r2_f, rev_ev, r2_r, units,
                             pr_test=float(np.mean(prs)),
                             pr_train=float(np.mean(prs_train)) if prs_train else np.nan,
                             rank=float(np.mean(ranks)) if ranks else np.nan, n_units=int(n_units),
                             n_constant_units=int(n_constant), error_all=float(np.mean(err_all)),
                             error_test=err_test / total, folds=tuple(folds))


def sweep_transforms(exponents=(0.0, 0.5, 1.0, 1.5, 2.0, 3.0), truncations=(), reversed_order=True) -> list:
    """The transforms of the causal sweep: the identity, power laws (exponent 0 is
    whitening), PCA truncations, and (``reversed_order``) the layer's own eigenvalues
    handed to its eigenvectors in reverse order."""
    out = [SpectralTransform()]
    out += [SpectralTransform("whiten") if float(a) == 0 else SpectralTransform("power law", exponent=a)
            for a in exponents]
    out += [SpectralTransform("truncate", n_components=k) for k in truncations]
    if reversed_order:
        out.append(SpectralTransform(reverse_order=True))
    return out


def spectrum_sweep(X, trials, transforms=None, alphas=None, progress=None, **score_options):
    """The causal test: hold one layer fixed and change only its spectrum, fold by fold.

    Scores ``X`` under every transform of ``transforms`` (default
    :func:`sweep_transforms` ``()``) with every ridge penalty of ``alphas`` (a dict
    name → alpha; default ``{"tuned": None, "fixed": PUBLISHED_ALPHA}``), all through
    :func:`transformed_scores` on the same recordings, folds and splits.

    Returns
    -------
    ``(table, scores)``: a DataFrame with one row per (alpha, transform) — ``alpha``
    (the name), ``kind``, ``parameter`` (exponent / components; NaN otherwise),
    ``reverse_order`` and the columns of :meth:`TransformedScores.row` — and the list of
    :class:`TransformedScores` in the same order (per-neuron EVs for paired intervals).
    """
    from tqdm.auto import tqdm

    transforms = sweep_transforms() if transforms is None else list(transforms)
    alphas = {"tuned": None, "fixed": PUBLISHED_ALPHA} if alphas is None else dict(alphas)
    jobs = [(name, a, t) for name, a in alphas.items() for t in transforms]
    rows, scores, cache = [], [], {}
    score_options.setdefault("_cache", cache)
    for name, a, t in tqdm(jobs, desc="spectrum sweep",
                           disable=not (progress if progress is not None else len(jobs) > 8)):
        sc = transformed_scores(X, trials, t, alpha=a, **score_options)
        scores.append(sc)
        parameter = t.exponent if t.kind == "power law" else (
            t.n_components if t.kind == "truncate" else (0.0 if t.kind == "whiten" else np.nan))
        rows.append(dict(alpha=name, kind=t.kind, parameter=parameter, reverse_order=t.reverse_order,
                         **sc.row()))
    return pd.DataFrame(rows), scores


def theory_for_transforms(X, Y, transforms, p, alpha) -> pd.DataFrame:
    """The spectral theory's error for each transformed spectrum, weights held fixed.

    Eigenvalues ``λᵢ`` and target weights ``Wᵢ`` of ``X`` and ``Y`` (trial means) on
    all stimuli (:func:`bothways.spectral.spectrum`); each transform replaces the
    eigenvalues by its own (:meth:`~bothways.dimensionality.SpectralTransform.values_for`
    of ``√λ``, same order rules) and keeps the weights — the eigenvectors do not change
    — and :func:`bothways.spectral.theory_error` gives ``E_g`` (normalised error over
    all stimuli) for ``p`` training stimuli and ridge ``alpha``: the prediction to set
    beside :attr:`TransformedScores.error_all`.

    Returns a DataFrame with ``transform`` (label), ``pr`` (PR of the spectrum),
    ``theory_error``, ``kappa``.
    """
    from bothways.spectral import spectrum, theory_error

    sp = spectrum(X, Y)
    lam = sp.eigenvalues
    r = int(np.sum(lam > 0))
    rows = []
    for t in transforms:
        if isinstance(t, RandomExpansion):
            raise TypeError("theory_for_transforms takes spectral transforms only")
        new = np.zeros_like(lam)
        new[:r] = t.values_for(np.sqrt(lam[:r])) ** 2
        th = theory_error(new, sp.weights, p, alpha)
        rows.append(dict(transform=t.label, pr=float(new.sum() ** 2 / (new ** 2).sum()),
                         theory_error=th.eg, kappa=th.kappa))
    return pd.DataFrame(rows)


def planted_population(n_stimuli=256, n_units=400, n_neurons=40, n_repeats=8, exponent=1.0,
                       n_signal=10, noise=1.0, seed=0):
    """A representation and neurons whose answer we planted (the chapter's controls).

    ``X`` (stimuli, units): Gaussian latents with variances ``i^(−exponent)``, rotated
    into ``n_units`` units. The neurons' noiseless rates are random combinations of the
    **top** ``n_signal`` latents (the representation's largest directions); trials add
    Poisson-like noise (:func:`bothways.simulate.add_trial_noise`, ``noise`` times the
    signal variance). Reversing the eigenvalue order moves the variance away from the
    directions that carry the signal, so at a fixed small penalty forward EV must fall;
    the theory predicts by how much.

    Returns ``(X, trials, signal)`` with ``signal`` the (stimuli, neurons) rates.
    """
    from bothways.simulate import add_trial_noise

    rng = np.random.default_rng(seed)
    k = min(n_stimuli, n_units)
    Z = rng.standard_normal((n_stimuli, k)) * np.arange(1, k + 1) ** (-exponent / 2)
    Q = np.linalg.qr(rng.standard_normal((n_units, k)))[0]
    X = Z @ Q.T
    W = rng.standard_normal((n_signal, n_neurons))
    signal = Z[:, :n_signal] / Z[:, :n_signal].std(0) @ W
    signal = 5.0 + signal / signal.std(0)
    trials, _ = add_trial_noise(signal, n_repeats, noise, seed=rng)
    return X, trials, signal


# ------------------------------------------------------------------- the zoo
def _layers(model, spec) -> tuple:
    """Resolve a layer spec: "all", "v4", "it" (the model's candidate layers) or names."""
    named = {"all": model.layers, "v4": model.v4_layers, "it": model.it_layers}
    if isinstance(spec, str):
        if spec not in named:
            raise ValueError(f"layer spec must be 'all', 'v4', 'it' or a list of layer names, got {spec!r}")
        return tuple(named[spec])
    return tuple(spec)


def zoo_plan(models=None, untrained=None, baselines=()) -> list:
    """The (model name, pretrained, layer spec, group) entries a sweep will visit.

    ``models`` / ``untrained``: dicts ``{name: layer spec}`` (layer spec "all", "v4",
    "it" or a list of layer names; see :func:`bothways.models.get_model`); ``baselines``:
    names of the baselines ("pixels", "random-projection"), all their layers.
    """
    plan = [(n, True, spec, "trained") for n, spec in (models or {}).items()]
    plan += [(n, False, spec, "untrained") for n, spec in (untrained or {}).items()]
    plan += [(n, False, "all", "baseline") for n in baselines]
    return plan


def sweep_zoo(images, trials, models=None, untrained=None, baselines=(), reference_images=None,
              controls=None, seed: int = 0, device=None, progress=None, **score_options) -> pd.DataFrame:
    """Dimensionality and both directions of predictivity for every layer of a model zoo.

    For each network of :func:`zoo_plan` and each of its layers: the un-pooled features
    on ``images`` (the recorded stimuli) give the Muzellec & Kar participation ratio
    (``pr_test``) and forward/reverse predictivity (:func:`score_representation`); the
    globally max-pooled features on ``reference_images`` (a separate image set) give the
    Elmoznino & Bonner participation ratio (``pr_pooled``; NaN without
    ``reference_images``). Features come from :func:`bothways.models.extract_features`
    (cached on disk).

    ``controls``: networks whose dimensionality we set ourselves, all built on one
    layer: ``dict(model=name, layer=name, expansions=[n_features, ...],
    truncations=[k, ...], whiten=True)`` — random ReLU expansions
    (:class:`~bothways.dimensionality.RandomExpansion`), PCA truncations and whitening
    of that layer's features, each estimated on the training images of every fold
    (:func:`transformed_scores`). Their ``pr_pooled`` is NaN (they have no spatial maps
    to pool); ``pr_train`` is the PR of their transformed training images.

    Parameters
    ----------
    images : uint8 (stimuli, H, W, 3), the recorded stimuli, in the order of ``trials``.
    trials : (stimuli, neurons, repeats) recordings.
    seed : seeds untrained weights, random projections and expansions, and scoring.
    device : feature extraction and ridge device (None: CUDA if available).
    **score_options : passed to :func:`score_representation`.

    Returns
    -------
    DataFrame, one row per representation: ``model``, ``layer``, ``group`` ("trained",
    "untrained", "baseline", "set by us"), ``transform`` ("" for a network as it is),
    ``pr_pooled`` and the columns of :func:`score_representation`.
    """
    from tqdm.auto import tqdm

    from bothways.models import extract_features, get_model

    images = np.asarray(images)
    trials = as_trials(trials, "trials")
    if len(images) != trials.shape[0]:
        raise ValueError(f"{len(images)} images but trials has {trials.shape[0]} stimuli")
    jobs = []
    for name, pretrained, spec, group in zoo_plan(models, untrained, baselines):
        zm = get_model(name, pretrained=pretrained, seed=seed)
        jobs += [(zm, layer, group) for layer in _layers(zm, spec)]
    if controls:
        jobs.append(("controls", controls, "set by us"))
    show = progress if progress is not None else True
    score_options = dict(seed=seed, **score_options)
    if device is not None:
        score_options["device"] = device
    rows = []
    for zm, layer, group in tqdm(jobs, desc="zoo", disable=not show):
        if group == "set by us":
            rows += _control_rows(images, trials, layer, seed, device, score_options)
            continue
        X = extract_features(zm, images, layer, device=device, progress=False).values
        pooled = np.nan
        if reference_images is not None:
            R = extract_features(zm, reference_images, layer, pool="max", device=device, progress=False).values
            pooled = participation_ratio(R)
        rows.append(dict(model=zm.name, layer=layer, group=group, transform="", pr_pooled=pooled,
                         **score_representation(X, trials, **score_options)))
    return pd.DataFrame(rows)


def _control_rows(images, trials, controls, seed, device, score_options) -> list:
    from bothways.models import extract_features, get_model

    unknown = set(controls) - {"model", "layer", "expansions", "truncations", "whiten"}
    if unknown or not {"model", "layer"} <= set(controls):
        raise ValueError(f"controls needs 'model' and 'layer' (and optionally 'expansions', "
                         f"'truncations', 'whiten'); got keys {sorted(controls)}")
    zm = get_model(controls["model"])
    X = extract_features(zm, images, controls["layer"], device=device, progress=False).values
    base = dict(model=zm.name, layer=controls["layer"], group="set by us", pr_pooled=np.nan)
    transforms = [RandomExpansion(int(k), seed=seed) for k in controls.get("expansions", ())]
    transforms += [SpectralTransform("truncate", n_components=k) for k in controls.get("truncations", ())]
    if controls.get("whiten", False):
        transforms.append(SpectralTransform("whiten"))
    opts = {k: v for k, v in score_options.items() if k in ("n_splits", "n_folds", "seed", "max_reverse_units")}
    rows = []
    for t in transforms:
        row = transformed_scores(X, trials, t, device=device, **opts).row()
        row.pop("error_all"), row.pop("error_test")
        rows.append(dict(base, **row))
    return rows
