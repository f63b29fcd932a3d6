"""Effective dimensionality: participation ratio, eigenspectra, power laws, spectral transforms.

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

Spectral transforms change a representation's spectrum and nothing else, to test
whether the spectrum itself moves a score (chapter 3). A transform is **estimated on
training stimuli only** and applied to held-out ones: :class:`SpectralTransform` (a
spec: keep, whiten, reshape to a power law ``λᵢ ∝ i^(−exponent)``, truncate to the top
principal components, optionally with the eigenvalues handed to the eigenvectors in
reverse order) ``.fit(X_train)`` returns a :class:`FittedSpectralTransform`, which
transforms new rows and **refuses** the rows it was fitted on as held-out rows (they
are available, by name, as :meth:`FittedSpectralTransform.train_coordinates`).
:class:`RandomExpansion` builds a wider layer of random (ReLU) features the same way.
The per-fold fit-and-score lives in
:func:`bothways.analyses.dimensionality_sweep.transformed_scores`.

Why: a transform estimated on every stimulus uses the test stimuli. Whitened on all
``n`` stimuli, a layer's centred Gram becomes the centring projector, so no test row
carries information about any training row and held-out prediction falls to chance
(``tests/test_dimensionality.py`` reproduces it). The all-stimuli functions
(:func:`modes`, :func:`reshape_spectrum`, :func:`whiten`, :func:`truncate_spectrum`)
are kept for describing a representation on one image set and are **deprecated for
scoring**: they warn.
"""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from bothways._validation import as_vector, check_choice, check_finite, check_int, check_number, numeric_array

__all__ = ["pool_features", "eigenspectrum", "participation_ratio", "PowerLawFit",
           "powerlaw_exponent", "SpectralTransform", "FittedSpectralTransform", "RandomExpansion",
           "FittedRandomExpansion", "TRANSFORM_KINDS", "TransformLeakError",
           "Modes", "modes", "powerlaw_values", "truncated_values", "powerlaw_pr",
           "reshape_spectrum", "whiten", "truncate_spectrum", "random_expansion"]


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
    """Least-squares fit ``log λ = log_intercept − exponent · log rank`` (natural logs).

    ``exponent``: the power-law exponent (λₙ ∝ n^−exponent; called alpha by Stringer
    et al. 2019, but alpha is the ridge penalty in this book); ``log_intercept``;
    ``ranks``: the 1-based ranks used; ``r2``: R² of the straight-line fit in log–log
    space.
    """

    exponent: float
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
    PowerLawFit with ``exponent`` such that ``λₙ ≈ C · n^(−exponent)``; ordinary least squares of
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
    return PowerLawFit(exponent=float(-slope), log_intercept=float(intercept), ranks=ranks[keep], r2=float(r2))


# --------------------------------------------------------------------------- transforms fitted on training rows
#: The kinds of :class:`SpectralTransform`.
TRANSFORM_KINDS = ("keep", "whiten", "power law", "truncate")


class TransformLeakError(ValueError):
    """Rows a transform was fitted on were passed to it as held-out rows."""


def _fingerprints(X) -> frozenset:
    return frozenset(hashlib.blake2b(row.tobytes(), digest_size=12).digest() for row in X)


def _train_basis(X, rtol, what):
    """Centre ``X`` (training rows) and return ``(X, mean, V, s)``: the covariance
    eigenvectors ``V`` (units, r) and singular values ``s`` (r,) of the centred rows."""
    X = pool_features(X)
    n, p = X.shape
    if n < 3:
        raise ValueError(f"need at least 3 training stimuli to fit {what}, got {n}")
    mean = X.mean(axis=0)
    Xc = X - mean
    if p >= n:
        lam, U = np.linalg.eigh(Xc @ Xc.T)
        lam, U = lam[::-1], U[:, ::-1]
    else:
        lam, V = np.linalg.eigh(Xc.T @ Xc)
        lam, V = lam[::-1], V[:, ::-1]
    if lam[0] <= 0:
        raise ValueError("X_train is constant across stimuli: it has no spectrum to change")
    r = int(np.sum(lam > rtol * lam[0]))
    s = np.sqrt(lam[:r])
    V = (Xc.T @ U[:, :r]) / s if p >= n else V[:, :r]
    return X, mean, np.ascontiguousarray(V), s


