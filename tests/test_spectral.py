"""Tests for bothways.spectral (Canatar et al. 2023 spectral theory)."""
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from bothways import spectral as sp


def power_law_data(rng, P=500, N=250, T=3, a=1.2, b=0.6):
    """Gaussian features with covariance eigenvalues k^-a; targets linear, weights k^-b."""
    k = np.arange(1, N + 1)
    X = rng.standard_normal((P, N)) * np.sqrt(k**-a)
    Y = X @ (rng.standard_normal((N, T)) * k[:, None] ** -b)
    return X, Y


def kappa_residual(t, lam):
    """Relative residual of κ = α + κ Σ λ/(pλ+κ)."""
    k = t.kappa
    return abs(k - t.alpha - k * np.sum(lam / (t.p * lam + k))) / k


# ----------------------------------------------------------------------- spectrum
@pytest.mark.parametrize("P,N", [(60, 20), (40, 100)])
def test_spectrum_matches_svd_and_weights_sum_to_one(rng, P, N):
    X, Y = rng.standard_normal((P, N)), rng.standard_normal((P, 4))
    s = sp.spectrum(X, Y, return_eigenvectors=True)
    assert s.eigenvalues.shape == (P,) and np.all(np.diff(s.eigenvalues) <= 0)
    assert s.weights.sum() == pytest.approx(1.0, abs=1e-12)
    # independent reference: the SVD of the centred features
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    U, sv, _ = np.linalg.svd(Xc, full_matrices=False)
    r = min(N, P - 1)  # rank after centring
    np.testing.assert_allclose(s.eigenvalues[:r], sv[:r] ** 2 / P, rtol=1e-10)
    assert np.all(s.eigenvalues[r:] == 0)
    np.testing.assert_allclose(s.weights[:r], np.sum((U[:, :r].T @ Yc) ** 2, 1) / np.sum(Yc**2),
                               atol=1e-12)
    np.testing.assert_allclose(s.eigenvectors.T @ s.eigenvectors, np.eye(P), atol=1e-10)
    assert s.target_variance == pytest.approx(np.sum(Yc**2) / P)


def test_spectrum_bad_input(rng):
    X = rng.standard_normal((10, 3))
    with pytest.raises(ValueError, match="different numbers of stimuli"):
        sp.spectrum(X, rng.standard_normal((9, 2)))
    with pytest.raises(ValueError, match="NaN"):
        sp.spectrum(np.where(X > 1, np.nan, X), X)
    with pytest.raises(ValueError, match="constant"):
        sp.spectrum(X, np.ones(10))
    with pytest.raises(ValueError, match="2-D"):
        sp.spectrum(np.zeros((2, 2, 2)), X)


# ------------------------------------------------------------------------- theory
@pytest.mark.parametrize("alpha", [0.0, 1e-9, 0.3, 5.0])
@pytest.mark.parametrize("p", [0, 5, 20, 40, 80])
def test_flat_spectrum_closed_form(p, alpha):
    """N equal eigenvalues c (plus null modes): κ solves a quadratic."""
    N, c, n_null = 30, 0.7, 10
    lam = np.r_[np.full(N, c), np.zeros(n_null)]
    w = np.r_[np.full(N, 0.8 / N), np.full(n_null, 0.2 / n_null)]
    b = p * c - alpha - N * c  # κ² + bκ − αpc = 0
    root = np.sqrt(b * b + 4 * alpha * p * c)
    kappa = (-b + root) / 2 if b <= 0 else 2 * alpha * p * c / (b + root)  # no cancellation
    if alpha == 0 and p >= N:
        kappa = 0.0
    t = sp.theory_error(lam, w, p, alpha)
    assert t.kappa == pytest.approx(kappa, rel=1e-10, abs=1e-300)
    if kappa > 0:
        gamma = N * p * c**2 / (p * c + kappa) ** 2
        E_in, E_null = kappa**2 / (1 - gamma) / (p * c + kappa) ** 2, 1 / (1 - gamma)
    else:  # ridgeless, p > N: the span is learned exactly, the null modes inflate
        gamma = N / p
        E_in, E_null = 0.0, 1 / (1 - gamma)
    assert t.gamma == pytest.approx(gamma, rel=1e-9)
    np.testing.assert_allclose(t.mode_errors, np.r_[np.full(N, E_in), np.full(n_null, E_null)],
                               rtol=1e-8, atol=1e-14)
    assert t.eg == pytest.approx(0.8 * E_in + 0.2 * E_null, rel=1e-8, abs=1e-14)


