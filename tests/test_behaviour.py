"""Decoders, i1, behavioural consistency and nulls, against scikit-learn, closed forms and
simulations with a known answer."""
import itertools

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from bothways.behaviour import (Decoding, accuracy_difference, bootstrap_weights, consistency_bootstrap, decode, i1,
                                i1_consistency, label_units_by_null, normalise_i1, rank_correlation,
                                reverse_ev_null, simulate_class_population, unit_draws)
from bothways.predictivity import predictivity


def _blobs(rng, n_per_class=20, n_classes=4, n_units=6, separation=3.0):
    labels = np.repeat(np.arange(n_classes), n_per_class)
    centres = separation * rng.standard_normal((n_classes, n_units))
    return centres[labels] + rng.standard_normal((labels.size, n_units)), labels


# ----------------------------------------------------------------------- decoding
def test_decode_equals_a_sklearn_pipeline_with_the_same_folds(rng):
    X, y = _blobs(rng, separation=0.8)
    d = decode(X, y, n_folds=3, n_seeds=3, seed=7)
    assert d.probabilities.shape == (3, y.size, 4)
    for s, fs in enumerate(d.fold_seeds):
        ref = cross_val_predict(make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=2000)),
                                X, y, cv=StratifiedKFold(3, shuffle=True, random_state=fs), method="predict_proba")
        np.testing.assert_allclose(d.probabilities[s], ref, atol=1e-8)
    np.testing.assert_allclose(d.probabilities.sum(axis=2), 1.0, atol=1e-12)
    assert d.accuracy == pytest.approx(np.mean(d.probabilities.argmax(2) == y))


def test_decode_is_seeded_and_the_seeds_change_the_folds(rng):
    X, y = _blobs(rng, separation=0.5)
    a, b = decode(X, y, n_seeds=2, seed=1), decode(X, y, n_seeds=2, seed=1)
    np.testing.assert_array_equal(a.probabilities, b.probabilities)
    assert not np.allclose(a.probabilities[0], a.probabilities[1])
    assert not np.allclose(a.probabilities, decode(X, y, n_seeds=2, seed=2).probabilities)


def test_decode_separable_and_pure_noise(rng):
    X, y = _blobs(rng, separation=8.0)
    assert decode(X, y, n_seeds=2).accuracy == 1.0
    noise = rng.standard_normal((400, 5))
    labels = np.repeat(np.arange(4), 100)
    acc = decode(noise, labels, n_seeds=4).accuracy
    assert abs(acc - 0.25) < 4 * np.sqrt(0.25 * 0.75 / 400), acc  # chance within 4 binomial sd


def test_decode_labels_may_be_strings_and_constant_columns_are_harmless(rng):
    X, y = _blobs(rng)
    X = np.column_stack([X, np.ones(len(y))])
    d = decode(X, np.array(["a", "b", "c", "d"])[y], n_seeds=1)
    assert list(d.classes) == ["a", "b", "c", "d"] and d.accuracy > 0.8


@pytest.mark.parametrize("bad, match", [
    (dict(features=np.full((40, 3), np.nan)), "NaN"),
    (dict(labels=np.zeros(39)), "39 entries"),
    (dict(labels=np.zeros(40)), "at least 2 classes"),
    (dict(labels=np.r_[np.zeros(38), 1, 1]), "each class needs at least"),
    (dict(features=np.ones((40, 3))), "every column is constant"),
    (dict(features=np.ones(40)), "must be 2-D"),
    (dict(C=-1.0), "C must be"),
    (dict(n_folds=1), "n_folds"),
    (dict(seed=-3), "seed"),
])
def test_decode_rejects_bad_input(rng, bad, match):
    args = dict(features=rng.standard_normal((40, 3)), labels=np.arange(40) % 2)
    args.update(bad)
    with pytest.raises(ValueError, match=match):
        decode(**args, n_seeds=1)


# ----------------------------------------------------------------------- i1
def test_i1_on_a_tiny_example_with_a_known_answer():
    P = np.array([[0.6, 0.3, 0.1],   # class 0: 0.6/0.9, 0.6/0.7
                  [0.2, 0.2, 0.6],   # class 0: 0.2/0.4, 0.2/0.8
                  [0.1, 0.8, 0.1],   # class 1: 0.8/0.9, 0.8/0.9
                  [0.5, 0.25, 0.25]])  # class 1: 0.25/0.75, 0.25/0.5
    y = np.array([0, 0, 1, 1])
    raw = np.array([(2 / 3 + 6 / 7) / 2, (0.5 + 0.25) / 2, 8 / 9, (1 / 3 + 0.5) / 2])
    np.testing.assert_allclose(i1(P, y, normalise=False), raw)
    expected = raw - np.array([raw[:2].mean(), raw[:2].mean(), raw[2:].mean(), raw[2:].mean()])
    np.testing.assert_allclose(i1(P, y), expected)
    np.testing.assert_allclose(i1(np.stack([P, P]), y), np.stack([expected, expected]))  # leading axes
    np.testing.assert_allclose(i1(10 * P, y, normalise=False), raw)  # scale-free ratio


