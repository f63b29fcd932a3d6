"""Tests for bothways.zoo (layer choice, both-ways scores, zoos, predictor counts) and the zoo specs of
bothways.models, on simulations with known answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bothways import models as bm
from bothways import zoo
from bothways.simulate import simulate_pair


@pytest.fixture(scope="module")
def sim():
    # 8 shared latents, 2 brain-private, 24 model-private: forward ≈ 80 %, reverse ≈ 25 %
    return simulate_pair(n_stimuli=240, n_shared=8, n_brain_private=2, n_model_private=24, n_neurons=20,
                         n_units=60, n_repeats=8, noise=1.0, seed=3, missing=0.2)


# ------------------------------------------------------------------ split and layer choice
def test_split_stimuli_is_a_seeded_partition():
    s = zoo.split_stimuli(100, 0.3, seed=1)
    assert s.selection.size == 30 and s.held_out.size == 70
    assert np.array_equal(np.sort(np.r_[s.selection, s.held_out]), np.arange(100))
    again = zoo.split_stimuli(100, 0.3, seed=1)
    assert np.array_equal(s.selection, again.selection)
    assert not np.array_equal(s.selection, zoo.split_stimuli(100, 0.3, seed=2).selection)
    with pytest.raises(ValueError, match="fewer than 10"):
        zoo.split_stimuli(30, 0.1)
    with pytest.raises(ValueError, match="selection_fraction"):
        zoo.split_stimuli(100, 1.2)


def test_select_layer_picks_the_layer_that_carries_the_signal(sim, rng):
    n = sim.model.shape[0]
    layers = {"noise": rng.standard_normal((n, 40)),
              "signal": sim.model,
              "half": np.c_[sim.latents[:, :4], rng.standard_normal((n, 20))]}
    split = zoo.split_stimuli(n, 0.4, seed=0)
    choice = zoo.select_layer(layers, sim.recording.trials, split.selection, seed=0)
    assert choice.layer == "signal"
    assert list(choice.scores.index) == ["noise", "signal", "half"]
    assert choice.scores.loc["noise", "median_r2"] < 5 < choice.scores.loc["half", "median_r2"]
    assert choice.scores.loc["half", "median_r2"] < choice.scores.loc["signal", "median_r2"]
    # only the selection stimuli are used: garbage elsewhere changes nothing
    spoiled = {k: v.copy() for k, v in layers.items()}
    for v in spoiled.values():
        v[split.held_out] = rng.standard_normal(v[split.held_out].shape) * 100
    again = zoo.select_layer(lambda k: spoiled[k], sim.recording.trials, split.selection, layers=list(layers), seed=0)
    pd.testing.assert_frame_equal(again.scores, choice.scores)


def test_select_layer_criterion_matches_an_independent_cross_validation(sim):
    """median r² of held-out predictions equals scikit-learn's ridge with the same folds and alpha."""
    from sklearn.linear_model import Ridge

    from bothways.ridge import kfold_indices

    sel = np.arange(120)
    X, Y = sim.model, np.nanmean(sim.recording.trials, axis=2)
    choice = zoo.select_layer({"a": X}, sim.recording.trials, sel, n_folds=4, seed=5, alphas=3.0)
    pred = np.empty((sel.size, Y.shape[1]))
    for tr, te in kfold_indices(sel.size, 4, 5):
        pred[te] = Ridge(alpha=3.0).fit(X[sel][tr], Y[sel][tr]).predict(X[sel][te])
    r = np.array([stats.pearsonr(pred[:, j], Y[sel, j])[0] for j in range(Y.shape[1])])
    assert choice.scores.loc["a", "median_r2"] == pytest.approx(100 * np.median(r ** 2), rel=1e-6)


