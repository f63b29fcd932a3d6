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
    cka = m.linear_cka(A, B)
    assert cka == pytest.approx(ref, rel=1e-12)
    assert m.linear_cka(A, B[:, :4]) == pytest.approx(  # feature path
        (lambda L2: hsic_direct(K, L2) / np.sqrt(hsic_direct(K, K) * hsic_direct(L2, L2)))(
            (B[:, :4] - B[:, :4].mean(0)) @ (B[:, :4] - B[:, :4].mean(0)).T), rel=1e-12)
    assert m.linear_cka(A, A) == pytest.approx(1.0, rel=1e-12)
    Q = ortho_group.rvs(5, random_state=1)
    assert m.linear_cka(3.7 * A @ Q + 2.0, B) == pytest.approx(cka, rel=1e-12)
    assert m.linear_cka(B, A) == pytest.approx(cka, rel=1e-12)
    # not invariant to an arbitrary invertible linear map (unlike CCA)
    assert abs(m.linear_cka(A @ np.diag([1, 10, 1, 0.1, 1]), B) - cka) > 1e-3


def test_debiased_cka_matches_bruteforce_and_removes_bias(rng):
    A, B = rng.standard_normal((7, 3)), rng.standard_normal((7, 4))
    K, L = (A - A.mean(0)) @ (A - A.mean(0)).T, (B - B.mean(0)) @ (B - B.mean(0)).T
    ref = hsic_u_bruteforce(K, L) / np.sqrt(hsic_u_bruteforce(K, K) * hsic_u_bruteforce(L, L))
    assert m.linear_cka(A, B, debiased=True) == pytest.approx(ref, rel=1e-10)
    assert m.linear_cka(A, A, debiased=True) == pytest.approx(1.0, rel=1e-12)
    # independent, wide random features: biased CKA is far from 0, debiased is not
    # (over 200 seeds at this shape: biased >= 0.74; debiased mean -0.001, s.d. 0.014)
    A, B = rng.standard_normal((100, 300)), rng.standard_normal((100, 300))
    assert m.linear_cka(A, B) > 0.6
    assert abs(m.linear_cka(A, B, debiased=True)) < 0.07
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
@pytest.mark.parametrize("cls", ["permutation", "soft", "linear"])
def test_permuted_copy_is_perfectly_predicted(rng, cls):
    source = rng.standard_normal((60, 8))
    target = source[:, rng.permutation(8)] * rng.uniform(0.5, 2, 8) + rng.standard_normal(8)
    res = m.transform_class_score(source, target, cls=cls, n_folds=5, seed=0)
    assert res.predictions.shape == target.shape and res.r.shape == (8,)
    np.testing.assert_allclose(res.r, 1.0, atol=1e-6)
    if cls != "linear":  # the affine per-unit map is recovered exactly (train stats = test)
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
    """Held-out predictions copy the unit chosen on the training stimuli (manual reference)."""
    from bothways.ridge import kfold_indices

    source = rng.standard_normal((40, 5))
    target = source[:, [3, 0]] + 0.8 * rng.standard_normal((40, 2))
    res = m.transform_class_score(source, target, cls="permutation", n_folds=4, seed=2)
    for train, test in kfold_indices(40, n_folds=4, seed=2):
        for j in range(2):
            r = [pearsonr(source[train, i], target[train, j])[0] for i in range(5)]
            i = int(np.argmax(r))
            assert abs(pearsonr(res.predictions[test, j], source[test, i])[0] - 1) < 1e-12
    one = m.transform_class_score(source, target, cls="permutation", n_folds=4, seed=2,
                                  one_to_one=True)
    assert one.r.shape == (2,)
    with pytest.raises(ValueError, match="cls"):
        m.transform_class_score(source, target, cls="nonlinear")


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