def test_i1_of_a_perfect_observer_is_one_and_normalised_zero():
    y = np.array([0, 1, 2, 0, 1, 2])
    P = np.full((6, 3), 1e-9)
    P[np.arange(6), y] = 1.0
    np.testing.assert_allclose(i1(P, y, normalise=False), 1.0, atol=1e-8)
    np.testing.assert_allclose(i1(P, y), 0.0, atol=1e-8)


def test_decoding_i1_is_the_mean_over_seeds(rng):
    X, y = _blobs(rng, separation=0.7)
    d = decode(X, y, n_seeds=3)
    per_seed = np.stack([i1(d.probabilities[s], y, normalise=False) for s in range(3)])
    np.testing.assert_allclose(d.i1_per_seed, per_seed)
    np.testing.assert_allclose(d.i1(), normalise_i1(per_seed.mean(0), y))
    for c in range(4):
        assert abs(d.i1()[y == c].mean()) < 1e-12


@pytest.mark.parametrize("P, y, match", [
    (np.ones((3, 1)), np.zeros(3, int), "at least 2 classes"),
    (-np.ones((3, 2)), np.zeros(3, int), "non-negative"),
    (np.ones((3, 2)), np.array([0, 1, 2]), "integer class codes"),
    (np.array([[0.0, 0.0], [1.0, 0.0]]), np.array([0, 0]), "undefined"),
])
def test_i1_rejects_bad_input(P, y, match):
    with pytest.raises(ValueError, match=match):
        i1(P, y)


# ----------------------------------------------------------------------- consistency
def _observers(rng, n_images=400, n_seeds=20, noise=(0.5, 1.5), shared=True):
    labels = np.arange(n_images) % 8
    truth = rng.standard_normal(n_images)
    other = truth if shared else rng.standard_normal(n_images)
    a = truth[None, :] + noise[0] * rng.standard_normal((n_seeds, n_images))
    b = other[None, :] + noise[1] * rng.standard_normal((n_seeds, n_images))
    return a, b, labels


def test_consistency_of_two_noisy_copies_of_one_behaviour_is_one(rng):
    a, b, labels = _observers(rng, noise=(1.0, 3.0))
    c = i1_consistency(a, b, labels, n_splits=20)
    assert c.raw < 0.88 and abs(c.consistency - 1.0) < 0.08, c
    # the reliability follows from the noise: var(t) / (var(t) + sigma^2 / n_seeds)
    assert c.reliability_a == pytest.approx(1 / (1 + 1 / 20), abs=0.03)
    assert c.reliability_b == pytest.approx(1 / (1 + 9 / 20), abs=0.06)
    assert c.raw == pytest.approx(np.corrcoef(normalise_i1(a.mean(0), labels), normalise_i1(b.mean(0), labels))[0, 1])


def test_consistency_of_independent_behaviours_is_zero(rng):
    a, b, labels = _observers(rng, shared=False)
    assert abs(i1_consistency(a, b, labels).consistency) < 0.15


def test_consistency_bootstrap_groups_and_paired_differences(rng):
    a, b, labels = _observers(rng, n_images=300)
    c, d, _ = _observers(rng, n_images=300, shared=False)
    obs = {"a": a, "b": b, "c": c, "d": d}
    res = consistency_bootstrap(obs, labels, [("a", "b"), ("c", "d")], n_boot=300, seed=1)
    t = res.table
    assert list(t["a"]) == ["a", "c"] and res.boot.shape == (300, 2)
    assert t.loc[0, "raw"] == pytest.approx(i1_consistency(a, b, labels).raw)
    assert t.loc[0, "ci_low"] < 1.0 < t.loc[0, "ci_high"] + 0.05
    assert t.loc[1, "ci_low"] < 0.0 < t.loc[1, "ci_high"]
    est, lo, hi, n_nan = res.group([0])
    assert est == pytest.approx(t.loc[0, "consistency"]) and n_nan == 0 and lo < est < hi
    diff, dlo, dhi = res.difference([0], [1])
    assert dlo > 0.5 and diff == pytest.approx(t.loc[0, "consistency"] - t.loc[1, "consistency"])
    with pytest.raises(ValueError, match="unknown"):
        consistency_bootstrap(obs, labels, [("a", "zz")])
    with pytest.raises(ValueError, match="n_seeds >= 2"):
        consistency_bootstrap({"a": a[:1], "b": b}, labels, [("a", "b")])


