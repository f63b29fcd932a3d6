"""Participation ratio, eigenspectra, power-law fits and spectral transforms against closed forms,
numpy and scikit-learn."""
import numpy as np
import pytest
from sklearn.decomposition import PCA

from bothways import dimensionality as dim
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
    assert fit.exponent == pytest.approx(alpha, rel=1e-8)
    assert fit.log_intercept == pytest.approx(0.0, abs=1e-8)
    assert fit.r2 == pytest.approx(1.0, abs=1e-12)
    # fit_range restricts the ranks used; a bend outside the range does not matter
    bent = lam_true.copy()
    bent[:5] *= 10
    fit = powerlaw_exponent(bent, fit_range=(6, None))
    assert fit.exponent == pytest.approx(alpha, rel=1e-10)
    np.testing.assert_array_equal(fit.ranks, np.arange(6, 41))


def test_powerlaw_default_ignores_trailing_zeros():
    lam = np.r_[np.arange(1, 11, dtype=float) ** -2.0, np.zeros(5)]
    assert powerlaw_exponent(lam).exponent == pytest.approx(2.0, rel=1e-10)


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


def _features(rng, n=60, p=40, decay=1.0):
    """Correlated features with a decaying spectrum and a non-zero mean."""
    scales = np.arange(1, p + 1) ** (-decay / 2)
    return rng.standard_normal((n, p)) * scales @ np.linalg.qr(rng.standard_normal((p, p)))[0] + 3.0


# ------------------------------------------------------------ spectral transforms
def _covariance_eigvecs(X):
    return PCA().fit(X).components_  # (components, units), independent reference


@pytest.mark.parametrize("shape", [(60, 40), (30, 80)])  # units < stimuli and units > stimuli
@pytest.mark.parametrize("exponent", [0.5, 1.0, 2.0])
def test_reshape_spectrum_sets_a_power_law_and_keeps_eigenvectors(rng, shape, exponent):
    X = _features(rng, *shape)
    Y = dim.reshape_spectrum(X, exponent)
    r = min(shape[0] - 1, shape[1])
    lam_in, lam_out = eigenspectrum(X)[:r], eigenspectrum(Y)[:r]
    assert np.allclose(lam_out / lam_out[0], np.arange(1, r + 1) ** -exponent, rtol=1e-6, atol=1e-12)
    assert lam_out.sum() == pytest.approx(lam_in.sum(), rel=1e-8)  # total variance kept
    assert np.allclose(Y.mean(0), X.mean(0))
    V_in, V_out = _covariance_eigvecs(X)[:r], _covariance_eigvecs(Y)[:r]
    assert np.allclose(np.abs(np.sum(V_in * V_out, axis=1)), 1.0, atol=1e-6)  # same vectors, same order
    assert participation_ratio(Y) == pytest.approx(dim.powerlaw_pr(exponent, r), rel=1e-8)


def test_whiten_equalises_within_the_original_span(rng):
    X = _features(rng, 50, 20)
    Y = dim.whiten(X)
    lam = eigenspectrum(Y)
    assert np.allclose(lam[:20], lam[0]) and np.allclose(lam[20:], 0, atol=1e-10 * lam[0])
    assert participation_ratio(Y) == pytest.approx(20.0)
    V = _covariance_eigvecs(X)  # covariance of Y ∝ projector onto span(V)
    C = np.cov(Y, rowvar=False)
    assert np.allclose(C, lam[0] * V.T @ V, atol=1e-8 * lam[0])
    assert np.allclose(dim.reshape_spectrum(X, 0.0), Y)


def test_powerlaw_pr_closed_form():
    assert dim.powerlaw_pr(0.0, 17) == pytest.approx(17.0)
    n = 10 ** 5  # harmonic sums: PR(exponent=1) = H_n^2 / (pi^2/6) asymptotically
    assert dim.powerlaw_pr(1.0, n) == pytest.approx((np.log(n) + np.euler_gamma) ** 2 / (np.pi ** 2 / 6), rel=1e-3)


