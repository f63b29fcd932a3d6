"""Chapter 3 recipe: does effective dimensionality drive forward up and reverse down?

Muzellec & Kar (2026) report, across 39 networks, that the participation ratio (PR) of
a layer correlates with forward predictivity (Spearman +0.37) and against reverse
predictivity (−0.40); Elmoznino & Bonner (2024) report that encoding performance grows
with log PR. Correlations across networks cannot tell whether the spectrum itself is
the cause, so this module provides both halves of the chapter:

- the **across-network** half: :func:`fit_log_pr` (a straight line of a score on
  ``log10 PR`` with bootstrap confidence intervals) and :func:`spearman_table`
  (Spearman correlations with bootstrap CIs, next to the published ones);
- the **causal** half: :func:`score_representation` and :func:`spectrum_sweep` score
  a layer in both directions after transformations that change its spectrum and
  nothing else (:mod:`bothways.dimensionality`: :func:`~bothways.dimensionality.reshape_spectrum`,
  :func:`~bothways.dimensionality.truncate_spectrum`, :func:`~bothways.dimensionality.whiten`)
  or build a wider layer on top of it (:func:`~bothways.dimensionality.random_expansion`),
  all on the same recordings; :func:`sweep_zoo` does it for every layer of a zoo.

All regression goes through :func:`bothways.predictivity.predictivity` (and so
:func:`bothways.ridge.cv_ridge`); all dimensionality through
:mod:`bothways.dimensionality`. Representations are ``(stimuli, units)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from bothways._validation import as_trials, as_vector, check_int, check_number
from bothways.dimensionality import (modes, participation_ratio, powerlaw_values, random_expansion,
                                     truncated_values)
from bothways.stats import pearson_columns, percentile_interval

__all__ = ["PAPER_SPEARMAN", "LogFit", "fit_log_pr", "spearman_table", "fit_table",
           "score_representation", "spectrum_sweep", "zoo_plan", "sweep_zoo"]

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
               n_grid: int = 50) -> LogFit:
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
    idx = rng.integers(0, x.size, size=(int(n_boot), x.size))
    xb, yb = x[idx], score[idx]
    xc = xb - xb.mean(1, keepdims=True)
    sxx = (xc ** 2).sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        b_slope = np.where(sxx > 0, (xc * (yb - yb.mean(1, keepdims=True))).sum(1) / sxx, np.nan)
    b_inter = yb.mean(1) - b_slope * xb.mean(1)
    b_r2 = pearson_columns(xb, yb, axis=1) ** 2
    b_rho = pearson_columns(stats.rankdata(xb, axis=1), stats.rankdata(yb, axis=1), axis=1)

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


def spearman_table(table: pd.DataFrame, dims=("pr_test", "pr_pooled"),
                   scores=("forward_ev", "reverse_ev"), n_boot: int = 2000,
                   level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """Spearman correlations of each dimensionality column with each score column.

    Parameters
    ----------
    table : one row per network/layer, with the columns named in ``dims`` and ``scores``.
        Rows with NaN in either column of a pair are left out *of that pair* and the
        count used is reported (``n``).
    dims, scores : column names. A score column whose name starts with ``forward`` /
        ``reverse`` gets the published value (:data:`PAPER_SPEARMAN`) beside it.

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
            sub = sub[np.isfinite(sub[d]) & np.isfinite(sub[s])]
            if len(sub) < 3:
                raise ValueError(f"fewer than 3 rows with finite {d!r} and {s!r}")
            fit = fit_log_pr(sub[d], sub[s], n_boot=n_boot, level=level,
                             seed=seed, n_grid=2)
            direction = s.split("_")[0]
            rows.append(dict(dimensionality=d, score=s, rho=fit.spearman, ci_low=fit.spearman_ci[0],
                             ci_high=fit.spearman_ci[1], p_value=fit.spearman_p, n=fit.n,
                             paper=PAPER_SPEARMAN.get(direction, np.nan)))
    return pd.DataFrame(rows)


def fit_table(table: pd.DataFrame, dims=("pr_test", "pr_pooled"),
              scores=("forward_r2", "forward_ev", "reverse_ev"), n_boot: int = 2000,
              level: float = 0.95, seed: int = 0) -> pd.DataFrame:
    """:func:`fit_log_pr` for every (dimensionality column, score column) pair of ``table``.

    Rows with NaN in either column of a pair are left out of that pair (``n`` says how
    many remain). Returns a DataFrame with columns ``dimensionality, score, slope,
    slope_low, slope_high, intercept, intercept_low, intercept_high, r2, r2_low,
    r2_high, n`` (slope in score units per decade of PR).
    """
    missing = [c for c in (*dims, *scores) if c not in table.columns]
    if missing:
        raise ValueError(f"table lacks column(s) {missing}")
    rows = []
    for d in dims:
        for s in scores:
            sub = table[[d, s]].astype(float).dropna()
            f = fit_log_pr(sub[d], sub[s], n_boot=n_boot, level=level, seed=seed, n_grid=2)
            rows.append(dict(dimensionality=d, score=s, slope=f.slope, slope_low=f.slope_ci[0],
                             slope_high=f.slope_ci[1], intercept=f.intercept,
                             intercept_low=f.intercept_ci[0], intercept_high=f.intercept_ci[1],
                             r2=f.r2, r2_low=f.r2_ci[0], r2_high=f.r2_ci[1], n=f.n))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------- scoring
#: Unit variance below this fraction of the largest counts as constant (not scored in reverse).
CONSTANT_RTOL = 1e-12