def test_bootstrap_weights_resample_items():
    W = bootstrap_weights(50, 40, seed=0)
    np.testing.assert_allclose(W.sum(axis=1), 1.0)
    assert np.all(np.isclose(W * 50, np.round(W * 50)))


def test_accuracy_difference_is_the_mean_paired_difference(rng):
    X, y = _blobs(rng, separation=0.6)
    good = decode(X, y, n_seeds=3)
    bad = [decode(X[:, :1], y, n_seeds=3, seed=s) for s in (0, 1)]
    est, lo, hi = accuracy_difference(good, bad, n_boot=500)
    direct = good.hits.mean(0) - np.mean([d.hits.mean(0) for d in bad], axis=0)
    assert est == pytest.approx(direct.mean()) and lo < est < hi
    se = direct.std(ddof=1) / np.sqrt(direct.size)  # the bootstrap interval is about +-1.96 se
    assert hi - lo == pytest.approx(2 * 1.96 * se, rel=0.25)
    with pytest.raises(ValueError, match="same labelled images"):
        accuracy_difference(good, decode(X[:40], y[:40], n_seeds=1))


# ----------------------------------------------------------------------- unit sets
def test_unit_draws(rng):
    pool = np.array([3, 8, 11, 20, 21, 40])
    d = unit_draws(pool, 4, 5, seed=2)
    assert d.shape == (5, 4) and set(d.ravel()) <= set(pool)
    assert all(len(set(row)) == 4 and list(row) == sorted(row) for row in d)
    np.testing.assert_array_equal(d, unit_draws(pool, 4, 5, seed=2))
    with pytest.raises(ValueError, match="cannot draw"):
        unit_draws(pool, 7, 1)
    with pytest.raises(ValueError, match="repeated"):
        unit_draws(np.array([1, 1, 2]), 2, 1)


# ----------------------------------------------------------------------- permutation null
def test_reverse_ev_null_is_calibrated_on_image_independent_targets(rng):
    n = 120
    brain = rng.standard_normal((n, 12, 4)) + rng.standard_normal((n, 12, 1))
    target = rng.standard_normal((n, 200))  # independent of the brain
    res = predictivity(brain, target, n_splits=2, n_folds=5, n_boot=0, match_to=None)
    with pytest.deprecated_call():
        null = reverse_ev_null(res, brain, target, n_permutations=19, seed=0, n_folds=5)
    p = null.per_target["p_value"].to_numpy()
    assert np.all((p >= 0.05 - 1e-12) & (p <= 1))
    assert stats.kstest(p, "uniform").pvalue > 0.001  # discrete p, but close to uniform
    assert 0 < null.summary["n_above_null"] <= 25  # ~5 % of 200
    # the null's mean EV is what image-independent features score
    assert null.summary["null_mean_ev"] == pytest.approx(null.summary["mean_ev"], rel=0.35)


def test_reverse_ev_null_finds_the_predictable_targets(rng):
    sim = simulate_class_population(n_images=150, n_common=30, n_unique=30, n_sites=30, seed=3)
    X = sim.networks[0]
    res = predictivity(sim.brain, X, n_splits=2, n_folds=5, n_boot=0, match_to=None)
    with pytest.deprecated_call():
        null = reverse_ev_null(res, sim.brain, X, n_permutations=19, seed=1)
    p = null.per_target["p_value"].to_numpy()
    assert np.mean(p[sim.common[0]] <= 0.05) > 0.9
    assert np.mean(p[sim.unique[0]] <= 0.05) < 0.25
    with pytest.raises(ValueError, match="do not match"), pytest.deprecated_call():
        reverse_ev_null(res, sim.brain, X[:, :10])
    # its replacement, predictivity's own null, finds the same units
    own = predictivity(sim.brain, X, n_splits=2, n_folds=5, n_boot=0, match_to=None, n_permutations=19)
    q = own.per_target["p_value"].to_numpy()
    assert np.mean(q[sim.common[0]] <= 0.05) > 0.9 and np.mean(q[sim.unique[0]] <= 0.05) < 0.25
    np.testing.assert_allclose(own.per_target["ev"], res.per_target["ev"])