class _FittedRows:
    """What fitted transforms share: the training rows' fingerprints and the check."""

    def _new_rows(self, X, name="X"):
        X = pool_features(X)
        if X.shape[1] != self.mean.size:
            raise ValueError(f"{name} has {X.shape[1]} units, the transform was fitted on {self.mean.size}")
        if self._fingerprints and not self._fingerprints.isdisjoint(_fingerprints(X)):
            k = len(self._fingerprints & _fingerprints(X))
            raise TransformLeakError(
                f"{k} row(s) of {name} are rows this transform was fitted on: a transform must not "
                "see the held-out stimuli it is applied to (fit it on the training rows of each "
                "fold; the fitted rows themselves are train_coordinates() / train_values())")
        return X


@dataclass(frozen=True)
class SpectralTransform:
    """A spectral transform to be estimated on training stimuli (a spec; ``fit()``).

    With the centred training rows ``X_train − mean = U diag(s) Vᵀ`` (thin SVD, rank
    ``r``), every kind replaces the singular values ``s`` by ``s'`` and keeps ``V`` (the
    eigenvectors over units), the mean and — except for truncation — the total
    training variance ``Σ s'² = Σ s²``:

    - ``"keep"``: ``s' = s`` (the identity; with ``reverse_order`` the same eigenvalues
      on the eigenvectors in reverse order, which leaves the participation ratio as it
      is);
    - ``"whiten"``: every component equal (a power law with exponent 0);
    - ``"power law"``: ``s'ᵢ² ∝ i^(−exponent)`` (Stringer et al. 2019);
    - ``"truncate"``: the top ``n_components`` components kept, the rest set to 0
      (PCA truncation, as ``sklearn.decomposition.PCA`` fitted on the training rows).

    ``reverse_order``: hand ``s'`` to the eigenvectors in reverse order (the largest
    value to the direction with the least training variance).

    A new row ``x`` becomes ``mean + ((x − mean) V) diag(s'/s) Vᵀ``: its projection on
    the training span, rescaled. The part of a held-out row outside the training span
    is dropped (as PCA does), except by the identity (``"keep"``, natural order), which
    returns rows as they are. Ridge regression *from* a representation never uses that
    part (its weights lie in the span of the training rows), so forward predictions
    from :meth:`FittedSpectralTransform.coordinates` equal those from the full rows.
    """

    kind: str = "keep"
    exponent: float | None = None
    n_components: int | None = None
    reverse_order: bool = False
    rtol: float = 1e-10

    def __post_init__(self):
        check_choice(self.kind, "kind", TRANSFORM_KINDS)
        if (self.kind == "power law") != (self.exponent is not None):
            raise ValueError("exponent is needed by kind='power law' and by no other kind")
        if (self.kind == "truncate") != (self.n_components is not None):
            raise ValueError("n_components is needed by kind='truncate' and by no other kind")
        if self.exponent is not None:
            object.__setattr__(self, "exponent", check_number(self.exponent, "exponent", low=0.0))
        if self.n_components is not None:
            object.__setattr__(self, "n_components", check_int(self.n_components, "n_components", minimum=1))
        if not isinstance(self.reverse_order, (bool, np.bool_)):
            raise TypeError(f"reverse_order must be True or False, got {self.reverse_order!r}")
        check_number(self.rtol, "rtol", low=0.0, high=1.0, high_open=True)

    @property
    def label(self) -> str:
        """A short name for tables: "original", "power law 1.5", "PCA truncation 20", ..."""
        if self.kind == "power law":
            name = f"power law {self.exponent:g}"
        elif self.kind == "truncate":
            name = f"PCA truncation {self.n_components}"
        else:
            name = {"keep": "original", "whiten": "whitened"}[self.kind]
        return name + (", reversed order" if self.reverse_order else "")

    @property
    def is_identity(self) -> bool:
        return self.kind == "keep" and not self.reverse_order

    def values_for(self, s) -> np.ndarray:
        """The new singular values ``s'`` for training singular values ``s`` (descending)."""
        s = np.asarray(s, dtype=np.float64)
        r = s.size
        if self.kind == "keep":
            new = s.copy()
        elif self.kind == "truncate":
            if self.n_components > r:
                raise ValueError(f"n_components={self.n_components} exceeds the rank of X_train ({r})")
            new = np.where(np.arange(r) < self.n_components, s, 0.0)
        else:
            exponent = 0.0 if self.kind == "whiten" else self.exponent
            lam = np.arange(1, r + 1, dtype=float) ** (-exponent)
            new = np.sqrt(lam * (s ** 2).sum() / lam.sum())
        return new[::-1].copy() if self.reverse_order else new

    def fit(self, X_train) -> "FittedSpectralTransform":
        """Estimate the transform on ``X_train`` (training stimuli, units) only."""
        X, mean, V, s = _train_basis(X_train, self.rtol, "a spectral transform")
        return FittedSpectralTransform(self, mean, V, s, self.values_for(s), X.shape[0],
                                       _fingerprints(X), (X - mean) @ V)


