"""Forward, reverse, animal-to-animal and model-to-model predictivity with noise ceilings.

One function, :func:`predictivity`, maps a **source** onto a **target** by
cross-validated ridge regression (:func:`bothways.ridge.cv_ridge`, the project's only
regression code) and scores every target column by its noise-corrected explained
variance

    EV = 100 · r² / (ρ_target · ρ_prediction)                      (percent)

(Kar et al. 2019; Muzellec & Kar, Nat Mach Intell 2026). Either side is a *model*
(stimuli, units), taken as noiseless, or *recordings* (stimuli, neurons, repeats), NaN
where a stimulus has fewer repeats. The direction follows from the shapes:

============  ============  ====================
source        target        direction
============  ============  ====================
model         recordings    ``"forward"``
recordings    model         ``"reverse"``
recordings    recordings    ``"animal_to_animal"``
model         model         ``"model_to_model"``
============  ============  ====================

- ``r``: Pearson correlation over stimuli between the held-out prediction (each
  stimulus predicted once, from the fold that held it out) and the trial-averaged
  target.
- ``ρ_target`` (target reliability): split the target's repeats into two halves,
  correlate the half-means over stimuli, Spearman–Brown correct ``2ρ/(1+ρ)``; 1 for a
  model target.
- ``ρ_prediction`` (prediction reliability): when the source is noisy, predict the
  target once from each half of the source's repeats (same folds, same ridge
  options) and Spearman–Brown correct the Pearson correlation of the two held-out
  predictions; 1 for a model source (but see ``method="muzellec_kar"``).

Two methods, see :func:`predictivity`: ``"default"`` (alpha chosen per target inside
the training folds, Pearson reliabilities averaged over seeded splits, matched
target counts for reverse predictivity) and ``"muzellec_kar"`` (the published
procedure, reproduced step by step).
"""
from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.stats import median_abs_deviation, rankdata

from bothways._validation import (as_matrix, as_trials, check_choice, check_int, check_number,
                                  check_same_stimuli, numeric_array, responses_of)
from bothways.config import MUZELLEC_KAR_ALPHA

__all__ = ["PredictivityResult", "BothWays", "predictivity", "both_ways", "label_units",
           "split_half_means", "split_half_reliability", "spearman_brown",
           "muzellec_kar_folds", "METHODS", "DIRECTIONS"]

METHODS = ("default", "muzellec_kar")
DIRECTIONS = {(False, True): "forward", (True, False): "reverse",
              (True, True): "animal_to_animal", (False, False): "model_to_model"}
#: A ceiling ρ_target·ρ_prediction below this is kept but counted as "small" (EV ≥ 10 r²·100).
SMALL_CEILING = 0.1
#: Bound on the bootstrap temporaries (floats) per block.
_BOOT_FLOATS = 2_000_000
#: Bound on the stacked target halves of one batched ridge call (floats).
_BATCH_FLOATS = 30_000_000


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class PredictivityResult:
    """Result of :func:`predictivity`.

    Attributes
    ----------
    per_target : DataFrame, one row per target (index ``target``), columns
        ``r`` (Pearson, held-out prediction vs trial-averaged target), ``r2`` (= r²),
        ``ev`` (noise-corrected explained variance, %, NaN where undefined),
        ``target_reliability``, ``prediction_reliability`` (Spearman–Brown corrected,
        averaged over the splits), ``ceiling`` (their product; ``"muzellec_kar"``
        averages the per-repetition EVs instead, so there ``ev`` differs slightly from
        ``100·r2/ceiling``), ``alpha`` (median over
        folds of the ridge alpha used), ``alpha_on_edge``, ``cv_r2`` (held-out
        coefficient of determination from :func:`~bothways.ridge.cv_ridge`),
        ``ev_over_100`` (bool) and ``nan_reason`` ("" where EV is defined).
    summary : dict with ``median_ev``, ``mean_ev``, ``mad_ev`` (median absolute
        deviation, unscaled), ``ci_low``/``ci_high`` (bootstrap CI over stimuli of the
        median EV), ``mean_ci_low``/``mean_ci_high`` (same for the mean), counts
        ``n_targets``, ``n_valid``, ``n_nan``, ``n_nan_reliability``, ``n_nan_r``,
        ``n_ev_over_100``, ``n_small_ceiling`` (defined EVs whose ceiling is below
        ``SMALL_CEILING`` = 0.1); ``median_target_reliability``,
        ``median_prediction_reliability``; the matched-count fields
        ``match_to``, ``mean_ev_matched``, ``median_ev_matched``,
        ``mean_ev_matched_sd`` (NaN/None without matching); and ``direction``,
        ``method``, ``n_splits``, ``n_boot``, ``ci_level``.
    direction, method : see :func:`predictivity`.
    predictions : (stimuli, targets) held-out predictions from the full source.
    folds : the (train, test) index pairs used by every fit.
    target_reliability_splits, prediction_reliability_splits : (n_splits, targets)
        Spearman–Brown corrected reliabilities of each split (ones for noiseless sides).
    ev_repetitions : (n_splits, targets) EV of each repetition (``muzellec_kar``
        averages these; ``None`` for ``default``).
    matched : DataFrame (one row per draw: ``mean_ev``, ``median_ev``, ``n_nan``) of the
        random target subsets of size ``match_to``; ``None`` without matching.
    bootstrap : DataFrame (one row per bootstrap sample: ``median_ev``, ``mean_ev``).
    """

    per_target: pd.DataFrame
    summary: dict
    direction: str
    method: str
    predictions: np.ndarray = field(repr=False)
    folds: tuple = field(repr=False)
    target_reliability_splits: np.ndarray = field(repr=False)
    prediction_reliability_splits: np.ndarray = field(repr=False)
    ev_repetitions: np.ndarray | None = field(default=None, repr=False)
    matched: pd.DataFrame | None = field(default=None, repr=False)
    bootstrap: pd.DataFrame | None = field(default=None, repr=False)