def test_select_layer_rejects_bad_input(sim):
    with pytest.raises(ValueError, match="layers is required"):
        zoo.select_layer(lambda k: sim.model, sim.recording.trials, np.arange(50))
    with pytest.raises(ValueError, match="not in features"):
        zoo.select_layer({"a": sim.model}, sim.recording.trials, np.arange(50), layers=["b"])
    with pytest.raises(ValueError, match="stimuli="):
        zoo.select_layer({"a": sim.model[:10]}, sim.recording.trials, np.arange(5))
    with pytest.raises(ValueError, match="outside"):
        zoo.select_layer({"a": sim.model}, sim.recording.trials, np.arange(230, 250))


# ------------------------------------------------------------------ both ways
@pytest.fixture(scope="module")
def scores(sim):
    X = np.c_[sim.model, np.zeros((sim.model.shape[0], 3))]  # three dead units
    return zoo.score_both_ways(X, sim.recording.trials, variants=("default", "muzellec_kar"), n_splits=2, seed=0,
                               n_boot=30)


def test_score_both_ways_recovers_the_known_asymmetry(sim, scores):
    s = scores.summary.set_index(["variant", "direction"])
    fwd_true, rev_true = np.mean(sim.expected_forward_ev), np.mean(sim.expected_reverse_ev)
    assert fwd_true > 70 and rev_true < 30
    assert s.loc[("default", "forward"), "mean_ev"] == pytest.approx(fwd_true, abs=10)
    assert s.loc[("default", "reverse"), "mean_ev"] == pytest.approx(rev_true, abs=10)
    for v in ("default", "muzellec_kar"):
        assert s.loc[(v, "reverse"), "mean_ev"] < s.loc[(v, "forward"), "mean_ev"] - 30
    # matched counts: summaries of 20-unit subsets of the reverse targets, both methods
    assert s.loc[("default", "reverse"), "match_to"] == 20
    assert s.loc[("muzellec_kar", "reverse"), "match_to"] == 20
    assert s.loc[("default", "reverse"), "mean_ev_matched"] == pytest.approx(
        s.loc[("default", "reverse"), "mean_ev"], abs=8)
    assert pd.isna(s.loc[("default", "forward"), "match_to"])


def test_score_both_ways_drops_and_counts_constant_units(sim, scores):
    assert scores.n_constant == 3
    assert np.array_equal(scores.units, np.arange(sim.model.shape[1]))
    per_variant = scores.reverse.groupby("variant")["unit"].apply(list)
    assert per_variant["default"] == per_variant["muzellec_kar"] == list(range(sim.model.shape[1]))
    assert len(scores.forward) == 2 * sim.recording.trials.shape[1]


def test_score_both_ways_unit_cap_is_a_seeded_sample(sim):
    a = zoo.score_both_ways(sim.model, sim.recording.trials, n_splits=1, seed=1, n_boot=0, max_units=25, n_folds=4)
    b = zoo.score_both_ways(sim.model, sim.recording.trials, n_splits=1, seed=1, n_boot=0, max_units=25, n_folds=4)
    assert a.units.size == 25 and np.array_equal(a.units, b.units)
    assert np.all(np.diff(a.units) > 0)
    pd.testing.assert_frame_equal(a.summary, b.summary)


def test_score_both_ways_fixed_alpha_variant_uses_alpha_0_1(sim):
    s = zoo.score_both_ways(sim.model[:, :20], sim.recording.trials, variants=("fixed_alpha",), n_splits=1, n_boot=0,
                            n_folds=4)
    assert np.allclose(s.forward["alpha"], 0.1) and np.allclose(s.reverse["alpha"], 0.1)
    assert s.summary["match_to"].isna().all()  # 20 units, 20 neurons: nothing to match
    assert set(s.summary["variant"]) == {"fixed_alpha"}
    with pytest.raises(ValueError, match="unknown variants"):
        zoo.score_both_ways(sim.model, sim.recording.trials, variants=("nope",))
    with pytest.raises(ValueError, match="recordings must be"):
        zoo.score_both_ways(sim.model, sim.recording.trials[:, :, 0])
    with pytest.raises(ValueError, match="different numbers of stimuli"):
        zoo.score_both_ways(sim.model[:10], sim.recording.trials)