@pytest.mark.parametrize("shape", [(50, 30), (25, 60)])
def test_truncate_spectrum_matches_sklearn_pca(rng, shape):
    X = _features(rng, *shape)
    pca = PCA(n_components=5).fit(X)
    assert np.allclose(dim.truncate_spectrum(X, 5), pca.inverse_transform(pca.transform(X)), atol=1e-8)
    with pytest.raises(ValueError, match="rank"):
        dim.truncate_spectrum(X, 1000)


def test_random_expansion_kernels(rng):
    """Gram of random features → Z Zᵀ·m/p (linear) and the arc-cosine kernel (ReLU)."""
    X = _features(rng, 8, 30)
    Z = X - X.mean(0)
    Z /= Z.std()
    m, p = 200_000, X.shape[1]
    H = dim.random_expansion(X, m, seed=0, nonlinearity="linear")
    assert np.allclose(H @ H.T / m, Z @ Z.T / p, atol=0.02 * np.abs(Z @ Z.T / p).max())
    R = dim.random_expansion(X, m, seed=0)
    norms = np.linalg.norm(Z, axis=1)
    cos = np.clip(Z @ Z.T / np.outer(norms, norms), -1, 1)
    theta = np.arccos(cos)
    arccos = np.outer(norms, norms) / (2 * np.pi) * (np.sin(theta) + (np.pi - theta) * cos) / p
    assert np.allclose(R @ R.T / m, arccos, atol=0.02 * arccos.max())
    assert np.all(R >= 0) and R.shape == (8, m)


def test_random_expansion_is_seeded_and_scale_free(rng):
    X = _features(rng, 20, 10)
    a, b = dim.random_expansion(X, 50, seed=4), dim.random_expansion(X, 50, seed=4)
    assert np.array_equal(a, b)
    assert not np.allclose(a, dim.random_expansion(X, 50, seed=5))
    assert np.allclose(dim.random_expansion(7 * X + 2, 50, seed=4), a)


@pytest.mark.parametrize("call, exc, match", [
    (lambda X: dim.reshape_spectrum(X, -1), ValueError, ">= 0"),
    (lambda X: dim.reshape_spectrum(X, np.nan), ValueError, "finite"),
    (lambda X: dim.truncate_spectrum(X, 0), ValueError, ">= 1"),
    (lambda X: dim.random_expansion(X, 10, nonlinearity="tanh"), ValueError, "relu"),
    (lambda X: dim.reshape_spectrum(np.ones((5, 3)), 1.0), ValueError, "constant"),
    (lambda X: dim.reshape_spectrum(np.where(X > 3, np.nan, X), 1.0), ValueError, "NaN"),
    (lambda X: dim.whiten(X[:1]), ValueError, "at least 2"),
    (lambda X: dim.whiten(X.astype(str)), TypeError, "numeric"),
])
def test_transforms_reject_bad_input(rng, call, exc, match):
    with pytest.raises(exc, match=match):
        call(_features(rng, 10, 5))


# ------------------------------------------------------------------------ Modes
@pytest.mark.parametrize("shape", [(40, 25), (20, 70)])
def test_modes_reconstruct_and_match_the_library(rng, shape):
    X = _features(rng, *shape)
    m = dim.modes(X)
    assert np.allclose(m.values(), X)
    assert m.rank == min(shape[0] - 1, shape[1])
    assert m.participation_ratio() == pytest.approx(participation_ratio(X), rel=1e-10)
    assert np.allclose(m.eigenvalues(), eigenspectrum(X)[:m.rank])
    s = dim.powerlaw_values(1.0, m)
    Y = dim.reshape_spectrum(X, 1.0)
    assert np.allclose(m.values(s), Y) and np.allclose(m.values(s, [3, 1]), Y[:, [3, 1]])
    assert np.allclose(m.unit_variances(s), Y.var(0, ddof=1))
    C, Yc = m.compact(s), Y - Y.mean(0)  # same centred Gram, width min(stimuli, units)
    assert C.shape == (shape[0], min(shape))
    assert np.allclose((C - C.mean(0)) @ (C - C.mean(0)).T, Yc @ Yc.T)
    with pytest.raises(ValueError, match="singular values"):
        m.values(np.ones(m.rank + 1))


