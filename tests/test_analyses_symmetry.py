"""Tests for bothways.analyses.symmetry (chapter 2 recipe)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bothways.analyses import symmetry as sym
from bothways.simulate import add_trial_noise, expected_ev


@pytest.fixture(scope="module")
def animals():
    """Three simulated animals reading one latent space: A and B share all 6 latents;
    C reads the same 6 plus 6 of its own, so C -> A is near-complete and A -> C is not."""
    rng = np.random.default_rng(7)
    n, L = 240, 12
    Z = rng.standard_normal((n, L))
    W = {"A": np.r_[rng.standard_normal((6, 15)), np.zeros((6, 15))],
         "B": np.r_[rng.standard_normal((6, 15)), np.zeros((6, 15))],
         "C": rng.standard_normal((L, 25))}
    pops = {}
    for k, w in W.items():
        rates = 5 + Z @ w / np.sqrt((w ** 2).sum(0))
        pops[k] = add_trial_noise(rates, 6, 0.5, seed=rng)[0]
    return pops, W


@pytest.fixture(scope="module")
def pairwise(animals):
    pops, _ = animals
    return sym.pairwise_predictivity(pops, n_splits=2, seed=0, n_boot=30, n_folds=5)


def test_pairwise_predictivity_recovers_known_evs(animals, pairwise):
    _, W = animals
    t = pairwise.table.set_index(["source", "target"])
    assert len(t) == 6 and set(t["direction"]) == {"animal_to_animal"}
    assert set(t["correction"]) == {"both sides"}
    for (s, g), row in t.iterrows():
        assert row["mean_ev"] == pytest.approx(np.mean(expected_ev(W[s], W[g])), abs=12), (s, g)
    # symmetric pair is symmetric, the pair with private latents is not
    assert abs(t.loc[("A", "B"), "median_ev"] - t.loc[("B", "A"), "median_ev"]) < 10
    assert t.loc[("C", "A"), "median_ev"] > t.loc[("A", "C"), "median_ev"] + 25
    # raw r² is never above the noise-corrected EV (reliabilities <= 1)
    assert np.all(t["median_r2"] <= t["median_ev"] + 1e-9)
    assert pairwise.results[("A", "B")].summary["n_targets"] == 15


def test_noiseless_side_gets_no_ceiling(animals):
    pops, _ = animals
    avg = {"A": np.nanmean(pops["A"], axis=2), "B": pops["B"]}
    res = sym.pairwise_predictivity(avg, n_splits=2, n_boot=0, n_folds=5)
    t = res.table.set_index("source")
    assert t.loc["A", "correction"] == "target only" and t.loc["B", "correction"] == "source only"
    assert np.allclose(res.results[("A", "B")].per_target["prediction_reliability"], 1.0)
    assert np.allclose(res.results[("B", "A")].per_target["target_reliability"], 1.0)
    # one-sided EV = raw r² / the one reliability that can be computed
    pt = res.results[("B", "A")].per_target
    assert np.allclose(pt["ev"], 100 * pt["r2"] / pt["prediction_reliability"])
    assert sym.correction_label(False, False) == "none"


def test_n_source_matches_predictor_counts(animals):
    pops, _ = animals
    res = sym.pairwise_predictivity(pops, pairs=[("C", "A"), ("A", "B")], n_source=10, n_splits=1, n_boot=0,
                                    n_folds=5)
    assert list(res.table["n_source"]) == [10, 10]
    with pytest.raises(ValueError, match="n_source=40"):
        sym.pairwise_predictivity(pops, n_source=40)
    with pytest.raises(ValueError, match="bad"):
        sym.pairwise_predictivity(pops, pairs=[("A", "A")])
    with pytest.raises(ValueError, match="different numbers of stimuli"):
        sym.pairwise_predictivity({"A": pops["A"], "B": pops["B"][:100]})


def test_direction_matrix_and_symmetry_table(pairwise):
    t = pairwise.table
    m = sym.direction_matrix(t, order=["A", "B", "C"])
    assert m.shape == (3, 3) and np.all(np.isnan(np.diag(m.to_numpy())))
    assert m.loc["C", "A"] == t.query("source == 'C' and target == 'A'")["median_ev"].item()
    s = sym.symmetry_table(t)
    assert len(s) == 3
    row = s.set_index(["a", "b"]).loc[("A", "C")]
    assert row["difference"] == pytest.approx(m.loc["A", "C"] - m.loc["C", "A"])
    assert row["abs_difference"] == pytest.approx(abs(row["difference"]))


def test_asymmetry_indices_by_hand():
    animal = pd.DataFrame({"a": ["x"], "b": ["y"], "a_to_b": [30.0], "b_to_a": [40.0], "difference": [-10.0],
                           "abs_difference": [10.0]})
    model = pd.DataFrame({"model": ["net"], "animal": ["x"], "forward": [50.0], "reverse": [12.0]})
    out = sym.asymmetry_indices(animal, model)
    assert list(out["kind"]) == ["animal–animal", "model–animal"]
    assert list(out["index"]) == [10.0, 38.0]
    assert list(out["pair"]) == ["x ↔ y", "net ↔ x"]


def test_score_models_against_scores_every_model_and_animal(animals):
    from bothways.zoo import split_stimuli

    pops, W = animals
    n = pops["A"].shape[0]
    rng = np.random.default_rng(0)
    latents_like = np.nanmean(pops["C"], axis=2)  # C spans every latent: a good "model"
    bank = {"good": latents_like, "noise": rng.standard_normal((n, 40))}
    split = split_stimuli(n, 0.3, seed=0)
    res = sym.score_models_against({"A": pops["A"], "C": pops["C"]}, ["good", "noise"], np.zeros((n, 2, 2, 3), np.uint8),
                                   split, matched_draws=2, n_splits=1, n_boot=0, n_folds=5,
                                   candidate_layers={"good": ["x"], "noise": ["x"]},
                                   features_fn=lambda spec, imgs, layer: bank[spec])
    t = res.table.set_index(["model", "animal"])
    assert len(t) == 4 and set(res.zoos) == {"A", "C"}
    assert np.allclose(t["asymmetry"], t["forward"] - t["reverse"])
    assert t.loc[("good", "A"), "forward"] > t.loc[("noise", "A"), "forward"] + 30
    # 15 neurons in A: matched forward uses 15 of the 25 "good" units, fewer predictors than all 25
    assert t.loc[("good", "A"), "forward_matched"] <= t.loc[("good", "A"), "forward"] + 5
    # C has 25 neurons and "good" 25 units: the matched set is all units, the same fit as forward
    assert t.loc[("good", "C"), "forward_matched"] == pytest.approx(t.loc[("good", "C"), "forward"])
    with pytest.raises(ValueError, match="must be"):
        sym.score_models_against({"A": pops["A"][:, :, 0]}, ["good"], None, split)


# ------------------------------------------------------------------ real data (skipped without it)
def _have_data():
    try:
        from bothways.data import fetch

        fetch("cowley2023_v4/responses_raw/responses_210325.npy", download=False)
        return True
    except Exception:
        return False


needs_data = pytest.mark.skipif(not _have_data(), reason="real V4 data not found (../shared/data or BOTHWAYS_DATA)")


@pytest.mark.data
@needs_data
def test_session_pair_matches_images_and_sides():
    from bothways.data import load_images

    pair = sym.session_pair(210322, 210325, n_stimuli=50, seed=1)
    assert pair.a.shape == (50, 59) and pair.b.shape == (50, 50, 10)  # 210322 has no trials
    assert np.array_equal(pair.images, load_images(210325)[pair.index_b])
    assert np.array_equal(pair.images, load_images(210322)[pair.index_a])
    assert list(pair.populations) == ["210322 (PE)", "210325 (PE)"]


# ------------------------------------------------------------------ equal noise, paired intervals (issue 14)
@pytest.fixture(scope="module")
def noisy_animals():
    """A and B read the same 6 latents (symmetric truth); C reads them plus 6 of its own
    (C -> A near-complete, A -> C not: a planted asymmetry). 8 trials each."""
    rng = np.random.default_rng(3)
    n, L = 240, 12
    Z = rng.standard_normal((n, L))
    W = {"A": np.r_[rng.standard_normal((6, 20)), np.zeros((6, 20))],
         "B": np.r_[rng.standard_normal((6, 20)), np.zeros((6, 20))],
         "C": rng.standard_normal((L, 20))}
    return {k: add_trial_noise(5 + Z @ w / np.sqrt((w ** 2).sum(0)), 8, 0.5, seed=rng)[0] for k, w in W.items()}, Z


def test_reduce_trials_and_disjoint_averages():
    T = np.arange(2 * 3 * 6, dtype=float).reshape(2, 3, 6)
    T[1, :, 4:] = np.nan
    four = sym.reduce_trials(T, 4, seed=0, average=False)
    assert four.shape == (2, 3, 4) and not np.isnan(four).any()
    # the same presentations for every neuron of a stimulus: neuron offsets are constant
    assert np.allclose(np.diff(four, axis=1), 6)
    assert np.allclose(sym.reduce_trials(T, 4, seed=0), four.mean(2))
    with pytest.raises(ValueError, match="fewer than n_trials=5"):
        sym.reduce_trials(T, 5)
    a, b = sym.disjoint_averages(T, 4, seed=0)
    # stimulus 0: 3 + 3 disjoint trials; stimulus 1: 2 + 2; together they are the mean of all used
    assert np.allclose((a[0] + b[0]) / 2, T[0].mean(1)) and np.allclose((a[1] + b[1]) / 2, T[1, :, :4].mean(1))
    assert not np.allclose(a, b)


def test_equal_noise_pair_symmetric_and_planted(noisy_animals):
    pops, _ = noisy_animals
    sym_pair = sym.equal_noise_pair(pops["A"], pops["B"], "A", "B", n_draws=3, n_boot=100, n_folds=5)
    assert sym_pair.difference["verdict"] == "is not resolved", sym_pair.difference
    assert list(sym_pair.table["n_source"]) == [20, 20]
    planted = sym.equal_noise_pair(pops["C"], pops["A"], "C", "A", n_draws=3, n_boot=100, n_folds=5)
    assert planted.difference["verdict"] == "reproduces" and planted.difference["ci_low"] > 20
    # a side given as averages is used as it is; counts are equalised to the smaller side
    avg = np.nanmean(pops["B"][:, :15], axis=2)
    mixed = sym.equal_noise_pair(pops["A"], avg, n_draws=1, n_boot=20, n_folds=5)
    assert list(mixed.table["n_targets"]) == [15, 15]
    assert mixed.difference["ci_low"] <= mixed.difference["ci_high"]


def test_exchangeable_null_is_centred(noisy_animals):
    pops, _ = noisy_animals
    null = sym.exchangeable_null(pops["C"], n_null=6, n_folds=5)
    assert len(null) == 6 and abs(null["difference"].mean()) < 3 * null["difference"].std() / np.sqrt(6) + 1


def test_bootstrap_medians_is_paired_and_matches_the_point_estimates(noisy_animals):
    pops, _ = noisy_animals
    a = sym.score(pops["A"], pops["B"], n_splits=2, n_folds=5, n_boot=0)
    b = sym.score(pops["B"], pops["A"], n_splits=2, n_folds=5, n_boot=0)
    boot = sym.bootstrap_medians({"ab": a, "ba": b}, n_boot=200, seed=1)
    assert boot.shape == (200, 2)
    assert boot["ab"].median() == pytest.approx(a.median_ev, abs=3)
    raw = sym.bootstrap_medians({"ab": a}, n_boot=50, seed=1, raw=True)
    assert raw["ab"].median() == pytest.approx(a.median_r2, abs=3) and np.all(raw["ab"] <= boot["ab"][:50] + 1e-9)
    with pytest.raises(ValueError, match="different numbers of stimuli"):
        sym.bootstrap_medians({"ab": a, "x": sym.score(pops["A"][:100], pops["B"][:100], n_splits=1, n_folds=5,
                                                        n_boot=0)})


def test_twin_gaps_positive_and_negative(noisy_animals):
    """Positive: a model holding every latent plus noise units is more asymmetric with the
    animals than A and B are with each other. Negative: image-independent units are not."""
    pops, Z = noisy_animals
    rng = np.random.default_rng(0)
    runs = {(a, b): sym.score(pops[a], pops[b], n_splits=2, n_folds=5, n_boot=0)
            for a in "AB" for b in "AB" if a != b}
    X = np.c_[Z, rng.standard_normal((240, 30))]
    feats = {("net", "A"): X, ("noise", "A"): rng.standard_normal((240, 40))}
    mr = sym.matched_model_runs(feats, {"A": pops["A"]}, n_draws=2, n_splits=2, n_folds=5)
    animals, models = sym.twin_gaps(runs, mr, n_boot=100)
    assert len(animals) == 1 and animals["ci_low"].iloc[0] < 0 < animals["ci_high"].iloc[0]
    m = models.set_index("model")
    assert m.loc["net", "verdict"] == "reproduces"
    assert m.loc["noise", "verdict"] != "reproduces" and m.loc["noise", "forward"] < 10
    assert m.loc["net", "gap_low"] <= m.loc["net", "gap"] <= m.loc["net", "gap_high"]


def test_equivalence_verdict():
    assert sym.equivalence_verdict(1.0, -2.0, 3.0, 5.0) == "reproduces"
    assert sym.equivalence_verdict(8.0, 6.0, 9.0, 5.0) == "is reversed"
    assert sym.equivalence_verdict(4.0, 1.0, 7.0, 5.0) == "is not resolved"
    with pytest.raises(ValueError, match="margin"):
        sym.equivalence_verdict(0.0, -1.0, 1.0, 0.0)
    assert sym.PAPER_RELATIVE_DIFFERENCE == pytest.approx(100 * 7.9 / 39.25)


def test_one_sided_null_runs_and_labels_the_sides(noisy_animals):
    pops, _ = noisy_animals
    null = sym.one_sided_null(pops["C"], n_null=2, n_splits=2, n_folds=5)
    assert list(null.columns) == ["draw", "a_to_b", "b_to_a", "difference"] and len(null) == 2
    assert np.allclose(null["difference"], null["a_to_b"] - null["b_to_a"])
    with pytest.raises(ValueError, match="at least 3 trials"):
        sym.one_sided_null(pops["C"][:, :, :2])
