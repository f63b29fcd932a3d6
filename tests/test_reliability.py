"""Split halves, Spearman–Brown, split-half reliability and noise ceilings (bothways.reliability),
and the column statistics they use (bothways.stats)."""
import numpy as np
import pytest
from scipy import stats as sps

from bothways import stats
from bothways.data import Recording
from bothways.reliability import (explained_variance, noise_ceiling, prediction_reliability, spearman_brown,
                                  split_half_reliability, split_halves)
from bothways.simulate import simulate_pair


def _sim(**kw):
    base = dict(n_stimuli=500, n_shared=6, n_brain_private=3, n_model_private=20, n_neurons=20,
                n_units=50, n_repeats=8, noise=2.0, seed=0)
    return simulate_pair(**{**base, **kw})


# ----------------------------------------------------------------------- reliabilities
def test_spearman_brown_closed_form():
    np.testing.assert_allclose(spearman_brown([0.0, 0.5, 1.0]), [0.0, 2 / 3, 1.0])
    assert spearman_brown(0.25, factor=4) == pytest.approx(1.0 / 1.75)


@pytest.mark.parametrize("scheme", ["balanced", "permutation"])
def test_split_halves_partition_the_repeats(scheme, rng):
    X = rng.standard_normal((30, 4, 7))
    a, b = split_halves(X, rng, scheme)
    # |A|·mean_A + |B|·mean_B = sum of all repeats, with |A| + |B| = 7
    sizes = (3, 4) if scheme == "balanced" else (4, 3)
    np.testing.assert_allclose(sizes[0] * a + sizes[1] * b, X.sum(axis=2), atol=1e-12)


