"""Representational similarity metrics: methodological pluralism.

All functions take stimuli-first arrays ``A`` (stimuli, units_a) and ``B``
(stimuli, units_b) with the same stimuli in the same order.

- :func:`rsa` — representational similarity analysis (Kriegeskorte et al. 2008) through
  rsatoolbox's RDMs and comparisons.
- :func:`linear_cka` — linear centred kernel alignment (Kornblith et al. 2019), with the
  debiased HSIC estimator of Song et al. (2012).
- :func:`procrustes_distance` — angular shape distance (Williams et al. 2021), with
  optional partial whitening (``alpha = 0``: CCA-like).
- :func:`matching_score`, :func:`soft_matching_score` — one-to-one and soft (optimal
  transport) matching of units (Khosla & Williams 2023).
- :func:`transform_class_score` — cross-validated prediction under a mapping class
  (permutation ⊂ soft matching ⊂ linear; Thobani et al. 2025).
- :func:`rank_agreement` — do metrics rank models alike?

Regression goes through :func:`bothways.ridge.cv_ridge`; this module fits none itself.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linear_sum_assignment, linprog

from bothways._validation import as_matrix, check_choice, check_number, check_same_stimuli
from bothways.stats import pearson_columns

__all__ = ["rsa", "linear_cka", "procrustes_distance", "Matching", "matching_score",
           "soft_matching_score", "TransformScore", "transform_class_score",
           "rank_agreement", "unit_correlations"]


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


def linear_cka(A, B, debiased: bool = False) -> float:
    """Linear centred kernel alignment (Kornblith, Norouzi, Lee & Hinton 2019).

    ``CKA = HSIC(K, L) / sqrt(HSIC(K, K) HSIC(L, L))`` with linear kernels
    ``K = Ac Acᵀ``, ``L = Bc Bcᵀ`` of the column-centred representations; the biased
    form equals ``‖AcᵀBc‖²_F / (‖AcᵀAc‖_F ‖BcᵀBc‖_F)``. ``debiased=True`` uses the
    unbiased HSIC estimator (Song et al. 2012), as in Kornblith et al.'s code; it
    removes the upward bias of CKA between unrelated high-dimensional representations
    and can be slightly negative.

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


# ----------------------------------------------------------------- transform classes
@dataclass(frozen=True)
class TransformScore:
    """Cross-validated prediction of a target population under one mapping class.

    cls : "permutation", "soft" or "linear".
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


def transform_class_score(source, target, cls: str = "linear", n_folds: int = 5,
                          folds=None, seed: int = 0, alphas=None, one_to_one: bool = False,
                          device=None) -> TransformScore:
    """Predict ``target`` from ``source`` under a mapping class, cross-validated.

    The classes nest (Thobani et al. 2025, Inter-Animal Transform Class):

    - ``"permutation"``: each target unit copies one source unit — the one best
      correlated with it on the training stimuli (``one_to_one=True``: a Hungarian
      assignment, needs units_source ≥ units_target) — standardised on the training
      stimuli and put on the target's training mean and s.d.;
    - ``"soft"``: each target unit is the transport-weighted mean of standardised
      source units, with the optimal-transport plan of :func:`soft_matching_score`
      fitted on the training stimuli;
    - ``"linear"``: ridge regression via :func:`bothways.ridge.cv_ridge` (``alphas``
      chosen by inner cross-validation there).

    Parameters
    ----------
    source : (stimuli, units_s); target : (stimuli, units_t).
    n_folds, seed : shuffled K-fold splits (:func:`bothways.ridge.kfold_indices`).
    folds : list of (train_idx, test_idx) pairs; overrides ``n_folds``/``seed``.
    alphas : ridge grid for ``"linear"`` (default: cv_ridge's).
    one_to_one : strict permutation for ``"permutation"``.
    device : for ``"linear"``.

    Returns
    -------
    :class:`TransformScore` with held-out predictions and per-target-unit Pearson r.
    """
    from bothways.ridge import check_folds, cv_ridge, kfold_indices

    source, target = _pair(source, target, min_rows=4)
    _no_constant("source", source)
    _no_constant("target", target)
    check_choice(cls, "cls", ("permutation", "soft", "linear"))
    n = source.shape[0]
    fold_list = kfold_indices(n, n_folds, seed) if folds is None else check_folds(folds, n)
    if cls == "linear":
        res = cv_ridge(source, target, alphas=alphas, folds=fold_list, device=device)
        return TransformScore(cls, np.asarray(res.predictions), np.asarray(res.r, dtype=float))
    if one_to_one and cls == "permutation" and source.shape[1] < target.shape[1]:
        raise ValueError("one_to_one permutation needs at least as many source as target units")
    pred = np.full(target.shape, np.nan)
    for train, test in fold_list:
        S, T = source[train], target[train]
        C = np.nan_to_num(_zscore(S).T @ _zscore(T))  # constant-on-train units: r = 0
        if cls == "permutation":
            W = np.zeros_like(C)
            if one_to_one:
                rows, cols = linear_sum_assignment(C, maximize=True)
                W[rows, cols] = 1.0
            else:
                W[np.argmax(C, axis=0), np.arange(C.shape[1])] = 1.0
        else:
            W = _transport(C) * C.shape[1]  # columns sum to 1
        pred[test] = _rescale(source[test], S, T, W)
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