@dataclass(frozen=True, eq=False)
class FittedSpectralTransform(_FittedRows):
    """A :class:`SpectralTransform` estimated on training rows (:meth:`SpectralTransform.fit`).

    Attributes
    ----------
    transform : the spec; mean : (units,) training mean; basis : (units, r) training
    covariance eigenvectors ``V``; s : (r,) training singular values; new_s : (r,) the
    values the transform sets; n_train : training rows.

    ``coordinates()`` / ``values()`` transform **new** rows and raise
    :class:`TransformLeakError` for rows the transform was fitted on (compared
    exactly); the fitted rows are ``train_coordinates()`` / ``train_values()``.
    """

    transform: SpectralTransform
    mean: np.ndarray
    basis: np.ndarray
    s: np.ndarray
    new_s: np.ndarray
    n_train: int
    _fingerprints: frozenset = field(repr=False)
    _train: np.ndarray = field(repr=False)

    @property
    def rank(self) -> int:
        return int(self.s.size)

    def refit(self, transform: SpectralTransform) -> "FittedSpectralTransform":
        """The same training rows under another spec (no new decomposition)."""
        if not isinstance(transform, SpectralTransform):
            raise TypeError(f"transform must be a SpectralTransform, got {transform!r}")
        return replace(self, transform=transform, new_s=transform.values_for(self.s))

    @property
    def factors(self) -> np.ndarray:
        """(r,) ``s'/s``, the rescaling of each training principal component."""
        return self.new_s / self.s

    def eigenvalues(self) -> np.ndarray:
        """(r,) covariance eigenvalues of the transformed training rows, in eigenvector
        order (descending unless ``reverse_order``)."""
        return self.new_s ** 2 / (self.n_train - 1)

    def participation_ratio(self) -> float:
        """PR of the transformed training rows (:func:`participation_ratio`)."""
        lam = self.eigenvalues()
        return float(lam.sum() ** 2 / (lam ** 2).sum())

    def coordinates(self, X) -> np.ndarray:
        """(rows, r) the transformed held-out rows in the training principal axes: the
        same centred Gram (and ridge predictions *from* them) as ``values()``."""
        X = self._new_rows(X)
        return ((X - self.mean) @ self.basis) * self.factors

    def values(self, X, units=None) -> np.ndarray:
        """(rows, len(units)) the transformed held-out rows, units ``units`` (default all)."""
        X = self._new_rows(X)
        cols = slice(None) if units is None else np.asarray(units)
        if self.transform.is_identity:
            return X[:, cols]
        return self.mean[cols] + (((X - self.mean) @ self.basis) * self.factors) @ self.basis[cols].T

    def train_coordinates(self) -> np.ndarray:
        """(n_train, r) the transformed **training** rows in the training principal axes."""
        return self._train * self.factors

    def train_values(self, X_train, units=None) -> np.ndarray:
        """The transformed training rows ``X_train`` (the rows of :meth:`SpectralTransform.fit`)."""
        X = pool_features(X_train)
        if X.shape[0] != self.n_train or _fingerprints(X) != self._fingerprints:
            raise ValueError("X_train must be the rows this transform was fitted on")
        cols = slice(None) if units is None else np.asarray(units)
        if self.transform.is_identity:
            return X[:, cols]
        return self.mean[cols] + self.train_coordinates() @ self.basis[cols].T