@dataclass(frozen=True, eq=False)
class BothWays:
    """``a → b`` and ``b → a`` (:func:`both_ways`); ``summary`` has one row per direction."""

    a_to_b: PredictivityResult
    b_to_a: PredictivityResult

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"a_to_b": self.a_to_b.summary, "b_to_a": self.b_to_a.summary}).T


# --------------------------------------------------------------------------- input
def _side(name, A):
    """-> (float64 array, noisy: bool). Validates a model (2-D) or recordings (3-D, or a
    Recording: its trials, or its mean — noiseless — where it has no single trials)."""
    A = numeric_array(responses_of(A), name)
    if A.ndim == 2:
        return as_matrix(A, name, what="(stimuli, units)"), False
    if A.ndim != 3:
        raise ValueError(f"{name} must be a model (stimuli, units) or recordings "
                         f"(stimuli, neurons, repeats), got shape {A.shape}")
    return as_trials(A, name, min_repeats=2), True


def _mean(A, noisy):
    return np.nanmean(A, axis=2) if noisy else A


# --------------------------------------------------------------------------- reliability
def spearman_brown(r, factor=2.0):
    """Spearman–Brown prophecy ``k·r / (1 + (k−1)·r)`` (Spearman 1910; Brown 1910).

    With ``factor=2`` it turns a split-half correlation into the reliability of the
    full set of repeats. Array in, array out; NaN stays NaN.
    """
    r = np.asarray(r, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return factor * r / (1.0 + (factor - 1.0) * r)


def _colcorr(a, b, kind="pearson"):
    """Per-column correlation over rows; NaN for constant (or NaN-containing) columns."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if kind == "spearman":
        a = rankdata(a, axis=0, nan_policy="propagate")
        b = rankdata(b, axis=0, nan_policy="propagate")
    a = a - a.mean(axis=0)
    b = b - b.mean(axis=0)
    den = np.sqrt((a * a).sum(axis=0) * (b * b).sum(axis=0))
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (a * b).sum(axis=0) / den
    return np.where(den > 0, r, np.nan)


def split_half_means(trials, rng, scheme="balanced"):
    """Split the repeats of ``trials`` in two at random and return both half-means.

    Parameters
    ----------
    trials : (stimuli, neurons, repeats), NaN for missing repeats.
    rng : ``numpy.random.Generator`` (or a seed).
    scheme : ``"balanced"`` — for every stimulus its *present* repeats are shuffled
        and split into halves of ``⌊m/2⌋`` and ``⌈m/2⌉`` (the same shuffle for all
        neurons whose repeats are present alike, keeping simultaneous trials
        together), so no half is ever empty when ``m ≥ 2``. ``"permutation"`` — the
        published scheme (Muzellec & Kar): one permutation of the repeat axis for all
        stimuli and neurons, the first ``⌈R/2⌉`` positions form half A; half-means are
        ``nanmean`` and are NaN where a half holds no present repeat.

    Returns
    -------
    (half_a, half_b), each (stimuli, neurons).
    """
    rng = np.random.default_rng(rng)
    X = np.asarray(trials, dtype=np.float64)
    n, q, R = X.shape
    if scheme == "permutation":
        perm = rng.permutation(R)
        cut = math.ceil(R / 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN half -> NaN, by design
            return np.nanmean(X[:, :, perm[:cut]], axis=2), np.nanmean(X[:, :, perm[cut:]], axis=2)
    if scheme != "balanced":
        raise ValueError(f"scheme must be 'balanced' or 'permutation', got {scheme!r}")
    valid = ~np.isnan(X)
    X0 = np.where(valid, X, 0.0)
    keys = rng.random((n, R))
    if np.all(valid == valid[:, :1, :]):  # same repeats present for every neuron
        v = valid[:, 0, :]
        k = np.where(v, keys, np.inf)
        rank = np.argsort(np.argsort(k, axis=1), axis=1)
        in_a = rank < (v.sum(axis=1) // 2)[:, None]
        in_b = v & ~in_a
        mean_a = np.einsum("nqr,nr->nq", X0, in_a.astype(float)) / in_a.sum(axis=1)[:, None]
        mean_b = np.einsum("nqr,nr->nq", X0, in_b.astype(float)) / in_b.sum(axis=1)[:, None]
        return mean_a, mean_b
    k = np.where(valid, keys[:, None, :], np.inf)
    rank = np.argsort(np.argsort(k, axis=2), axis=2)
    in_a = rank < (valid.sum(axis=2) // 2)[:, :, None]
    in_b = valid & ~in_a
    return (X0 * in_a).sum(axis=2) / in_a.sum(axis=2), (X0 * in_b).sum(axis=2) / in_b.sum(axis=2)


def split_half_reliability(trials, n_splits=20, seed=0, correlation="pearson",
                           scheme="balanced", return_splits=False):
    """Spearman–Brown corrected split-half reliability of each neuron, over stimuli.

    For each of ``n_splits`` random splits (:func:`split_half_means`, seeded by
    ``seed``) correlate the two half-means over stimuli (``"pearson"`` or
    ``"spearman"``) and apply :func:`spearman_brown`; return the average over splits
    (or, with ``return_splits=True``, the (n_splits, neurons) array). Dimensionless,
    at most 1; NaN for a neuron whose half-means are constant.
    """
    T = as_trials(trials, "trials", min_repeats=2)
    check_choice(correlation, "correlation", ("pearson", "spearman"))
    n_splits = check_int(n_splits, "n_splits", minimum=1)
    rng = np.random.default_rng(seed)
    rel = np.stack([spearman_brown(_colcorr(*split_half_means(T, rng, scheme), correlation))
                    for _ in range(n_splits)])
    return rel if return_splits else rel.mean(axis=0)


# --------------------------------------------------------------------------- folds
def muzellec_kar_folds(n, n_folds=10, seed=0):
    """The published folds: one permutation of ``range(n)`` (legacy ``np.random.seed``
    semantics through ``RandomState(seed)``), cut into ``n_folds`` contiguous chunks
    with ``np.array_split``; each chunk is a test fold, the rest trains. Returns a list
    of ``(train_idx, test_idx)``.
    """
    if n_folds > n:
        raise ValueError(f"more folds ({n_folds}) than stimuli ({n})")
    perm = np.random.RandomState(seed).permutation(n)
    chunks = np.array_split(perm, n_folds)
    return [(perm[~np.isin(perm, c)], c) for c in chunks]


# --------------------------------------------------------------------------- helpers
def _nanstat(f, a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(a, **kw)


def _fit(cv_ridge, X, Y, folds, kw, quiet):
    with warnings.catch_warnings():
        if quiet:  # constant targets are reported once, by the main fit
            warnings.filterwarnings("ignore", message=".*constant target", category=UserWarning)
        return cv_ridge(X, Y, folds=folds, **kw)


def _bootstrap(pred, Y, inv_ceiling, n_boot, seed):
    """Bootstrap over stimuli of the median and mean EV, reliabilities held fixed."""
    ok = np.isfinite(inv_ceiling)
    out = np.full((n_boot, 2), np.nan)
    if n_boot == 0 or not ok.any():
        return out
    pred = np.asarray(pred, dtype=np.float64)
    P = pred[:, ok] - pred[:, ok].mean(axis=0)
    T = Y[:, ok] - Y[:, ok].mean(axis=0)
    c = inv_ceiling[ok]
    n, q = P.shape
    rng = np.random.default_rng([int(seed), 1])
    b_block = max(1, min(n_boot, _BOOT_FLOATS // q))
    t_block = max(1, _BOOT_FLOATS // n)
    for s in range(0, n_boot, b_block):
        W = rng.multinomial(n, np.full(n, 1.0 / n), size=min(b_block, n_boot - s)) / n
        ev = np.empty((W.shape[0], q))
        for t in range(0, q, t_block):
            p, y = P[:, t:t + t_block], T[:, t:t + t_block]
            mp, my = W @ p, W @ y
            sxy, sxx, syy = W @ (p * y) - mp * my, W @ (p * p) - mp ** 2, W @ (y * y) - my ** 2
            with np.errstate(divide="ignore", invalid="ignore"):
                r = sxy / np.sqrt(sxx * syy)
            ev[:, t:t + t_block] = 100.0 * r ** 2 * c[t:t + t_block]
        out[s:s + W.shape[0], 0] = _nanstat(np.nanmedian, ev, axis=1)
        out[s:s + W.shape[0], 1] = _nanstat(np.nanmean, ev, axis=1)
    return out


# --------------------------------------------------------------------------- main
def predictivity(source, target, method="default", n_splits=20, seed=0, *, n_folds=10,
                 folds=None, match_to="auto", min_reliability=0.0, n_boot=1000, ci=0.95,
                 prediction_reliability="source", progress=None,
                 **ridge_options) -> PredictivityResult:
    """Noise-corrected explained variance of every target column predicted from a source.

    Parameters
    ----------
    source, target : a model (stimuli, units), noiseless, or recordings (stimuli,
        neurons, repeats) with NaN for missing repeats; numpy arrays or torch tensors.
        The shapes set the direction (forward, reverse, animal_to_animal,
        model_to_model; see the module docstring). Rows must be the same stimuli.
    method : ``"default"`` or ``"muzellec_kar"`` (below).
    n_splits : repetitions, i.e. random split-halves of the repeats (≥ 1; 20 by
        default; chapters pass ~5 for quick runs — each repetition costs two ridge
        fits when the source is noisy).
    seed : seeds every split-half (and the folds in ``"default"``); results are
        deterministic given ``seed``.
    n_folds, folds : ``"default"`` only: K-fold CV (10 folds by default, shuffled by
        ``seed`` via :func:`bothways.ridge.kfold_indices`) or explicit (train, test)
        pairs. Every fit of one call (full source and each half) uses the same folds.
    match_to : ``"auto"`` (default): for ``"default"`` reverse predictivity, also
        summarise random subsets of as many target units as there are source neurons
        (a new draw every repetition) — ``mean_ev_matched``/``median_ev_matched`` —
        because a mean over 10⁵ units is not comparable with a mean over 50 neurons;
        no matching otherwise (and never for ``"muzellec_kar"``). An int: subsets of
        that size in any direction. ``None``: no matching.
    min_reliability : ``"default"`` only: EV is NaN (counted, with a ``nan_reason``)
        unless both averaged reliabilities exceed this (default 0). Ceilings below
        ``SMALL_CEILING`` (0.1) are kept but counted in ``n_small_ceiling``.
    prediction_reliability : ``"default"`` only. ``"source"`` (default): from the two
        halves of a noisy source; 1 for a model source. ``"either"``: as
        ``"source"``, but a model source predicting noisy recordings (forward) gets
        the reliability of its predictions of the two halves of the *target* (Kar et
        al. 2019; what ``"muzellec_kar"`` does). The target's noise also perturbs the
        fitted weights, which ``"source"`` does not correct. In simulations
        (``bothways.simulate``, trial-mean reliability 0.6–0.67) ``"source"`` left
        forward EV 8–20 points below its noiseless value when model dimensions
        approach the number of stimuli, ``"either"`` 1.5–7 points (and 0–2 points
        above it when they are few). Ignored by ``"muzellec_kar"``.
    n_boot, ci : bootstrap samples over stimuli (0 disables) and CI level. Each sample
        resamples stimuli with replacement and recomputes every target's ``r`` from
        the held-out predictions; the reliabilities stay at their point estimates (so
        the CI reflects stimulus sampling of the numerator, not of the ceiling).
    progress : None (a tqdm bar over repetitions only for long runs), True, False.
    **ridge_options : passed to :func:`bothways.ridge.cv_ridge` (``alphas``,
        ``fit_intercept``, ``device``, ``dtype``, ``inner``, ...). ``alphas=None``
        (default): a data-scaled grid, alpha chosen per target inside each training
        fold.

    Returns
    -------
    :class:`PredictivityResult` (``per_target`` DataFrame, ``summary`` dict, ...).

    Raises
    ------
    ValueError: different numbers of stimuli; a model with NaN/inf; recordings with an
    all-NaN neuron or fewer than 2 repeats for some stimulus and neuron; more folds
    than stimuli; an unknown method; options the method fixes (``alphas``,
    ``fit_intercept``, ``folds``, ``n_folds`` for ``"muzellec_kar"``).
    TypeError: non-numeric input.

    Notes
    -----
    The two methods:

    ``"default"``
        Ridge with per-target alpha chosen inside the training folds; Pearson
        split-half reliabilities averaged over ``n_splits`` seeded splits, each split
        balanced within each stimulus (:func:`split_half_means`); prediction
        reliability from the two source halves (same folds, alpha re-chosen within
        each half's fit); EV from the averaged reliabilities; targets whose
        reliabilities do not exceed ``min_reliability`` get NaN (counted, warned);
        matched-count summaries for reverse predictivity.
    ``"muzellec_kar"``
        The published procedure (Muzellec & Kar 2026, PyPI ``reverse-pred``):

        1. Ridge with **fixed alpha = 0.1** (``bothways.config.MUZELLEC_KAR_ALPHA``) on
           raw, unstandardised features, **with an intercept**; one multi-output fit
           per fold.
        2. **10 folds** from one permutation seeded with **0**
           (:func:`muzellec_kar_folds`), cut into contiguous chunks; every stimulus is
           predicted once. (``seed`` does not move the folds in this mode.)
        3. Target reliability: **Spearman** correlation of the two half-means,
           Spearman–Brown corrected; halves from **one permutation of the repeat axis**
           shared by all stimuli and neurons (``scheme="permutation"``, ``nanmean``).
        4. Prediction reliability: **Pearson** correlation of the predictions made
           from each half, Spearman–Brown corrected. Halves of the *noisy source*
           (reverse, animal-to-animal). **Forward** (model source): as in the published
           code, the model predicts each half of the *target* and those two
           predictions are correlated — so forward EV is divided by this reliability
           too, not by 1. Model-to-model: both are 1. Target reliability and the
           prediction halves use independent splits, as in the published code.
        5. EV = 100 · r² / (ρ_target · ρ_prediction) per repetition, NaN where the
           product is ≤ 0 (the published code takes ``sqrt`` of the product: negative
           → NaN; a product of two negative reliabilities passes, as published).
        6. **20 repetitions** (``n_splits``) in which only the split halves change
           (folds and the main fit are identical); a target's EV is the ``nanmean``
           over repetitions; the score is the **mean over targets**, with the **MAD**
           as dispersion (both in ``summary``).

        Split halves come from ``numpy.random.default_rng(seed)``: in each repetition
        one ``permutation(R)`` for the target halves of the forward predictions, then
        one for the target reliability, then one for the source halves (only those
        that apply), so the procedure can be re-computed independently.

        Known defects of the original, documented and *not* reproduced: its split
        halves are unseeded (here seeded by ``seed``); its ``max_n`` neuron subsample
        is drawn once, not per repetition (not offered here — use ``match_to`` in
        ``"default"``); its reverse score averages up to 2·10⁵ unit targets against
        10² neuron targets forward (see ``match_to``). Where one half of a stimulus
        holds no present repeat the published half-mean is NaN: a NaN half that is
        only correlated (target reliability) gives a NaN reliability for that
        repetition, as published; a NaN half that must be regressed (source halves,
        or target halves in the forward direction) raises ``ValueError`` (the
        published code would crash).

    Both methods agree where they should: with noiseless sides all reliabilities are
    1 and, given the same alpha and folds, both return the same EV = 100 r².
    """
    from tqdm.auto import tqdm

    from bothways.ridge import cv_ridge, kfold_indices

    check_choice(method, "method", METHODS)
    n_splits = check_int(n_splits, "n_splits", minimum=1)
    min_reliability = check_number(min_reliability, "min_reliability", low=0.0, high=1.0, high_open=True)
    check_choice(prediction_reliability, "prediction_reliability", ("source", "either"))
    ci = check_number(ci, "ci", low=0.0, high=1.0, low_open=True, high_open=True)
    n_boot = check_int(n_boot, "n_boot", minimum=0)
    S, s_noisy = _side("source", source)
    T, t_noisy = _side("target", target)
    n, q = T.shape[0], T.shape[1]
    check_same_stimuli(S.shape[0], n, "source", "target")
    direction = DIRECTIONS[(s_noisy, t_noisy)]
    mk = method == "muzellec_kar"
    if isinstance(match_to, str) and match_to == "auto":
        m = S.shape[1] if (not mk and direction == "reverse" and q > S.shape[1]) else None
    elif match_to is None:
        m = None
    elif isinstance(match_to, numbers.Integral) and not isinstance(match_to, bool) and 1 <= match_to <= q:
        m = int(match_to)
    else:
        raise ValueError(f"match_to must be 'auto', None or an integer in [1, {q}], got {match_to!r}")

    if mk:
        fixed = sorted({"alphas", "fit_intercept"} & set(ridge_options))
        if fixed or folds is not None or n_folds != 10:
            raise ValueError("method='muzellec_kar' fixes alpha=0.1, the intercept and 10 seeded "
                             f"folds; do not pass {fixed + (['folds'] if folds is not None else []) + (['n_folds'] if n_folds != 10 else [])}")
        folds = muzellec_kar_folds(n, 10, 0)
        kw = dict(ridge_options, alphas=MUZELLEC_KAR_ALPHA, fit_intercept=True)
        scheme, t_corr = "permutation", "spearman"
    else:
        if folds is None:
            check_int(n_folds, "n_folds", minimum=2)
            if n_folds > n:
                raise ValueError(f"more folds ({n_folds}) than stimuli ({n})")
            folds = kfold_indices(n, n_folds, seed)
        kw = dict(ridge_options)
        scheme, t_corr = "balanced", "pearson"

    S_mean, T_mean = _mean(S, s_noisy), _mean(T, t_noisy)
    main = _fit(cv_ridge, S_mean, T_mean, folds, kw, quiet=False)
    if not main.predicted.all():
        raise ValueError(f"folds leave {int((~main.predicted).sum())} stimuli out of every test "
                         "fold; predictivity needs every stimulus predicted once")
    folds = main.folds
    r = main.r

    # ---- repetitions: split halves (the only thing that changes between them)
    rng = np.random.default_rng(seed)
    rho_t = np.ones((n_splits, q))
    rho_p = np.ones((n_splits, q))
    kar_forward = t_noisy and not s_noisy and (mk or prediction_reliability == "either")
    fits_per_rep = 2 if (s_noisy or kar_forward) else 0
    work = n_splits * fits_per_rep * n * (S_mean.shape[1] + q) * min(n, S_mean.shape[1])
    show = work > 2e10 if progress is None else bool(progress)
    kw_half = {**kw, "progress": False} if show else kw  # one bar, over repetitions
    target_halves = []
    for i in tqdm(range(n_splits), desc=f"predictivity ({direction})", disable=not show):
        if kar_forward:  # halves for the predictions, drawn first as in the published code
            a, b = split_half_means(T, rng, scheme)
            if mk and (np.isnan(a).any() or np.isnan(b).any()):
                raise ValueError("method='muzellec_kar': a stimulus has no present repeat in one "
                                 "half of the target's repeat axis; use method='default'")
            target_halves.append((a, b))
        if t_noisy:
            rho_t[i] = spearman_brown(_colcorr(*split_half_means(T, rng, scheme), t_corr))
        if s_noisy:
            a, b = split_half_means(S, rng, scheme)
            if np.isnan(a).any() or np.isnan(b).any():
                raise ValueError("method='muzellec_kar': a stimulus has no present repeat in one "
                                 "half of the source's repeat axis; use method='default'")
            pa = _fit(cv_ridge, a, T_mean, folds, kw_half, quiet=True).predictions
            pb = _fit(cv_ridge, b, T_mean, folds, kw_half, quiet=True).predictions
            rho_p[i] = spearman_brown(_colcorr(pa, pb))
    if kar_forward:  # one decomposition of the model serves every target half
        per_call = max(1, _BATCH_FLOATS // (2 * n * q))
        for start in range(0, n_splits, per_call):
            block = target_halves[start:start + per_call]
            P = _fit(cv_ridge, S_mean, np.hstack([np.hstack(h) for h in block]), folds, kw_half,
                     quiet=True).predictions
            for j in range(len(block)):
                pa, pb = P[:, 2 * j * q:(2 * j + 1) * q], P[:, (2 * j + 1) * q:(2 * j + 2) * q]
                rho_p[start + j] = spearman_brown(_colcorr(pa, pb))

    # ---- EV
    r2 = r ** 2
    ev_reps = None
    if mk:
        prod = rho_t * rho_p
        inv = np.where(prod > 0, 1.0 / np.where(prod > 0, prod, 1.0), np.nan)
        ev_reps = 100.0 * r2[None, :] * inv
        inv_ceiling = _nanstat(np.nanmean, inv, axis=0)
        rel_bad = np.isnan(inv_ceiling)
    else:
        rt, rp = rho_t.mean(axis=0), rho_p.mean(axis=0)
        rel_bad = ~((rt > min_reliability) & (rp > min_reliability))
        inv_ceiling = np.where(rel_bad, np.nan, 1.0 / np.where(rel_bad, 1.0, rt * rp))
    ev = 100.0 * r2 * inv_ceiling
    rt_mean = _nanstat(np.nanmean, rho_t, axis=0)
    rp_mean = _nanstat(np.nanmean, rho_p, axis=0)
    r_bad = np.isnan(r)
    reason = np.where(r_bad, "r undefined (constant target or prediction)",
                      np.where(rel_bad, "reliability not above threshold"
                               if not mk else "reliability product <= 0 in every repetition", ""))
    per_target = pd.DataFrame({
        "r": r, "r2": r2, "ev": ev, "target_reliability": rt_mean,
        "prediction_reliability": rp_mean, "ceiling": rt_mean * rp_mean,
        "alpha": np.median(main.best_alpha, axis=0), "alpha_on_edge": main.alpha_on_edge,
        "cv_r2": main.r2, "ev_over_100": ev > 100, "nan_reason": reason,
    }, index=pd.RangeIndex(q, name="target"))

    # ---- summaries
    valid = ev[np.isfinite(ev)]
    n_nan = int(q - valid.size)
    if n_nan:
        warnings.warn(f"{n_nan} of {q} targets have NaN EV ({int(r_bad.sum())} with undefined r, "
                      f"{int((rel_bad & ~r_bad).sum())} with reliability not above the threshold); "
                      "summary statistics use the other targets (see per_target.nan_reason)",
                      UserWarning, stacklevel=2)
    boot = _bootstrap(main.predictions, T_mean, inv_ceiling, int(n_boot), seed)
    lo, hi = 50 * (1 - ci), 50 * (1 + ci)
    ci_med = _nanstat(np.nanpercentile, boot[:, 0], q=[lo, hi]) if n_boot else [np.nan, np.nan]
    ci_mean = _nanstat(np.nanpercentile, boot[:, 1], q=[lo, hi]) if n_boot else [np.nan, np.nan]
    summary = dict(
        median_ev=float(np.median(valid)) if valid.size else np.nan,
        mean_ev=float(np.mean(valid)) if valid.size else np.nan,
        mad_ev=float(median_abs_deviation(valid)) if valid.size else np.nan,
        ci_low=float(ci_med[0]), ci_high=float(ci_med[1]),
        mean_ci_low=float(ci_mean[0]), mean_ci_high=float(ci_mean[1]),
        n_targets=q, n_valid=int(valid.size), n_nan=n_nan,
        n_nan_reliability=int((rel_bad & ~r_bad).sum()), n_nan_r=int(r_bad.sum()),
        n_ev_over_100=int(np.sum(valid > 100)),
        n_small_ceiling=int(np.sum(np.isfinite(ev) & (rt_mean * rp_mean < SMALL_CEILING))),
        median_target_reliability=float(_nanstat(np.nanmedian, rt_mean)),
        median_prediction_reliability=float(_nanstat(np.nanmedian, rp_mean)),
        direction=direction, method=method, n_splits=int(n_splits), n_boot=int(n_boot),
        ci_level=float(ci),
    )

    # ---- matched counts
    matched = None
    summary.update(match_to=m, mean_ev_matched=np.nan, median_ev_matched=np.nan,
                   mean_ev_matched_sd=np.nan)
    if m is not None:
        mrng = np.random.default_rng([int(seed), 2])
        draws = [ev[mrng.choice(q, m, replace=False)] for _ in range(n_splits)]
        matched = pd.DataFrame({"mean_ev": [_nanstat(np.nanmean, d) for d in draws],
                                "median_ev": [_nanstat(np.nanmedian, d) for d in draws],
                                "n_nan": [int(np.isnan(d).sum()) for d in draws]})
        summary.update(mean_ev_matched=float(matched.mean_ev.mean()),
                       median_ev_matched=float(matched.median_ev.mean()),
                       mean_ev_matched_sd=float(matched.mean_ev.std(ddof=1)) if n_splits > 1 else np.nan)
    return PredictivityResult(
        per_target=per_target, summary=summary, direction=direction, method=method,
        predictions=main.predictions, folds=tuple(folds), target_reliability_splits=rho_t,
        prediction_reliability_splits=rho_p, ev_repetitions=ev_reps, matched=matched,
        bootstrap=pd.DataFrame(boot, columns=["median_ev", "mean_ev"]) if n_boot else None)


def both_ways(a, b, **kwargs) -> BothWays:
    """``predictivity(a, b, **kwargs)`` and ``predictivity(b, a, **kwargs)`` together.

    For animal-to-animal comparisons (two recordings) or a model against a brain in
    both directions (forward and reverse).
    """
    return BothWays(a_to_b=predictivity(a, b, **kwargs), b_to_a=predictivity(b, a, **kwargs))


def label_units(ev, top=0.2, bottom=0.2):
    """Label units "common" (top ``top`` fraction of reverse EV), "unique" (bottom
    ``bottom`` fraction) or "middle" (Muzellec & Kar 2026: top/bottom 20 %).

    Parameters
    ----------
    ev : (units,) EV per unit — an array, a Series, or a :class:`PredictivityResult`
        (its ``per_target["ev"]``). NaN EVs are labelled ``"undefined"`` and excluded
        from the percentiles (never silently counted as low).
    top, bottom : fractions in [0, 1] with ``top + bottom <= 1``; counts are
        ``round(fraction · n_defined)``; ties broken by position (stable sort).

    Returns
    -------
    np.ndarray of str (a Series with the same index when given a Series or a result).
    """
    index = None
    if isinstance(ev, PredictivityResult):
        ev = ev.per_target["ev"]
    if isinstance(ev, pd.Series):
        index, ev = ev.index, ev.to_numpy()
    ev = np.asarray(ev, dtype=np.float64)
    if ev.ndim != 1:
        raise ValueError(f"ev must be 1-D (units,), got shape {ev.shape}")
    if not (0 <= top <= 1 and 0 <= bottom <= 1 and top + bottom <= 1):
        raise ValueError(f"top and bottom must lie in [0, 1] with top + bottom <= 1, got {top}, {bottom}")
    defined = np.flatnonzero(np.isfinite(ev))
    order = defined[np.argsort(ev[defined], kind="stable")]
    n_top, n_bottom = round(top * order.size), round(bottom * order.size)
    labels = np.full(ev.size, "middle", dtype="<U9")
    labels[~np.isfinite(ev)] = "undefined"
    labels[order[:n_bottom]] = "unique"
    labels[order[order.size - n_top:]] = "common"
    return labels if index is None else pd.Series(labels, index=index, name="label")
