"""Tests for bothways.metrics: RSA, CKA, Procrustes, matching, transform classes."""
import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.linalg import subspace_angles
from scipy.spatial import procrustes as scipy_procrustes
from scipy.spatial.distance import pdist
from scipy.stats import kendalltau, ortho_group, pearsonr, spearmanr

from bothways import metrics as m


def related(rng, n=40, a=6, b=9, noise=0.5):
    """Two representations sharing a latent."""
    Z = rng.standard_normal((n, 4))
    A = Z @ rng.standard_normal((4, a)) + noise * rng.standard_normal((n, a))
    B = Z @ rng.standard_normal((4, b)) + noise * rng.standard_normal((n, b))
    return A, B


# ----------------------------------------------------------------------------- RSA
@pytest.mark.parametrize("compare", ["corr", "spearman", "cosine"])
def test_rsa_matches_pdist(rng, compare):
    A, B = related(rng)
    da, db = pdist(A, "correlation"), pdist(B, "correlation")
    ref = {"corr": pearsonr(da, db)[0], "spearman": spearmanr(da, db)[0],
           "cosine": da @ db / np.linalg.norm(da) / np.linalg.norm(db)}[compare]
    assert m.rsa(A, B, compare=compare) == pytest.approx(ref, abs=1e-10)
    assert m.rsa(A, A, compare=compare) == pytest.approx(1.0, abs=1e-12)


def test_rsa_euclidean_and_errors(rng):
    A, B = related(rng)
    ref = spearmanr(pdist(A, "sqeuclidean"), pdist(B, "sqeuclidean"))[0]
    # rsatoolbox's "euclidean" RDM is the squared distance / units (a monotone rescaling)
    assert m.rsa(A, B, rdm_method="euclidean", compare="spearman") == pytest.approx(ref, abs=1e-10)
    with pytest.raises(ValueError, match="compare"):
        m.rsa(A, B, compare="bogus")
    with pytest.raises(ValueError, match="different numbers of stimuli"):
        m.rsa(A, B[:-1])
    with pytest.raises(ValueError, match="constant pattern"):
        m.rsa(np.c_[np.ones(40), np.ones(40)], B)


# ----------------------------------------------------------------------------- CKA
def hsic_direct(K, L):
    n = K.shape[0]
    H = np.eye(n) - 1.0 / n
    return np.trace(K @ H @ L @ H) / (n - 1) ** 2


def hsic_u_bruteforce(K, L):
    """U-statistic over ordered distinct 4-tuples (Song et al. 2012)."""
    n, tot = K.shape[0], 0.0
    for i, j, q, r in itertools.permutations(range(n), 4):
        tot += K[i, j] * L[i, j] + K[i, j] * L[q, r] - 2 * K[i, j] * L[i, q]
    return tot / (n * (n - 1) * (n - 2) * (n - 3))


def test_linear_cka_reference_and_invariances(rng):
    A, B = related(rng, n=30, a=5, b=50)  # B wider than the stimuli: Gram path
    K, L = (A - A.mean(0)) @ (A - A.mean(0)).T, (B - B.mean(0)) @ (B - B.mean(0)).T
    ref = hsic_direct(K, L) / np.sqrt(hsic_direct(K, K) * hsic_direct(L, L))
    cka = m.linear_cka(A, B, debiased=False)
    assert cka == pytest.approx(ref, rel=1e-12)
    assert m.linear_cka(A, B[:, :4], debiased=False) == pytest.approx(  # feature path
        (lambda L2: hsic_direct(K, L2) / np.sqrt(hsic_direct(K, K) * hsic_direct(L2, L2)))(
            (B[:, :4] - B[:, :4].mean(0)) @ (B[:, :4] - B[:, :4].mean(0)).T), rel=1e-12)
    assert m.linear_cka(A, A, debiased=False) == pytest.approx(1.0, rel=1e-12)
    Q = ortho_group.rvs(5, random_state=1)
    assert m.linear_cka(3.7 * A @ Q + 2.0, B, debiased=False) == pytest.approx(cka, rel=1e-12)
    assert m.linear_cka(B, A, debiased=False) == pytest.approx(cka, rel=1e-12)
    # not invariant to an arbitrary invertible linear map (unlike CCA)
    assert abs(m.linear_cka(A @ np.diag([1, 10, 1, 0.1, 1]), B, debiased=False) - cka) > 1e-3
    assert m.linear_cka(3.7 * A @ Q + 2.0, B) == pytest.approx(m.linear_cka(A, B), rel=1e-10)