def test_balanced_split_with_neuron_specific_missing_repeats(rng):
    X = rng.standard_normal((40, 5, 6))
    X[rng.random(X.shape) < 0.4] = np.nan
    X[:, :, :2] = rng.standard_normal((40, 5, 2))  # at least 2 present everywhere
    m = (~np.isnan(X)).sum(axis=2)
    assert len(np.unique(m)) > 1
    a, b = split_halves(X, rng, "balanced")
    np.testing.assert_allclose((m // 2) * a + (m - m // 2) * b, np.nansum(X, axis=2), atol=1e-12)


def test_balanced_split_never_empty_with_missing_repeats():
    s = _sim(n_stimuli=200, n_repeats=6, missing=0.6, seed=1)
    assert s.recording.n_repeats.min() == 2
    a, b = split_halves(s.recording.trials, np.random.default_rng(0), "balanced")
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(b))
    # the published scheme (one permutation of the repeat axis) leaves some halves empty
    a, b = split_halves(s.recording.trials, np.random.default_rng(0), "permutation")
    assert np.isnan(a).any() or np.isnan(b).any()


def test_split_half_reliability_matches_closed_form():
    s = _sim(n_stimuli=3000, n_neurons=30, n_repeats=6, noise=3.0, missing=0.3, seed=2)
    rel = split_half_reliability(s.recording.trials, n_splits=10, seed=0)
    # expected_reliability accounts for the missing repeats through mean(1/m)
    assert rel.mean() == pytest.approx(s.expected_reliability.mean(), abs=0.02)
    sp = split_half_reliability(s.recording.trials, n_splits=4, seed=0, correlation="spearman")
    assert sp.mean() == pytest.approx(rel.mean(), abs=0.05)
    per_split = split_half_reliability(s.recording.trials, n_splits=3, seed=0, return_splits=True)
    assert per_split.shape == (3, 30)
    np.testing.assert_array_equal(per_split.mean(0), split_half_reliability(s.recording.trials, 3, 0))



def test_recording_split_halves_equal_the_function(rng):
    s = _sim(n_stimuli=50, n_repeats=5, missing=0.3)
    a = s.recording.split_halves(np.random.default_rng(4))
    b = split_halves(s.recording.trials, np.random.default_rng(4))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(split_half_reliability(s.recording, 3, 1), split_half_reliability(s.recording.trials, 3, 1))


def test_split_half_reliability_takes_a_generator_as_it_is():
    T = _sim(n_stimuli=60, n_repeats=4).recording.trials
    g1, g2 = np.random.default_rng(9), np.random.default_rng(9)
    one = np.stack([split_half_reliability(T, 1, g1, return_splits=True)[0] for _ in range(3)])
    np.testing.assert_array_equal(one, split_half_reliability(T, 3, g2, return_splits=True))


# ----------------------------------------------------------------------- prediction reliability, ceilings
def test_prediction_reliability_is_spearman_brown_of_pearson(rng):
    a, b = rng.standard_normal((40, 3)), rng.standard_normal((40, 3))
    b[:, 0] += 2 * a[:, 0]
    r = np.array([sps.pearsonr(a[:, j], b[:, j])[0] for j in range(3)])
    np.testing.assert_allclose(prediction_reliability(a, b), 2 * r / (1 + r), rtol=1e-12)
    b[:, 2] = 1.5  # a constant prediction has no reliability
    assert np.isnan(prediction_reliability(a, b)[2])


def test_noise_ceiling_default_rule():
    rt = np.array([[0.8, 0.5, -0.2, 0.6, np.nan], [0.6, 0.5, -0.4, 0.7, 0.9]])
    rp = np.array([[1.0, 0.4, -0.5, 0.05, 0.9], [1.0, 0.6, -0.5, 0.05, 0.9]])
    c = noise_ceiling(rt, rp)
    np.testing.assert_allclose(c.target_reliability, [0.7, 0.5, -0.3, 0.65, 0.9])
    np.testing.assert_allclose(c.ceiling, c.target_reliability * c.prediction_reliability)
    np.testing.assert_array_equal(c.defined, [True, True, False, True, False])  # NaN split -> undefined
    np.testing.assert_allclose(c.inverse[:2], [1 / 0.7, 1 / 0.25])
    assert np.isnan(c.inverse[[2, 4]]).all()
    # a threshold: both averaged reliabilities must exceed it
    np.testing.assert_array_equal(noise_ceiling(rt, rp, min_reliability=0.1).defined, [True, True, False, False, False])
    # the published rule: a positive product suffices (two negative reliabilities pass)
    assert noise_ceiling(rt, rp, min_reliability=None).defined[2]
    ev = explained_variance(np.array([0.5, 0.5, 0.5, 0.5, 0.5]), c)
    np.testing.assert_allclose(ev[:2], [100 * 0.25 / 0.7, 100 * 0.25 / 0.25])


def test_noise_ceiling_per_split_averages_inverses():
    rt = np.array([[0.5, 0.5], [0.25, -0.5]])
    rp = np.array([[1.0, 1.0], [1.0, 1.0]])
    c = noise_ceiling(rt, rp, per_split=True, min_reliability=None)
    np.testing.assert_allclose(c.inverse, [(2 + 4) / 2, 2])  # the undefined split is left out
    np.testing.assert_allclose(c.inverse_per_split, [[2, 2], [4, np.nan]])
    assert c.per_split and c.min_reliability is None


def test_noise_ceiling_noiseless_sides_and_bad_shapes():
    c = noise_ceiling(np.array([[0.5, 0.8], [0.7, 0.6]]), None)
    np.testing.assert_allclose(c.prediction_reliability, [1, 1])
    np.testing.assert_allclose(c.inverse, [1 / 0.6, 1 / 0.7])
    c = noise_ceiling(None, np.array([0.5, 0.25]))
    np.testing.assert_allclose(c.inverse, [2, 4])
    with pytest.raises(ValueError, match="give target_reliability or prediction_reliability"):
        noise_ceiling(None, None)
    with pytest.raises(ValueError, match="same targets"):
        noise_ceiling(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(ValueError, match="min_reliability"):
        noise_ceiling(np.ones(3), min_reliability=1.0)
    with pytest.raises(ValueError, match=r"target_reliability must be \(targets,\)"):
        noise_ceiling(np.ones((2, 2, 2)))


def test_reliability_bad_input(rng):
    T = rng.standard_normal((20, 3, 4))
    with pytest.raises(ValueError, match="scheme must be one of"):
        split_halves(T, 0, "halves")
    with pytest.raises(ValueError, match="correlation must be one of"):
        split_half_reliability(T, correlation="kendall")
    with pytest.raises(ValueError, match="n_splits must be an integer >= 1"):
        split_half_reliability(T, n_splits=0)
    with pytest.raises(ValueError, match=">= 2 repeats"):
        split_half_reliability(T[:, :, :1])
    with pytest.raises(ValueError, match="trials contains 1 inf"):
        split_half_reliability(np.where(T == T.max(), np.inf, T))
    with pytest.raises(ValueError, match="only trial averages"):
        Recording(mean=T.mean(2)).split_halves(0)


# ----------------------------------------------------------------------- stats
def test_pearson_and_spearman_columns_match_scipy(rng):
    a, b = rng.standard_normal((30, 4)), rng.standard_normal((30, 4))
    b += a
    np.testing.assert_allclose(stats.pearson_columns(a, b),
                               [sps.pearsonr(a[:, j], b[:, j])[0] for j in range(4)], rtol=1e-12)
    np.testing.assert_allclose(stats.pearson_columns(a.T, b.T, axis=1), stats.pearson_columns(a, b), rtol=1e-12)
    np.testing.assert_allclose(stats.spearman_columns(a, b),
                               [sps.spearmanr(a[:, j], b[:, j])[0] for j in range(4)], rtol=1e-12)
    a[:, 1] = 0.1  # constant: NaN, not the ±1 that rounding of the mean could give
    a[3, 2] = np.nan
    r = stats.pearson_columns(a, b)
    assert np.isnan(r[1]) and np.isnan(r[2]) and np.isfinite(r[[0, 3]]).all()
    with pytest.raises(ValueError, match="same shape"):
        stats.pearson_columns(a, b[:5])


def test_percentile_interval_and_bootstrap(rng):
    v = np.r_[np.arange(101.0), np.nan, np.inf]
    assert stats.percentile_interval(v, 0.9) == pytest.approx((5.0, 95.0))
    assert np.isnan(stats.percentile_interval([np.nan], 0.9)[0])
    lo, hi = stats.percentile_interval(np.c_[np.arange(101.0), 2 * np.arange(101.0)], 0.9, axis=0)
    np.testing.assert_allclose(lo, [5, 10]) and np.testing.assert_allclose(hi, [95, 190])
    x = rng.normal(3.0, 2.0, 400)
    ci = stats.bootstrap(np.mean, x, n_boot=2000, seed=1)
    half = 1.96 * x.std(ddof=1) / np.sqrt(x.size)  # the normal-theory interval
    assert ci.estimate == pytest.approx(x.mean())
    assert ci.low == pytest.approx(x.mean() - half, abs=0.06) and ci.high == pytest.approx(x.mean() + half, abs=0.06)
    assert ci.excludes_zero and ci.n == 400 and ci.samples.shape == (2000,)
    again = stats.bootstrap(np.mean, x, n_boot=2000, seed=1)
    assert (again.low, again.high) == (ci.low, ci.high)
    with pytest.raises(ValueError, match="n_boot"):
        stats.bootstrap(np.mean, x, n_boot=0)
    with pytest.raises(ValueError, match="same length"):
        stats.bootstrap(lambda a, b: 0.0, x, x[:3])


def test_paired_difference_interval_reflects_the_pairing(rng):
    base = rng.normal(50, 10, 300)  # large item-to-item spread, small paired shift
    a, b = base + 1.0 + rng.normal(0, 0.5, 300), base + rng.normal(0, 0.5, 300)
    d = stats.paired_difference(a, b, n_boot=1000, seed=0)
    assert d.estimate == pytest.approx(np.mean(a) - np.mean(b))
    assert d.excludes_zero and d.high - d.low < 0.3  # unpaired, the interval would span ~3 points
    b[:10] = np.nan
    assert stats.paired_difference(a, b, n_boot=50).n == 290
    null = stats.paired_difference(base + rng.normal(0, 1, 300), base + rng.normal(0, 1, 300), n_boot=500, seed=2)
    assert null.low < 0 < null.high


def test_nonconstant_units():
    X = np.c_[np.arange(5.0), np.ones(5), np.arange(5.0) * 1e-12]
    assert list(stats.nonconstant_units(X)) == [0]
    assert stats.nonconstant_units(np.ones((4, 2))).size == 0
    with pytest.raises(ValueError, match="stimuli, units"):
        stats.nonconstant_units(np.ones(3))
