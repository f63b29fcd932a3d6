"""Effective dimensionality: participation ratio, eigenspectra, power-law exponents.

The participation ratio of a representation ``X`` (stimuli, units) is

    PR = (Σᵢ λᵢ)² / Σᵢ λᵢ²

over the eigenvalues ``λᵢ`` of its centred covariance (Gao et al. 2017; used as
"effective dimensionality" by Elmoznino & Bonner, PLoS Comput Biol 2024, and by
Muzellec & Kar, Nat Mach Intell 2026). It is scale-free, lies in ``[1, rank]``, equals
``k`` for ``k`` equal eigenvalues and approaches ``d`` for an isotropic Gaussian in
``d`` dimensions. The centred covariance ``XᵀX/(n−1)`` and the centred Gram
``XXᵀ/(n−1)`` share their non-zero eigenvalues, so the smaller of the two is used.

Two published variants differ only in their inputs, both supported here:

- Muzellec & Kar: the test stimuli (their 1320 images), the layer **un-pooled**
  (flattened): ``participation_ratio(X)`` with ``X`` (stimuli, units), or a
  (stimuli, C, H, W) array with ``pool=None``.
- Elmoznino & Bonner: a separate image set (10,000 ImageNet images) after **global
  max pooling** over space, units not z-scored: ``participation_ratio(X4d,
  pool="max")`` (``pool="avg"`` for global average pooling).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bothways._validation import as_vector, check_choice, check_finite, numeric_array

__all__ = ["pool_features", "eigenspectrum", "participation_ratio", "PowerLawFit",
           "powerlaw_exponent"]


def pool_features(X, pool=None) -> np.ndarray:
    """Return a (stimuli, features) matrix from (stimuli, units) or (stimuli, C, H, W).

    ``pool``: ``None`` flattens everything after the stimulus axis (un-pooled);
    ``"max"`` / ``"avg"`` take the global max / mean over the spatial axes of a 4-D
    (stimuli, C, H, W) array, giving (stimuli, C). Pooling a 2-D array is an error.
    Accepts numpy arrays or torch tensors; returns float64 numpy.
    """
    X = numeric_array(X, "X")
    check_choice(pool, "pool", (None, "max", "avg"))
    if X.ndim < 2:
        raise ValueError(f"X must be (stimuli, units) or (stimuli, C, H, W), got shape {X.shape}")
    check_finite(X, "X")
    if pool is not None:
        if X.ndim != 4:
            raise ValueError(f"pool={pool!r} needs a (stimuli, C, H, W) array, got shape {X.shape}")
        X = X.max(axis=(2, 3)) if pool == "max" else X.mean(axis=(2, 3))
    X = X.reshape(X.shape[0], -1).astype(np.float64)
    return X


def eigenspectrum(X, pool=None) -> np.ndarray:
    """Eigenvalues of the centred covariance of ``X``, descending.

    Parameters
    ----------
    X : (stimuli, units) or (stimuli, C, H, W) with ``pool`` (see :func:`pool_features`).

    Returns
    -------
    (min(stimuli, units),) eigenvalues of ``Xcᵀ Xc / (stimuli − 1)`` (``Xc`` centred
    over stimuli; units of X squared), descending, tiny negative round-off clipped to 0.
    Computed from the ``stimuli × stimuli`` Gram when units > stimuli (same non-zero
    spectrum, smaller matrix). At most ``stimuli − 1`` of them are non-zero.
    """
    X = pool_features(X, pool)
    n, p = X.shape
    if n < 2:
        raise ValueError(f"need at least 2 stimuli, got {n}")
    Xc = X - X.mean(axis=0)
    G = Xc @ Xc.T if p > n else Xc.T @ Xc
    lam = np.linalg.eigvalsh(G / (n - 1))[::-1]
    return np.clip(lam, 0.0, None)


def participation_ratio(X, pool=None) -> float:
    """Participation ratio ``(Σλ)² / Σλ²`` of the centred covariance of ``X``.

    Parameters
    ----------
    X : (stimuli, units) — the Muzellec & Kar variant (un-pooled layer on the test
        stimuli) — or (stimuli, C, H, W) with ``pool="max"`` (Elmoznino & Bonner: global
        max pooling, typically on a separate image set), ``"avg"`` or ``None``
        (flatten).

    Returns
    -------
    float in [1, rank(X)] (dimensionless). Raises ``ValueError`` when ``X`` is constant
    over stimuli (all eigenvalues zero).
    """
    lam = eigenspectrum(X, pool)
    s2 = np.sum(lam ** 2)
    if s2 <= 0:
        raise ValueError("X is constant across stimuli: the participation ratio is undefined")
    return float(np.sum(lam) ** 2 / s2)


@dataclass(frozen=True)
class PowerLawFit:
    """Least-squares fit ``log λ = log_intercept − alpha · log rank`` (natural logs).

    ``alpha``: the power-law exponent (λₙ ∝ n^−alpha); ``log_intercept``; ``ranks``:
    the 1-based ranks used; ``r2``: R² of the straight-line fit in log–log space.
    """

    alpha: float
    log_intercept: float
    ranks: np.ndarray
    r2: float


def powerlaw_exponent(eigenvalues, fit_range=None) -> PowerLawFit:
    """Fit the power-law decay of an eigenspectrum (Stringer et al., Nature 2019).

    Parameters
    ----------
    eigenvalues : (n,) eigenvalues sorted descending (e.g. from :func:`eigenspectrum`).
    fit_range : ``(first, last)`` 1-based ranks, inclusive (``last=None``: the end).
        Default ``None``: all ranks whose eigenvalue exceeds ``1e-12 · λ₁`` (trailing
        zeros of a rank-deficient spectrum would otherwise dominate the fit).

    Returns
    -------
    PowerLawFit with ``alpha`` such that ``λₙ ≈ C · n^(−alpha)``; ordinary least squares of
    ``log λ`` on ``log rank``. Needs at least 2 positive eigenvalues in range.
    """
    lam = as_vector(eigenvalues, "eigenvalues", what="sorted descending", min_size=2)
    if np.any(np.diff(lam) > 1e-12 * abs(lam[0])):
        raise ValueError("eigenvalues must be sorted in descending order")
    ranks = np.arange(1, lam.size + 1)
    if fit_range is None:
        keep = lam > 1e-12 * lam[0]
    else:
        first, last = fit_range
        last = lam.size if last is None else int(last)
        if not 1 <= int(first) < last <= lam.size:
            raise ValueError(f"fit_range must satisfy 1 <= first < last <= {lam.size}, got {fit_range}")
        keep = (ranks >= int(first)) & (ranks <= last)
        if np.any(lam[keep] <= 0):
            raise ValueError("fit_range contains non-positive eigenvalues (log undefined)")
    if keep.sum() < 2:
        raise ValueError("need at least 2 positive eigenvalues to fit a power law")
    x, y = np.log(ranks[keep]), np.log(lam[keep])
    slope, intercept = np.polyfit(x, y, 1)
    resid = y - (slope * x + intercept)
    ss = np.sum((y - y.mean()) ** 2)
    r2 = 1.0 - np.sum(resid ** 2) / ss if ss > 0 else 1.0
    return PowerLawFit(alpha=float(-slope), log_intercept=float(intercept), ranks=ranks[keep], r2=float(r2))