@dataclass(frozen=True)
class RandomExpansion:
    """A random-feature expansion to be estimated on training stimuli (``fit()``).

    ``f(Z G)`` with ``Z`` the rows centred by the training mean, projected on the
    training principal axes and divided by the training rows' overall standard
    deviation, ``G`` (r, n_features) i.i.d. ``N(0, 1/units)`` drawn from ``seed``, and
    ``f`` ReLU (random ReLU features, whose Gram tends to the order-1 arc-cosine kernel
    of Cho & Saul 2009) or linear (a random projection). On the training rows this is
    exactly the distribution of ``f(Xc W)`` for a Gaussian (units, n_features) ``W``
    (``VᵀW`` is again i.i.d. Gaussian); a held-out row's part outside the training
    span is dropped before the expansion.
    """

    n_features: int
    nonlinearity: str = "relu"
    seed: int = 0
    rtol: float = 1e-10

    def __post_init__(self):
        object.__setattr__(self, "n_features", check_int(self.n_features, "n_features", minimum=1))
        check_choice(self.nonlinearity, "nonlinearity", ("relu", "linear"))

    @property
    def label(self) -> str:
        return f"random {'ReLU' if self.nonlinearity == 'relu' else 'linear'} expansion to {self.n_features}"

    def fit(self, X_train) -> "FittedRandomExpansion":
        X, mean, V, s = _train_basis(X_train, self.rtol, "a random expansion")
        n, p = X.shape
        sd = float(np.sqrt((s ** 2).sum() / (n * p)))
        G = np.random.default_rng(self.seed).standard_normal((s.size, self.n_features)) / np.sqrt(p)
        return FittedRandomExpansion(self, mean, V, sd, G, n, _fingerprints(X), (X - mean) @ V)


@dataclass(frozen=True, eq=False)
class FittedRandomExpansion(_FittedRows):
    """A :class:`RandomExpansion` estimated on training rows; ``values()`` for new
    rows (fitted rows refused, :class:`TransformLeakError`), ``train_values()`` for
    the fitted ones."""

    expansion: RandomExpansion
    mean: np.ndarray
    basis: np.ndarray
    sd: float
    G: np.ndarray = field(repr=False)
    n_train: int
    _fingerprints: frozenset = field(repr=False)
    _train: np.ndarray = field(repr=False)

    def _expand(self, C):
        H = (C / self.sd) @ self.G
        return np.maximum(H, 0.0) if self.expansion.nonlinearity == "relu" else H

    def values(self, X) -> np.ndarray:
        """(rows, n_features) the expansion of held-out rows."""
        X = self._new_rows(X)
        return self._expand((X - self.mean) @ self.basis)

    def train_values(self) -> np.ndarray:
        """(n_train, n_features) the expansion of the training rows."""
        return self._expand(self._train)


# --------------------------------------------------------------------------- all-stimuli transforms
# Deprecated for scoring: they use every row they are given (test stimuli included).
# Kept to describe one representation on one image set.
# --------------------------------------------------------------------------- spectral transforms
# Transforms that change a representation's spectrum and nothing else (its eigenvectors,
# mean and span stay), and one that builds a wider layer on top of it. They act on the
# centred thin SVD of X (:class:`Modes`); see chapter 3.
@dataclass(frozen=True, eq=False)
class Modes:
    """The centred thin SVD of a representation, ``X = mean + U diag(s) Vᵀ``.

    Every transform of this module changes ``s`` only, so it is applied to this object
    rather than to ``X``: ``U`` (stimuli, r) and ``coords = diag(s) Vᵀ = Uᵀ Xc``
    (r, units) are kept, ``V`` is never formed. ``r`` is the numerical rank.
    Build it with :func:`modes`.

    Attributes
    ----------
    mean : (units,) mean over stimuli; U : (stimuli, r) orthonormal Gram eigenvectors;
    s : (r,) singular values, descending (units of X × √stimuli); coords : (r, units).
    """

    mean: np.ndarray
    U: np.ndarray
    s: np.ndarray
    coords: np.ndarray

    @property
    def shape(self) -> tuple:
        return (self.U.shape[0], self.mean.size)

    @property
    def rank(self) -> int:
        return int(self.s.size)

    def eigenvalues(self, s=None) -> np.ndarray:
        """(r,) covariance eigenvalues ``s²/(stimuli − 1)`` (of ``X``, or with singular values ``s``)."""
        s = self.s if s is None else self._check(s)
        return s ** 2 / (self.U.shape[0] - 1)

    def participation_ratio(self, s=None) -> float:
        """``(Σλ)² / Σλ²`` (Gao et al. 2017), the same number as
        :func:`bothways.dimensionality.participation_ratio` of the (transformed) ``X``."""
        lam = self.eigenvalues(s)
        return float(lam.sum() ** 2 / (lam ** 2).sum())

    def _check(self, s):
        s = np.asarray(s, dtype=np.float64)
        if s.shape != self.s.shape or not np.all(np.isfinite(s)) or np.any(s < 0):
            raise ValueError(f"singular values must be {self.s.shape}, finite and >= 0")
        if not np.any(s > 0):
            raise ValueError("at least one singular value must be positive")
        return s

    def values(self, s=None, units=None) -> np.ndarray:
        """``mean + U diag(s) Vᵀ`` restricted to the columns ``units`` (default: all),
        shape (stimuli, len(units)), float64."""
        s = self.s if s is None else self._check(s)
        cols = slice(None) if units is None else np.asarray(units)
        return self.mean[cols] + self.U @ ((s / self.s)[:, None] * self.coords[:, cols])

    def unit_variances(self, s=None) -> np.ndarray:
        """(units,) variance over stimuli of every unit of the (transformed) representation."""
        s = self.s if s is None else self._check(s)
        return ((s / self.s)[:, None] ** 2 * self.coords ** 2).sum(0) / (self.U.shape[0] - 1)

    def compact(self, s=None) -> np.ndarray:
        """A (stimuli, min(stimuli, units)) matrix with the same centred Gram as the
        (transformed) ``X``: ``U diag(s)``, zero-padded. Ridge regression *from* a
        representation depends on it only through that Gram and its width (a rotation
        of the units), so forward predictivity from ``compact()`` equals forward
        predictivity from ``values()`` at a fraction of the cost."""
        s = self.s if s is None else self._check(s)
        n, p = self.shape
        out = np.zeros((n, min(n, p)))
        out[:, :s.size] = self.U * s
        return out