def test_kappa_equation_radius_dimension_and_limits(rng):
    X, Y = power_law_data(rng, P=200, N=80)
    s = sp.spectrum(X, Y)
    lam, w = s.eigenvalues, s.weights
    for alpha in [0.0, 1e-12, 1e-6, 1e-2, 1.0, 1e3]:
        for p in [0, 1, 10, 79, 81, 150, 1e4]:
            t = sp.theory_error(lam, w, p, alpha)
            if t.kappa > 0:
                assert kappa_residual(t, lam) < 1e-12
            assert alpha <= t.kappa <= alpha + lam.sum()
            assert t.radius * np.sqrt(t.dimension) == pytest.approx(t.eg, rel=1e-14, abs=1e-300)
            np.testing.assert_allclose(t.error_modes, t.mode_errors * w)
            eg, modes = t  # unpacks as (Eg, mode errors)
            assert eg == t.eg and modes is t.mode_errors
            if p == 0:
                assert t.eg == pytest.approx(1.0, rel=1e-12)
                np.testing.assert_allclose(t.mode_errors, 1.0)
    # α → 0 is continuous on both sides of the interpolation threshold (rank 80)
    for p in [40, 120]:
        t0, t1 = sp.theory_error(lam, w, p, 0.0), sp.theory_error(lam, w, p, 1e-10)
        assert t1.eg == pytest.approx(t0.eg, rel=1e-4, abs=1e-9)
    # error falls with p and rises with alpha
    curve = sp.learning_curve(lam, w, [1, 5, 20, 60], 0.1)
    assert np.all(np.diff(curve.eg) < 0)
    egs = [sp.theory_error(lam, w, 30, a).eg for a in [1e-3, 1e-1, 10.0]]
    assert np.all(np.diff(egs) > 0)


def test_theory_bad_input():
    lam, w = np.array([1.0, 0.5]), np.array([0.5, 0.5])
    with pytest.raises(ValueError, match="equal length"):
        sp.theory_error(lam, w[:1], 3, 0.1)
    with pytest.raises(ValueError, match="non-negative"):
        sp.theory_error(-lam, w, 3, 0.1)
    with pytest.raises(ValueError, match="alpha"):
        sp.theory_error(lam, w, 3, -1.0)
    with pytest.raises(ValueError, match="p must be"):
        sp.theory_error(lam, w, np.nan, 1.0)
    with pytest.raises(TypeError, match="p must be"):
        sp.theory_error(lam, w, [3], 1.0)


def test_heldout_conversion():
    e_all, e_tr = np.array([0.5, 0.2]), np.array([0.1, 0.0])
    e_te = sp.heldout_error(e_all, e_tr, [10, 50], 100)
    np.testing.assert_allclose(100 * e_all, [10, 50] * e_tr + [90, 50] * e_te)
    with pytest.raises(ValueError):
        sp.heldout_error(0.5, 0.1, 100, 100)


# ---------------------------------------------------------------------- empirical
def test_empirical_fit_matches_sklearn(rng):
    """The cv_ridge-based fit equals sklearn Ridge on the same subset."""
    X, Y = power_law_data(rng, P=80, N=30, T=2)
    ps, alpha = [25], 0.05
    emp = sp.empirical_learning_curve(X, Y, ps, alpha, n_trials=2, seed=3)
    sub = np.random.default_rng(3)
    Xc, Yc = X - X.mean(0), Y - Y.mean(0)
    norm = np.sum(Yc**2) / 80
    for trial in range(2):
        idx = sub.choice(80, size=25, replace=False)
        pred = Ridge(alpha=alpha, fit_intercept=False).fit(Xc[idx], Yc[idx]).predict(Xc)
        sq = np.sum((Yc - pred) ** 2, 1) / norm
        mask = np.isin(np.arange(80), idx)
        row = emp.iloc[trial]
        assert row.error_all == pytest.approx(sq.mean(), rel=1e-8)
        assert row.error_train == pytest.approx(sq[mask].mean(), rel=1e-7, abs=1e-12)
        assert row.error_heldout == pytest.approx(sq[~mask].mean(), rel=1e-8)
    np.testing.assert_allclose(80 * emp.error_all,
                               emp.p * emp.error_train + (80 - emp.p) * emp.error_heldout)


