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

import warnings
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from scipy.stats import median_abs_deviation

from bothways._validation import (as_matrix, as_trials, check_choice, check_int, check_number,
                                  check_same_stimuli, numeric_array, responses_of)
from bothways import reliability
from bothways.config import MUZELLEC_KAR_ALPHA
from bothways.reliability import (NoiseCeiling, explained_variance, noise_ceiling, split_half_reliability,
                                  split_halves)
from bothways.stats import percentile_interval

__all__ = ["PredictivityResult", "BothWays", "predictivity", "both_ways", "label_units",
           "muzellec_kar_folds", "METHODS", "DIRECTIONS", "LABEL_RULES", "CORRECTIONS"]

DIRECTIONS = {(False, True): "forward", (True, False): "reverse",
              (True, True): "animal_to_animal", (False, False): "model_to_model"}
#: A ceiling ρ_target·ρ_prediction below this is kept but counted as "small" (EV ≥ 10 r²·100).
SMALL_CEILING = 0.1
#: Level of the permutation p-values counted in ``summary["n_above_null"]``.
NULL_LEVEL = 0.05
#: Rules of :func:`label_units` and its multiple-comparison corrections.
LABEL_RULES = ("null", "rank")
CORRECTIONS = ("fdr", "none")
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
        ``ev_over_100`` (bool), ``nan_reason`` ("" where EV is defined) and
        ``ev_signed`` (``sign(r) · ev``: the paper's EV is built from r², so an
        anti-correlated held-out prediction scores as explained variance; the signed EV
        counts it as negative, so that its mean over unpredictable targets is ≈ 0).
        With ``n_permutations = K > 0`` also ``ev_null_mean`` (mean over the K
        stimulus permutations of the EV, same ceiling), ``r_null_mean`` and
        ``p_value`` (one-sided permutation p-value of the signed EV,
        ``(1 + #{null ≥ observed}) / (K + 1)``; a permutation with undefined r counts as
        ≥; NaN where the observed r is undefined).
    summary : dict with ``median_ev``, ``mean_ev``, ``mad_ev`` (median absolute
        deviation, unscaled), ``ci_low``/``ci_high`` (bootstrap CI over stimuli of the
        median EV), ``mean_ci_low``/``mean_ci_high`` (same for the mean), counts
        ``n_targets``, ``n_valid``, ``n_nan``, ``n_nan_reliability``, ``n_nan_r``,
        ``n_ev_over_100``, ``n_small_ceiling`` (defined EVs whose ceiling is below
        ``SMALL_CEILING`` = 0.1); ``median_target_reliability``,
        ``median_prediction_reliability``; the matched-count fields
        ``match_to``, ``mean_ev_matched``, ``median_ev_matched``,
        ``mean_ev_matched_sd`` (NaN/None without matching); ``mean_ev_signed``,
        ``median_ev_signed``; the null fields ``n_permutations``, ``null_mean_ev``
        (mean over targets of ``ev_null_mean``), ``null_median_ev`` (median over
        targets and permutations of the null EV), ``n_above_null`` (targets with
        ``p_value ≤ NULL_LEVEL`` = 0.05, uncorrected) and ``n_above_null_fdr`` (the same
        after Benjamini–Hochberg over targets), NaN without permutations; and
        ``direction``, ``method``, ``n_splits``, ``n_boot``, ``ci_level``,
        ``prediction_reliability``.
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
    noise_ceiling : the :class:`~bothways.reliability.NoiseCeiling` the EVs were divided
        by (``ev = 100 · r² · noise_ceiling.inverse``), for re-scoring other r with the
        same ceilings.
    null_r : (n_permutations, targets) held-out r of each permuted refit (``None``
        without permutations); ``null_ev`` the same as EV (%), same ceilings.
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
    noise_ceiling: NoiseCeiling | None = field(default=None, repr=False)
    null_r: np.ndarray | None = field(default=None, repr=False)

    @property
    def null_ev(self) -> np.ndarray | None:
        if self.null_r is None:
            return None
        return 100.0 * self.null_r ** 2 * self.noise_ceiling.inverse[None, :]


@dataclass(frozen=True, eq=False)
class BothWays:
    """``a → b`` and ``b → a`` (:func:`both_ways`); ``summary`` has one row per direction."""

    a_to_b: PredictivityResult
    b_to_a: PredictivityResult

    @property
    def summary(self) -> pd.DataFrame:
        return pd.DataFrame({"a_to_b": self.a_to_b.summary, "b_to_a": self.b_to_a.summary}).T


# --------------------------------------------------------------------------- input
@dataclass(frozen=True, eq=False)
class _Side:
    """One side of a comparison: ``values`` as given (a model, or trials), its ``mean``
    (the trial average; the model itself when noiseless) and whether it is ``noisy``."""

    values: np.ndarray
    mean: np.ndarray
    noisy: bool

    @property
    def n_columns(self) -> int:
        return self.values.shape[1]


def _side(name, A) -> _Side:
    """A model (2-D, finite) or recordings (3-D, NaN = missing, ≥ 2 repeats everywhere;
    or a Recording: its trials, or its mean — noiseless — where it has no single trials)."""
    A = numeric_array(responses_of(A), name)
    if A.ndim == 2:
        A = as_matrix(A, name, what="(stimuli, units)")
        return _Side(A, A, False)
    if A.ndim != 3:
        raise ValueError(f"{name} must be a model (stimuli, units) or recordings "
                         f"(stimuli, neurons, repeats), got shape {A.shape}")
    A = as_trials(A, name, min_repeats=2)
    return _Side(A, np.nanmean(A, axis=2), True)


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


# --------------------------------------------------------------------------- method plans
@dataclass(frozen=True, eq=False)
class _Plan:
    """What a method fixes, chosen by name (:data:`METHODS`); built by the plan
    functions below from the caller's options (``book/methods.md`` has both methods).

    folds, ridge : the (train, test) pairs and :func:`~bothways.ridge.cv_ridge`
        options of every fit of the call (full source, every half, any null).
    scheme, target_correlation : how repeats are split (:func:`split_halves`) and
        which correlation gives the target's split-half reliability.
    per_split, min_reliability : the :func:`~bothways.reliability.noise_ceiling` rule.
    target_halves : a model source predicting recordings also predicts each half of the
        target, and those two predictions give its prediction reliability.
    strict_halves : a half with no present repeat for some stimulus is an error (the
        published scheme can leave one empty), not a reason to carry on.
    match : whether ``match_to="auto"`` matches the reverse target count.
    """

    method: str
    folds: list
    ridge: dict
    scheme: str
    target_correlation: str
    per_split: bool
    min_reliability: float | None
    target_halves: bool
    strict_halves: bool
    match: bool


def _default_plan(n, seed, n_folds, folds, ridge_options, prediction_reliability, min_reliability):
    from bothways.ridge import kfold_indices

    if folds is None:
        check_int(n_folds, "n_folds", minimum=2)
        if n_folds > n:
            raise ValueError(f"more folds ({n_folds}) than stimuli ({n})")
        folds = kfold_indices(n, n_folds, seed)
    return _Plan("default", folds, dict(ridge_options), "balanced", "pearson", per_split=False,
                 min_reliability=min_reliability, target_halves=prediction_reliability == "either",
                 strict_halves=False, match=True)


def _muzellec_kar_plan(n, seed, n_folds, folds, ridge_options, prediction_reliability, min_reliability):
    fixed = sorted({"alphas", "fit_intercept"} & set(ridge_options))
    fixed += (["folds"] if folds is not None else []) + (["n_folds"] if n_folds != 10 else [])
    if fixed:
        raise ValueError(f"method='muzellec_kar' fixes alpha=0.1, the intercept and 10 seeded folds; "
                         f"do not pass {fixed}")
    return _Plan("muzellec_kar", muzellec_kar_folds(n, 10, 0),
                 dict(ridge_options, alphas=MUZELLEC_KAR_ALPHA, fit_intercept=True), "permutation",
                 "spearman", per_split=True, min_reliability=None, target_halves=True, strict_halves=True,
                 match=False)


_PLANS = {"default": _default_plan, "muzellec_kar": _muzellec_kar_plan}
METHODS = tuple(_PLANS)


def _match_count(match_to, plan, direction, n_source, q):
    if isinstance(match_to, str) and match_to == "auto":
        return n_source if (plan.match and direction == "reverse" and q > n_source) else None
    if match_to is None:
        return None
    if not isinstance(match_to, str):
        try:
            return check_int(match_to, "match_to", minimum=1, maximum=q)
        except ValueError:
            pass
    raise ValueError(f"match_to must be 'auto', None or an integer in [1, {q}], got {match_to!r}")


# --------------------------------------------------------------------------- fits
def _fit(plan, X, Y, quiet=True, **options):
    """Every regression of one call, with the plan's folds and ridge options. ``quiet``:
    constant targets are reported once (by the main fit), not by every half fit."""
    from bothways.ridge import cv_ridge

    with warnings.catch_warnings():
        if quiet:
            warnings.filterwarnings("ignore", message=".*constant target", category=UserWarning)
        return cv_ridge(X, Y, folds=plan.folds, **{**plan.ridge, **options})


def _halves(plan, side, rng, name):
    a, b = split_halves(side.values, rng, plan.scheme)
    if plan.strict_halves and (np.isnan(a).any() or np.isnan(b).any()):
        raise ValueError(f"method={plan.method!r}: a stimulus has no present repeat in one half of the "
                         f"{name}'s repeat axis; use method='default'")
    return a, b


def _half_predictions(plan, pairs, Y, progress):
    """Held-out predictions of ``Y`` from each half of each split of a noisy source:
    ``[(pred_a, pred_b), ...]``, one fit per half (the place to batch them)."""
    from tqdm.auto import tqdm

    kw = {"progress": False} if progress else {}
    return [(_fit(plan, a, Y, **kw).predictions, _fit(plan, b, Y, **kw).predictions)
            for a, b in tqdm(pairs, desc="predictivity (source halves)", disable=not progress)]


def _target_half_predictions(plan, X, pairs, q, progress):
    """Held-out predictions of each half of each split of a noisy target from one model
    ``X``: one decomposition of ``X`` serves every half, in batches of columns."""
    per_call = max(1, _BATCH_FLOATS // (2 * X.shape[0] * q))
    kw = {"progress": False} if progress else {}
    out = []
    for start in range(0, len(pairs), per_call):
        block = pairs[start:start + per_call]
        P = _fit(plan, X, np.hstack([np.hstack(h) for h in block]), **kw).predictions
        out += [(P[:, 2 * j * q:(2 * j + 1) * q], P[:, (2 * j + 1) * q:(2 * j + 2) * q]) for j in range(len(block))]
    return out


def _reliabilities(plan, src, tgt, n_splits, seed, progress):
    """(n_splits, targets) target and prediction reliabilities of every repetition.

    One ``default_rng(seed)`` draws, repetition by repetition, the target halves to
    predict (if the plan predicts them), the target-reliability split, then the source
    halves; only then are the halves fitted (fits draw nothing)."""
    q = tgt.n_columns
    rng = np.random.default_rng(seed)
    rho_t, rho_p = np.ones((n_splits, q)), np.ones((n_splits, q))
    predict_target = plan.target_halves and tgt.noisy and not src.noisy
    target_pairs, source_pairs = [], []
    for i in range(n_splits):
        if predict_target:
            target_pairs.append(_halves(plan, tgt, rng, "target"))
        if tgt.noisy:
            rho_t[i] = split_half_reliability(tgt.values, 1, rng, plan.target_correlation, plan.scheme,
                                              return_splits=True)[0]
        if src.noisy:
            source_pairs.append(_halves(plan, src, rng, "source"))
    if source_pairs:
        pairs = _half_predictions(plan, source_pairs, tgt.mean, progress)
    elif target_pairs:
        pairs = _target_half_predictions(plan, src.mean, target_pairs, q, progress)
    else:
        pairs = []
    for i, (pa, pb) in enumerate(pairs):
        rho_p[i] = reliability.prediction_reliability(pa, pb)
    return rho_t, rho_p


# --------------------------------------------------------------------------- EV and summaries
def _ev(plan, r, rho_t, rho_p):
    """-> (per-target EV %, NoiseCeiling, per-repetition EV or None)."""
    ceil = noise_ceiling(rho_t, rho_p, per_split=plan.per_split, min_reliability=plan.min_reliability)
    per_rep = 100.0 * r[None, :] ** 2 * ceil.inverse_per_split if plan.per_split else None
    return explained_variance(r, ceil), ceil, per_rep


def _nanstat(f, a, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return f(a, **kw)


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


def _per_target(plan, main, ev, ceil):
    r = main.r
    r_bad, rel_bad = np.isnan(r), ~ceil.defined
    why = "reliability product <= 0 in every repetition" if plan.per_split else "reliability not above threshold"
    reason = np.where(r_bad, "r undefined (constant target or prediction)", np.where(rel_bad, why, ""))
    return pd.DataFrame({
        "r": r, "r2": r ** 2, "ev": ev, "target_reliability": ceil.target_reliability,
        "prediction_reliability": ceil.prediction_reliability, "ceiling": ceil.ceiling,
        "alpha": np.median(main.best_alpha, axis=0), "alpha_on_edge": main.alpha_on_edge,
        "cv_r2": main.r2, "ev_over_100": ev > 100, "nan_reason": reason, "ev_signed": np.sign(r) * ev,
    }, index=pd.RangeIndex(r.size, name="target"))


def _null_r(plan, src, tgt, n_permutations, seed):
    """(K, targets) held-out r of the source's rows (stimuli) permuted, refitted with the
    plan's folds and ridge options: the pairing of stimuli is broken, nothing else."""
    rng = np.random.default_rng([int(seed), 3])
    n = src.mean.shape[0]
    return np.stack([_fit(plan, src.mean[rng.permutation(n)], tgt.mean, progress=False).r
                     for _ in range(n_permutations)])


def _null_columns(r, null_r, inverse):
    """Per-target null columns: ``r_null_mean``, ``ev_null_mean``, ``p_value``."""
    K = null_r.shape[0]
    with np.errstate(invalid="ignore"):
        exceed = np.where(np.isnan(null_r), 1.0, (null_r >= r[None, :]).astype(float))
    p = np.where(np.isfinite(r), (1.0 + exceed.sum(axis=0)) / (K + 1.0), np.nan)
    ev_null = 100.0 * null_r ** 2 * inverse[None, :]
    return dict(r_null_mean=_nanstat(np.nanmean, null_r, axis=0),
                ev_null_mean=_nanstat(np.nanmean, ev_null, axis=0), p_value=p)


def _null_summary(per, null_r, inverse):
    if null_r is None:
        return dict(n_permutations=0, null_mean_ev=np.nan, null_median_ev=np.nan, n_above_null=np.nan,
                    n_above_null_fdr=np.nan)
    from bothways.stats import benjamini_hochberg

    p = per["p_value"].to_numpy()
    ok = np.isfinite(p)
    adj = np.full(p.shape, np.nan)
    adj[ok] = benjamini_hochberg(p[ok]) if ok.any() else adj[ok]
    ev_null = 100.0 * null_r ** 2 * inverse[None, :]
    return dict(n_permutations=int(null_r.shape[0]),
                null_mean_ev=float(_nanstat(np.nanmean, per["ev_null_mean"].to_numpy())),
                null_median_ev=float(_nanstat(np.nanmedian, ev_null)),
                n_above_null=int(np.sum(p[ok] <= NULL_LEVEL)),
                n_above_null_fdr=int(np.sum(adj[ok] <= NULL_LEVEL)))


def _matched(ev, m, n_draws, seed):
    """EV summaries over ``n_draws`` random target subsets of size ``m``."""
    rng = np.random.default_rng([int(seed), 2])
    draws = [ev[rng.choice(ev.size, m, replace=False)] for _ in range(n_draws)]
    return pd.DataFrame({"mean_ev": [_nanstat(np.nanmean, d) for d in draws],
                         "median_ev": [_nanstat(np.nanmedian, d) for d in draws],
                         "n_nan": [int(np.isnan(d).sum()) for d in draws]})


def _summarise(plan, direction, main, ev, ceil, target_mean, *, n_boot, ci, seed, n_splits, match, warn):
    """-> (summary dict, bootstrap samples (n_boot, 2), matched-count draws or None)."""
    q = ev.size
    valid = ev[np.isfinite(ev)]
    r_bad = np.isnan(main.r)
    rel_only = ~ceil.defined & ~r_bad
    if warn and valid.size < q:
        warnings.warn(f"{q - valid.size} of {q} targets have NaN EV ({int(r_bad.sum())} with undefined r, "
                      f"{int(rel_only.sum())} with reliability not above the threshold); "
                      "summary statistics use the other targets (see per_target.nan_reason)",
                      UserWarning, stacklevel=3)
    boot = _bootstrap(main.predictions, target_mean, ceil.inverse, n_boot, seed)
    ci_med, ci_mean = (percentile_interval(boot[:, k], ci) for k in (0, 1))
    stat = lambda f: float(f(valid)) if valid.size else np.nan  # noqa: E731
    summary = dict(
        median_ev=stat(np.median), mean_ev=stat(np.mean), mad_ev=stat(median_abs_deviation),
        median_ev_signed=float(_nanstat(np.nanmedian, np.sign(main.r) * ev)),
        mean_ev_signed=float(_nanstat(np.nanmean, np.sign(main.r) * ev)),
        ci_low=float(ci_med[0]), ci_high=float(ci_med[1]),
        mean_ci_low=float(ci_mean[0]), mean_ci_high=float(ci_mean[1]),
        n_targets=q, n_valid=int(valid.size), n_nan=int(q - valid.size),
        n_nan_reliability=int(rel_only.sum()), n_nan_r=int(r_bad.sum()),
        n_ev_over_100=int(np.sum(valid > 100)),
        n_small_ceiling=int(np.sum(np.isfinite(ev) & (ceil.ceiling < SMALL_CEILING))),
        median_target_reliability=float(_nanstat(np.nanmedian, ceil.target_reliability)),
        median_prediction_reliability=float(_nanstat(np.nanmedian, ceil.prediction_reliability)),
        direction=direction, method=plan.method, n_splits=n_splits, n_boot=n_boot, ci_level=ci,
        match_to=match, mean_ev_matched=np.nan, median_ev_matched=np.nan, mean_ev_matched_sd=np.nan)
    matched = None if match is None else _matched(ev, match, n_splits, seed)
    if matched is not None:
        summary.update(mean_ev_matched=float(matched.mean_ev.mean()),
                       median_ev_matched=float(matched.median_ev.mean()),
                       mean_ev_matched_sd=float(matched.mean_ev.std(ddof=1)) if n_splits > 1 else np.nan)
    return summary, boot, matched


# --------------------------------------------------------------------------- main
def predictivity(source, target, method="default", n_splits=20, seed=0, *, n_folds=10,
                 folds=None, match_to="auto", min_reliability=0.0, n_boot=1000, ci=0.95,
                 prediction_reliability="either", n_permutations=0, progress=None, warn=True,
                 **ridge_options) -> PredictivityResult:
    """Noise-corrected explained variance of every target column predicted from a source.

    ``EV = 100 · r² / (ρ_target · ρ_prediction)`` per target (Kar et al. 2019; Muzellec
    & Kar 2026): ``r`` from cross-validated ridge (:func:`bothways.ridge.cv_ridge`),
    the reliabilities from split halves and the ceiling from
    :mod:`bothways.reliability`. Both methods, step by step, with every choice and
    what it changes: ``book/methods.md`` ("Predictivity, step by step").

    Parameters
    ----------
    source, target : a model (stimuli, units), noiseless, or recordings (stimuli,
        neurons, repeats) with NaN for missing repeats, or a
        :class:`~bothways.data.recording.Recording` (one without single trials counts
        as noiseless); numpy arrays or torch tensors. The shapes set the direction
        (forward, reverse, animal_to_animal, model_to_model; see the module
        docstring). Rows must be the same stimuli.
    method : ``"default"`` (alpha chosen per target inside the training folds,
        Pearson reliabilities of balanced splits averaged over repetitions, matched
        target counts for reverse predictivity) or ``"muzellec_kar"`` (the published
        procedure: fixed alpha 0.1, ten seeded contiguous folds, Spearman target
        reliability of a permuted repeat axis, per-repetition EV averaged).
    n_splits : repetitions, i.e. random split-halves of the repeats (≥ 1; each costs
        two ridge fits when the source is noisy).
    seed : seeds every split-half (and the folds in ``"default"``); results are
        deterministic given ``seed``.
    n_folds, folds : ``"default"`` only: K-fold CV (10 folds by default, shuffled by
        ``seed`` via :func:`bothways.ridge.kfold_indices`) or explicit (train, test)
        pairs. Every fit of one call (full source and each half) uses the same folds.
    match_to : ``"auto"``: for ``"default"`` reverse predictivity, also summarise random
        subsets of as many target units as there are source neurons (a new draw per
        repetition: ``mean_ev_matched``/``median_ev_matched``); an int: subsets of that
        size in any direction; ``None``: no matching.
    min_reliability : ``"default"`` only: EV is NaN (counted, with a ``nan_reason``)
        unless both averaged reliabilities exceed this (default 0). Ceilings below
        ``SMALL_CEILING`` (0.1) are kept but counted in ``n_small_ceiling``.
    prediction_reliability : ``"default"`` only: ``"either"`` (the default: a noisy
        source gets the reliability of the predictions made from its two halves; a
        model source predicting recordings gets the reliability of its predictions of
        the two halves of the *target*, Kar et al. 2019, as ``"muzellec_kar"`` does)
        or ``"source"`` (from the two halves of a noisy source only; 1 for a model
        source). Why ``"either"``: a noisy target also spoils the fitted weights, not
        only the r it is scored with. Measured in simulations with 192 stimuli, 50
        neurons, reliabilities 0.6–0.77, 300 units reading 50 latents (4 seeds, 10
        splits; ``tests/test_predictivity.py::test_default_ceilings_unbiased_both_ways``):
        the median over neurons of forward EV minus the EV of the noiseless rates is
        −0.4 to −2.0 points with ``"either"`` but −7.8 to −10.7 with ``"source"``;
        reverse EV is −0.2 to −1.4 points from its noiseless value. The *published*
        forward correction (``method="muzellec_kar"``: fixed α = 0.1 on raw
        features) near interpolation — 2000 units reading 510 latents, 192 stimuli,
        prediction reliability of the two target-half fits ≈ 0.6–0.7 — gave a mean
        EV 2.6–7.3 points *above* the cross-validated EV of the noiseless rates
        (3 seeds; 0.2–5.0 above its own procedure on the noiseless rates).
    n_permutations : K ≥ 0 stimulus permutations for a null (0: none). Each refits the
        full source with its rows (stimuli) permuted onto the unpermuted target, with
        the same folds, ridge options and ceilings (the split halves are not refitted):
        per target ``ev_null_mean`` and a one-sided permutation ``p_value`` of the
        signed EV; ``summary`` gets ``null_mean_ev``, ``n_above_null``. Costs K main
        fits. A p-value is at least ``1 / (K + 1)``: with many targets and a
        Benjamini–Hochberg correction (:func:`label_units`) K must be large enough
        (≥ 99 for 0.05 at a few hundred targets) for any target to pass.
    n_boot, ci : bootstrap samples over stimuli (0 disables) and CI level; the
        reliabilities stay at their point estimates.
    progress : None (a tqdm bar over the half fits only for long runs), True, False.
    warn : warn about NaN EVs and constant targets (``False``: the counts in
        ``summary`` are the only report, for callers that tabulate them).
    **ridge_options : passed to :func:`bothways.ridge.cv_ridge` (``alphas``,
        ``fit_intercept``, ``device``, ``dtype``, ``inner``, ...).

    Returns
    -------
    :class:`PredictivityResult`.

    Raises
    ------
    ValueError: different numbers of stimuli; NaN/inf in a model or inf in recordings;
    recordings with an all-NaN neuron or fewer than 2 repeats for some stimulus and
    neuron; more folds than stimuli or folds that leave a stimulus out; an unknown
    method; options the method fixes. TypeError: non-numeric input.
    """
    check_choice(method, "method", METHODS)
    n_splits, n_boot = check_int(n_splits, "n_splits", minimum=1), check_int(n_boot, "n_boot", minimum=0)
    min_reliability = check_number(min_reliability, "min_reliability", low=0.0, high=1.0, high_open=True)
    check_choice(prediction_reliability, "prediction_reliability", ("source", "either"))
    n_permutations = check_int(n_permutations, "n_permutations", minimum=0)
    ci = check_number(ci, "ci", low=0.0, high=1.0, low_open=True, high_open=True)
    src, tgt = _side("source", source), _side("target", target)
    n = tgt.values.shape[0]
    check_same_stimuli(src.values.shape[0], n, "source", "target")
    direction = DIRECTIONS[(src.noisy, tgt.noisy)]
    plan = _PLANS[method](n, seed, n_folds, folds, ridge_options, prediction_reliability, min_reliability)
    match = _match_count(match_to, plan, direction, src.n_columns, tgt.n_columns)
    with warnings.catch_warnings():
        if not warn:
            warnings.filterwarnings("ignore", message=".*constant target", category=UserWarning)
        main = _fit(plan, src.mean, tgt.mean, quiet=False)
    if not main.predicted.all():
        raise ValueError(f"folds leave {int((~main.predicted).sum())} stimuli out of every test "
                         "fold; predictivity needs every stimulus predicted once")
    plan = replace(plan, folds=list(main.folds))
    fits = n_splits * 2 * (src.noisy or (plan.target_halves and tgt.noisy))
    work = fits * n * (src.n_columns + tgt.n_columns) * min(n, src.n_columns)
    rho_t, rho_p = _reliabilities(plan, src, tgt, n_splits, seed,
                                  work > 2e10 if progress is None else bool(progress))
    ev, ceil, ev_reps = _ev(plan, main.r, rho_t, rho_p)
    summary, boot, matched = _summarise(plan, direction, main, ev, ceil, tgt.mean, n_boot=n_boot, ci=ci,
                                        seed=seed, n_splits=n_splits, match=match, warn=warn)
    per = _per_target(plan, main, ev, ceil)
    null_r = _null_r(plan, src, tgt, n_permutations, seed) if n_permutations else None
    if null_r is not None:
        for k, v in _null_columns(main.r, null_r, ceil.inverse).items():
            per[k] = v
    summary.update(_null_summary(per, null_r, ceil.inverse),
                   prediction_reliability=prediction_reliability if method == "default" else "either")
    return PredictivityResult(
        per_target=per, summary=summary, direction=direction, method=method,
        predictions=main.predictions, folds=tuple(plan.folds), target_reliability_splits=rho_t,
        prediction_reliability_splits=rho_p, ev_repetitions=ev_reps, matched=matched,
        bootstrap=pd.DataFrame(boot, columns=["median_ev", "mean_ev"]) if n_boot else None,
        noise_ceiling=ceil, null_r=null_r)


def both_ways(a, b, **kwargs) -> BothWays:
    """``predictivity(a, b, **kwargs)`` and ``predictivity(b, a, **kwargs)`` together.

    For animal-to-animal comparisons (two recordings) or a model against a brain in
    both directions (forward and reverse).
    """
    return BothWays(a_to_b=predictivity(a, b, **kwargs), b_to_a=predictivity(b, a, **kwargs))


def label_units(ev, top=0.2, bottom=None, *, rule="null", p_value=None, correction="fdr",
                alpha=0.05):
    """Label units "common", "unique", "middle" or "undefined" by their reverse EV.

    Two rules:

    - ``rule="null"`` (the default): relative to the stimulus-permutation null of
      :func:`predictivity` (``n_permutations > 0``). **unique**: not distinguishable
      from the null (``p_value`` above ``alpha`` after ``correction``: ``"fdr"``,
      Benjamini–Hochberg over the units with a p-value, or ``"none"``) — the brain
      predicts it no better than a shuffled pairing of images does; **common**:
      distinguishable from the null *and* among the top ``top`` fraction of defined
      EVs; **middle**: distinguishable, not in the top fraction; **undefined**: no
      p-value, or distinguishable with an undefined EV. ``bottom`` must be ``None``.
    - ``rule="rank"``: the published definition (Muzellec & Kar 2026): the top ``top``
      fraction of defined EVs is "common", the bottom ``bottom`` fraction (0.2 when
      ``None``) "unique", whatever the null says. At ``size="ci"`` on V4 the median
      "unique" unit of this rule is indistinguishable from the null, and so is much
      of the middle.

    Parameters
    ----------
    ev : (units,) EV per unit — an array, a Series, or a :class:`PredictivityResult`
        (its ``per_target["ev"]``, and ``per_target["p_value"]`` for ``rule="null"``).
        NaN EVs are excluded from the fractions (never silently counted as low).
    top, bottom : fractions in [0, 1] (``top + bottom <= 1``); counts are
        ``round(fraction · n_defined)``; ties broken by position (stable sort).
    p_value : (units,) permutation p-values (``rule="null"``, unless ``ev`` is a result).
    correction, alpha : how p-values are compared with ``alpha`` (default 0.05).

    Returns
    -------
    np.ndarray of str (a Series with the same index when given a Series or a result).
    """
    check_choice(rule, "rule", LABEL_RULES)
    check_choice(correction, "correction", CORRECTIONS)
    alpha = check_number(alpha, "alpha", low=0.0, high=1.0, low_open=True, high_open=True)
    index = None
    if isinstance(ev, PredictivityResult):
        if rule == "null" and p_value is None:
            if "p_value" not in ev.per_target:
                raise ValueError("rule='null' needs p-values: run predictivity(..., n_permutations=K) "
                                 "or use rule='rank'")
            p_value = ev.per_target["p_value"]
        ev = ev.per_target["ev"]
    if isinstance(ev, pd.Series):
        index, ev = ev.index, ev.to_numpy()
    ev = np.asarray(ev, dtype=np.float64)
    if ev.ndim != 1:
        raise ValueError(f"ev must be 1-D (units,), got shape {ev.shape}")
    if rule == "null" and bottom is not None:
        raise ValueError("bottom is the rank rule's fraction; rule='null' labels unique units by the null")
    bottom = 0.2 if bottom is None else bottom
    if not (0 <= top <= 1 and 0 <= bottom <= 1 and top + bottom <= 1):
        raise ValueError(f"top and bottom must lie in [0, 1] with top + bottom <= 1, got {top}, {bottom}")
    defined = np.flatnonzero(np.isfinite(ev))
    order = defined[np.argsort(ev[defined], kind="stable")]
    n_top = round(top * order.size)
    top_units = np.zeros(ev.size, dtype=bool)
    top_units[order[order.size - n_top:]] = True
    labels = np.full(ev.size, "middle", dtype="<U9")
    if rule == "rank":
        labels[~np.isfinite(ev)] = "undefined"
        labels[order[:round(bottom * order.size)]] = "unique"
        labels[top_units] = "common"
    else:
        if p_value is None:
            raise ValueError("rule='null' needs p_value (from predictivity(..., n_permutations=K)); "
                             "or use rule='rank' for the published top/bottom-20 % labels")
        p = np.asarray(p_value, dtype=np.float64)
        if p.shape != ev.shape:
            raise ValueError(f"p_value must have the shape of ev {ev.shape}, got {p.shape}")
        if np.any((p[np.isfinite(p)] < 0) | (p[np.isfinite(p)] > 1)):
            raise ValueError("p_value must lie in [0, 1] (NaN where undefined)")
        has_p = np.isfinite(p)
        if correction == "fdr" and has_p.any():
            from bothways.stats import benjamini_hochberg

            p = p.copy()
            p[has_p] = benjamini_hochberg(p[has_p])
        above = has_p & (p <= alpha)
        labels[has_p & ~above] = "unique"
        labels[above & top_units] = "common"
        labels[~has_p | (above & ~np.isfinite(ev))] = "undefined"
    return labels if index is None else pd.Series(labels, index=index, name="label")