def score_representation(X, trials, *, s=None, n_splits: int = 5, n_folds: int = 10,
                         max_reverse_units: int | None = 1000, seed: int = 0,
                         method: str = "default", rtol: float = 1e-10, **ridge_options) -> dict:
    """Participation ratio and both directions of predictivity of one representation.

    Parameters
    ----------
    X : (stimuli, units) features on the recorded stimuli, or their
        :class:`~bothways.dimensionality.Modes`.
    trials : (stimuli, neurons, repeats) recordings, NaN for missing repeats.
    s : optional (rank,) singular values replacing ``X``'s own (a transform from this
        module: :func:`~bothways.dimensionality.powerlaw_values`,
        :func:`~bothways.dimensionality.truncated_values`).
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

    Forward predictivity is computed from :meth:`~bothways.dimensionality.Modes.compact`: the same centred Gram
    and, since it keeps ``min(stimuli, units)`` columns, the same data-scaled alpha grid
    — hence the same ridge predictions as from the features themselves, at a fraction
    of the cost. (For a rank-deficient representation, round-off can tip the inner
    alpha choice of a few targets between two grid values with nearly equal
    inner-CV error.)
    """
    from bothways.predictivity import predictivity

    m = modes(X, rtol)
    trials = as_trials(trials, "trials")
    if trials.shape[0] != m.shape[0]:
        raise ValueError(f"X has {m.shape[0]} stimuli but trials has {trials.shape[0]}")
    s = m.s if s is None else m._check(s)
    opts = dict(method=method, n_splits=n_splits, seed=seed, n_boot=0, match_to=None,
                progress=False, **ridge_options)
    if method == "default":
        opts["n_folds"] = n_folds
    fwd = predictivity(m.compact(s), trials, **opts)

    var = m.unit_variances(s)
    live = np.flatnonzero(var > CONSTANT_RTOL * var.max())
    n_constant = m.shape[1] - live.size
    rng = np.random.default_rng(seed)
    if max_reverse_units is not None and live.size > int(max_reverse_units):
        live = np.sort(rng.choice(live, size=int(max_reverse_units), replace=False))
    rev = predictivity(trials, m.values(s, live), **opts)
    return dict(n_units=m.shape[1], rank=int(np.sum(s > 0)), pr_test=m.participation_ratio(s),
                forward_ev=float(fwd.summary["median_ev"]),
                forward_r2=float(np.nanmedian(fwd.per_target["cv_r2"])),
                reverse_ev=float(rev.summary["median_ev"]),
                reverse_r2=float(np.nanmedian(rev.per_target["cv_r2"])),
                n_reverse_units=int(live.size), n_constant_units=int(n_constant),
                n_nan_forward=int(fwd.summary["n_nan"]), n_nan_reverse=int(rev.summary["n_nan"]))


def spectrum_sweep(X, trials, exponents=(0.0, 0.5, 1.0, 1.5, 2.0, 3.0), truncations=(),
                   progress=None, rtol: float = 1e-10, **score_options) -> pd.DataFrame:
    """The causal test: hold one layer fixed and change only its spectrum.

    Scores ``X`` itself, then ``X`` with its eigenvalues set to ``λᵢ ∝ i^(−a)`` for every
    ``a`` in ``exponents`` (:func:`~bothways.dimensionality.reshape_spectrum`: same eigenvectors, same total
    variance; ``a = 0`` is whitening), then its top-``k`` PCA truncations for every ``k``
    in ``truncations`` (:func:`~bothways.dimensionality.truncate_spectrum`), all on the same recordings with the
    same folds and splits.

    Parameters
    ----------
    X : (stimuli, units) features, or their :class:`~bothways.dimensionality.Modes`.
    trials : (stimuli, neurons, repeats).
    **score_options : passed to :func:`score_representation`.

    Returns
    -------
    DataFrame, one row per representation: ``transform`` ("original", "power law",
    "PCA truncation"), ``parameter`` (exponent or number of components; NaN for the
    original) and the columns of :func:`score_representation`.
    """
    from tqdm.auto import tqdm

    m = modes(X, rtol)
    jobs = [("original", np.nan, m.s)]
    jobs += [("power law", float(a), powerlaw_values(a, m)) for a in exponents]
    jobs += [("PCA truncation", float(k), truncated_values(k, m)) for k in truncations]
    rows = []
    for transform, parameter, s in tqdm(jobs, desc="spectrum sweep",
                                        disable=not (progress if progress is not None else len(jobs) > 4)):
        rows.append(dict(transform=transform, parameter=parameter,
                         **score_representation(m, trials, s=s, **score_options)))
    return pd.DataFrame(rows)


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
    (:func:`~bothways.dimensionality.random_expansion`), PCA truncations and whitening of that layer's features
    on ``images``. Their ``pr_pooled`` is NaN (they have no spatial maps to pool).

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
    m = modes(extract_features(zm, images, controls["layer"], device=device, progress=False).values)
    base = dict(model=zm.name, layer=controls["layer"], group="set by us", pr_pooled=np.nan)
    rows = [dict(base, transform=f"random ReLU expansion to {n} units",
                 **score_representation(random_expansion(m, n, seed=seed), trials, **score_options))
            for n in controls.get("expansions", ())]
    rows += [dict(base, transform=f"PCA truncation to {k} components",
                  **score_representation(m, trials, s=truncated_values(k, m), **score_options))
             for k in controls.get("truncations", ())]
    if controls.get("whiten", False):
        rows.append(dict(base, transform="whitened",
                         **score_representation(m, trials, s=powerlaw_values(0.0, m), **score_options)))
    return rows