# ------------------------------------------------- transforms fitted on training rows
def _planted(rng, n=120, p=400, decay=1.0, k=5, targets=20, noise=0.5):
    """Features with a decaying spectrum and targets planted on their top k latents."""
    Z = rng.standard_normal((n, p)) * np.arange(1, p + 1) ** (-decay / 2)
    X = Z @ np.linalg.qr(rng.standard_normal((p, p)))[0] + 3.0
    return X, Z[:, :k] @ rng.standard_normal((k, targets)) + noise * rng.standard_normal((n, targets))


def _heldout_r2(Y, pred):
    return np.median(1 - ((Y - pred) ** 2).sum(0) / ((Y - Y.mean(0)) ** 2).sum(0))


def _fold_scores(X, Y, transform, folds, alphas=None):
    """Held-out R² with ``transform`` fitted on each training fold (the public path)."""
    from bothways.ridge import cv_ridge

    pred = np.empty_like(Y)
    for tr, te in folds:
        fit = transform.fit(X[tr])
        C = np.empty((X.shape[0], fit.rank))
        C[tr], C[te] = fit.train_coordinates(), fit.coordinates(X[te])
        pred[te] = cv_ridge(C, Y, folds=[(tr, te)], alphas=alphas).predictions[te]
    return _heldout_r2(Y, pred)


def test_train_fitted_transform_leaves_heldout_r2_of_a_planted_model_unchanged(rng):
    """Whitening fitted on the training rows is an invertible map of 20 units: with a
    (near-)ridgeless fit the held-out predictions, hence R², cannot change."""
    from bothways.ridge import cv_ridge, kfold_indices

    n, p = 200, 20
    X = _features(rng, n, p)
    Y = X @ rng.standard_normal((p, 10)) + 2.0 * rng.standard_normal((n, 10))
    folds = kfold_indices(n, 5, 0)
    original = _heldout_r2(Y, cv_ridge(X, Y, folds=folds, alphas=1e-9).predictions)
    assert original > 0.3
    for t in (dim.SpectralTransform("whiten"), dim.SpectralTransform("power law", exponent=2.0),
              dim.SpectralTransform(reverse_order=True)):
        assert _fold_scores(X, Y, t, folds, alphas=1e-9) == pytest.approx(original, abs=1e-6)
    # with the penalty tuned inside each fold the change is small, not zero
    tuned = _heldout_r2(Y, cv_ridge(X, Y, folds=folds).predictions)
    assert _fold_scores(X, Y, dim.SpectralTransform("whiten"), folds) == pytest.approx(tuned, abs=0.05)


def test_whitening_on_all_stimuli_leaks_and_train_only_does_not(rng):
    """The leak of the old chapter, reproduced: units > stimuli, whitened on every
    stimulus, the centred Gram is the centring projector and held-out R² is chance."""
    from bothways.ridge import cv_ridge, kfold_indices

    X, Y = _planted(rng)
    folds = kfold_indices(X.shape[0], 5, 0)
    original = np.median(cv_ridge(X, Y, folds=folds).r2)
    all_rows = dim.SpectralTransform("whiten").fit(X).train_coordinates()  # test rows in the fit
    G = (all_rows - all_rows.mean(0)) @ (all_rows - all_rows.mean(0)).T
    n = X.shape[0]
    assert np.allclose(G / G[0, 0] * (1 - 1 / n), np.eye(n) - 1 / n, atol=1e-8)
    leaky = np.median(cv_ridge(all_rows, Y, folds=folds).r2)
    with pytest.warns(DeprecationWarning, match="every row"):
        old = np.median(cv_ridge(dim.whiten(X), Y, folds=folds).r2)
    train_only = _fold_scores(X, Y, dim.SpectralTransform("whiten"), folds)
    assert abs(leaky) < 0.05 and abs(old) < 0.05
    assert original > 0.5 and train_only > 0.3


