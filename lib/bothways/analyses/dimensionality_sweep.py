"""Chapter 3 recipe: does effective dimensionality drive forward up and reverse down?

Muzellec & Kar (2026) report, across 39 networks, that the participation ratio (PR) of
a layer correlates with forward predictivity (Spearman +0.37) and against reverse
predictivity (−0.40); Elmoznino & Bonner (2024) report that encoding performance grows
with log PR. Correlations across networks cannot tell whether the spectrum itself is
the cause, so this module provides both halves of the chapter:

- the **across-network** half: :func:`fit_log_pr` (a straight line of a score on
  ``log10 PR`` with bootstrap confidence intervals) and :func:`spearman_table`
  (Spearman correlations with bootstrap CIs, next to the published ones);
- the **causal** half: transformations that change a layer's spectrum and nothing
  else — :func:`reshape_spectrum` (eigenvalues set to a power law, eigenvectors kept),
  :func:`truncate_spectrum` (PCA truncation), :func:`whiten` — and one that builds a
  new, wider layer on top of it (:func:`random_expansion`), plus
  :func:`score_representation` /
  :func:`spectrum_sweep` that score any of them in both directions on the same
  recordings.

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
from bothways.dimensionality import participation_ratio, pool_features

__all__ = ["PAPER_SPEARMAN", "LogFit", "fit_log_pr", "spearman_table", "fit_table", "Modes", "modes",
           "powerlaw_values", "truncated_values", "reshape_spectrum",
           "truncate_spectrum", "whiten", "random_expansion", "powerlaw_pr",
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


def _rowwise_pearson(x, y):
    """Pearson r of each row of x with the same row of y (NaN where a row is constant)."""
    xc = x - x.mean(axis=1, keepdims=True)
    yc = y - y.mean(axis=1, keepdims=True)
    den = np.sqrt((xc ** 2).sum(1) * (yc ** 2).sum(1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xc * yc).sum(1) / den, np.nan)


def _percentile_ci(values, level):
    q = 100 * (1 - level) / 2
    lo, hi = np.nanpercentile(values, [q, 100 - q], axis=0)
    return lo, hi


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
    b_r2 = _rowwise_pearson(xb, yb) ** 2
    b_rho = _rowwise_pearson(stats.rankdata(xb, axis=1), stats.rankdata(yb, axis=1))

    grid_x = np.linspace(x.min(), x.max(), int(n_grid))
    band = b_slope[:, None] * grid_x[None, :] + b_inter[:, None]
    band_low, band_high = _percentile_ci(band, level)
    ci = {k: tuple(float(v) for v in _percentile_ci(b, level))
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


# ------------------------------------------------------------ spectral transforms
@dataclass(frozen=True, eq=False)
class Modes:
    """The centred thin SVD of a representation, ``X = mean + U diag(s) Vᵀ``.

    Every transform of this module changes ``s`` only, so it is applied to this object
    rather than to ``X``: ``U`` (stimuli, r) and ``coords = diag(s) Vᵀ = Uᵀ Xc``
    (r, units) are kept, ``V`` is never formed. ``r`` is the numerical rank.

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
    stimuli, NaN/inf, or a constant ``X``; ``TypeError`` for non-numeric input.
    """
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


def _as_modes(X, rtol):
    return X if isinstance(X, Modes) else modes(X, rtol)


def powerlaw_values(alpha_exponent: float, m: Modes) -> np.ndarray:
    """Singular values ``s'`` with ``s'ᵢ² ∝ i^(−alpha)`` (``i = 1..rank``) and ``Σs'² = Σs²``."""
    alpha_exponent = float(alpha_exponent)
    if not np.isfinite(alpha_exponent) or alpha_exponent < 0:
        raise ValueError(f"alpha_exponent must be a finite number >= 0, got {alpha_exponent}")
    lam = np.arange(1, m.rank + 1, dtype=float) ** (-alpha_exponent)
    return np.sqrt(lam * (m.s ** 2).sum() / lam.sum())


def truncated_values(n_components: int, m: Modes) -> np.ndarray:
    """Singular values of the top-``n_components`` PCA truncation (the rest set to 0)."""
    n_components = check_int(n_components, "n_components", minimum=1)
    if n_components > m.rank:
        raise ValueError(f"n_components={n_components} exceeds the rank of X ({m.rank})")
    return np.where(np.arange(m.rank) < n_components, m.s, 0.0)


def powerlaw_pr(alpha_exponent: float, rank: int) -> float:
    """Participation ratio of the spectrum ``λᵢ ∝ i^(−alpha)``, ``i = 1..rank`` (closed form)."""
    lam = np.arange(1, int(rank) + 1, dtype=float) ** (-float(alpha_exponent))
    return float(lam.sum() ** 2 / (lam ** 2).sum())