def modes(X, rtol: float = 1e-10) -> Modes:
    """Centre ``X`` (stimuli, units) and return its thin SVD as :class:`Modes`.

    Computed from the smaller of the Gram / covariance eigenproblems; components whose
    variance is below ``rtol`` times the largest are treated as round-off and dropped
    (they stay zero under every transform). Raises ``ValueError`` for fewer than 2
    stimuli, NaN/inf, or a constant ``X``; ``TypeError`` for non-numeric input. A
    :class:`Modes` is returned as it is (so every transform accepts either).
    """
    if isinstance(X, Modes):
        return X
    X = pool_features(X)  # validates: numeric, finite, 2-D (or flattens), float64
    n, p = X.shape
    if n < 2:
        raise ValueError(f"need at least 2 stimuli, got {n}")
    mean = X.mean(axis=0)
    Xc = X - mean
    if p >= n:
        lam, U = np.linalg.eigh(Xc @ Xc.T)
        lam, U = lam[::-1], U[:, ::-1]
    else:
        lam, V = np.linalg.eigh(Xc.T @ Xc)
        lam, V = lam[::-1], V[:, ::-1]
    if lam[0] <= 0:
        raise ValueError("X is constant across stimuli: it has no spectrum to change")
    r = int(np.sum(lam > rtol * lam[0]))
    s = np.sqrt(lam[:r])
    U = U[:, :r] if p >= n else (Xc @ V[:, :r]) / s
    return Modes(mean=mean, U=np.ascontiguousarray(U), s=s, coords=U.T @ Xc)


def powerlaw_values(exponent: float, m: Modes) -> np.ndarray:
    """Singular values ``s'`` with ``s'ᵢ² ∝ i^(−exponent)`` (``i = 1..rank``) and ``Σs'² = Σs²``."""
    exponent = check_number(exponent, "exponent", low=0.0)
    lam = np.arange(1, m.rank + 1, dtype=float) ** (-exponent)
    return np.sqrt(lam * (m.s ** 2).sum() / lam.sum())


def truncated_values(n_components: int, m: Modes) -> np.ndarray:
    """Singular values of the top-``n_components`` PCA truncation (the rest set to 0)."""
    n_components = check_int(n_components, "n_components", minimum=1)
    if n_components > m.rank:
        raise ValueError(f"n_components={n_components} exceeds the rank of X ({m.rank})")
    return np.where(np.arange(m.rank) < n_components, m.s, 0.0)


def powerlaw_pr(exponent: float, rank: int) -> float:
    """Participation ratio of the spectrum ``λᵢ ∝ i^(−exponent)``, ``i = 1..rank`` (closed form)."""
    lam = np.arange(1, int(rank) + 1, dtype=float) ** (-float(exponent))
    return float(lam.sum() ** 2 / (lam ** 2).sum())


