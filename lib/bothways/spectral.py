"""Spectral theory of neural regression (Canatar, Feather, Wakhloo & Chung, NeurIPS 2023).

A representation ``X`` (stimuli, units) predicts targets ``Y`` (stimuli, targets) by
ridge regression from ``p`` of its ``P`` stimuli. The theory reads the answer off two
things only:

- the **eigenvalues** ``λᵢ`` of the centred ``P × P`` Gram divided by ``P`` (how much
  variance the representation puts in each direction: its *spectral bias*), and
- the **target weights** ``Wᵢ = ‖Yᵀuᵢ‖² / ‖Y‖²_F`` (how the targets' variance falls
  on the Gram's unit eigenvectors ``uᵢ``: the *task alignment*); ``Σ Wᵢ = 1``.

For training size ``p`` and ridge ``α`` (added to the *un-normalised* ``p × p`` training
Gram, as in ``sklearn.linear_model.Ridge``) the self-consistent

    κ = α + κ Σᵢ λᵢ / (p λᵢ + κ)

has one root in ``[α, α + Σλ]``; with ``γ = Σᵢ p λᵢ² / (p λᵢ + κ)²`` the mode errors are
``Eᵢ = κ² / (1 − γ) / (p λᵢ + κ)²`` and the generalisation error ``E_g = Σᵢ Wᵢ Eᵢ``.

``E_g`` is the error **over all P stimuli** (the training ones included), normalised by
the targets' total variance ``‖Y‖²_F / P`` so that ``E_g = 1`` at ``p = 0``. A
held-out error is *not* part of the theory: the book's heuristic
``P·E_all = p·E_train + (P − p)·E_test`` (:func:`heldout_error`) divides by ``P − p``
and so amplifies any error of ``E_all`` as ``p → P``; it is given for ``p/P ≤ 0.5``
only. Whether a gap between theory and measurement comes from the finite pool of P
stimuli can be tested on a Gaussian population with the same eigenvalues and weights
(:func:`gaussian_surrogate`, :func:`surrogate_learning_curve`), where the theory's
assumptions hold except finite p. The error modes ``W̃ᵢ = Eᵢ Wᵢ`` have radius ``R = ‖W̃‖₂`` and
dimension ``D = (ΣW̃)² / ΣW̃²``, so that ``E_g = R √D``.

The theory assumes a noiseless predictor; trial noise in a neural predictor (the
reverse direction) lies outside it. Empirical fits go through
:func:`bothways.ridge.cv_ridge` (this module fits nothing itself).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.linalg import eigh
from scipy.optimize import brentq

from bothways._validation import as_matrix, as_vector, check_int, check_number, check_same_stimuli

__all__ = ["Spectrum", "TheoryError", "spectrum", "theory_error", "learning_curve",
           "HELDOUT_MAX_FRACTION", "heldout_error", "empirical_learning_curve", "gaussian_surrogate",
           "surrogate_learning_curve", "decompose"]

#: Largest training fraction p/P for which :func:`heldout_error` (a heuristic) is given.
HELDOUT_MAX_FRACTION = 0.5


# ----------------------------------------------------------------------------- input
def _xy(X, Y):
    X = as_matrix(X, "X", expand_1d=True)
    Y = as_matrix(Y, "Y", what="(stimuli, targets)", expand_1d=True)
    check_same_stimuli(X.shape[0], Y.shape[0], "X", "Y")
    if X.shape[0] < 2:
        raise ValueError(f"need at least 2 stimuli, got {X.shape[0]}")
    return X, Y


def _spectrum_args(eigenvalues, weights):
    lam = as_vector(eigenvalues, "eigenvalues", what="one per mode")
    w = as_vector(weights, "weights", what="one per mode")
    if w.shape != lam.shape:
        raise ValueError(f"eigenvalues and weights must be 1-D of equal length, got {lam.shape} and {w.shape}")
    if np.any(lam < 0) or np.any(w < 0):
        raise ValueError("eigenvalues and weights must be non-negative")
    return lam, w


def _nonneg(name, v):
    return check_number(v, name, low=0.0)


# -------------------------------------------------------------------------- spectrum
@dataclass(frozen=True)
class Spectrum:
    """Eigen-decomposition of a representation and the targets' weights on it.

    eigenvalues : (P,) λᵢ of the centred Gram / P, descending; values below
        ``P·eps·λ_max`` are set to exactly 0 (the Gram's null space).
    weights : (P,) Wᵢ = ‖Yᵀuᵢ‖² / ‖Y‖²_F, summing to 1.
    eigenvectors : (P, P) unit eigenvectors uᵢ as columns, or None.
    target_variance : ‖Y‖²_F / P of the centred targets (the error normaliser).
    """

    eigenvalues: np.ndarray
    weights: np.ndarray
    eigenvectors: np.ndarray | None
    target_variance: float

    @property
    def n_stimuli(self) -> int:
        return self.eigenvalues.size


def spectrum(X, Y, return_eigenvectors: bool = False) -> Spectrum:
    """Eigenvalues of a representation and the targets' weights on its eigenvectors.

    Parameters
    ----------
    X : (P, N) representation (stimuli, units); columns are centred here.
    Y : (P, targets) or (P,) targets; columns are centred here.
    return_eigenvectors : keep the (P, P) eigenvectors.

    Returns
    -------
    :class:`Spectrum` with λᵢ = eig(Xc Xcᵀ / P) descending and
    Wᵢ = ‖Ycᵀuᵢ‖² / ‖Yc‖²_F over the full P-dimensional eigenbasis
    (Canatar et al. 2023, Sec. 2). The constant vector is always in the null space
    (centring) and carries no weight.
    """
    X, Y = _xy(X, Y)
    P = X.shape[0]
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    total = float(np.sum(Yc**2))
    if total <= 0:
        raise ValueError("Y is constant over stimuli: the target weights are undefined")
    lam, U = eigh(Xc @ Xc.T / P)
    lam, U = lam[::-1], U[:, ::-1]
    lam = np.where(lam > P * np.finfo(float).eps * max(lam[0], 0.0), lam, 0.0)
    w = np.sum((U.T @ Yc) ** 2, axis=1) / total
    return Spectrum(lam, w, U if return_eigenvectors else None, total / P)


# ---------------------------------------------------------------------------- theory
@dataclass(frozen=True)
class TheoryError:
    """Canatar et al. (2023) prediction for one training size ``p`` and ridge ``alpha``.

    eg : E_g, normalised error over all P stimuli (1 at p = 0).
    mode_errors : (M,) Eᵢ = κ²/(1−γ)/(pλᵢ+κ)².
    kappa, gamma : the self-consistent κ and γ.
    radius, dimension : R = ‖W̃‖₂ and D = (ΣW̃)²/ΣW̃² of the error modes W̃ᵢ = EᵢWᵢ
        (E_g = R√D; D = 0 when all error modes vanish).
    error_modes : (M,) W̃ᵢ.
    train_error : normalised training error (α/κ)² E_g (Canatar, Bordelon & Pehlevan
        2021, Nat. Commun.; 0 when α = 0).

    Unpacks as ``eg, mode_errors = theory_error(...)``.
    """

    eg: float
    mode_errors: np.ndarray
    kappa: float
    gamma: float
    radius: float
    dimension: float
    error_modes: np.ndarray
    train_error: float
    p: float
    alpha: float

    def __iter__(self):
        return iter((self.eg, self.mode_errors))


def _solve_kappa(lam, p, alpha):
    """Root of κ = α + κ Σ λ/(pλ+κ) (unique in [α, α+Σλ]); 0 for ridgeless, p ≥ rank."""
    total = float(lam.sum())
    if total == 0.0:
        return alpha
    if p == 0:
        return alpha + total

    def g(k):  # increasing in κ; its root is the root of the κ equation
        return 1.0 - alpha / k - np.sum(lam / (p * lam + k))

    if alpha > 0:
        lo, hi = alpha, alpha + total
    else:
        rank = np.count_nonzero(lam)
        if rank <= p:  # underparameterised and ridgeless: κ → 0
            return 0.0
        hi, lo = total, p * lam[lam > 0].min() * 1e-3
        while g(lo) >= 0:
            lo *= 1e-3
    if g(hi) <= 0:
        return hi
    return brentq(g, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)


def theory_error(eigenvalues, weights, p, alpha) -> TheoryError:
    """Generalisation error of ridge regression predicted by the spectral theory.

    Parameters
    ----------
    eigenvalues : (M,) λᵢ ≥ 0 (:func:`spectrum`), in units of variance per stimulus.
    weights : (M,) Wᵢ ≥ 0 (normally summing to 1).
    p : training size (≥ 0; may be fractional for smooth curves).
    alpha : ridge added to the un-normalised p × p training Gram (sklearn's ``alpha``),
        ≥ 0; ``alpha = 0`` is the ridgeless (minimum-norm) limit.

    Returns
    -------
    :class:`TheoryError` (Canatar, Feather, Wakhloo & Chung 2023, eqs. for κ, γ, Eᵢ).
    E_g is the normalised error over all P stimuli; see :func:`heldout_error`.
    At the interpolation threshold (α = 0, p = number of non-zero λ) modes outside the
    representation's span have infinite error.
    """
    lam, w = _spectrum_args(eigenvalues, weights)
    p, alpha = _nonneg("p", p), _nonneg("alpha", alpha)
    kappa = _solve_kappa(lam, p, alpha)
    if kappa > 0:
        denom = p * lam + kappa
        gamma = float(np.sum(p * lam**2 / denom**2))
        one_minus_gamma = alpha / kappa + kappa * np.sum(lam / denom**2)  # = 1−γ, no cancellation
        E = kappa**2 / one_minus_gamma / denom**2
    else:  # ridgeless, p ≥ rank: modes in the span are learned exactly
        gamma = np.count_nonzero(lam) / p
        with np.errstate(divide="ignore"):
            null = 1.0 / (1.0 - gamma) if gamma < 1 else np.inf
        E = np.where(lam > 0, 0.0, null)
    Wt = np.where(w > 0, E * w, 0.0)
    eg = float(Wt.sum())
    radius = float(np.sqrt(np.sum(Wt**2)))
    dimension = float(eg**2 / radius**2) if radius > 0 else 0.0
    train = (alpha / kappa) ** 2 * eg if kappa > 0 else 0.0
    return TheoryError(eg, E, float(kappa), float(gamma), radius, dimension, Wt,
                       float(train), p, alpha)


def heldout_error(e_all, e_train, p, P):
    """Held-out error from the all-stimuli and training errors — the book's heuristic.

    Uses ``P·E_all = p·E_train + (P − p)·E_test`` (all three normalised by the same
    ``‖Y‖²_F / P``). This identity holds for *measured* errors over a finite pool; fed
    the theory's asymptotic ``E_all`` it is a heuristic, not a prediction of the theory,
    and dividing by ``P − p`` amplifies any error of ``E_all`` by ``P / (P − p)``. It is
    refused for ``p / P`` above :data:`HELDOUT_MAX_FRACTION` (0.5). Works elementwise.
    """
    p, P = np.asarray(p, dtype=float), np.asarray(P, dtype=float)
    if np.any(p >= P) or np.any(p < 0):
        raise ValueError("need 0 <= p < P for a held-out error")
    if np.any(p > HELDOUT_MAX_FRACTION * P):
        raise ValueError(f"p/P = {np.max(p / P):.2f} > {HELDOUT_MAX_FRACTION}: the held-out conversion "
                         "divides by P - p and is not given there (a heuristic, not the theory)")
    return (P * np.asarray(e_all) - p * np.asarray(e_train)) / (P - p)


def _ps(ps):
    ps = np.atleast_1d(np.asarray(ps, dtype=float))
    if ps.ndim != 1 or ps.size == 0 or not np.all(np.isfinite(ps)) or np.any(ps < 0):
        raise ValueError(f"ps must be a non-empty 1-D list of training sizes >= 0, got {ps}")
    return ps


def learning_curve(eigenvalues, weights, ps, alpha) -> pd.DataFrame:
    """Theory learning curve: :func:`theory_error` at each training size.

    Parameters
    ----------
    eigenvalues, weights : (M,) as in :func:`theory_error`.
    ps : training sizes.
    alpha : ridge (scalar) or a 1-D list of ridges (one curve each).

    Returns
    -------
    DataFrame with one row per (alpha, p): ``alpha, p, eg, train_error, kappa, gamma,
    radius, dimension`` (errors normalised, over all P stimuli), and ``eg_heldout``
    (the heuristic :func:`heldout_error`, NaN for p/P > 0.5, M taken as the number of
    stimuli P).
    """
    ps = _ps(ps)
    P = np.asarray(eigenvalues).size
    rows = []
    for a in np.atleast_1d(alpha):
        for p in ps:
            t = theory_error(eigenvalues, weights, p, a)
            held = float(heldout_error(t.eg, t.train_error, p, P)) if p <= HELDOUT_MAX_FRACTION * P else np.nan
            rows.append(dict(alpha=t.alpha, p=p, eg=t.eg, eg_heldout=held,
                             train_error=t.train_error, kappa=t.kappa, gamma=t.gamma,
                             radius=t.radius, dimension=t.dimension))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------- empirical
def empirical_learning_curve(X, Y, ps, alpha, n_trials=5, seed=0, device=None) -> pd.DataFrame:
    """Empirical ridge learning curve on random training subsets, the theory's counterpart.

    For each training size ``p`` and trial, ``p`` of the ``P`` stimuli are drawn without
    replacement; ridge with the fixed ``alpha`` (sklearn convention: added to the
    un-normalised training Gram) maps the globally centred ``X`` to the globally
    centred ``Y`` without intercept (as in the theory), through
    :func:`bothways.ridge.cv_ridge`; every stimulus is then predicted.

    Parameters
    ----------
    X : (P, N) representation; Y : (P, targets) or (P,) targets.
    ps : training sizes, each in [2, P − 1].
    alpha : fixed ridge, > 0 (absolute, not scaled to the data; for the ridgeless
        limit use a tiny alpha).
    n_trials : random subsets per training size.
    seed : seed of the subset draws.
    device : passed to :func:`bothways.ridge.cv_ridge`.

    Returns
    -------
    DataFrame with one row per (p, trial): ``p, trial, error_all, error_train,
    error_heldout``. All three are summed squared errors normalised by
    ``‖Y‖²_F / P`` and divided by the number of stimuli they cover (P, p, P − p), so
    ``P·error_all = p·error_train + (P − p)·error_heldout``; ``error_all`` is the one to
    compare with the theory's ``eg`` (and ``error_heldout`` with ``eg_heldout`` of
    :func:`learning_curve`). Subsets are drawn without replacement from a finite P, so
    for p/P beyond ~0.2 the empirical error falls below the theory (on power-law data:
    ≈ −15 % at p/P = 0.4, −36 % at 0.8 with alpha = 1).
    """
    from bothways.ridge import cv_ridge

    X, Y = _xy(X, Y)
    P = X.shape[0]
    ps = _ps(ps)
    if np.any(ps < 2) or np.any(ps > P - 1) or np.any(ps != np.round(ps)):
        raise ValueError(f"training sizes must be integers in [2, {P - 1}], got {ps}")
    alpha = _nonneg("alpha", alpha)
    if alpha == 0:
        raise ValueError("alpha must be > 0 for an empirical fit (use a tiny alpha for the ridgeless limit)")
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    norm = float(np.sum(Yc**2)) / P
    if norm <= 0:
        raise ValueError("Y is constant over stimuli: the normalised error is undefined")
    rng = np.random.default_rng(seed)
    rows = []
    for p in ps.astype(int):
        for trial in range(n_trials):
            train = rng.choice(P, size=p, replace=False)
            fit = _fit_predict_all(cv_ridge, Xc, Yc, train, alpha, device)
            sq = np.sum((Yc - fit) ** 2, axis=1) / norm
            mask = np.zeros(P, bool)
            mask[train] = True
            rows.append(dict(p=p, trial=trial, error_all=sq.mean(),
                             error_train=sq[mask].mean(), error_heldout=sq[~mask].mean()))
    return pd.DataFrame(rows)


def _fit_predict_all(cv_ridge, Xc, Yc, train, alpha, device):
    """Ridge fit on ``train`` (one explicit fold, fixed alpha) predicting all stimuli.

    Held-out stimuli take cv_ridge's predictions; training stimuli are predicted with
    the fold's fitted weights.
    """
    rest = np.setdiff1d(np.arange(Xc.shape[0]), train)
    res = cv_ridge(Xc, Yc, alphas=alpha, folds=[(train, rest)], fit_intercept=False,
                   device=device, dtype="float64", return_weights=True)
    out = np.asarray(res.predictions, dtype=np.float64).copy()
    out[train] = Xc[train] @ np.asarray(res.coef[0], dtype=np.float64)
    return out


# ------------------------------------------------------------------------- surrogate
def gaussian_surrogate(eigenvalues, weights, n, seed=0):
    """A Gaussian population with given eigenvalues and target weights, ``n`` samples.

    Features ``X = Z diag(√λ)`` (one column per non-zero λᵢ, ``Z`` i.i.d. standard
    normal), so that the population covariance has eigenvalues λᵢ, and one target
    ``y = Σᵢ √Wᵢ Zᵢ + √W_null ε`` whose weight on mode i is Wᵢ (and W_null, the weight
    of modes with λ = 0, on independent noise ε): the theory's assumptions hold
    exactly except finite size (Canatar et al. 2023 use the same check).

    Returns
    -------
    ``X`` (n, modes), ``y`` (n, 1).
    """
    lam, w = _spectrum_args(eigenvalues, weights)
    n = check_int(n, "n", minimum=2)
    nz = lam > 0
    if not np.any(nz):
        raise ValueError("all eigenvalues are zero")
    rng = np.random.default_rng(seed)
    Z = rng.standard_normal((n, int(nz.sum())))
    y = Z @ np.sqrt(w[nz]) + np.sqrt(w[~nz].sum()) * rng.standard_normal(n)
    return Z * np.sqrt(lam[nz]), y[:, None]


def surrogate_learning_curve(eigenvalues, weights, ps, alpha, n_test: int = 2000, n_trials: int = 5,
                             seed=0, device=None) -> pd.DataFrame:
    """Ridge on the :func:`gaussian_surrogate`: the theory's own setting, measured.

    For each ``p`` and trial, ridge (fixed ``alpha``, no intercept, as in the theory,
    through :func:`bothways.ridge.cv_ridge`) is fitted on ``p`` fresh samples and scored
    on ``n_test`` fresh ones, normalised by the target variance ``ΣWᵢ``: an estimate of
    the population error ``E_g`` that :func:`theory_error` predicts. Beside it,
    a finite pool of ``P = len(eigenvalues)`` samples is drawn once and treated exactly
    as real stimuli are: the theory on the pool's *own* spectrum and weights
    (``pool_theory``, as for real data), and ridge trained on ``p`` of them without
    replacement, scored over the pool (``pool_all``) and on its held-out part
    (``pool_heldout``) — what a finite pool of Gaussian data does to the comparison.

    Returns
    -------
    DataFrame, one row per ``p``: ``p``, ``theory`` (E_g), ``surrogate`` (mean over
    trials), ``surrogate_sd``, ``pool_theory``, ``pool_all``, ``pool_heldout``.
    """
    from bothways.ridge import cv_ridge

    lam, w = _spectrum_args(eigenvalues, weights)
    ps = _ps(ps)
    alpha = _nonneg("alpha", alpha)
    if alpha == 0:
        raise ValueError("alpha must be > 0 for an empirical fit")
    n_test = check_int(n_test, "n_test", minimum=10)
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    P = lam.size
    if np.any(ps < 2) or np.any(ps > P - 1) or np.any(ps != np.round(ps)):
        raise ValueError(f"training sizes must be integers in [2, {P - 1}], got {ps}")
    total = float(w.sum())
    Xp, yp = gaussian_surrogate(lam, w, P, seed=[int(seed), 1])
    sp_pool = spectrum(Xp, yp)
    pool = empirical_learning_curve(Xp, yp, ps, alpha, n_trials=n_trials, seed=seed, device=device)
    pool = pool.groupby("p")[["error_all", "error_heldout"]].mean()
    rows = []
    for p in ps.astype(int):
        errs = []
        for trial in range(n_trials):
            X, y = gaussian_surrogate(lam, w, p + n_test, seed=[int(seed), 2, int(p), trial])
            train, test = np.arange(p), np.arange(p, p + n_test)
            res = cv_ridge(X, y, alphas=alpha, folds=[(train, test)], fit_intercept=False, device=device,
                           dtype="float64")
            pred = np.asarray(res.predictions, dtype=np.float64)[test]
            errs.append(float(np.mean((y[test] - pred) ** 2)) / total)
        rows.append(dict(p=int(p), theory=theory_error(lam, w, p, alpha).eg, surrogate=float(np.mean(errs)),
                         surrogate_sd=float(np.std(errs)),
                         pool_theory=theory_error(sp_pool.eigenvalues, sp_pool.weights, p, alpha).eg,
                         pool_all=float(pool.loc[p, "error_all"]),
                         pool_heldout=float(pool.loc[p, "error_heldout"])))
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------- decompose
def decompose(X, Y, ps, alpha, n_top: int = 10) -> pd.DataFrame:
    """Spectral bias vs task alignment of one representation, one row per training size.

    Parameters
    ----------
    X : (P, N) representation; Y : (P, targets) or (P,) targets.
    ps : training sizes; alpha : ridge (as in :func:`theory_error`).
    n_top : number of leading eigenmodes summarised.

    Returns
    -------
    DataFrame with columns ``p, alpha, eg, radius, dimension, kappa`` (theory, over all
    stimuli) and the representation-level ``top_eigen_fraction`` (Σ of the top
    ``n_top`` λ / Σλ: spectral bias), ``top_weight`` (Σ of the top ``n_top`` Wᵢ: task
    alignment), ``null_weight`` (target weight outside the representation's span,
    never learnable), ``weight_centroid`` (Σ i·Wᵢ, the mean mode index the targets load
    on; small = aligned) — following Canatar et al. (2023), Figs. 3–4.
    """
    n_top = check_int(n_top, "n_top", minimum=1)
    s = spectrum(X, Y)
    lam, w = s.eigenvalues, s.weights
    curve = learning_curve(lam, w, ps, alpha)
    summary = dict(top_eigen_fraction=lam[:n_top].sum() / lam.sum() if lam.sum() > 0 else np.nan,
                   top_weight=w[:n_top].sum(), null_weight=w[lam == 0].sum(),
                   weight_centroid=float(np.sum(np.arange(1, w.size + 1) * w)))
    out = curve[["p", "alpha", "eg", "radius", "dimension", "kappa"]].copy()
    for k, v in summary.items():
        out[k] = v
    return out