def test_fitted_transform_refuses_its_training_rows(rng):
    X = _features(rng, 40, 60)
    fit = dim.SpectralTransform("power law", exponent=1.0).fit(X[:30])
    with pytest.raises(dim.TransformLeakError, match="1 row"):
        fit.coordinates(X[29:35])
    with pytest.raises(dim.TransformLeakError):
        fit.values(X)
    assert fit.coordinates(X[30:]).shape == (10, 29)
    with pytest.raises(ValueError, match="fitted on"):
        fit.train_values(X[1:31])
    exp = dim.RandomExpansion(20).fit(X[:30])
    with pytest.raises(dim.TransformLeakError):
        exp.values(X[:5])


@pytest.mark.parametrize("shape", [(60, 40), (30, 80)])
def test_fitted_truncation_matches_sklearn_pca_on_new_rows(rng, shape):
    X = _features(rng, *shape)
    tr, te = slice(0, shape[0] - 10), slice(shape[0] - 10, None)
    pca = PCA(n_components=5).fit(X[tr])
    fit = dim.SpectralTransform("truncate", n_components=5).fit(X[tr])
    assert np.allclose(fit.values(X[te]), pca.inverse_transform(pca.transform(X[te])), atol=1e-8)
    assert np.allclose(fit.train_values(X[tr]), pca.inverse_transform(pca.transform(X[tr])), atol=1e-8)
    # the coordinates have the Gram of the values (ridge predictions from either agree)
    C, V = fit.coordinates(X[te]), fit.values(X[te]) - fit.mean
    assert np.allclose(C @ C.T, V @ V.T, atol=1e-8)


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.5])
def test_fitted_power_law_on_training_rows_equals_the_all_rows_reshape(rng, exponent):
    """Fitted on the rows it is applied to, the new transform is the old one (reference)."""
    X = _features(rng, 30, 80)
    t = dim.SpectralTransform("whiten") if exponent == 0 else dim.SpectralTransform("power law", exponent=exponent)
    fit = t.fit(X)
    with pytest.warns(DeprecationWarning):
        ref = dim.reshape_spectrum(X, exponent)
    assert np.allclose(fit.train_values(X), ref, atol=1e-8)
    assert fit.participation_ratio() == pytest.approx(dim.powerlaw_pr(exponent, fit.rank))
    assert fit.participation_ratio() == pytest.approx(participation_ratio(ref), rel=1e-8)


def test_reversed_order_keeps_the_eigenvalues_and_their_participation_ratio(rng):
    X = _features(rng, 50, 30)
    fit = dim.SpectralTransform(reverse_order=True).fit(X)
    Y = fit.train_values(X)
    assert np.allclose(eigenspectrum(Y)[:fit.rank], eigenspectrum(X)[:fit.rank], rtol=1e-8)
    assert participation_ratio(Y) == pytest.approx(participation_ratio(X))
    V_in, V_out = _covariance_eigvecs(X), _covariance_eigvecs(Y)
    assert abs(V_in[0] @ V_out[-1]) == pytest.approx(1.0, abs=1e-6)  # the top direction is now the last


def test_random_expansion_fitted_on_training_rows(rng):
    X = _features(rng, 40, 30)
    fit = dim.RandomExpansion(50, seed=2).fit(X[:30])
    H = fit.train_values()
    assert H.shape == (30, 50) and np.all(H >= 0)
    # a held-out row equal to a linear combination inside the training span is expanded exactly
    x = X[:30].mean(0) + 0.5 * (X[3] - X[:30].mean(0)) + 0.5 * (X[7] - X[:30].mean(0))
    Z = (np.vstack([x]) - fit.mean) @ fit.basis / fit.sd
    assert np.allclose(fit.values(x[None]), np.maximum(Z @ fit.G, 0))
    assert np.allclose(dim.RandomExpansion(50, seed=2).fit(7 * X[:30] + 2).train_values(), H)
    lin = dim.RandomExpansion(200_000, seed=0, nonlinearity="linear").fit(X[:30]).train_values()
    Zc = (X[:30] - X[:30].mean(0)) / (X[:30] - X[:30].mean(0)).std()
    assert np.allclose(lin @ lin.T / 200_000, Zc @ Zc.T / 30, atol=0.02 * np.abs(Zc @ Zc.T / 30).max())