def test_score_zoo_with_injected_features(sim, rng):
    n = sim.model.shape[0]
    images = np.zeros((n, 4, 4, 3), np.uint8)
    bank = {("net", "early"): rng.standard_normal((n, 30)), ("net", "late"): sim.model,
            ("net/untrained", "early"): rng.standard_normal((n, 40))}
    calls = []

    def features_fn(name, imgs, layer):
        calls.append((name, layer))
        return bank[(name, layer)]

    split = zoo.split_stimuli(n, 0.3, seed=0)
    result = zoo.score_zoo(["net", "net/untrained"], images, sim.recording.trials, split,
                           candidate_layers={"net": ["early", "late"], "net/untrained": ["early"]},
                           features_fn=features_fn, variants=("default",), n_splits=1, n_boot=0, max_units=30,
                           n_folds=4)
    assert result.summary.drop_duplicates("model").set_index("model")["layer"].to_dict() == {
        "net": "late", "net/untrained": "early"}
    assert result.features["net"].shape == (split.held_out.size, 30)
    assert np.allclose(result.features["net"], sim.model[np.ix_(split.held_out, result.units["net"])])
    assert set(result.layers.query("chosen")["layer"]) == {"late", "early"}
    tab = zoo.forward_reverse_table(result.summary, "default", "mean_ev")
    assert tab.loc["net", "forward"] > tab.loc["net/untrained", "forward"] + 30
    assert tab["trained"].to_dict() == {"net": True, "net/untrained": False}
    assert ("net/untrained", "early") in calls and ("net", "early") in calls
    assert tab.loc["net", "asymmetry"] == pytest.approx(tab.loc["net", "forward"] - tab.loc["net", "reverse"])
    with pytest.raises(ValueError, match="overlap"):
        zoo.score_zoo(["net"], images, sim.recording.trials, zoo.StimulusSplit(np.arange(20), np.arange(10, 50)),
                      candidate_layers={"net": ["late"]}, features_fn=features_fn)


def test_model_specs():
    assert bm.parse_model("resnet20-cifar10/untrained") == ("resnet20-cifar10", False)
    assert bm.parse_model("pixels") == ("pixels", True)
    assert bm.model_label("resnet20-cifar10") == "ResNet-20"
    assert bm.model_label("efficientnet-lite1/untrained") == "Lite1 (untrained)"
    assert bm.model_label("pixels") == "pixels"
    with pytest.raises(ValueError, match="suffix"):
        bm.parse_model("resnet20-cifar10/trained")
    layers = bm.candidate_layers("resnet20-cifar10/untrained")
    assert layers == ("layer1", "layer2", "layer3", "avgpool")
    assert bm.candidate_layers("resnet20-cifar10/untrained", 2) == ("layer1", "avgpool")
    assert bm.candidate_layers("resnet20-cifar10/untrained", 3) == ("layer1", "layer3", "avgpool")


def test_forward_reverse_table_by_hand():
    summary = pd.DataFrame({"model": ["a", "a", "b", "b"], "variant": "default",
                            "direction": ["forward", "reverse"] * 2, "median_ev": [50.0, 10.0, 30.0, 20.0],
                            "median_ev_matched": [np.nan, 12.0, np.nan, 19.0], "trained": [True, True, False, False]})
    t = zoo.forward_reverse_table(summary, reverse_stat="median_ev_matched")
    assert t.loc["a"].to_dict() == {"trained": True, "forward": 50.0, "reverse": 12.0, "asymmetry": 38.0}
    assert t.loc["b", "asymmetry"] == 11.0
    with pytest.raises(ValueError, match="no rows for variant"):
        zoo.forward_reverse_table(summary, "muzellec_kar")



def test_ev_vs_source_size_grows_with_neurons(sim):
    curve = zoo.ev_vs_source_size(sim.recording.trials, sim.model[:, :30], counts=[2, 8, 20], n_draws=2, seed=0,
                                  n_splits=1, n_folds=4)
    assert list(curve["n_source"]) == [2, 2, 8, 8, 20]  # all 20 neurons: one draw only
    means = curve.groupby("n_source")["mean_ev"].mean()
    assert means[2] < means[8] < means[20]
    with pytest.raises(ValueError, match="counts must lie"):
        zoo.ev_vs_source_size(sim.recording.trials, sim.model, counts=[0, 5])