def test_debiased_cka_matches_bruteforce_and_removes_bias(rng):
    A, B = rng.standard_normal((7, 3)), rng.standard_normal((7, 4))
    K, L = (A - A.mean(0)) @ (A - A.mean(0)).T, (B - B.mean(0)) @ (B - B.mean(0)).T
    ref = hsic_u_bruteforce(K, L) / np.sqrt(hsic_u_bruteforce(K, K) * hsic_u_bruteforce(L, L))
    assert m.linear_cka(A, B, debiased=True) == pytest.approx(ref, rel=1e-10)
    assert m.linear_cka(A, A, debiased=True) == pytest.approx(1.0, rel=1e-12)
    # independent, wide random features: biased CKA is far from 0, debiased is not
    # (over 200 seeds at this shape: biased >= 0.74; debiased mean -0.001, s.d. 0.014)
    A, B = rng.standard_normal((100, 300)), rng.standard_normal((100, 300))
    assert m.linear_cka(A, B, debiased=False) > 0.6
    assert abs(m.linear_cka(A, B, debiased=True)) < 0.07
    assert m.linear_cka(A, B) == m.linear_cka(A, B, debiased=True)  # the default
    with pytest.raises(ValueError, match="constant"):
        m.linear_cka(np.ones((10, 3)), B[:10])


# ---------------------------------------------------------------------- Procrustes
def test_procrustes_zero_for_rotated_copy_and_symmetric(rng):
    A, B = related(rng, a=6, b=6)
    Q = ortho_group.rvs(6, random_state=2)
    assert m.procrustes_distance(A, 2.5 * A @ Q - 1.0) == pytest.approx(0.0, abs=1e-6)
    # zero-padding: an embedding into more units is also distance 0
    Q9 = ortho_group.rvs(9, random_state=3)[:, :6].T
    assert m.procrustes_distance(A, A @ Q9) == pytest.approx(0.0, abs=1e-6)
    assert m.procrustes_distance(A, B) == pytest.approx(m.procrustes_distance(B, A), rel=1e-12)
    assert 0 < m.procrustes_distance(A, B) <= np.pi / 2


def test_procrustes_wide_representations(rng):
    """Units > stimuli (Gram path) agrees with the SVD coordinates (thin path)."""
    A, B = rng.standard_normal((30, 80)), rng.standard_normal((30, 7))
    assert m.procrustes_distance(A, A @ ortho_group.rvs(80, random_state=5)) == pytest.approx(0, abs=1e-6)
    U, s, _ = np.linalg.svd(A - A.mean(0), full_matrices=False)
    for alpha in [1.0, 0.3]:
        assert m.procrustes_distance(A, B, alpha) == pytest.approx(
            m.procrustes_distance(U * s, B, alpha), rel=1e-9)


def test_procrustes_matches_scipy_disparity(rng):
    for _ in range(5):
        A, B = related(rng, n=25, a=4, b=4, noise=1.0)
        _, _, disparity = scipy_procrustes(A, B)
        ref = np.arccos(np.sqrt(1 - disparity))
        assert m.procrustes_distance(A, B) == pytest.approx(ref, rel=1e-10)


def test_procrustes_triangle_inequality(rng):
    for alpha in [1.0, 0.5]:
        for _ in range(20):
            X, Y, Z = (rng.standard_normal((15, k)) @ rng.standard_normal((k, k))
                       for k in rng.integers(2, 8, size=3))
            d = m.procrustes_distance
            assert d(X, Z, alpha) <= d(X, Y, alpha) + d(Y, Z, alpha) + 1e-12


def test_procrustes_full_whitening_is_mean_canonical_correlation(rng):
    A, B = related(rng, n=50, a=5, b=5, noise=1.0)
    cc = np.cos(subspace_angles(A - A.mean(0), B - B.mean(0)))  # canonical correlations
    assert m.procrustes_distance(A, B, alpha=0.0) == pytest.approx(np.arccos(cc.mean()), rel=1e-9)
    with pytest.raises(ValueError, match="alpha"):
        m.procrustes_distance(A, B, alpha=1.5)