def reshape_spectrum(X, alpha_exponent: float, rtol: float = 1e-10) -> np.ndarray:
    """Give ``X`` a power-law eigenspectrum, keeping its eigenvectors, mean and total variance.

    With the centred thin SVD ``Xc = U diag(s) Vᵀ`` of rank ``r``, returns
    ``mean + U diag(s') Vᵀ`` where ``s'ᵢ² ∝ i^(−alpha_exponent)`` (``i = 1..r``) and
    ``Σ s'² = Σ s²``. The covariance eigenvectors (``V``, over units) and the Gram
    eigenvectors (``U``, over stimuli) are unchanged, and so is their order; only how
    much variance each carries changes (the "spectral bias" of Canatar et al. 2023;
    power-law spectra as in Stringer et al. 2019). ``alpha_exponent = 0`` whitens within
    the span (every component equal). The participation ratio of the result is
    :func:`powerlaw_pr` ``(alpha_exponent, r)``.

    Parameters
    ----------
    X : (stimuli, units) features (finite), or their :class:`Modes`.
    alpha_exponent : float ≥ 0, the decay exponent.
    rtol : components with variance below ``rtol ×`` the largest are treated as zero
        (round-off) and stay zero.

    Returns
    -------
    (stimuli, units) float64 array.
    """
    m = _as_modes(X, rtol)
    return m.values(powerlaw_values(alpha_exponent, m))


def whiten(X, rtol: float = 1e-10) -> np.ndarray:
    """Equalise every principal component of ``X`` (``reshape_spectrum(X, 0)``).

    Keeps the eigenvectors, the mean, the total variance and the span; the
    participation ratio becomes the rank. Returns (stimuli, units) float64.
    """
    return reshape_spectrum(X, 0.0, rtol=rtol)


def truncate_spectrum(X, n_components: int, rtol: float = 1e-10) -> np.ndarray:
    """PCA truncation: keep the top ``n_components`` principal components of ``X``.

    Returns ``mean + Xc V_k V_kᵀ`` (what ``sklearn.decomposition.PCA(n_components)``
    gives by ``inverse_transform(transform(X))``), shape (stimuli, units): the kept
    components keep their eigenvalues and eigenvectors, the others become zero.
    """
    m = _as_modes(X, rtol)
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
    dimensionality we choose through ``n_features`` and ``f``.
    """
    if nonlinearity not in ("relu", "linear"):
        raise ValueError(f"nonlinearity must be 'relu' or 'linear', got {nonlinearity!r}")
    n_features = check_int(n_features, "n_features", minimum=1)
    m = _as_modes(X, rtol)
    n, p = m.shape
    sd = np.sqrt((m.s ** 2).sum() / (n * p))  # overall std of the centred X
    G = np.random.default_rng(seed).standard_normal((m.rank, n_features)) / np.sqrt(p)
    H = (m.U * (m.s / sd)) @ G
    return np.maximum(H, 0.0) if nonlinearity == "relu" else H


# ------------------------------------------------------------------- scoring
#: Unit variance below this fraction of the largest counts as constant (not scored in reverse).
CONSTANT_RTOL = 1e-12


def score_representation(X, trials, *, s=None, n_splits: int = 5, n_folds: int = 10,
                         max_reverse_units: int | None = 1000, seed: int = 0,
                         method: str = "default", rtol: float = 1e-10, **ridge_options) -> dict:
    """Participation ratio and both directions of predictivity of one representation.

    Parameters
    ----------
    X : (stimuli, units) features on the recorded stimuli, or their :class:`Modes`.
    trials : (stimuli, neurons, repeats) recordings, NaN for missing repeats.
    s : optional (rank,) singular values replacing ``X``'s own (a transform from this
        module: :func:`powerlaw_values`, :func:`truncated_values`).
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

    Forward predictivity is computed from :meth:`Modes.compact`: the same centred Gram
    and, since it keeps ``min(stimuli, units)`` columns, the same data-scaled alpha grid
    — hence the same ridge predictions as from the features themselves, at a fraction
    of the cost. (For a rank-deficient representation, round-off can tip the inner
    alpha choice of a few targets between two grid values with nearly equal
    inner-CV error.)
    """
    from bothways.predictivity import predictivity

    m = _as_modes(X, rtol)
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
    ``a`` in ``exponents`` (:func:`reshape_spectrum`: same eigenvectors, same total
    variance; ``a = 0`` is whitening), then its top-``k`` PCA truncations for every ``k``
    in ``truncations`` (:func:`truncate_spectrum`), all on the same recordings with the
    same folds and splits.

    Parameters
    ----------
    X : (stimuli, units) features, or their :class:`Modes`.
    trials : (stimuli, neurons, repeats).
    **score_options : passed to :func:`score_representation`.

    Returns
    -------
    DataFrame, one row per representation: ``transform`` ("original", "power law",
    "PCA truncation"), ``parameter`` (exponent or number of components; NaN for the
    original) and the columns of :func:`score_representation`.
    """
    from tqdm.auto import tqdm

    m = _as_modes(X, rtol)
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
    (:func:`random_expansion`), PCA truncations and whitening of that layer's features
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