def test_label_units_by_null():
    ev = np.array([50.0, 40.0, 30.0, 20.0, 10.0, 5.0, np.nan, 1.0, 0.5, 0.1, np.nan, 3.0])
    p = np.array([0.01, 0.2, 0.01, 0.01, 0.5, 0.6, 0.01, 0.9, 0.03, 0.8, 0.7, np.nan])
    with pytest.deprecated_call():
        lab = label_units_by_null(ev, p, alpha=0.05, top=0.3)  # top 3 of 10 defined EVs: 50, 40, 30
    assert list(lab) == ["common", "unique", "common", "middle", "unique", "unique", "undefined", "unique",
                         "middle", "unique", "unique", "undefined"]
    # a thin alias of predictivity.label_units with the null rule and no correction
    from bothways.predictivity import label_units
    np.testing.assert_array_equal(lab, label_units(ev, 0.3, rule="null", p_value=p, correction="none", alpha=0.05))


# ----------------------------------------------------------------------- rank correlation
def test_rank_correlation_against_scipy_exact_permutation(rng):
    x, y = rng.standard_normal(7), rng.standard_normal(7)
    res = rank_correlation(x, y, n_boot=200)
    assert res.rho == pytest.approx(stats.spearmanr(x, y).statistic)
    ref = stats.permutation_test((y,), lambda yy: stats.spearmanr(x, yy).statistic,
                                 permutation_type="pairings", alternative="two-sided")
    assert res.p_value == pytest.approx(ref.pvalue, abs=1e-9)
    assert res.ci_low <= res.rho <= res.ci_high


def test_critical_spearman_is_the_smallest_significant_rho():
    assert rank_correlation(np.arange(5.0), np.arange(5.0), n_boot=0).critical == pytest.approx(1.0)
    res = rank_correlation(np.arange(7.0), np.arange(7.0)[::-1], n_boot=0)
    assert res.rho == pytest.approx(-1.0) and res.p_value == pytest.approx(2 / 5040)
    # enumerate every ordering of 7 items directly
    base = np.arange(7.0)
    null = np.round(np.abs([stats.spearmanr(base, p).statistic for p in itertools.permutations(base)]), 12)
    levels = np.unique(null)
    expected = min(c for c in levels if np.mean(null >= c - 1e-12) <= 0.05)
    assert res.critical == pytest.approx(expected) and 0.75 < expected < 0.8


def test_rank_correlation_within_groups_removes_group_offsets():
    family = np.repeat([0, 1], 4)
    x = np.r_[np.arange(4.0), 10 + np.arange(4.0)]
    y = 100 * family + np.r_[2, 0, 3, 1, 2, 0, 3, 1]  # within each family unrelated to x (rho 0)
    pooled = rank_correlation(x, y, n_boot=0)
    within = rank_correlation(x, y, groups=family, n_boot=0)
    assert pooled.rho > 0.7 and within.rho == pytest.approx(0.0, abs=1e-12)
    mono = rank_correlation(x, x ** 2 + 50 * family, groups=family, n_boot=100)
    assert mono.rho == pytest.approx(1.0) and mono.ci_low == pytest.approx(1.0)
    with pytest.raises(ValueError, match="finite"):
        rank_correlation([1, 2, np.nan], [1, 2, 3])


# ----------------------------------------------------------------------- positive control
def test_planted_common_units_carry_the_class_and_shared_behaviour():
    sim = simulate_class_population(n_images=300, n_common=30, n_unique=30, unique_class_signal=0.0, seed=0)
    y = sim.labels
    X0, X1 = sim.networks
    common0 = decode(X0[:, sim.common[0]], y, n_seeds=2)
    unique0 = decode(X0[:, sim.unique[0]], y, n_seeds=2)
    assert common0.accuracy > 0.5
    assert abs(unique0.accuracy - 0.1) < 0.07
    # with class information in the unique units too, only the common ones share image-level behaviour
    sim2 = simulate_class_population(n_images=300, n_common=30, n_unique=30, unique_class_signal=1.0, seed=1)
    dec = {f"{kind}{m}": decode(X[:, idx[m]], sim2.labels, n_seeds=4)
           for m, X in enumerate(sim2.networks) for kind, idx in (("c", sim2.common), ("u", sim2.unique))}
    assert isinstance(dec["c0"], Decoding)
    cc = i1_consistency(dec["c0"], dec["c1"], sim2.labels).consistency
    uu = i1_consistency(dec["u0"], dec["u1"], sim2.labels).consistency
    assert cc > 0.6 and cc > uu + 0.3, (cc, uu)
