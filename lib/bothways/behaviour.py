"""Behaviour read out of a population: decoders, image-level performance (i1), consistency.

Muzellec & Kar (2026) ask what the units that the brain predicts well ("common" units)
*do*: they decode object identity from common and from unique units and compare the
image-by-image behaviour of the decoders with primates and with other models. This
module holds the numerics of that question, for any population (model units, neurons,
digital twins):

- :func:`decode` — cross-validated, seeded multinomial logistic decoders of class from
  a (stimuli, units) matrix (scikit-learn's ``LogisticRegression``; 3 stratified folds
  × 20 fold seeds by default, as in the authors' decoding code), standardised inside
  each training fold. Returns held-out class probabilities (:class:`Decoding`).
- :func:`i1` — the image-level performance vector of Rajalingham et al. (2018): for
  image *i* of class *c*, the mean over the distractor classes *d* of the two-choice
  probability correct ``p_c / (p_c + p_d)``; normalised (i1n) by subtracting the mean
  over the images of class *c*.
- :func:`i1_consistency` and :func:`consistency_bootstrap` — the correlation of two
  observers' i1n vectors corrected for each observer's split-half reliability over
  decoder seeds (Spearman–Brown), with a bootstrap over images shared by all pairs so
  that differences between groups of pairs get paired intervals.
- :func:`unit_draws` — random unit subsets of a fixed size (matched counts and the
  random-unit-set null), and :func:`accuracy_difference` — paired accuracy differences
  between unit sets with a bootstrap over images.
- :func:`reverse_ev_null` and :func:`label_units_by_null` — a per-unit
  stimulus-permutation null for predictivity and "common"/"unique" labels relative to
  it. *Stopgap*: these belong in :mod:`bothways.predictivity` (``n_permutations``) once
  it has them.
- :func:`rank_correlation` — Spearman's ρ over a handful of items (networks) with a
  bootstrap interval over items, an exact permutation p-value and the critical |ρ|.
  *Stopgap* for ``bothways.stats``.
- :func:`simulate_class_population` — a brain and networks whose planted common units
  carry the class information (the positive control).
"""
from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bothways._validation import as_matrix, check_int, check_number, numeric_array, responses_of
from bothways.reliability import spearman_brown
from bothways.stats import paired_difference, percentile_interval

__all__ = ["Decoding", "decode", "i1", "normalise_i1", "I1Consistency", "i1_consistency",
           "ConsistencyBootstrap", "consistency_bootstrap", "bootstrap_weights", "accuracy_difference", "unit_draws",
           "UnitNull", "reverse_ev_null", "label_units_by_null", "RankCorrelation",
           "rank_correlation", "ClassPopulation", "simulate_class_population"]


# --------------------------------------------------------------------------- checks
def _int(name, value, low=1):
    return check_int(value, name, minimum=low)


def _codes(labels, n=None):
    """Class labels -> (integer codes 0..C-1, the sorted classes)."""
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.size == 0:
        raise ValueError(f"labels must be a non-empty 1-D array, got shape {labels.shape}")
    if n is not None and labels.size != n:
        raise ValueError(f"labels has {labels.size} entries but there are {n} stimuli")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError("labels contain NaN/inf")
    classes, codes = np.unique(labels, return_inverse=True)
    if classes.size < 2:
        raise ValueError(f"labels must contain at least 2 classes, got {classes.size}")
    return codes, classes


# --------------------------------------------------------------------------- decoding
@dataclass(frozen=True, eq=False)
class Decoding:
    """Held-out class probabilities of cross-validated decoders (:func:`decode`).

    probabilities : (n_seeds, n_images, n_classes) — for each fold seed, every image's
        class probabilities from the decoder that did not train on it.
    labels : (n_images,) integer codes 0..C-1 into ``classes``.
    classes : the class labels as given, sorted.
    n_folds, fold_seeds : the cross-validation (``fold_seeds[s]`` seeds
        ``StratifiedKFold`` for repetition ``s``).
    n_units : number of input columns; ``C`` : inverse regularisation strength.
    """

    probabilities: np.ndarray = field(repr=False)
    labels: np.ndarray = field(repr=False)
    classes: np.ndarray
    n_folds: int
    fold_seeds: tuple = field(repr=False)
    n_units: int
    C: float

    @property
    def n_seeds(self) -> int:
        return self.probabilities.shape[0]

    @property
    def predictions(self) -> np.ndarray:
        """(n_seeds, n_images) predicted class codes (argmax of the probabilities)."""
        return self.probabilities.argmax(axis=2)

    @property
    def hits(self) -> np.ndarray:
        """(n_seeds, n_images) bool: the decoder of that seed classified the image correctly."""
        return self.predictions == self.labels[None, :]

    @property
    def accuracy(self) -> float:
        """Fraction of correct held-out classifications, averaged over seeds."""
        return float(self.hits.mean())

    @property
    def accuracy_per_seed(self) -> np.ndarray:
        return self.hits.mean(axis=1)

    @property
    def image_accuracy(self) -> np.ndarray:
        """(n_images,) fraction of seeds whose decoder classified the image correctly."""
        return self.hits.mean(axis=0)

    @property
    def i1_per_seed(self) -> np.ndarray:
        """(n_seeds, n_images) raw i1 (not normalised) of every seed's decoder."""
        return i1(self.probabilities, self.labels, normalise=False)

    def i1(self, normalise: bool = True) -> np.ndarray:
        """(n_images,) i1 averaged over seeds; ``normalise``: i1n (class mean removed)."""
        v = self.i1_per_seed.mean(axis=0)
        return normalise_i1(v, self.labels) if normalise else v


