"""Split halves, Spearman–Brown, split-half reliability and noise ceilings.

The one place in the library where a noise ceiling is computed: predictivity
(:func:`bothways.predictivity.predictivity`) and the transform-class scores
(:func:`bothways.analyses.goodhart.transform_class_table`) both call it.

- :func:`split_halves` — the two half-means of a random split of the repeats;
- :func:`spearman_brown` — the Spearman–Brown prophecy ``k·r / (1 + (k−1)·r)``;
- :func:`split_half_reliability` — of each neuron, over stimuli (ρ_target);
- :func:`prediction_reliability` — of a prediction, from the two predictions made from
  the two halves of a noisy source (ρ_prediction);
- :func:`noise_ceiling` — ρ_target·ρ_prediction and the factor that turns r² into a
  noise-corrected explained variance, ``EV = 100 · r² / (ρ_target · ρ_prediction)``
  (Kar et al. 2019; Muzellec & Kar 2026), with the rules of both published methods.

Recordings are ``(stimuli, neurons, repeats)``, NaN where a stimulus has fewer repeats
(or a :class:`~bothways.data.recording.Recording`). See ``book/methods.md``.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field

import numpy as np

from bothways._validation import as_trials, check_choice, check_int, check_no_inf, check_number, numeric_array
from bothways.stats import pearson_columns, spearman_columns

__all__ = ["SCHEMES", "CORRELATIONS", "split_halves", "spearman_brown", "split_half_reliability",
           "prediction_reliability", "NoiseCeiling", "noise_ceiling", "explained_variance"]

#: Ways to split the repeats in two (see :func:`split_halves`).
SCHEMES = ("balanced", "permutation")
#: Correlations a split-half reliability can use.
CORRELATIONS = ("pearson", "spearman")


# --------------------------------------------------------------------------- halves
def split_halves(trials, rng, scheme: str = "balanced") -> tuple:
    """Split the repeats of ``trials`` in two at random and return both half-means.

    Parameters
    ----------
    trials : (stimuli, neurons, repeats), NaN for missing repeats (or a Recording).
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
    check_choice(scheme, "scheme", SCHEMES)
    rng = np.random.default_rng(rng)
    X = as_trials(trials, "trials")
    n, q, R = X.shape
    if scheme == "permutation":
        perm = rng.permutation(R)
        cut = math.ceil(R / 2)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN half -> NaN, by design
            return np.nanmean(X[:, :, perm[:cut]], axis=2), np.nanmean(X[:, :, perm[cut:]], axis=2)
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