# ------------------------------------------------------------------ matched predictor counts
@pytest.fixture(scope="module")
def planted():
    # 10 shared latents, 60 model-private: with 50 predictors each way forward > reverse
    from bothways.simulate import noise_for_reliability

    return simulate_pair(n_stimuli=160, n_shared=10, n_brain_private=2, n_model_private=60, n_neurons=40,
                         n_units=400, n_repeats=6, noise=noise_for_reliability(0.7, 6), seed=5)


def test_paired_gap_resolves_a_planted_asymmetry(planted):
    from bothways import report
    from bothways.predictivity import predictivity

    g = zoo.paired_gap(planted.model, planted.recording, n_draws=2, max_units=150, n_permutations=9,
                       n_splits=2, n_folds=5, n_boot=300, seed=0)
    assert g.n_predictors == 40 and g.forward.n_targets == 40 and g.reverse.n_targets == 150
    assert g.estimate == pytest.approx(g.forward.mean_ev - g.reverse.mean_ev)
    assert report.verdict(g.estimate, g.ci_low, g.ci_high, expected_sign=+1) == report.REPRODUCES
    for s in (g.forward, g.reverse):
        assert s.ci_low < s.mean_ev < s.ci_high and s.null_samples.shape == (9,)
        assert s.mean_ev > s.null_high and s.p_value == pytest.approx(0.1)
    # the forward score is the mean EV of an ordinary predictivity call on the same columns
    cols = g.forward.predictors[0]
    alone = predictivity(planted.model[:, cols], planted.recording, n_splits=2, n_folds=5, n_boot=0, seed=0,
                         warn=False)
    assert g.forward.results[0].per_target.ev.mean() == pytest.approx(alone.per_target.ev.mean())
    assert g.forward.predictors.shape == (2, 40) and g.reverse.predictors.shape == (1, 40)


def test_paired_gap_symmetric_truth_is_not_resolved():
    """Both sides read the same 10 latents and nothing else: forward and reverse from 40
    predictors recover the same EV, and the gap's interval contains 0."""
    from bothways import report
    from bothways.simulate import noise_for_reliability

    s = simulate_pair(n_stimuli=160, n_shared=10, n_brain_private=0, n_model_private=0, n_neurons=40,
                      n_units=200, n_repeats=6, noise=noise_for_reliability(0.7, 6), seed=6)
    g = zoo.paired_gap(s.model, s.recording, n_draws=2, max_units=100, n_splits=2, n_folds=5, n_boot=300)
    assert report.verdict(g.estimate, g.ci_low, g.ci_high, expected_sign=+1) == report.UNRESOLVED
    assert np.isnan(g.forward.null_mean_ev)


def test_predictor_curve_grows_with_units(planted):
    c = zoo.predictor_curve(planted.model, planted.recording, [5, 40, 200], n_draws=2, n_boot=200,
                            n_splits=2, n_folds=5, n_permutations=4)
    s = c.summary.set_index("n_predictors")
    assert s["mean_ev"].is_monotonic_increasing and (s["ci_low"] < s["mean_ev"]).all()
    assert (s["mean_ev"] < s["ci_high"]).all() and (s["null_mean_ev"] < s["mean_ev"]).all()
    assert len(c.draws) == 6
    with pytest.raises(ValueError, match="counts must lie in"):
        zoo.predictor_curve(planted.model, planted.recording, [0])


def test_centred_interval():
    from bothways.stats import centred_interval, percentile_interval

    x = np.random.default_rng(0).normal(5.0, 1.0, 4000)
    lo, hi = centred_interval(2.0, x, 0.9)
    plo, phi = percentile_interval(x, 0.9)
    assert lo == pytest.approx(2.0 + plo - np.median(x)) and hi == pytest.approx(2.0 + phi - np.median(x))