def reshape_spectrum(X, exponent: float, rtol: float = 1e-10) -> np.ndarray:
    """Give ``X`` a power-law eigenspectrum, keeping its eigenvectors, mean and total variance.

    With the centred thin SVD ``Xc = U diag(s) Vᵀ`` of rank ``r``, returns
    ``mean + U diag(s') Vᵀ`` where ``s'ᵢ² ∝ i^(−exponent)`` (``i = 1..r``) and
    ``Σ s'² = Σ s²``. The covariance eigenvectors (``V``, over units) and the Gram
    eigenvectors (``U``, over stimuli) are unchanged, and so is their order; only how
    much variance each carries changes (the "spectral bias" of Canatar et al. 2023;
    power-law spectra as in Stringer et al. 2019). ``exponent = 0`` whitens within
    the span (every component equal). The participation ratio of the result is
    :func:`powerlaw_pr` ``(exponent, r)``.

    Parameters
    ----------
    X : (stimuli, units) features (finite), or their :class:`Modes`.
    exponent : float ≥ 0, the decay exponent.
    rtol : components with variance below ``rtol ×`` the largest are treated as zero
        (round-off) and stay zero.

    Returns
    -------
    (stimuli, units) float64 array.
    """
    _deprecated("reshape_spectrum")
    return _reshape(X, exponent, rtol)


def _deprecated(name):
    warnings.warn(f"bothways.dimensionality.{name} fits on every row it is given (test stimuli "
                  "included); to score a transformed representation fit a SpectralTransform on "
                  "the training rows of each fold (dimensionality_sweep.transformed_scores)",
                  DeprecationWarning, stacklevel=3)


def _reshape(X, exponent, rtol):
    m = modes(X, rtol)
    return m.values(powerlaw_values(exponent, m))


def whiten(X, rtol: float = 1e-10) -> np.ndarray:
    """Equalise every principal component of ``X`` (``reshape_spectrum(X, 0)``).

    Keeps the eigenvectors, the mean, the total variance and the span; the
    participation ratio becomes the rank. Returns (stimuli, units) float64.
    """
    _deprecated("whiten")
    return _reshape(X, 0.0, rtol)


def truncate_spectrum(X, n_components: int, rtol: float = 1e-10) -> np.ndarray:
    """PCA truncation: keep the top ``n_components`` principal components of ``X``.

    Returns ``mean + Xc V_k V_kᵀ`` (what ``sklearn.decomposition.PCA(n_components)``
    gives by ``inverse_transform(transform(X))``), shape (stimuli, units): the kept
    components keep their eigenvalues and eigenvectors, the others become zero.
    """
    _deprecated("truncate_spectrum")
    m = modes(X, rtol)
    return m.values(truncated_values(n_components, m))


def random_expansion(X, n_features: int, seed: int = 0, nonlinearity: str = "relu",
                     rtol: float = 1e-10) -> np.ndarray:
    """Random-feature expansion of one layer: ``f(Z W)`` with Gaussian ``W``.

    ``Z`` is ``X`` centred over stimuli and divided by its overall standard deviation
    (so the expansion does not depend on the layer's scale); ``W`` is
    (units, n_features) with i.i.d. ``N(0, 1/units)`` entries; ``f`` is ``"relu"``
    (random ReLU features, whose Gram tends to the order-1 arc-cosine kernel of Cho &
    Saul 2009) or ``"linear"`` (a random projection, whose Gram tends to
    ``n_features/units · Z Zᵀ``).

    ``Z W`` is drawn without forming ``W``: with ``Z = U diag(s) Vᵀ`` (thin SVD, rank r),
    ``Vᵀ W`` is again an i.i.d. ``N(0, 1/units)`` (r, n_features) matrix ``G``, so
    ``Z W`` has exactly the distribution of ``U diag(s) G`` — and costs r × n_features
    numbers instead of units × n_features. ``G`` is drawn from ``seed``.

    Parameters
    ----------
    X : (stimuli, units) features, or their :class:`Modes`.

    Returns
    -------
    (stimuli, n_features) float64 array: a wider network built on the layer, whose
    dimensionality we choose through ``n_features`` and ``f``. It centres and scales
    with every row it is given; :class:`RandomExpansion` fits on training rows.
    """
    check_choice(nonlinearity, "nonlinearity", ("relu", "linear"))
    n_features = check_int(n_features, "n_features", minimum=1)
    m = modes(X, rtol)
    n, p = m.shape
    sd = np.sqrt((m.s ** 2).sum() / (n * p))  # overall std of the centred X
    G = np.random.default_rng(seed).standard_normal((m.rank, n_features)) / np.sqrt(p)
    H = (m.U * (m.s / sd)) @ G
    return np.maximum(H, 0.0) if nonlinearity == "relu" else H