# --------------------------------------------------------------------------- reliabilities
def spearman_brown(r, factor=2.0):
    """Spearman–Brown prophecy ``k·r / (1 + (k−1)·r)`` (Spearman 1910; Brown 1910).

    With ``factor=2`` it turns a split-half correlation into the reliability of the
    full set of repeats. Array in, array out; NaN stays NaN.
    """
    r = np.asarray(r, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return factor * r / (1.0 + (factor - 1.0) * r)


def split_half_reliability(trials, n_splits=20, seed=0, correlation="pearson",
                           scheme="balanced", return_splits=False):
    """Spearman–Brown corrected split-half reliability of each neuron, over stimuli.

    For each of ``n_splits`` random splits (:func:`split_halves`, drawn from
    ``numpy.random.default_rng(seed)``; a Generator is used as it is) correlate the two
    half-means over stimuli (``"pearson"`` or ``"spearman"``) and apply
    :func:`spearman_brown`; return the average over splits (or, with
    ``return_splits=True``, the (n_splits, neurons) array). Dimensionless, at most 1;
    NaN for a neuron whose half-means are constant.
    """
    T = as_trials(trials, "trials", min_repeats=2)
    check_choice(correlation, "correlation", CORRELATIONS)
    n_splits = check_int(n_splits, "n_splits", minimum=1)
    corr = pearson_columns if correlation == "pearson" else spearman_columns
    rng = np.random.default_rng(seed)
    rel = np.stack([spearman_brown(corr(*split_halves(T, rng, scheme))) for _ in range(n_splits)])
    return rel if return_splits else rel.mean(axis=0)


def prediction_reliability(prediction_a, prediction_b) -> np.ndarray:
    """Reliability of a prediction: Spearman–Brown corrected Pearson correlation, per
    target column, of the two (stimuli, targets) predictions made from the two halves of
    a noisy source's repeats (Kar et al. 2019). NaN where either is constant."""
    return spearman_brown(pearson_columns(prediction_a, prediction_b))


# --------------------------------------------------------------------------- ceilings
@dataclass(frozen=True, eq=False)
class NoiseCeiling:
    """The noise ceiling of every target (:func:`noise_ceiling`).

    Attributes
    ----------
    target_reliability, prediction_reliability : (targets,) the reliabilities averaged
        over splits (NaN-ignoring; 1 for a noiseless side).
    ceiling : (targets,) their product ρ_target·ρ_prediction.
    inverse : (targets,) the factor of the explained variance, ``EV = 100 r² ·
        inverse``: ``1 / ceiling`` where the ceiling is defined (``per_split``: the mean
        over splits of ``1 / (ρ_target,i · ρ_prediction,i)``), NaN where it is not.
    defined : (targets,) bool, where ``inverse`` is finite.
    inverse_per_split : (n_splits, targets) the per-split factors (``per_split`` only).
    per_split, min_reliability : the rule used.
    """

    target_reliability: np.ndarray
    prediction_reliability: np.ndarray
    ceiling: np.ndarray
    inverse: np.ndarray
    defined: np.ndarray
    inverse_per_split: np.ndarray | None = field(default=None, repr=False)
    per_split: bool = False
    min_reliability: float | None = 0.0


def _splits(x, name):
    x = check_no_inf(numeric_array(x, name).astype(np.float64), name)  # NaN: an undefined split
    x = x[None, :] if x.ndim == 1 else x
    if x.ndim != 2:
        raise ValueError(f"{name} must be (targets,) or (n_splits, targets), got shape {x.shape}")
    return x


def noise_ceiling(target_reliability, prediction_reliability=None, *, per_split: bool = False,
                  min_reliability: float | None = 0.0) -> NoiseCeiling:
    """Noise ceilings ρ_target·ρ_prediction and the factor that corrects r² by them.

    Parameters
    ----------
    target_reliability, prediction_reliability : (n_splits, targets) reliabilities of
        each split (or (targets,): one split); ``None`` means 1 (a noiseless side; not
        both). A side with one split is used for every split of the other.
    per_split : ``False`` (the book's default): average each reliability over the
        splits, then ``inverse = 1 / (ρ̄_target · ρ̄_prediction)``. ``True`` (the
        published procedure, Muzellec & Kar 2026): ``inverse`` is the mean over splits
        of ``1 / (ρ_target,i · ρ_prediction,i)``, splits where it is undefined left out.
    min_reliability : a float: the ceiling is defined only where *both* reliabilities
        exceed it (``0`` by default: a negative reliability means noise dominates);
        ``None``: wherever their product is positive (the published rule, under which
        two negative reliabilities pass).

    Returns
    -------
    :class:`NoiseCeiling`. With ``per_split=False`` a split with a NaN reliability
    makes that target's ceiling undefined.
    """
    if min_reliability is not None:
        min_reliability = check_number(min_reliability, "min_reliability", low=0.0, high=1.0, high_open=True)
    if target_reliability is None and prediction_reliability is None:
        raise ValueError("give target_reliability or prediction_reliability (None stands for a noiseless side)")
    rt = None if target_reliability is None else _splits(target_reliability, "target_reliability")
    rp = None if prediction_reliability is None else _splits(prediction_reliability, "prediction_reliability")
    rt = np.ones((1, rp.shape[1])) if rt is None else rt
    rp = np.ones((1, rt.shape[1])) if rp is None else rp
    try:
        rt, rp = np.broadcast_arrays(rt, rp)
    except ValueError:
        raise ValueError(f"target_reliability and prediction_reliability have shapes {rt.shape} and {rp.shape}; "
                         "they need the same targets and the same splits (or one split)") from None
    per = None
    if per_split:
        prod = rt * rp
        ok = prod > 0 if min_reliability is None else (rt > min_reliability) & (rp > min_reliability)
        per = np.where(ok, 1.0 / np.where(ok, prod, 1.0), np.nan)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # no defined split -> NaN
            inverse = np.nanmean(per, axis=0)
        defined = ~np.isnan(inverse)
    else:
        mt, mp = rt.mean(axis=0), rp.mean(axis=0)
        defined = mt * mp > 0 if min_reliability is None else (mt > min_reliability) & (mp > min_reliability)
        inverse = np.where(defined, 1.0 / np.where(defined, mt * mp, 1.0), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        t_mean, p_mean = np.nanmean(rt, axis=0), np.nanmean(rp, axis=0)
    return NoiseCeiling(t_mean, p_mean, t_mean * p_mean, inverse, defined, per, bool(per_split), min_reliability)


def explained_variance(r, ceiling: NoiseCeiling) -> np.ndarray:
    """Noise-corrected explained variance in percent, ``100 · r² · ceiling.inverse``
    (NaN where the ceiling is undefined or ``r`` is NaN)."""
    return 100.0 * np.asarray(r, dtype=np.float64) ** 2 * ceiling.inverse
