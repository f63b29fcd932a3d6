"""Representational similarity metrics: methodological pluralism.

All functions take stimuli-first arrays ``A`` (stimuli, units_a) and ``B``
(stimuli, units_b) with the same stimuli in the same order.

- :func:`rsa` — representational similarity analysis (Kriegeskorte et al. 2008) through
  rsatoolbox's RDMs and comparisons.
- :func:`linear_cka` — linear centred kernel alignment (Kornblith et al. 2019), by default
  with the debiased HSIC estimator of Song et al. (2012): biased CKA of independent
  features grows with their width.
- :func:`procrustes_distance` — angular shape distance (Williams et al. 2021), with
  optional partial whitening (``alpha = 0``: CCA-like).
- :func:`bures_similarity` — normalised Bures similarity (= cos of the angular Procrustes
  distance; Harvey et al. 2023).
- :func:`cca_similarity`, :func:`svcca`, :func:`pwcca` — mean canonical correlation, on
  the top principal components (Raghu et al. 2017), projection-weighted (Morcos et al.
  2018).
- :func:`matching_score`, :func:`soft_matching_score` — one-to-one and soft (optimal
  transport) matching of units (Khosla & Williams 2023), in sample;
  :func:`matching_cv` — one-to-one matching fitted on training stimuli and scored on
  held-out ones, on a fixed number of units (its chance level does not grow with width).
- :func:`shuffle_null` — any metric's chance level: the same metric with the stimuli of
  one side shuffled.
- :func:`similarity` and :data:`ALIASES` — the measures by name, with the names of the
  similarity-repository registry as aliases.
- :func:`transform_class_score`, :func:`training_fit` — cross-validated prediction under
  a mapping class, and the classes' fit on the training stimuli (one-to-one permutation
  ⊂ soft (non-negative mixture) ⊂ linear; Thobani et al. 2025).
- :func:`rank_agreement` — do metrics rank models alike?

Ridge regression goes through :func:`bothways.ridge.cv_ridge`; the other fits here are
closed forms (assignment, non-negative least squares, least squares).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment, linprog

from bothways._validation import as_matrix, check_choice, check_number, check_same_stimuli
from bothways.stats import pearson_columns

__all__ = ["rsa", "linear_cka", "procrustes_distance", "bures_similarity", "canonical_correlations",
           "cca_similarity", "svcca", "pwcca", "Matching", "matching_score", "soft_matching_score",
           "matching_cv", "ShuffleNull", "shuffle_null", "ALIASES", "MEASURES", "similarity",
           "TRANSFORM_CLASSES", "TransformScore", "transform_class_score", "training_fit", "rank_agreement",
           "unit_correlations"]


# ----------------------------------------------------------------------------- input
def _as_2d(name, A, min_rows=2):
    return as_matrix(A, name, expand_1d=True, min_rows=min_rows, allow_bool=True)


def _pair(A, B, min_rows=2):
    A, B = _as_2d("A", A, min_rows), _as_2d("B", B, min_rows)
    check_same_stimuli(A.shape[0], B.shape[0], "A", "B")
    return A, B


def _no_constant(name, A):
    bad = np.flatnonzero(np.ptp(A, axis=0) == 0)
    if bad.size:
        raise ValueError(f"{name} has constant units (columns {bad[:10].tolist()}"
                         f"{'…' if bad.size > 10 else ''}): their correlations are undefined")


def _zscore(A):
    """Columns centred and scaled to unit norm; constant columns stay zero."""
    Ac = A - A.mean(0)
    norm = np.linalg.norm(Ac, axis=0)
    return Ac / np.where(norm > 0, norm, 1.0)


def unit_correlations(A, B) -> np.ndarray:
    """Pearson correlation of every unit of ``A`` with every unit of ``B`` across stimuli.

    Returns a (units_a, units_b) array. Raises ``ValueError`` for constant units.
    """
    A, B = _pair(A, B, min_rows=3)
    _no_constant("A", A)
    _no_constant("B", B)
    return np.clip(_zscore(A).T @ _zscore(B), -1.0, 1.0)


# ------------------------------------------------------------------------------- RSA
_RSA_COMPARE = ("corr", "spearman", "cosine", "kendall", "tau-a", "rho-a", "bures")


def rsa(A, B, rdm_method: str = "correlation", compare: str = "corr") -> float:
    """Representational similarity analysis between two representations.

    Builds each representation's stimulus × stimulus RDM with
    ``rsatoolbox.rdm.calc_rdm`` (``rdm_method``: "correlation", "euclidean", …) and
    compares the two with ``rsatoolbox.rdm.compare`` (``compare``: "corr" Pearson,
    "spearman", "cosine", "kendall", "tau-a", "rho-a", "bures")
    (Kriegeskorte, Mur & Bandettini 2008; Nili et al. 2014).

    Parameters
    ----------
    A : (stimuli, units_a); B : (stimuli, units_b); at least 3 stimuli.

    Returns
    -------
    The RDM similarity (a float; 1 for identical RDMs under "corr").
    """
    A, B = _pair(A, B, min_rows=3)
    check_choice(compare, "compare", _RSA_COMPARE)
    if rdm_method == "correlation":
        for name, M in (("A", A), ("B", B)):
            if M.shape[1] < 2 or np.any(np.ptp(M, axis=1) == 0):
                raise ValueError(f"correlation RDM of {name} needs >= 2 units and no stimulus "
                                 "with a constant pattern across units")
    from rsatoolbox.data import Dataset
    from rsatoolbox.rdm import calc_rdm
    from rsatoolbox.rdm import compare as rdm_compare

    rdms = [calc_rdm(Dataset(M), method=rdm_method) for M in (A, B)]
    return float(np.asarray(rdm_compare(rdms[0], rdms[1], method=compare)).squeeze())


# ------------------------------------------------------------------------------- CKA
def _hsic_unbiased(K, L):
    """Unbiased HSIC estimator of Song et al. (2012, eq. 5) on n × n Grams."""
    n = K.shape[0]
    K, L = K.copy(), L.copy()
    np.fill_diagonal(K, 0.0)
    np.fill_diagonal(L, 0.0)
    kl = np.sum(K * L)
    sk, sl = K.sum(), L.sum()
    cross = K.sum(0) @ L.sum(1)
    return (kl + sk * sl / ((n - 1) * (n - 2)) - 2.0 * cross / (n - 2)) / (n * (n - 3))


def linear_cka(A, B, debiased: bool = True) -> float:
    """Linear centred kernel alignment (Kornblith, Norouzi, Lee & Hinton 2019).

    ``CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))`` with linear kernels
    ``K = Ac Acᵀ``, ``L = Bc Bcᵀ`` of the column-centred representations; the biased
    form equals ``‖AcᵀBc‖²_F / (‖AcᵀAc‖_F ‖BcᵀBc‖_F)``. ``debiased=True`` (the default)
    uses the unbiased HSIC estimator (Song et al. 2012), as in Kornblith et al.'s code;
    it removes the upward bias of CKA between unrelated high-dimensional
    representations (biased CKA of independent features grows with their width: at
    256 stimuli and 50 neurons about 0.2–0.4 for 64–20 000 units) and can be slightly
    negative. ``debiased=False`` gives the biased (plug-in) form.

    Parameters
    ----------
    A : (stimuli, units_a); B : (stimuli, units_b); at least 4 stimuli when debiased.

    Returns
    -------
    CKA (a float in [0, 1] for the biased form).
    """
    A, B = _pair(A, B, min_rows=4 if debiased else 2)
    Ac, Bc = A - A.mean(0), B - B.mean(0)
    if not (np.any(Ac) and np.any(Bc)):
        raise ValueError("A or B is constant over stimuli: CKA is undefined")
    if debiased:
        K, L = Ac @ Ac.T, Bc @ Bc.T
        kk, ll = _hsic_unbiased(K, K), _hsic_unbiased(L, L)
        if kk <= 0 or ll <= 0:
            raise ValueError("debiased self-similarity is not positive: too few stimuli")
        return float(_hsic_unbiased(K, L) / np.sqrt(kk * ll))
    n, (a, b) = A.shape[0], (A.shape[1], B.shape[1])
    if n < max(a, b):  # Gram form is cheaper when units exceed stimuli
        K, L = Ac @ Ac.T, Bc @ Bc.T
        return float(np.sum(K * L) / (np.linalg.norm(K) * np.linalg.norm(L)))
    return float(np.linalg.norm(Ac.T @ Bc) ** 2
                 / (np.linalg.norm(Ac.T @ Ac) * np.linalg.norm(Bc.T @ Bc)))


# ------------------------------------------------------------------------ Procrustes
def _shape_coordinates(A, alpha):
    """Centred, partially whitened, unit-norm coordinates (stimuli, rank) of A.

    The thin SVD ``Ac = U S Vᵀ`` gives ``U S``, an orthogonal change of units of ``Ac``
    (to which shape distances are invariant); partial whitening (Williams et al. 2021)
    multiplies by ``α + (1 − α) (S²/n)^(−1/2)`` in these coordinates.
    """
    Ac = A - A.mean(0)
    eps = max(Ac.shape) * np.finfo(float).eps
    if Ac.shape[1] > Ac.shape[0]:  # wide: the Gram's eigh is much cheaper than the SVD
        lam, U = np.linalg.eigh(Ac @ Ac.T)
        lam, U = lam[::-1], U[:, ::-1]
        keep = lam > eps * max(lam[0], 0.0)
        s = np.sqrt(np.clip(lam, 0, None))
    else:
        U, s, _ = np.linalg.svd(Ac, full_matrices=False)
        keep = s > eps * s[0]
    if not np.any(keep):
        raise ValueError("a representation is constant over stimuli: its shape is undefined")
    U, s = U[:, keep], s[keep]
    if alpha < 1:
        s = s * (alpha + (1 - alpha) / np.sqrt(s**2 / A.shape[0]))
    C = U * s
    return C / np.linalg.norm(C)


def procrustes_distance(A, B, alpha: float = 1.0) -> float:
    """Angular Procrustes shape distance (Williams, Kunz, Kornblith & Linderman 2021).

    ``θ = arccos max_Q ⟨Ã, B̃ Q⟩`` over orthogonal ``Q`` = ``arccos ‖ÃᵀB̃‖_*`` (nuclear
    norm), where ``Ã``, ``B̃`` are centred, partially whitened, scaled to unit Frobenius
    norm and zero-padded to equal width. A metric: symmetric, zero for rotated /
    reflected / scaled / shifted copies, obeys the triangle inequality.

    Parameters
    ----------
    A : (stimuli, units_a); B : (stimuli, units_b).
    alpha : partial whitening in [0, 1]; 1 = Procrustes (no whitening), 0 = full
        whitening (CCA-like, degenerate when units ≥ stimuli).

    Returns
    -------
    θ in radians, in [0, π/2].
    """
    A, B = _pair(A, B)
    alpha = check_number(alpha, "alpha", low=0.0, high=1.0)
    Ca, Cb = _shape_coordinates(A, alpha), _shape_coordinates(B, alpha)
    nuc = np.linalg.svd(Ca.T @ Cb, compute_uv=False).sum()  # zero-padding is implicit
    return float(np.arccos(np.clip(nuc, -1.0, 1.0)))


def bures_similarity(A, B) -> float:
    """Normalised Bures similarity (Harvey, Larsen & Williams 2023).

    ``NBS = tr((K^½ L K^½)^½) / √(tr K · tr L)`` for the centred linear Grams
    ``K = Ac Acᵀ``, ``L = Bc Bcᵀ``: the fidelity of the two (normalised) Grams. It equals
    ``‖ÃᵀB̃‖_*`` for the centred, unit-Frobenius-norm representations, i.e. cos θ of the
    angular Procrustes distance without whitening (:func:`procrustes_distance`), which
    is how it is computed. In [0, 1]; 1 for rotated, scaled, shifted copies.
    """
    return float(np.cos(procrustes_distance(A, B, alpha=1.0)))


def _orthonormal_basis(name, A, n_components=None):
    """Orthonormal basis (stimuli, rank) of the centred columns of A (top PCs if asked)."""
    Ac = A - A.mean(0)
    U, s, _ = np.linalg.svd(Ac, full_matrices=False)
    keep = s > max(Ac.shape) * np.finfo(float).eps * (s[0] if s.size else 0.0)
    if not np.any(keep):
        raise ValueError(f"{name} is constant over stimuli: its canonical correlations are undefined")
    U, s = U[:, keep], s[keep]
    if n_components is not None:
        if n_components > U.shape[1]:
            raise ValueError(f"{name} has rank {U.shape[1]} < n_components={n_components}")
        U, s = U[:, :n_components], s[:n_components]
    return U, s


def canonical_correlations(A, B, n_components: int | None = None) -> np.ndarray:
    """Canonical correlations between two representations (Hotelling 1936), descending.

    The cosines of the principal angles between the column spaces of the centred ``A``
    and ``B`` (singular values of ``QaᵀQb`` for orthonormal bases ``Qa``, ``Qb``).
    ``n_components``: use only the top principal components of each side (SVCCA).

    Raises ``ValueError`` when the two spaces together span ``stimuli − 1`` dimensions or
    more: some canonical correlations are then 1 whatever the data (reduce the units,
    e.g. with ``n_components``).
    """
    A, B = _pair(A, B, min_rows=3)
    if n_components is not None:
        n_components = int(n_components)
        if n_components < 1:
            raise ValueError(f"n_components must be >= 1, got {n_components}")
    Qa, _ = _orthonormal_basis("A", A, n_components)
    Qb, _ = _orthonormal_basis("B", B, n_components)
    if Qa.shape[1] + Qb.shape[1] > A.shape[0] - 1:
        raise ValueError(f"A and B span {Qa.shape[1]} + {Qb.shape[1]} dimensions over {A.shape[0]} stimuli: "
                         "canonical correlations are trivially 1; use fewer units or n_components")
    return np.clip(np.linalg.svd(Qa.T @ Qb, compute_uv=False), 0.0, 1.0)


def cca_similarity(A, B) -> float:
    """Mean canonical correlation (:func:`canonical_correlations`) of A and B."""
    return float(np.mean(canonical_correlations(A, B)))


def svcca(A, B, n_components: int | None = 10, variance: float | None = None) -> float:
    """SVCCA (Raghu, Gilmer, Yosinski & Sohl-Dickstein 2017): CCA on top principal components.

    Each side keeps its top ``n_components`` principal components (the same number on
    both sides, so that the chance level does not depend on the widths; fewer if a side
    has a lower rank), or — with
    ``variance`` and ``n_components=None`` — as many as explain that fraction of its
    variance (the original 0.99). Returns the mean canonical correlation.
    """
    A, B = _pair(A, B, min_rows=3)
    if n_components is None:
        if variance is None:
            raise ValueError("give n_components or variance")
        variance = check_number(variance, "variance", low=0.0, high=1.0)
        ks = []
        for name, M in (("A", A), ("B", B)):
            _, sv = _orthonormal_basis(name, M)
            k = int(np.searchsorted(np.cumsum(sv**2) / np.sum(sv**2), variance) + 1)
            ks.append(min(k, sv.size))
        Qa = _orthonormal_basis("A", A, ks[0])[0]
        Qb = _orthonormal_basis("B", B, ks[1])[0]
        return cca_similarity(Qa, Qb)
    k = min(int(n_components), *(_orthonormal_basis(nm, M)[0].shape[1] for nm, M in (("A", A), ("B", B))))
    return float(np.mean(canonical_correlations(A, B, n_components=k)))


def pwcca(A, B, n_components: int | None = None) -> float:
    """Projection-weighted CCA (Morcos, Raghu & Bengio 2018).

    ``Σᵢ αᵢ ρᵢ / Σᵢ αᵢ`` with ``αᵢ = Σⱼ |⟨hᵢ, aⱼ⟩|``: the canonical correlations ρᵢ weighted
    by how much of ``A``'s centred units ``aⱼ`` lie along A's canonical variates ``hᵢ``
    (unit-norm, over stimuli). Not symmetric: the weights come from ``A``.
    ``n_components``: top principal components of each side first.
    """
    A, B = _pair(A, B, min_rows=3)
    Qa, _ = _orthonormal_basis("A", A, n_components)
    Qb, _ = _orthonormal_basis("B", B, n_components)
    if Qa.shape[1] + Qb.shape[1] > A.shape[0] - 1:
        raise ValueError(f"A and B span {Qa.shape[1]} + {Qb.shape[1]} dimensions over {A.shape[0]} stimuli: "
                         "canonical correlations are trivially 1; use fewer units or n_components")
    Pa, rho, _ = np.linalg.svd(Qa.T @ Qb, full_matrices=False)
    H = Qa @ Pa  # canonical variates of A, unit norm
    alpha = np.abs(H.T @ (A - A.mean(0))).sum(axis=1)
    return float(np.sum(alpha * np.clip(rho, 0, 1)) / np.sum(alpha))


# -------------------------------------------------------------------------- matching
@dataclass(frozen=True)
class Matching:
    """A matching of units of A to units of B.

    score : mean correlation of matched units (Σ T_ij C_ij for soft matching).
    plan : (units_a, units_b) transport plan; rows sum to 1/units_a, columns to
        1/units_b for soft matching; a 0/1 assignment matrix for one-to-one matching.
    correlations : (units_a, units_b) unit correlation matrix C.
    """

    score: float
    plan: np.ndarray
    correlations: np.ndarray


def matching_score(A, B) -> Matching:
    """One-to-one matching of units by their tuning (Khosla & Williams 2023, hard case).

    Maximises the summed Pearson correlation of matched units with the Hungarian
    algorithm (``scipy.optimize.linear_sum_assignment``); with unequal unit counts
    ``min(units_a, units_b)`` pairs are matched. ``score`` is their mean correlation.
    """
    C = unit_correlations(A, B)
    rows, cols = linear_sum_assignment(C, maximize=True)
    plan = np.zeros_like(C)
    plan[rows, cols] = 1.0
    return Matching(float(C[rows, cols].mean()), plan, C)


def _transport(C):
    """Optimal transport plan maximising Σ T C with uniform marginals (exact LP, HiGHS)."""
    na, nb = C.shape
    rows = sparse.kron(sparse.eye(na), np.ones((1, nb)))
    cols = sparse.kron(np.ones((1, na)), sparse.eye(nb))
    A_eq = sparse.vstack([rows, cols]).tocsr()
    b_eq = np.concatenate([np.full(na, 1.0 / na), np.full(nb, 1.0 / nb)])
    res = linprog(-C.ravel(), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if res.status != 0:  # pragma: no cover - the transportation LP is always feasible
        raise RuntimeError(f"optimal transport LP failed: {res.message}")
    return np.clip(res.x.reshape(na, nb), 0.0, None)


def soft_matching_score(A, B) -> Matching:
    """Soft matching of units (Khosla & Williams 2023): optimal transport between units.

    The plan ``T`` (units_a × units_b) with uniform marginals (rows sum to 1/units_a,
    columns to 1/units_b) maximises ``Σ T_ij C_ij`` for the unit correlation matrix
    ``C`` — equivalently minimises the transport cost of squared distances between
    z-scored tuning curves. Solved exactly as a linear program (``scipy.optimize.linprog``,
    HiGHS; fine up to a few hundred units each). For equal unit counts the optimum is a
    permutation and the score equals :func:`matching_score`.
    """
    C = unit_correlations(A, B)
    T = _transport(C)
    return Matching(float(np.sum(T * C)), T, C)


def matching_cv(A, B, n_units: int | None = None, n_folds: int = 5, seed: int = 0, folds=None) -> float:
    """One-to-one matching of units, fitted on training stimuli, scored on held-out ones.

    In-sample matching (:func:`matching_score`) picks, for every unit of ``A``, the unit
    of ``B`` that happens to correlate best with it on the very stimuli it is scored on:
    between independent features its score grows with the width of ``B``. Here a
    seeded sample of ``n_units`` non-constant units of ``B`` (default: as many as ``A``
    has units; with fewer, only ``n_units`` of A's units find a partner, those the
    training stimuli favour) is matched one-to-one to ``A``'s units on the
    training stimuli of each fold (Hungarian, on Pearson correlations), and the matched
    pairs' Pearson correlation is measured on the fold's test stimuli. Independent
    features score ≈ 0 at every width.

    Parameters
    ----------
    A : (stimuli, units_a), e.g. neurons; B : (stimuli, units_b), e.g. a model.
    n_units : units of B used (a fixed count, so that scores of wide and narrow models
        compare).
    n_folds, seed, folds : shuffled K-fold splits (:func:`bothways.ridge.kfold_indices`)
        or explicit ``(train, test)`` pairs; ``seed`` also draws the unit sample.

    Returns
    -------
    Mean over folds of the mean held-out correlation of matched pairs.
    """
    from bothways.ridge import check_folds, kfold_indices
    from bothways.stats import nonconstant_units

    A, B = _pair(A, B, min_rows=6)
    _no_constant("A", A)
    units = nonconstant_units(B)
    n_units = A.shape[1] if n_units is None else int(n_units)
    if n_units < 1:
        raise ValueError(f"n_units must be >= 1, got {n_units}")
    if units.size < n_units:
        raise ValueError(f"B has {units.size} non-constant units, fewer than n_units={n_units}")
    rng = np.random.default_rng(seed)
    Bs = B[:, np.sort(rng.choice(units, n_units, replace=False))]
    n = A.shape[0]
    fold_list = kfold_indices(n, n_folds, seed) if folds is None else check_folds(folds, n)
    scores = []
    for train, test in fold_list:
        C = np.nan_to_num(_zscore(A[train]).T @ _zscore(Bs[train]))
        rows, cols = linear_sum_assignment(C, maximize=True)
        r = np.nan_to_num(np.sum(_zscore(A[test][:, rows]) * _zscore(Bs[test][:, cols]), axis=0))
        scores.append(float(np.mean(r)))
    return float(np.mean(scores))


# ------------------------------------------------------------------------ chance levels
@dataclass(frozen=True)
class ShuffleNull:
    """A score beside its stimulus-shuffle null (:func:`shuffle_null`).

    score : the metric on the data; null : (n_shuffles,) the metric with B's stimuli
    shuffled; p_value : (1 + #{null ≥ score}) / (1 + n_shuffles), one-sided.
    """

    score: float
    null: np.ndarray

    @property
    def null_mean(self) -> float:
        return float(np.mean(self.null))

    @property
    def null_high(self) -> float:
        """The null's 95th percentile."""
        return float(np.quantile(self.null, 0.95))

    @property
    def p_value(self) -> float:
        return float((1 + np.sum(self.null >= self.score)) / (1 + self.null.size))


def shuffle_null(metric, A, B, n_shuffles: int = 20, seed: int = 0, **options) -> ShuffleNull:
    """A metric and its chance level: the same metric with the stimuli of ``B`` shuffled.

    Shuffling the rows of ``B`` keeps both representations exactly as they are (their
    widths, spectra, unit statistics) and breaks only the stimulus correspondence, so
    the null is what the metric gives two unrelated representations of these shapes —
    e.g. biased CKA or in-sample matching of independent wide features score well above
    0 by construction.

    Parameters
    ----------
    metric : a name of :func:`similarity` (or an alias) or a callable ``(A, B) -> float``.
    A, B : (stimuli, units) arrays with the same stimuli.
    n_shuffles : shuffles (≥ 1); seed : of the shuffles.
    options : passed to the metric.
    """
    from bothways._validation import check_int

    A, B = _pair(A, B)
    n_shuffles = check_int(n_shuffles, "n_shuffles", minimum=1)
    fn = (lambda a, b: similarity(metric, a, b, **options)) if isinstance(metric, str) else \
        (lambda a, b: float(metric(a, b, **options)))
    if not callable(fn):  # pragma: no cover
        raise TypeError("metric must be a name or a callable")
    rng = np.random.default_rng(seed)
    score = fn(A, B)
    null = np.array([fn(A, B[rng.permutation(B.shape[0])]) for _ in range(n_shuffles)])
    return ShuffleNull(float(score), null)


# ----------------------------------------------------------------------- by name
def _rsa_spearman(A, B):
    return rsa(A, B, compare="spearman")


def _matching_in_sample(A, B):
    return matching_score(A, B).score


#: Similarity measures by name (larger = more similar), used by :func:`similarity`.
MEASURES = {"cka": linear_cka, "cka_biased": lambda A, B: linear_cka(A, B, debiased=False),
            "rsa": rsa, "rsa_spearman": _rsa_spearman, "procrustes": bures_similarity,
            "cca": cca_similarity, "svcca": svcca, "pwcca": pwcca, "matching": matching_cv,
            "matching_in_sample": _matching_in_sample}

#: Other names of the same measures, among them those of the similarity-repository
#: registry (Cloos et al. 2024; ``=`` joins a measure's options). Distances of the
#: registry map to the similarity they are a monotone function of: the angular
#: Procrustes distance θ to cos θ, the normalised Bures similarity.
ALIASES = {"cka-kernel=linear-hsic=song": "cka", "cka-debiased": "cka", "linear-cka-unbiased": "cka",
           "cka-kernel=linear-hsic=gretton-score": "cka_biased", "cka-kernel=linear-hsic=gretton": "cka_biased",
           "linear-cka": "cka_biased",
           "rsa-rdm=correlation-compare=pearson": "rsa", "rsa-rdm=correlation-compare=spearman": "rsa_spearman",
           "procrustes-distance=angular": "procrustes", "procrustes-angular": "procrustes",
           "procrustes-angular-score": "procrustes", "shape_metric-angular-alpha10e-1": "procrustes",
           "nbs": "procrustes", "bures": "procrustes", "normalized-bures-similarity": "procrustes",
           "cca-mean": "cca", "mean-cca": "cca", "svcca-var99": "svcca", "pwcca-score": "pwcca",
           "permutation-cv": "matching", "matching-cv": "matching", "permutation": "matching_in_sample"}


def similarity(name: str, A, B, **options) -> float:
    """The measure ``name`` (a key of :data:`MEASURES` or :data:`ALIASES`) between A and B."""
    key = ALIASES.get(name, name)
    if key not in MEASURES:
        raise ValueError(f"unknown similarity measure {name!r}; known: {sorted(MEASURES)} and the aliases "
                         f"{sorted(ALIASES)}")
    return float(MEASURES[key](A, B, **options))


# ----------------------------------------------------------------- transform classes
#: Mapping classes of :func:`transform_class_score`, from strictest to loosest.
TRANSFORM_CLASSES = ("permutation", "soft", "linear", "nonlinear")


@dataclass(frozen=True)
class TransformScore:
    """Cross-validated prediction of a target population under one mapping class.

    cls : one of :data:`TRANSFORM_CLASSES`.
    predictions : (stimuli, target_units) held-out predictions (each stimulus once;
        NaN for stimuli in no test fold).
    r : (target_units,) Pearson r of held-out predictions with the target, over the
        predicted stimuli.
    """

    cls: str
    predictions: np.ndarray
    r: np.ndarray

    @property
    def mean_r(self) -> float:
        return float(np.nanmean(self.r))


def _rescale(Zs, tr_source, tr_target, weights):
    """Map weighted, train-standardised source units onto the target's train scale."""
    mu, sd = tr_source.mean(0), tr_source.std(0)
    Zs = (Zs - mu) / np.where(sd > 0, sd, 1.0)
    pred = Zs @ weights
    tr = ((tr_source - mu) / np.where(sd > 0, sd, 1.0)) @ weights
    scale = tr.std(0)
    pred = pred / np.where(scale > 0, scale, 1.0)
    return tr_target.mean(0) + pred * tr_target.std(0)


def _assignment(C):
    """One-to-one assignment weights (source, target) maximising Σ C of matched pairs.

    With fewer source than target units each source unit is offered
    ``ceil(target / source)`` times (the fewest copies that let every target unit have
    one): every target still copies exactly one source unit.
    """
    ns, nt = C.shape
    k = -(-nt // ns)
    rows, cols = linear_sum_assignment(np.repeat(C, k, axis=0), maximize=True)
    W = np.zeros_like(C)
    W[rows // k, cols] = 1.0
    return W


def _class_weights(S, T, cls):
    """Weights (source, target) of a class fitted on training stimuli S, T.

    ``S`` is standardised and ``T`` centred here; predictions are ``S̃ W``, then put on
    the target's scale (:func:`_rescale`), so each target's fit is its correlation.
    """
    from scipy.optimize import nnls

    Sz = _zscore(S) * np.sqrt(S.shape[0])
    Tc = T - T.mean(0)
    C = np.nan_to_num(_zscore(S).T @ _zscore(T))  # constant-on-train units: r = 0
    W = _assignment(C)
    if cls == "soft":
        for j in range(T.shape[1]):
            w, _ = nnls(Sz, Tc[:, j])
            if np.any(w > 0):  # else no mixture correlates positively: keep the copy
                W[:, j] = w / w.sum()
    return W


def _random_relu(S_train, S, width, seed):
    """``[S̃, relu(S̃ G)]``: train-standardised source and ``width`` random ReLU features.

    ``S̃`` is ``S`` standardised with the training rows' mean and s.d.; ``G`` is a seeded
    (units, width) Gaussian with ``N(0, 1/units)`` entries. The source itself is kept,
    so that every linear map is in the class.
    """
    mu, sd = S_train.mean(0), S_train.std(0)
    Z = (S - mu) / np.where(sd > 0, sd, 1.0)
    G = np.random.default_rng([int(seed), 23]).standard_normal((Z.shape[1], int(width))) / np.sqrt(Z.shape[1])
    return np.c_[Z, np.maximum(Z @ G, 0.0)]


def training_fit(source, target, cls: str = "linear", nonlinear_width: int = 1000, seed: int = 0) -> np.ndarray:
    """Correlation of each target unit with its best fit in a class, on the same stimuli.

    The classes nest by construction, and this is the check: for every target unit,
    ``"permutation"`` (the one-to-one assignment of :func:`transform_class_score`)
    ≤ ``"soft"`` (the best non-negative mixture of source units, which contains every
    single unit) ≤ ``"linear"`` (ordinary least squares with intercept, which contains
    every mixture). Held-out scores need not nest — a looser class can overfit.

    Returns
    -------
    (target_units,) Pearson r on the fitted stimuli.
    """
    source, target = _pair(source, target, min_rows=4)
    check_choice(cls, "cls", TRANSFORM_CLASSES)
    if cls in ("linear", "nonlinear"):
        Sc = source if cls == "linear" else _random_relu(source, source, nonlinear_width, seed)
        Sc = Sc - Sc.mean(0)
        coef, *_ = np.linalg.lstsq(Sc, target - target.mean(0), rcond=None)
        pred = Sc @ coef
    else:
        pred = _rescale(source, source, target, _class_weights(source, target, cls))
    return np.nan_to_num(pearson_columns(pred, target))


def transform_class_score(source, target, cls: str = "linear", n_folds: int = 5,
                          folds=None, seed: int = 0, alphas=None, device=None,
                          nonlinear_width: int = 1000) -> TransformScore:
    """Predict ``target`` from ``source`` under a mapping class, cross-validated.

    The classes nest by construction (Thobani et al. 2025, Inter-Animal Transform
    Class; :func:`training_fit` checks it on the training stimuli):

    - ``"permutation"``: every target unit copies one source unit, one-to-one (a
      Hungarian assignment on the training correlations; with fewer source than target
      units each source unit may serve ``ceil(target/source)`` targets);
    - ``"soft"``: every target unit is a non-negative mixture (convex combination) of
      standardised source units, the one that correlates best with it on the training
      stimuli (non-negative least squares, ``scipy.optimize.nnls``). It contains every
      one-to-one copy and every column of an optimal-transport plan (soft matching,
      :func:`soft_matching_score`) — whose exact optimum with equal unit counts is
      itself a permutation, so it could not be looser than one;
    - ``"linear"``: ridge regression via :func:`bothways.ridge.cv_ridge` (``alphas``
      chosen by inner cross-validation there);
    - ``"nonlinear"``: the same ridge on the source *and* ``nonlinear_width`` random
      ReLU features of it (standardised with the training stimuli of each fold; a
      kernel-like class that contains every linear map).

    Copies and mixtures are standardised on the training stimuli and put on the
    target's training mean and s.d.

    Parameters
    ----------
    source : (stimuli, units_s); target : (stimuli, units_t).
    n_folds, seed : shuffled K-fold splits (:func:`bothways.ridge.kfold_indices`).
    folds : list of (train_idx, test_idx) pairs; overrides ``n_folds``/``seed``.
    alphas : ridge grid for ``"linear"``/``"nonlinear"`` (default: cv_ridge's).
    device : for ``"linear"``/``"nonlinear"``.
    nonlinear_width : random ReLU features of ``"nonlinear"`` (seeded by ``seed``).

    Returns
    -------
    :class:`TransformScore` with held-out predictions and per-target-unit Pearson r.
    """
    from bothways.ridge import check_folds, cv_ridge, kfold_indices

    source, target = _pair(source, target, min_rows=4)
    _no_constant("source", source)
    _no_constant("target", target)
    check_choice(cls, "cls", TRANSFORM_CLASSES)
    n = source.shape[0]
    fold_list = kfold_indices(n, n_folds, seed) if folds is None else check_folds(folds, n)
    if cls == "linear":
        res = cv_ridge(source, target, alphas=alphas, folds=fold_list, device=device)
        return TransformScore(cls, np.asarray(res.predictions), np.asarray(res.r, dtype=float))
    pred = np.full(target.shape, np.nan)
    for train, test in fold_list:
        S, T = source[train], target[train]
        if cls == "nonlinear":
            F = _random_relu(S, source, nonlinear_width, seed)
            res = cv_ridge(F, target, alphas=alphas, folds=[(train, test)], device=device)
            pred[test] = np.asarray(res.predictions, dtype=float)[test]
        else:
            pred[test] = _rescale(source[test], S, T, _class_weights(S, T, cls))
    done = ~np.isnan(pred[:, 0])  # user folds need not cover every stimulus
    return TransformScore(cls, pred, pearson_columns(pred[done], target[done]))


# -------------------------------------------------------------------- rank agreement
def rank_agreement(scores: pd.DataFrame, method: str = "spearman") -> pd.DataFrame:
    """Rank correlation between metrics across models.

    Parameters
    ----------
    scores : DataFrame, models as rows, metrics as (numeric) columns; at least 3 rows,
        no NaN, no constant column.
    method : "spearman" or "kendall" (tau-b).

    Returns
    -------
    (metrics × metrics) DataFrame of rank correlations (1 on the diagonal).
    """
    if not isinstance(scores, pd.DataFrame):
        raise TypeError(f"scores must be a pandas DataFrame, got {type(scores).__name__}")
    check_choice(method, "method", ("spearman", "kendall"))
    bad = [c for c in scores.columns if not pd.api.types.is_numeric_dtype(scores[c])]
    if bad:
        raise TypeError(f"non-numeric score columns: {bad}")
    if len(scores) < 3 or scores.shape[1] < 1:
        raise ValueError(f"need at least 3 models (rows) and 1 metric, got shape {scores.shape}")
    if scores.isna().any().any():
        raise ValueError(f"scores contain NaN in columns {scores.columns[scores.isna().any()].tolist()}")
    const = scores.columns[scores.nunique() < 2].tolist()
    if const:
        raise ValueError(f"constant score columns have no ranking: {const}")
    return scores.corr(method=method)