def test_theory_matches_empirical_power_law(rng):
    """Theory vs ridge on random subsets of P = 500 power-law stimuli, 8 trials.

    Tolerance: |mean − theory| ≤ 3 SE (Monte Carlo) + 5 % of the theory (finite-size
    corrections of the asymptotic theory). Compared like with like: the error over
    all P stimuli, the training error, and the held-out error. Training sizes stay
    ≤ P/5: subsets drawn without replacement from a finite P fall below the theory
    as p/P grows (≈ −15 % at p/P = 0.4, −36 % at 0.8 with alpha = 1).
    """
    X, Y = power_law_data(rng)
    P, ps, n_trials = X.shape[0], [10, 30, 60, 100], 8
    s = sp.spectrum(X, Y)
    for alpha in [1e-3, 1.0]:
        th = sp.learning_curve(s.eigenvalues, s.weights, ps, alpha)
        emp = sp.empirical_learning_curve(X, Y, ps, alpha, n_trials=n_trials, seed=1)
        g = emp.groupby("p")
        pairs = [("error_all", "eg"), ("error_heldout", "eg_heldout")]
        if alpha >= 1:  # at alpha = 1e-3 the training error is ~1e-8: nothing to compare
            pairs.append(("error_train", "train_error"))
        for col, tcol in pairs:
            mean, se = g[col].mean().to_numpy(), g[col].sem().to_numpy()
            theory = th[tcol].to_numpy()
            assert np.all(np.abs(mean - theory) <= 3 * se + 0.05 * theory), (alpha, col, mean, theory)
        # and the theory is not trivially close: errors span more than a decade
        assert th.eg.iloc[0] / th.eg.iloc[-1] > 10


def test_empirical_bad_input(rng):
    X, Y = rng.standard_normal((20, 4)), rng.standard_normal((20, 1))
    with pytest.raises(ValueError, match="training sizes"):
        sp.empirical_learning_curve(X, Y, [20], 0.1)
    with pytest.raises(ValueError, match="training sizes"):
        sp.empirical_learning_curve(X, Y, [2.5], 0.1)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        sp.empirical_learning_curve(X, Y, [5], 0.0)
    with pytest.raises(ValueError, match="n_trials"):
        sp.empirical_learning_curve(X, Y, [5], 0.1, n_trials=0)


# ---------------------------------------------------------------------- decompose
def test_decompose_aligned_vs_misaligned(rng):
    X, _ = power_law_data(rng, P=200, N=50)
    s = sp.spectrum(X, X[:, :1], return_eigenvectors=True)
    top, low = s.eigenvectors[:, :1], s.eigenvectors[:, 40:41]  # top / a weak mode
    ps = [5, 20, 80]
    d_top = sp.decompose(X, top, ps, 0.01)
    d_low = sp.decompose(X, low, ps, 0.01)
    assert isinstance(d_top, pd.DataFrame) and len(d_top) == 3
    assert d_top.top_weight.iloc[0] == pytest.approx(1.0, abs=1e-9)
    assert d_low.top_weight.iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert np.all(d_top.eg < d_low.eg)  # spectral bias: aligned targets are learned first
    assert np.all(d_top.weight_centroid < d_low.weight_centroid)
    s_top = sp.spectrum(X, top)
    lc = sp.learning_curve(s_top.eigenvalues, s_top.weights, ps, 0.01)
    np.testing.assert_allclose(d_top.eg, lc.eg)
    np.testing.assert_allclose(d_top.radius * np.sqrt(d_top.dimension), d_top.eg, rtol=1e-13)


def test_heldout_conversion_refused_beyond_half():
    with pytest.raises(ValueError, match=r"p/P = 0.90 > 0.5"):
        sp.heldout_error(0.5, 0.1, 90, 100)
    lam, w = 1.0 / np.arange(1, 101) ** 1.2, np.full(100, 0.01)
    curve = sp.learning_curve(lam, w, [20, 50, 60, 90], 1.0)
    assert curve.eg_heldout.iloc[:2].notna().all() and curve.eg_heldout.iloc[2:].isna().all()


def test_gaussian_surrogate_has_the_spectrum(rng):
    lam, w = np.r_[1.0 / np.arange(1, 40) ** 1.5, 0.0], np.r_[np.full(39, 0.9 / 39), 0.1]
    X, y = sp.gaussian_surrogate(lam, w, 40000, seed=3)
    np.testing.assert_allclose(X.var(0), lam[:39], rtol=0.05)
    np.testing.assert_allclose((X / np.sqrt(lam[:39])).T @ y[:, 0] / 40000, np.sqrt(w[:39]), atol=0.02)
    assert y.var() == pytest.approx(1.0, rel=0.05)


@pytest.mark.parametrize("exponent", [1.1, 2.0])
def test_theory_matches_gaussian_surrogate_up_to_half(exponent):
    """At p/P <= 0.5 the theory's E_g is the surrogate's measured population error."""
    P = 200
    lam = 1.0 / np.arange(1, P + 1) ** exponent
    w = lam ** 0.5 / np.sum(lam ** 0.5)
    curve = sp.surrogate_learning_curve(lam, w, [25, 50, 100], alpha=0.05, n_test=1000, n_trials=12, seed=0)
    np.testing.assert_allclose(curve.surrogate, curve.theory, rtol=0.08)
    with pytest.raises(ValueError, match="training sizes"):
        sp.surrogate_learning_curve(lam, w, [P], alpha=0.05)