def decode(features, labels, n_folds: int = 3, n_seeds: int = 20, seed: int = 0, C: float = 1.0,
           max_iter: int = 2000, standardise: bool = True) -> Decoding:
    """Cross-validated logistic decoders of class from a population, repeated over fold seeds.

    For each of ``n_seeds`` repetitions the images are split into ``n_folds``
    stratified folds (``sklearn.model_selection.StratifiedKFold`` with a seed drawn
    from ``numpy.random.SeedSequence(seed)``); for each fold a multinomial
    ``sklearn.linear_model.LogisticRegression(C=C)`` (L2, lbfgs) is fitted on the
    other folds — after a ``StandardScaler`` fitted on those same training images when
    ``standardise`` — and predicts the class probabilities of the held-out images. The
    authors' decoding code uses 3 folds × 20 seeds; it z-scores the features over *all*
    images (test images included) and fits one-vs-rest decoders with C = 5·10⁵; here
    the scaling sees only training images and ``C`` is a parameter (1 by default).

    Parameters
    ----------
    features : (n_images, n_units) real matrix, finite. Constant columns are allowed
        (they carry nothing); an all-constant matrix is an error.
    labels : (n_images,) class labels (any sortable values); every class needs at least
        ``n_folds`` images.
    n_folds, n_seeds, seed : the cross-validation scheme and its seed (int).
    C, max_iter : passed to ``LogisticRegression``.

    Returns
    -------
    :class:`Decoding`.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import StandardScaler

    X = as_matrix(features, "features", what="(images, units)")
    y, classes = _codes(labels, X.shape[0])
    n_folds, n_seeds = _int("n_folds", n_folds, 2), _int("n_seeds", n_seeds, 1)
    seed = check_int(seed, "seed", minimum=0)
    C = check_number(C, "C", low=0.0, low_open=True)
    counts = np.bincount(y, minlength=classes.size)
    if counts.min() < n_folds:
        bad = classes[counts.argmin()]
        raise ValueError(f"class {bad!r} has {counts.min()} image(s); each class needs at least "
                         f"n_folds={n_folds} for stratified folds")
    if np.all(X.std(axis=0) == 0):
        raise ValueError("features: every column is constant over the images; nothing to decode")
    fold_seeds = tuple(int(s) for s in np.random.SeedSequence(int(seed)).generate_state(n_seeds))
    P = np.full((n_seeds, X.shape[0], classes.size), np.nan)
    n_unconverged = 0
    for s, fs in enumerate(fold_seeds):
        for train, test in StratifiedKFold(n_folds, shuffle=True, random_state=fs).split(X, y):
            Xtr, Xte = X[train], X[test]
            if standardise:
                scaler = StandardScaler().fit(Xtr)
                Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                clf = LogisticRegression(C=float(C), max_iter=int(max_iter)).fit(Xtr, y[train])
            n_unconverged += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
            P[s, test] = clf.predict_proba(Xte)
    if n_unconverged:
        warnings.warn(f"{n_unconverged} of {n_seeds * n_folds} logistic fits did not converge in "
                      f"max_iter={max_iter} iterations", UserWarning, stacklevel=2)
    return Decoding(P, y, classes, n_folds, fold_seeds, X.shape[1], float(C))


# --------------------------------------------------------------------------- i1
def normalise_i1(values, labels) -> np.ndarray:
    """Subtract from every image's value the mean over the images of its class.

    ``values``: (..., n_images); ``labels``: (n_images,). This is the normalisation
    of Rajalingham et al. (2018) (i1 -> i1n): it removes object-level performance, so
    that what remains is which images of a class are hard.
    """
    v = np.asarray(values, dtype=np.float64)
    codes, classes = _codes(labels, v.shape[-1])
    out = v.copy()
    for c in range(classes.size):
        m = codes == c
        out[..., m] -= np.nanmean(v[..., m], axis=-1, keepdims=True)
    return out


def i1(probabilities, labels, normalise: bool = True) -> np.ndarray:
    """Image-level performance i1 (Rajalingham et al. 2018) from class probabilities.

    For image *i* with true class *c* and every distractor class *d ≠ c*, the decoder's
    two-alternative probability correct is ``p_ic / (p_ic + p_id)``; i1 is its mean over
    the distractors. With ``normalise`` (default) the mean over the images of class *c*
    is subtracted (i1n), so the vector says which images of a class are relatively
    easy or hard.

    Parameters
    ----------
    probabilities : (..., n_images, n_classes) non-negative scores (rows need not sum
        to 1: the ratio is scale-free), e.g. :attr:`Decoding.probabilities`.
    labels : (n_images,) integer class codes in ``[0, n_classes)``.

    Returns
    -------
    (..., n_images) array.
    """
    P = np.asarray(probabilities, dtype=np.float64)
    if P.ndim < 2:
        raise ValueError(f"probabilities must be (..., n_images, n_classes), got shape {P.shape}")
    n, C = P.shape[-2:]
    if C < 2:
        raise ValueError("probabilities need at least 2 classes")
    if not np.all(np.isfinite(P)) or np.any(P < 0):
        raise ValueError("probabilities must be finite and non-negative")
    y = np.asarray(labels)
    if y.ndim != 1 or y.size != n or not np.issubdtype(y.dtype, np.integer) or y.min() < 0 or y.max() >= C:
        raise ValueError(f"labels must be {n} integer class codes in [0, {C})")
    pt = np.take_along_axis(P, np.broadcast_to(y[:, None], P.shape[:-1] + (1,)), axis=-1)
    den = pt + P
    if np.any(den <= 0):
        raise ValueError("an image has probability 0 for its class and for a distractor: "
                         "the two-choice ratio is undefined")
    pc = pt / den
    pc[..., np.arange(n), y] = np.nan
    out = np.nanmean(pc, axis=-1)
    return normalise_i1(out, y) if normalise else out


# --------------------------------------------------------------------------- consistency
def _per_seed(name, obs, n_images=None):
    """An observer (Decoding or (n_seeds, n_images) raw i1) -> (n_seeds, n_images)."""
    A = obs.i1_per_seed if isinstance(obs, Decoding) else np.asarray(obs, dtype=np.float64)
    if A.ndim != 2 or A.shape[0] < 2:
        raise ValueError(f"observer {name!r} must be a Decoding or a (n_seeds >= 2, n_images) array of "
                         f"per-seed i1, got shape {A.shape}")
    if n_images is not None and A.shape[1] != n_images:
        raise ValueError(f"observer {name!r} has {A.shape[1]} images, expected {n_images}")
    if not np.all(np.isfinite(A)):
        raise ValueError(f"observer {name!r} has NaN/inf i1 values")
    return A


def _halves(A, labels, n_splits, rng):
    """i1n of the full observer and of both halves of its seeds, for each split."""
    k = A.shape[0] // 2
    full = normalise_i1(A.mean(axis=0), labels)
    ha, hb = [], []
    for _ in range(n_splits):
        p = rng.permutation(A.shape[0])
        ha.append(A[p[:k]].mean(axis=0))
        hb.append(A[p[k:]].mean(axis=0))
    return full, normalise_i1(np.array(ha), labels), normalise_i1(np.array(hb), labels)


def _wcorr(W, x, y):
    """Weighted Pearson correlation of the columns of x and y (n, m) for each row of W (B, n)."""
    mx, my = W @ x, W @ y
    sxy = W @ (x * y) - mx * my
    sxx = W @ (x * x) - mx ** 2
    syy = W @ (y * y) - my ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        r = sxy / np.sqrt(sxx * syy)
    return np.where((sxx > 0) & (syy > 0), r, np.nan)


def _corrected(raw, rel_a, rel_b):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where((rel_a > 0) & (rel_b > 0), raw / np.sqrt(np.abs(rel_a * rel_b)), np.nan)


@dataclass(frozen=True)
class I1Consistency:
    """Result of :func:`i1_consistency`.

    raw : Pearson r between the two observers' i1n (all seeds averaged).
    reliability_a, reliability_b : Spearman–Brown corrected split-half reliability of
        each observer's i1n over decoder seeds (mean over splits).
    consistency : ``raw / sqrt(reliability_a · reliability_b)``; NaN when a
        reliability is not positive.
    """

    raw: float
    reliability_a: float
    reliability_b: float
    consistency: float
    n_images: int


def _reliability(W, ha, hb):
    """Mean over splits of SB(r(half A, half B)) for each weight row: (B,)."""
    return np.nanmean(spearman_brown(_wcorr(W, ha.T, hb.T)), axis=1)


def i1_consistency(a, b, labels, n_splits: int = 10, seed: int = 0) -> I1Consistency:
    """Noise-corrected consistency of two observers' image-level behaviour.

    ``a``, ``b``: :class:`Decoding` results (or (n_seeds, n_images) per-seed raw i1)
    on the same images in the same order; ``labels``: their class codes. Each
    observer's seeds are split ``n_splits`` times into two halves; the split-half
    correlation of i1n, Spearman–Brown corrected, is the observer's reliability; the
    consistency is the correlation of the full i1n vectors divided by the geometric mean
    of the two reliabilities (Rajalingham et al. 2018; Schrimpf et al. 2018). Two
    observers with the same underlying i1 and independent decoder noise score 1 on
    average, whatever their noise levels.
    """
    A = _per_seed("a", a)
    B = _per_seed("b", b, A.shape[1])
    codes, _ = _codes(labels, A.shape[1])
    n_splits = _int("n_splits", n_splits)
    rng = np.random.default_rng(seed)
    fa, ha, hb = _halves(A, codes, n_splits, rng)
    fb, ga, gb = _halves(B, codes, n_splits, rng)
    W = np.full((1, A.shape[1]), 1.0 / A.shape[1])
    raw = float(_wcorr(W, fa[:, None], fb[:, None])[0, 0])
    ra, rb = float(_reliability(W, ha, hb)[0]), float(_reliability(W, ga, gb)[0])
    return I1Consistency(raw, ra, rb, float(_corrected(raw, ra, rb)), A.shape[1])


def bootstrap_weights(n: int, n_boot: int, seed=0) -> np.ndarray:
    """(n_boot, n) weights of a bootstrap over ``n`` items: multinomial counts / n."""
    n, n_boot = _int("n", n), _int("n_boot", n_boot, 0)
    rng = np.random.default_rng(seed)
    return rng.multinomial(n, np.full(n, 1.0 / n), size=n_boot) / n


@dataclass(frozen=True, eq=False)
class ConsistencyBootstrap:
    """Result of :func:`consistency_bootstrap`.

    table : one row per pair (``a``, ``b``, ``raw``, ``reliability_a``,
        ``reliability_b``, ``consistency``, ``ci_low``, ``ci_high``).
    boot : (n_boot, n_pairs) consistency on each bootstrap sample of images (the same
        samples for every pair, so groups of pairs can be compared pairwise).
    """

    table: pd.DataFrame
    boot: np.ndarray = field(repr=False)
    ci: float = 0.95

    def _rows(self, pairs):
        idx = np.asarray(pairs)
        if idx.dtype == bool:
            idx = np.flatnonzero(idx)
        if idx.size == 0:
            raise ValueError("a group of pairs is empty")
        return idx

    def group(self, pairs) -> tuple:
        """Mean consistency over a group of pairs (row positions or a boolean mask):
        ``(estimate, ci_low, ci_high, n_nan)``; NaN pairs are left out and counted."""
        idx = self._rows(pairs)
        est = float(np.nanmean(self.table["consistency"].to_numpy()[idx]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            b = np.nanmean(self.boot[:, idx], axis=1)
        lo, hi = percentile_interval(b, self.ci)
        return est, lo, hi, int(np.isnan(self.table["consistency"].to_numpy()[idx]).sum())

    def difference(self, first, second) -> tuple:
        """Paired difference of two groups' mean consistency, first − second, with its
        bootstrap interval (same image samples on both sides): ``(estimate, low, high)``."""
        i, j = self._rows(first), self._rows(second)
        c = self.table["consistency"].to_numpy()
        est = float(np.nanmean(c[i]) - np.nanmean(c[j]))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            b = np.nanmean(self.boot[:, i], axis=1) - np.nanmean(self.boot[:, j], axis=1)
        lo, hi = percentile_interval(b, self.ci)
        return est, lo, hi


def consistency_bootstrap(observers: Mapping, labels, pairs: Sequence[tuple], n_splits: int = 10,
                          n_boot: int = 1000, seed: int = 0, ci: float = 0.95) -> ConsistencyBootstrap:
    """:func:`i1_consistency` for many pairs of observers, with a shared bootstrap over images.

    Parameters
    ----------
    observers : name -> :class:`Decoding` (or (n_seeds, n_images) per-seed raw i1), all
        on the same images.
    labels : (n_images,) class labels.
    pairs : (name_a, name_b) pairs to score.
    n_splits : seed splits per observer for the reliabilities.
    n_boot, seed, ci : bootstrap samples over images (resampled with replacement; the
        i1n normalisation stays that of the full image set), their seed, CI level. Every
        pair is scored on the same samples, so :meth:`ConsistencyBootstrap.difference`
        gives paired intervals.
    """
    if not isinstance(observers, Mapping) or not observers:
        raise ValueError("observers must be a non-empty mapping name -> Decoding")
    pairs = [tuple(p) for p in pairs]
    if not pairs:
        raise ValueError("no pairs to score")
    unknown = sorted({x for p in pairs for x in p if x not in observers}, key=str)
    if unknown or any(len(p) != 2 for p in pairs):
        raise ValueError(f"pairs must be (a, b) names of observers; unknown: {unknown}")
    if not 0 < float(ci) < 1:
        raise ValueError(f"ci must lie in (0, 1), got {ci}")
    names = list(dict.fromkeys(x for p in pairs for x in p))
    first = _per_seed(names[0], observers[names[0]])
    n = first.shape[1]
    codes, _ = _codes(labels, n)
    n_splits = _int("n_splits", n_splits)
    rng = np.random.default_rng([int(seed), 3])
    parts = {m: _halves(_per_seed(m, observers[m], n), codes, n_splits, rng) for m in names}
    W = np.vstack([np.full((1, n), 1.0 / n), bootstrap_weights(n, n_boot, [int(seed), 4])])
    rel = {m: _reliability(W, ha, hb) for m, (_, ha, hb) in parts.items()}
    fa = np.column_stack([parts[a][0] for a, _ in pairs])
    fb = np.column_stack([parts[b][0] for _, b in pairs])
    raw = _wcorr(W, fa, fb)
    rel_a = np.column_stack([rel[a] for a, _ in pairs])
    rel_b = np.column_stack([rel[b] for _, b in pairs])
    cons = _corrected(raw, rel_a, rel_b)
    lohi = np.array([percentile_interval(cons[1:, j], ci) for j in range(len(pairs))]).reshape(-1, 2)
    table = pd.DataFrame({"a": [a for a, _ in pairs], "b": [b for _, b in pairs], "raw": raw[0],
                          "reliability_a": rel_a[0], "reliability_b": rel_b[0], "consistency": cons[0],
                          "ci_low": lohi[:, 0], "ci_high": lohi[:, 1]})
    return ConsistencyBootstrap(table, cons[1:], float(ci))


def _image_accuracy(name, obs):
    decs = [obs] if isinstance(obs, Decoding) else list(obs)
    if not decs or not all(isinstance(d, Decoding) for d in decs):
        raise TypeError(f"{name} must be a Decoding or a non-empty list of Decodings")
    n = decs[0].labels.size
    if any(d.labels.size != n or not np.array_equal(d.labels, decs[0].labels) for d in decs):
        raise ValueError(f"the decodings in {name} are not on the same labelled images")
    return np.mean([d.image_accuracy for d in decs], axis=0), decs[0].labels


def accuracy_difference(first, second, n_boot: int = 1000, seed: int = 0, ci: float = 0.95) -> tuple:
    """Paired difference in decoding accuracy, first − second, with a bootstrap over images.

    ``first``, ``second``: a :class:`Decoding` or a list of them (e.g. several random
    unit draws; their per-image accuracies are averaged) on the same images. The
    interval is :func:`bothways.stats.paired_difference` over images. Returns
    ``(estimate, ci_low, ci_high)`` in accuracy units (fraction correct).
    """
    a, la = _image_accuracy("first", first)
    b, lb = _image_accuracy("second", second)
    if a.size != b.size or not np.array_equal(la, lb):
        raise ValueError("first and second are not on the same labelled images")
    d = paired_difference(a, b, n_boot=n_boot, level=ci, seed=[int(seed), 7])
    return d.estimate, d.low, d.high


# --------------------------------------------------------------------------- unit sets
def unit_draws(pool, k: int, n_draws: int, seed=0) -> np.ndarray:
    """``n_draws`` random subsets of ``k`` units from ``pool`` (indices), each without
    replacement and sorted: a (n_draws, k) integer array. Seeded by ``seed``."""
    pool = np.asarray(pool)
    if pool.ndim != 1 or not np.issubdtype(pool.dtype, np.integer):
        raise ValueError("pool must be a 1-D array of unit indices")
    if np.unique(pool).size != pool.size:
        raise ValueError("pool contains repeated units")
    k, n_draws = _int("k", k), _int("n_draws", n_draws)
    if k > pool.size:
        raise ValueError(f"cannot draw k={k} units from a pool of {pool.size}")
    rng = np.random.default_rng(seed)
    return np.array([np.sort(rng.choice(pool, k, replace=False)) for _ in range(n_draws)])


# --------------------------------------------------------------------------- permutation null
@dataclass(frozen=True, eq=False)
class UnitNull:
    """Result of :func:`reverse_ev_null` (one row per target in ``per_target``).

    per_target : ``r``, ``ev`` (the result's EV, %), ``ev_signed`` (EV with the sign
        of r: anti-correlated predictions count as negative, not as explained variance),
        ``r_null_mean``, ``ev_null_mean`` (mean over permutations of the EV the same
        ceiling gives a permuted fit), ``p_value`` (one-sided on r:
        ``(1 + #{r_null ≥ r}) / (K + 1)``).
    null_r : (n_permutations, targets) held-out r of every permuted fit.
    summary : ``mean_ev``, ``null_mean_ev``, ``mean_ev_signed``, ``n_above_null``
        (targets with ``p_value <= alpha``), ``alpha``, ``n_permutations``, ``n_targets``.
    """

    per_target: pd.DataFrame
    null_r: np.ndarray = field(repr=False)
    summary: dict = field(default_factory=dict)


def _trial_mean(name, A):
    """A model (stimuli, units), recordings (stimuli, neurons, repeats) or a Recording ->
    its (stimuli, columns) trial mean."""
    A = numeric_array(responses_of(A), name).astype(np.float64)
    if A.ndim == 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            A = np.nanmean(A, axis=2)
    return as_matrix(A, name)


_PREDICTIVITY_ONLY = {"method", "n_splits", "seed", "n_folds", "folds", "match_to", "min_reliability", "n_boot",
                      "ci", "prediction_reliability", "progress"}


def reverse_ev_null(result, source, target, n_permutations: int = 19, seed: int = 0, alpha: float = 0.05,
                    **ridge_options) -> UnitNull:
    """Stimulus-permutation null for every target of a predictivity result.

    The trial-averaged ``source`` rows (stimuli) are permuted at random and the ridge map
    is refitted onto the unpermuted ``target`` with the *same folds* and the same ridge
    options as ``result`` (pass the ridge options given to ``predictivity``, e.g.
    ``device``; ``method="muzellec_kar"`` results are refitted with its fixed alpha and
    intercept); each target's null EV uses its own ceiling from ``result``. A target
    whose held-out r exceeds its permuted fits is distinguishable from the null.

    .. deprecated::
        Use ``predictivity(source, target, ..., n_permutations=K)``, which refits the
        permutations inside the same call (same folds, ridge options and ceilings) and
        adds ``ev_null_mean``, ``r_null_mean`` and ``p_value`` to ``per_target``
        (its permutation stream differs from this function's). This stopgap stays
        for code written against it and warns (``DeprecationWarning``).

    Parameters
    ----------
    result : :class:`bothways.predictivity.PredictivityResult` of ``predictivity(source, target)``.
    source, target : the arrays given to that call.
    n_permutations : K (19 gives a smallest p-value of 0.05).
    seed : seeds the permutations. ``alpha``: threshold counted in ``n_above_null``.
    """
    from bothways.config import MUZELLEC_KAR_ALPHA
    from bothways.ridge import cv_ridge

    warnings.warn("behaviour.reverse_ev_null is deprecated: use predictivity(..., n_permutations=K)",
                  DeprecationWarning, stacklevel=2)
    K = _int("n_permutations", n_permutations)
    if not 0 < float(alpha) < 1:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
    S_mean, T_mean = _trial_mean("source", source), _trial_mean("target", target)
    S, T = S_mean, T_mean
    pt = result.per_target
    if S.shape[0] != T.shape[0] or T.shape[1] != len(pt) or result.predictions.shape[0] != S.shape[0]:
        raise ValueError(f"source {S.shape} / target {T.shape} do not match the result "
                         f"({result.predictions.shape[0]} stimuli, {len(pt)} targets)")
    kw = {k: v for k, v in ridge_options.items() if k not in _PREDICTIVITY_ONLY}
    if result.method == "muzellec_kar":
        kw.update(alphas=MUZELLEC_KAR_ALPHA, fit_intercept=True)
    r = pt["r"].to_numpy()
    r2 = pt["r2"].to_numpy()
    ev = pt["ev"].to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        inv_ceiling = np.where(r2 > 0, ev / (100.0 * r2), np.nan)
    rng = np.random.default_rng([int(seed), 5])
    null_r = np.empty((K, T.shape[1]))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*constant target", category=UserWarning)
        for k in range(K):
            perm = rng.permutation(S.shape[0])
            null_r[k] = cv_ridge(S_mean[perm], T_mean, folds=list(result.folds), **kw).r
    ev_null = 100.0 * null_r ** 2 * inv_ceiling[None, :]
    with np.errstate(invalid="ignore"):
        exceed = np.where(np.isnan(null_r), 1.0, (null_r >= r[None, :]).astype(float))
    p = np.where(np.isfinite(r), (1.0 + exceed.sum(axis=0)) / (K + 1.0), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        per = pd.DataFrame({"r": r, "ev": ev, "ev_signed": np.sign(r) * ev,
                            "r_null_mean": np.nanmean(null_r, axis=0),
                            "ev_null_mean": np.nanmean(ev_null, axis=0), "p_value": p}, index=pt.index)
        summary = dict(mean_ev=float(np.nanmean(ev)), null_mean_ev=float(np.nanmean(per["ev_null_mean"])),
                       mean_ev_signed=float(np.nanmean(per["ev_signed"])),
                       n_above_null=int(np.sum(p <= alpha)), alpha=float(alpha), n_permutations=K,
                       n_targets=int(T.shape[1]))
    return UnitNull(per, null_r, summary)


def label_units_by_null(ev, p_value, alpha: float = 0.05, top: float = 0.2) -> np.ndarray:
    """"common" / "unique" / "middle" / "undefined" labels relative to a permutation null.

    .. deprecated::
        A thin alias of ``bothways.predictivity.label_units(ev, top, rule="null",
        p_value=p_value, correction="none", alpha=alpha)``; warns
        (``DeprecationWarning``).

    - ``"common"``: among the top ``top`` fraction of units by EV (Muzellec & Kar's 20 %,
      counted over units with a defined EV) **and** distinguishable from the null
      (``p_value <= alpha``);
    - ``"unique"``: not distinguishable from the null (``p_value > alpha``);
    - ``"middle"``: distinguishable from the null but not in the top fraction;
    - ``"undefined"``: no p-value, or distinguishable from the null with an undefined EV.
    """
    from bothways.predictivity import label_units

    warnings.warn("behaviour.label_units_by_null is deprecated: use predictivity.label_units(ev, top, "
                  "rule='null', p_value=p, correction='none', alpha=alpha)", DeprecationWarning, stacklevel=2)
    ev, p = np.asarray(ev, dtype=np.float64), np.asarray(p_value, dtype=np.float64)
    if ev.ndim != 1 or ev.shape != p.shape:
        raise ValueError(f"ev and p_value must be 1-D of equal length, got {ev.shape} and {p.shape}")
    if not 0 < float(alpha) < 1 or not 0 < float(top) <= 1:
        raise ValueError(f"alpha must lie in (0, 1) and top in (0, 1], got {alpha}, {top}")
    return label_units(ev, top, rule="null", p_value=p, correction="none", alpha=alpha)


# --------------------------------------------------------------------------- correlations over items
@dataclass(frozen=True)
class RankCorrelation:
    """Result of :func:`rank_correlation`.

    rho : Spearman's ρ; with ``groups``, the correlation of ranks taken and centred
        within each group (the pooled within-group rank correlation).
    ci_low, ci_high : percentile bootstrap interval over items (resampled within groups).
    p_value : two-sided permutation p-value (exact enumeration for up to 8 items per
        group product ≤ 40320 orderings, else 20000 random permutations).
    critical : the smallest |ρ| that would reach ``p <= 1 − level`` with these items —
        the honest power statement: smaller correlations cannot be told from 0.
    n : items; n_boot_valid : bootstrap samples with a defined ρ.
    """

    rho: float
    ci_low: float
    ci_high: float
    p_value: float
    critical: float
    n: int
    n_boot_valid: int
    level: float = 0.95


def _within_ranks(v, groups):
    """Ranks within each group, centred on the group's mean rank (one item: 0)."""
    from scipy.stats import rankdata

    out = np.empty(v.size)
    for g in np.unique(groups):
        m = groups == g
        r = rankdata(v[m])
        out[m] = r - r.mean()
    return out


def _rank_stat(x, y, groups):
    """Pearson correlation of within-group centred ranks (Spearman's rho for one group)."""
    a, b = _within_ranks(x, groups), _within_ranks(y, groups)
    den = np.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / den) if den > 0 else np.nan


def _group_perms(groups, rng, max_exact=40320, n_random=20000) -> np.ndarray:
    """(n_perms, n) permutations of item positions within groups: every one of them when
    there are at most ``max_exact``, else ``n_random`` random ones."""
    blocks = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    total = math.prod(math.factorial(b.size) for b in blocks)
    if total <= max_exact:
        out = np.empty((total, groups.size), dtype=int)
        for i, combo in enumerate(itertools.product(*[itertools.permutations(b) for b in blocks])):
            for b, p in zip(blocks, combo):
                out[i, b] = p
        return out
    out = np.tile(np.arange(groups.size), (n_random, 1))
    for b in blocks:
        out[:, b] = rng.permuted(np.tile(b, (n_random, 1)), axis=1)
    return out


def rank_correlation(x, y, groups=None, n_boot: int = 2000, seed: int = 0, level: float = 0.95) -> RankCorrelation:
    """Spearman's ρ between two per-item scores (e.g. one value per network), with an
    interval over items and the correlation these few items can resolve.

    ``groups`` (optional, one label per item, e.g. the architecture family): the
    within-group association — both scores are ranked within each group and the ranks
    centred on the group mean before they are correlated; resampling and permuting
    happen within groups (a family with one item adds nothing). Interval: percentile bootstrap over items (``n_boot`` samples; samples in
    which a score is constant are dropped and counted). p-value: permutation of ``y``
    against ``x``. ``critical``: the smallest |ρ| with a permutation p-value at most
    ``1 − level``; with 7 items and no groups it is 0.79, with 5 it is 1.0.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 1 or x.shape != y.shape:
        raise ValueError(f"x and y must be 1-D of equal length, got {x.shape} and {y.shape}")
    if not (np.all(np.isfinite(x)) and np.all(np.isfinite(y))):
        raise ValueError("x and y must be finite (drop items without a score first)")
    g = np.zeros(x.size, int) if groups is None else np.unique(np.asarray(groups), return_inverse=True)[1]
    if g.size != x.size:
        raise ValueError(f"groups has {g.size} labels for {x.size} items")
    if x.size < 3:
        raise ValueError(f"need at least 3 items, got {x.size}")
    if not 0 < float(level) < 1:
        raise ValueError(f"level must lie in (0, 1), got {level}")
    rho = _rank_stat(x, y, g)
    rng = np.random.default_rng([int(seed), 6])
    boot = []
    blocks = [np.flatnonzero(g == k) for k in np.unique(g)]
    for _ in range(_int("n_boot", n_boot, 0)):
        idx = np.concatenate([rng.choice(b, b.size, replace=True) for b in blocks])
        boot.append(_rank_stat(x[idx], y[idx], g[idx]))
    boot = np.array(boot)
    lo, hi = percentile_interval(boot, level)
    # permuting y within groups permutes its within-group ranks: rank once
    a, b = _within_ranks(x, g), _within_ranks(y, g)
    den = np.sqrt((a * a).sum() * (b * b).sum())
    null = (b[_group_perms(g, rng)] @ a) / den if den > 0 else np.zeros(0)
    if null.size == 0 or not np.isfinite(rho):
        p_value, critical = np.nan, np.nan
    else:
        a = np.round(np.abs(null), 12)
        p_value = float(np.mean(a >= round(abs(rho), 12) - 1e-12))
        levels = np.unique(a)
        ok = [c for c in levels if np.mean(a >= c - 1e-12) <= 1 - level]
        critical = float(min(ok)) if ok else np.nan
    return RankCorrelation(rho, lo, hi, p_value, critical, int(x.size), int(np.isfinite(boot).sum()), float(level))


# --------------------------------------------------------------------------- positive control
@dataclass(frozen=True, eq=False)
class ClassPopulation:
    """Result of :func:`simulate_class_population` (a positive control with known truth).

    labels : (n_images,) class codes. brain : (n_images, n_sites, n_repeats) trials of a
    "brain" driven by the shared latent. networks : tuple of (n_images, n_units)
    matrices; in each, ``common[m]`` are the planted units driven by the shared latent
    (which carries the class and the image-level difficulty every observer sees) and
    ``unique[m]`` the units driven by the network's private latent.
    """

    labels: np.ndarray
    brain: np.ndarray = field(repr=False)
    networks: tuple = field(repr=False)
    common: tuple = field(repr=False)
    unique: tuple = field(repr=False)


def simulate_class_population(n_images: int = 300, n_classes: int = 10, n_sites: int = 40, n_repeats: int = 4,
                              n_networks: int = 2, n_common: int = 60, n_unique: int = 60, n_latent: int = 8,
                              class_signal: float = 1.0, unique_class_signal: float = 0.0,
                              unit_noise: float = 0.5, trial_noise: float = 1.0, seed: int = 0) -> ClassPopulation:
    """A brain and networks in which the planted "common" units carry the class information.

    Every image *i* of class *c* has a shared latent ``s_i = class_signal · μ_c + η_i``
    (``n_latent`` dimensions; class means μ and image-specific variation η standard
    normal): the class plus image-level variation that every observer sees. The brain's
    ``n_sites`` sites are random linear read-outs of ``s`` plus trial noise
    (``trial_noise``, ``n_repeats`` repeats). In each network, ``n_common`` units are
    random read-outs of ``s`` and ``n_unique`` units read out a private latent
    ``π_mi = unique_class_signal · ν_mc + ξ_mi`` (class means ν and image variation ξ
    of that network only); every unit has independent noise ``unit_noise``. Columns
    are shuffled (``common[m]``/``unique[m]`` say which is which).

    So the brain predicts the common units (high reverse EV) and not the unique ones;
    common units decode the class (``unique_class_signal=0`` leaves unique units at
    chance) with image-level behaviour shared across networks, unique units carry only
    private image-level behaviour.
    """
    for name, v in (("n_images", n_images), ("n_classes", n_classes), ("n_sites", n_sites),
                    ("n_networks", n_networks), ("n_common", n_common), ("n_unique", n_unique),
                    ("n_latent", n_latent)):
        _int(name, v)
    _int("n_repeats", n_repeats, 2)
    if n_images < 2 * n_classes:
        raise ValueError(f"need at least 2 images per class, got {n_images} images for {n_classes} classes")
    rng = np.random.default_rng(seed)
    labels = np.arange(n_images) % n_classes
    rng.shuffle(labels)
    mu = rng.standard_normal((n_classes, n_latent))
    shared = class_signal * mu[labels] + rng.standard_normal((n_images, n_latent))
    readout = rng.standard_normal((n_latent, n_sites)) / np.sqrt(n_latent)
    rates = shared @ readout
    brain = rates[:, :, None] + trial_noise * rng.standard_normal((n_images, n_sites, n_repeats))
    nets, common, unique = [], [], []
    for _ in range(n_networks):
        nu = rng.standard_normal((n_classes, n_latent))
        private = unique_class_signal * nu[labels] + rng.standard_normal((n_images, n_latent))
        X = np.hstack([shared @ rng.standard_normal((n_latent, n_common)),
                       private @ rng.standard_normal((n_latent, n_unique))]) / np.sqrt(n_latent)
        X += unit_noise * rng.standard_normal(X.shape)
        order = rng.permutation(n_common + n_unique)
        inverse = np.argsort(order)
        nets.append(X[:, order])
        common.append(np.sort(inverse[:n_common]))
        unique.append(np.sort(inverse[n_common:]))
    return ClassPopulation(labels, brain, tuple(nets), tuple(common), tuple(unique))
