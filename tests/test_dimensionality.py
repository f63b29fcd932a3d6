"""Participation ratio, eigenspectra and power-law fits against closed forms and numpy."""
import numpy as np
import pytest

from bothways.dimensionality import (eigenspectrum, participation_ratio, pool_features,
                                     powerlaw_exponent)


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: two oversubscribe a shared 2-core machine (see test_predictivity)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _with_spectrum(rng, n, lam):
    """(n, len(lam)) data whose centred covariance has exactly the eigenvalues lam."""
    k = len(lam)
    A = rng.standard_normal((n, k))
    A -= A.mean(axis=0)
    U, _ = np.linalg.qr(A)  # orthonormal columns, orthogonal to the ones vector
    V, _ = np.linalg.qr(rng.standard_normal((k, k)))
    return U * np.sqrt(np.asarray(lam) * (n - 1)) @ V.T


def test_isotropic_gaussian_pr_close_to_d(rng):
    n, d = 20000, 12
    pr = participation_ratio(rng.standard_normal((n, d)))
    # Marchenko–Pastur: E Σλ² ≈ d (1 + d/n) for unit variances, so PR ≈ d / (1 + d/n).
    assert abs(pr - d / (1 + d / n)) < 0.02 * d


@pytest.mark.parametrize("k,units", [(1, 5), (7, 7), (7, 40)])
def test_k_equal_eigenvalues_gives_k(rng, k, units):
    X = _with_spectrum(rng, 30, [2.5] * k)
    X = np.hstack([X, np.zeros((30, max(units - k, 0)))])  # zero units add nothing
    assert participation_ratio(X) == pytest.approx(k, rel=1e-10)


@pytest.mark.parametrize("shape", [(50, 8), (8, 50)])  # covariance path and Gram path
def test_eigenspectrum_matches_numpy_cov(rng, shape):
    X = rng.standard_normal(shape) @ np.diag(np.linspace(0.2, 3, shape[1]))
    ref = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False)))[::-1][: min(shape)]
    lam = eigenspectrum(X)
    assert lam.shape == (min(shape),)
    np.testing.assert_allclose(lam, np.clip(ref, 0, None), atol=1e-10 * ref[0])
    pr_ref = ref.sum() ** 2 / np.sum(ref ** 2)
    assert participation_ratio(X) == pytest.approx(pr_ref, rel=1e-10)


def test_pr_scale_free_and_gram_equals_covariance(rng):
    X = rng.standard_normal((20, 60)) @ rng.standard_normal((60, 60))  # units > stimuli: Gram
    assert participation_ratio(7.3 * X) == pytest.approx(participation_ratio(X), rel=1e-10)
    # the transpose trick: same non-zero spectrum through either matrix
    Xc = X - X.mean(0)
    big = np.sort(np.linalg.eigvalsh(Xc.T @ Xc / 19))[::-1][:20]
    np.testing.assert_allclose(eigenspectrum(X), np.clip(big, 0, None), atol=1e-8 * big[0])


def test_powerlaw_exponent_recovers_known_exponent(rng):
    alpha = 1.3
    lam_true = np.arange(1, 41, dtype=float) ** -alpha
    X = _with_spectrum(rng, 200, lam_true)
    fit = powerlaw_exponent(eigenspectrum(X))
    assert fit.alpha == pytest.approx(alpha, rel=1e-8)
    assert fit.log_intercept == pytest.approx(0.0, abs=1e-8)
    assert fit.r2 == pytest.approx(1.0, abs=1e-12)
    # fit_range restricts the ranks used; a bend outside the range does not matter
    bent = lam_true.copy()
    bent[:5] *= 10
    fit = powerlaw_exponent(bent, fit_range=(6, None))
    assert fit.alpha == pytest.approx(alpha, rel=1e-10)
    np.testing.assert_array_equal(fit.ranks, np.arange(6, 41))


def test_powerlaw_default_ignores_trailing_zeros():
    lam = np.r_[np.arange(1, 11, dtype=float) ** -2.0, np.zeros(5)]
    assert powerlaw_exponent(lam).alpha == pytest.approx(2.0, rel=1e-10)


def test_pooling_variants(rng):
    X4 = rng.standard_normal((15, 4, 3, 5))
    np.testing.assert_array_equal(pool_features(X4, "max"), X4.max(axis=(2, 3)))
    np.testing.assert_allclose(pool_features(X4, "avg"), X4.mean(axis=(2, 3)))
    assert participation_ratio(X4) == pytest.approx(participation_ratio(X4.reshape(15, -1)))
    assert participation_ratio(X4, pool="max") == pytest.approx(participation_ratio(X4.max(axis=(2, 3))))
    torch = pytest.importorskip("torch")
    assert participation_ratio(torch.from_numpy(X4), pool="avg") == pytest.approx(
        participation_ratio(X4.mean(axis=(2, 3))))


def test_bad_input(rng):
    with pytest.raises(ValueError, match="pool"):
        participation_ratio(rng.standard_normal((10, 4)), pool="max")
    with pytest.raises(ValueError, match="pool must be"):
        pool_features(rng.standard_normal((10, 4, 2, 2)), pool="median")
    with pytest.raises(ValueError, match="constant"):
        participation_ratio(np.ones((10, 4)))
    with pytest.raises(ValueError, match="NaN"):
        participation_ratio(np.full((10, 4), np.nan))
    with pytest.raises(ValueError, match="at least 2 stimuli"):
        eigenspectrum(np.ones((1, 4)))
    with pytest.raises(ValueError, match="descending"):
        powerlaw_exponent([1.0, 2.0, 0.5])
    with pytest.raises(ValueError, match="fit_range"):
        powerlaw_exponent([3.0, 2.0, 1.0], fit_range=(2, 9))
    with pytest.raises(ValueError, match="non-positive"):
        powerlaw_exponent([3.0, 2.0, 0.0], fit_range=(1, 3))