# ------------------------------------------------------------------------ matching
def test_matching_matches_bruteforce(rng):
    A, B = related(rng, n=30, a=5, b=5)
    C = np.array([[pearsonr(A[:, i], B[:, j])[0] for j in range(5)] for i in range(5)])
    best = max(np.mean(C[np.arange(5), list(p)]) for p in itertools.permutations(range(5)))
    hard = m.matching_score(A, B)
    np.testing.assert_allclose(hard.correlations, C, atol=1e-12)
    assert hard.score == pytest.approx(best, rel=1e-12)
    soft = m.soft_matching_score(A, B)  # equal sizes: the transport optimum is a permutation
    assert soft.score == pytest.approx(best, rel=1e-9)
    perm = rng.permutation(5)
    assert m.matching_score(A, A[:, perm]).score == pytest.approx(1.0)


@pytest.mark.parametrize("na,nb", [(2, 3), (3, 2), (2, 4)])
def test_soft_matching_unequal_sizes_bruteforce(rng, na, nb):
    """Uniform-marginal transport = assignment between replicated units (lcm copies)."""
    A, B = related(rng, n=20, a=na, b=nb)
    C = m.unit_correlations(A, B)
    n = np.lcm(na, nb)
    Crep = np.repeat(np.repeat(C, n // na, axis=0), n // nb, axis=1)
    best = max(np.mean(Crep[np.arange(n), list(p)]) for p in itertools.permutations(range(n)))
    soft = m.soft_matching_score(A, B)
    assert soft.score == pytest.approx(best, rel=1e-9)
    np.testing.assert_allclose(soft.plan.sum(1), 1 / na, atol=1e-9)
    np.testing.assert_allclose(soft.plan.sum(0), 1 / nb, atol=1e-9)


def test_matching_rejects_constant_units(rng):
    A = rng.standard_normal((10, 3))
    with pytest.raises(ValueError, match=r"constant units \(columns \[1\]"):
        m.matching_score(A, np.c_[A[:, 0], np.ones(10)])


# ---------------------------------------------------------------- transform classes
@pytest.mark.parametrize("cls", ["permutation", "soft", "linear", "nonlinear"])
def test_permuted_copy_is_perfectly_predicted(rng, cls):
    source = rng.standard_normal((60, 8))
    target = source[:, rng.permutation(8)] * rng.uniform(0.5, 2, 8) + rng.standard_normal(8)
    res = m.transform_class_score(source, target, cls=cls, n_folds=5, seed=0)
    assert res.predictions.shape == target.shape and res.r.shape == (8,)
    np.testing.assert_allclose(res.r, 1.0, atol=1e-6 if cls != "nonlinear" else 2e-3)
    if cls in ("permutation", "soft"):  # the affine per-unit map is recovered exactly (train stats = test)
        assert np.corrcoef(res.predictions.ravel(), target.ravel())[0, 1] > 0.99


def test_rotation_separates_linear_from_permutation(rng):
    source = rng.standard_normal((80, 6))
    target = source @ ortho_group.rvs(6, random_state=4)
    lin = m.transform_class_score(source, target, cls="linear", n_folds=5)
    perm = m.transform_class_score(source, target, cls="permutation", n_folds=5)
    soft = m.transform_class_score(source, target, cls="soft", n_folds=5)
    assert np.all(lin.r > 0.99)
    assert perm.mean_r < 0.8 and soft.mean_r < 0.9
    assert lin.mean_r > soft.mean_r and lin.mean_r > perm.mean_r


def test_permutation_class_matches_manual(rng):
    """Held-out predictions copy the unit assigned one-to-one on the training stimuli."""
    from bothways.ridge import kfold_indices

    source = rng.standard_normal((40, 5))
    target = source[:, [3, 0]] + 0.8 * rng.standard_normal((40, 2))
    res = m.transform_class_score(source, target, cls="permutation", n_folds=4, seed=2)
    for train, test in kfold_indices(40, n_folds=4, seed=2):
        C = np.array([[pearsonr(source[train, i], target[train, j])[0] for j in range(2)] for i in range(5)])
        best = max(itertools.permutations(range(5), 2), key=lambda p: C[p[0], 0] + C[p[1], 1])
        for j in range(2):
            assert abs(pearsonr(res.predictions[test, j], source[test, best[j]])[0] - 1) < 1e-12
    # fewer source than target units: each source unit serves at most ceil(3/2) = 2 targets
    few = m.transform_class_score(source[:, :2], np.c_[target, source[:, 1]], cls="permutation", n_folds=4)
    assert few.r.shape == (3,)
    with pytest.raises(ValueError, match="cls"):
        m.transform_class_score(source, target, cls="affine")


def test_classes_nest_on_training_data(rng):
    """permutation <= soft <= linear for every target unit, on the fitted stimuli."""
    for ns, nt in [(6, 6), (12, 5), (4, 9)]:
        source = rng.standard_normal((50, ns)) ** 2
        target = source @ rng.standard_normal((ns, nt)) + rng.standard_normal((50, nt))
        fits = {c: m.training_fit(source, target, c) for c in m.TRANSFORM_CLASSES}
        assert np.all(fits["permutation"] <= fits["soft"] + 1e-9)
        assert np.all(fits["soft"] <= fits["linear"] + 1e-9)
        assert np.all(fits["linear"] <= fits["nonlinear"] + 1e-9)
        assert np.any(fits["soft"] > fits["permutation"] + 1e-3)


def test_nonlinear_class_learns_what_linear_cannot(rng):
    source = rng.standard_normal((200, 3))
    target = np.c_[np.abs(source[:, 0]), source[:, 1]]
    lin = m.transform_class_score(source, target, cls="linear", n_folds=5)
    non = m.transform_class_score(source, target, cls="nonlinear", n_folds=5, nonlinear_width=300)
    assert lin.r[0] < 0.3 and non.r[0] > 0.8 and non.r[1] > 0.95


def test_soft_class_is_the_best_nonnegative_mixture(rng):
    """Soft fit = non-negative least squares (reference: a brute-force scan over mixtures)."""
    source = rng.standard_normal((60, 2))
    target = (0.3 * source[:, 0] + 0.7 * source[:, 1] + 0.3 * rng.standard_normal(60))[:, None]
    r = m.training_fit(source, target, "soft")[0]
    Sz = (source - source.mean(0)) / source.std(0)
    grid = [pearsonr(Sz @ [w, 1 - w], target[:, 0])[0] for w in np.linspace(0, 1, 2001)]
    assert r == pytest.approx(max(grid), abs=1e-6)
    # a mixture the OT plan cannot express: soft beats the one-to-one copy held out too
    held = {c: m.transform_class_score(source, target, cls=c, n_folds=5).mean_r for c in ("permutation", "soft")}
    assert held["soft"] > held["permutation"]


# ----------------------------------------------------------------- new measures
def test_bures_similarity_closed_form(rng):
    from scipy.linalg import sqrtm

    A, B = related(rng, n=30, a=5, b=40)
    K, L = (A - A.mean(0)) @ (A - A.mean(0)).T, (B - B.mean(0)) @ (B - B.mean(0)).T
    Kh = np.real(sqrtm(K))
    ref = np.trace(np.real(sqrtm(Kh @ L @ Kh))) / np.sqrt(np.trace(K) * np.trace(L))
    assert m.bures_similarity(A, B) == pytest.approx(ref, rel=1e-6)
    assert m.similarity("procrustes-distance=angular", A, B) == pytest.approx(ref, rel=1e-6)
    assert m.bures_similarity(A, 2 * A @ ortho_group.rvs(5, random_state=0) + 1) == pytest.approx(1.0)


def test_canonical_correlations_match_scipy_and_sklearn(rng):
    from sklearn.cross_decomposition import CCA

    A, B = related(rng, n=80, a=5, b=7)
    rho = m.canonical_correlations(A, B)
    ref = np.cos(subspace_angles(A - A.mean(0), B - B.mean(0)))
    np.testing.assert_allclose(np.sort(rho), np.sort(ref), atol=1e-10)
    cca = CCA(n_components=1, scale=False, max_iter=5000, tol=1e-12).fit(A, B)
    u, v = cca.transform(A, B)
    assert rho[0] == pytest.approx(abs(pearsonr(u[:, 0], v[:, 0])[0]), abs=1e-5)
    assert m.cca_similarity(A, B) == pytest.approx(rho.mean())
    assert m.svcca(A, B, n_components=3) == pytest.approx(m.canonical_correlations(A, B, 3).mean())
    assert 0 < m.svcca(A, B, n_components=None, variance=0.99) <= 1
    with pytest.raises(ValueError, match="trivially 1"):
        m.canonical_correlations(rng.standard_normal((20, 15)), rng.standard_normal((20, 15)))


def test_pwcca_reference(rng):
    """PWCCA from the generalised eigenproblem written independently (Morcos et al. 2018)."""
    from scipy.linalg import eigh, inv, sqrtm

    A, B = related(rng, n=100, a=4, b=6)
    Ac, Bc = A - A.mean(0), B - B.mean(0)
    Saa, Sbb, Sab = Ac.T @ Ac, Bc.T @ Bc, Ac.T @ Bc
    Wa = np.real(inv(sqrtm(Saa)))
    rho2, V = eigh(Wa @ Sab @ inv(Sbb) @ Sab.T @ Wa)
    H = Ac @ Wa @ V  # canonical variates of A (unit norm: Vᵀ Wa Saa Wa V = I)
    alpha = np.abs(H.T @ Ac).sum(1)
    ref = np.sum(alpha * np.sqrt(np.clip(rho2, 0, 1))) / alpha.sum()
    assert m.pwcca(A, B) == pytest.approx(ref, rel=1e-8)
    assert m.pwcca(A, A) == pytest.approx(1.0)


@pytest.mark.parametrize("width", [64, 2000, 20000])
def test_debiased_cka_of_independent_features_is_zero(width):
    """Independent features (256 stimuli, 50 'neurons'): debiased CKA within ±0.05 of 0."""
    rng = np.random.default_rng(width)
    A = rng.standard_normal((256, 50))
    B = rng.standard_normal((256, width)).astype(np.float32)
    assert abs(m.linear_cka(A, B)) < 0.05
    if width == 20000:
        assert m.linear_cka(A, B, debiased=False) > 0.3  # the bias the default removes


@pytest.mark.parametrize("width", [64, 2000])
def test_matching_cv_of_independent_features_is_zero(width, rng):
    A = rng.standard_normal((256, 50))
    B = rng.standard_normal((256, width))
    assert abs(m.matching_cv(A, B, n_units=64)) < 0.03
    assert m.matching_score(A, B).score > 0.1  # in sample it is not
    copy = np.c_[A[:, ::-1], B[:, :14]] + 0.01 * rng.standard_normal((256, 64))
    assert m.matching_cv(A, copy, n_units=64) > 0.99
    with pytest.raises(ValueError, match="n_units"):
        m.matching_cv(A, B, n_units=width + 1)


def test_shuffle_null_and_names(rng):
    A, B = related(rng, n=60, a=5, b=30, noise=0.3)
    res = m.shuffle_null("cka-kernel=linear-hsic=gretton-score", A, B, n_shuffles=19, seed=0)
    assert res.score == pytest.approx(m.linear_cka(A, B, debiased=False))
    assert res.null.shape == (19,) and res.p_value == pytest.approx(0.05)
    assert res.null_mean > 0.03  # biased CKA of unrelated shapes is above 0
    deb = m.shuffle_null(m.linear_cka, A, B, n_shuffles=19)
    assert abs(deb.null_mean) < 0.05 and deb.null_high < deb.score
    for name in list(m.MEASURES) + list(m.ALIASES):
        if name not in ("cca", "cca-mean", "mean-cca", "pwcca", "pwcca-score"):
            assert np.isfinite(m.similarity(name, A, B[:, :8] if "svcca" in name else B))
    assert np.isfinite(m.similarity("pwcca", A, B[:, :8]))
    with pytest.raises(ValueError, match="unknown similarity"):
        m.similarity("nope", A, B)


# -------------------------------------------------------------------- rank agreement
def test_rank_agreement_matches_scipy(rng):
    scores = pd.DataFrame(rng.standard_normal((12, 3)), columns=["rsa", "cka", "ev"],
                          index=[f"model{i}" for i in range(12)])
    scores["ev"] = scores["rsa"] * 2 + 0.3 * scores["ev"]
    for method, ref in [("spearman", spearmanr), ("kendall", kendalltau)]:
        R = m.rank_agreement(scores, method=method)
        assert list(R.columns) == ["rsa", "cka", "ev"]
        for a, b in itertools.combinations(scores.columns, 2):
            assert R.loc[a, b] == pytest.approx(ref(scores[a], scores[b])[0], abs=1e-12)
    with pytest.raises(ValueError, match="NaN"):
        m.rank_agreement(scores.where(scores > -1.5))
    with pytest.raises(ValueError, match="constant"):
        m.rank_agreement(scores.assign(flat=1.0))
    with pytest.raises(TypeError):
        m.rank_agreement(scores.to_numpy())
