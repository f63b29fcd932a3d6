"""Tests for bothways.analyses.common_units (the common-units chapter recipe), on simulations
with known answers and a network outside the zoo (the robustness hook)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from bothways import behaviour as beh
from bothways import zoo
from bothways.analyses import common_units as cu
from bothways.data import files as bf
from bothways.models import Preprocess, ZooModel

SHARED = bf.find_repo_root()
HAVE_DATA = SHARED is not None and (SHARED.parent / "shared" / "data" / "MANIFEST.tsv").is_file()


@pytest.fixture(scope="module")
def sim():
    return beh.simulate_class_population(n_images=200, n_sites=30, n_common=40, n_unique=40, n_networks=3,
                                         unique_class_signal=0.0, seed=4)


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BOTHWAYS_CACHE", str(tmp_path / "cache"))


# ------------------------------------------------------------------ verdicts
@pytest.mark.parametrize("est, lo, hi, expected, word", [
    (0.3, 0.1, 0.5, 1, "reproduces"),
    (-0.3, -0.5, -0.1, 1, "is reversed"),
    (-0.3, -0.5, -0.1, -1, "reproduces"),
    (0.1, -0.1, 0.3, 1, "is not resolved"),
    (0.1, -0.1, 0.3, 0, "is not contradicted"),
    (0.4, 0.2, 0.6, 0, "does not reproduce"),
    (np.nan, 0.1, 0.2, 1, "cannot be assessed"),
])
def test_verdict_is_decided_by_the_interval(est, lo, hi, expected, word):
    assert cu.verdict(est, lo, hi, expected) == word


def test_correlation_sentence():
    rc = beh.rank_correlation(np.arange(5.0), np.arange(5.0)[::-1], n_boot=50)
    assert cu.correlation_sentence(rc, "networks").startswith("ρ = -1.00 [-1.00, -1.00] over 5 networks")
    assert "not computed" in cu.correlation_sentence(None, "networks")


def test_sign_phrase():
    assert cu.sign_phrase(0.2, 0.1, 0.3) == "is positive" and cu.sign_phrase(-0.2, -0.3, -0.1) == "is negative"
    assert cu.sign_phrase(0.1, -0.1, 0.3) == "is not distinguishable from 0"


def test_power_statement_says_what_few_items_can_resolve():
    assert "1.00" in cu.power_statement(beh.rank_correlation(np.arange(5.0), np.arange(5.0), n_boot=0))
    four = beh.rank_correlation(np.arange(4.0), np.arange(4.0), n_boot=0)
    assert "no power" in cu.power_statement(four)
    assert "Fewer than 3" in cu.power_statement(None)


def test_matched_k():
    scores = {"a": _scores("a", 1, 1, n_common=3), "b": _scores("b", 1, 1, n_common=6)}
    assert cu.matched_k(scores, ["a", "b"], 50) == 3 and cu.matched_k(scores, ["b"], 2) == 2
    with pytest.raises(ValueError, match="too few"):
        cu.matched_k({"a": _scores("a", 1, 1, n_common=1)}, ["a"], 5)


def test_verdict_rejects_nonsense():
    with pytest.raises(ValueError, match="expected"):
        cu.verdict(0.1, 0.0, 0.2, 2)
    with pytest.raises(ValueError, match="must not exceed"):
        cu.verdict(0.1, 0.3, 0.2, 1)
    with pytest.raises(ValueError, match="must not exceed"):
        cu.verdict(0.1, 0.3, 0.2, 0)


# ------------------------------------------------------------------ names
def test_labels_and_families():
    assert cu.model_label("resnet20-cifar10") == "ResNet-20"
    assert cu.model_label("efficientnet-lite1/untrained") == "Lite1 (untrained)"
    assert cu.model_label("my-robust-net") == "my-robust-net"
    assert cu.family("resnet56-cifar10/untrained") == "ResNet" and cu.family("pixels") == "pixels"
    with pytest.raises(ValueError, match="suffix"):
        cu.resolve_model("resnet20-cifar10/robust")
    with pytest.raises(TypeError):
        cu.resolve_model(3)


# ------------------------------------------------------------------ unit labels
def test_reverse_units_recover_the_planted_common_units(sim):
    table, summary = cu.reverse_units(sim.brain, sim.networks[0], max_units=None, n_permutations=19, n_splits=2)
    assert list(table.columns) == ["unit", "ev", "ev_signed", "r", "ev_null_mean", "p_value", "label"]
    common = set(table.loc[table.label == "common", "unit"])
    unique = set(table.loc[table.label == "unique", "unit"])
    assert len(common) == 16 and common <= set(sim.common[0])  # top 20 % of 80 units, all planted
    assert len(unique & set(sim.common[0])) <= 2 and len(unique) > 25
    assert summary["null_mean_ev"] < summary["mean_ev"] and summary["n_permutations"] == 19
    sub, _ = cu.reverse_units(sim.brain, sim.networks[0], max_units=30, n_permutations=19, n_splits=1)
    assert len(sub) == 30


# ------------------------------------------------------------------ behaviour
@pytest.fixture(scope="module")
def behaviour(sim):
    units = {f"net{m}": cu.reverse_units(sim.brain, X, max_units=None, n_permutations=19, n_splits=1)[0]
             for m, X in enumerate(sim.networks)}
    feats = {f"net{m}": X for m, X in enumerate(sim.networks)}
    proxy = {"brain": np.nanmean(sim.brain, axis=2)}
    noise = {"noise": np.random.default_rng(0).standard_normal((sim.labels.size, 30))}
    return cu.behaviour_analysis(feats, units, sim.labels, proxy, k=10, n_draws=2, n_seeds=3, n_boot=200,
                                 baselines=noise)


def test_behaviour_analysis_finds_the_planted_shared_behaviour(behaviour):
    s, d = behaviour.summary, behaviour.differences
    assert set(s.index) == {"models: common", "models: unique", "models: random", "twins: common",
                            "twins: unique", "twins: random", "baselines: common", "baselines: unique",
                            "baselines: random"}
    assert s.loc["models: common", "n_pairs"] == 3 * 2  # 3 network pairs x 2 draws
    assert s.loc["twins: common", "n_pairs"] == 3 * 2 * 1
    assert d.loc["models: common - unique", "ci_low"] > 0
    assert d.loc["twins: common - unique", "ci_low"] > 0
    # a class-free baseline shares no image-level behaviour with any set
    assert d.loc["baselines: common - unique", "ci_low"] < 0 < d.loc["baselines: common - unique", "ci_high"] or \
        abs(d.loc["baselines: common - unique", "estimate"]) < 0.15
    acc = behaviour.accuracy.set_index(["network", "set"])
    assert acc.loc[("net0", "common"), "accuracy"] > 0.2  # above chance (0.1)
    assert {"diff_vs_unique", "ci_low", "ci_high"} <= set(acc.columns)
    assert acc.loc[("all networks", "common"), "ci_low"] > 0.2  # pooled paired difference to unique
    assert acc.loc[("twin|brain", "twins"), "accuracy"] > 0.2


def test_behaviour_matrix_is_symmetric(behaviour):
    M = behaviour.matrix(draw=1)
    assert M.shape[0] == M.shape[1] == 3 * 3 + 1 + 1  # 3 networks x 3 sets + 1 proxy + 1 baseline
    np.testing.assert_allclose(M.to_numpy(), M.to_numpy().T, equal_nan=True)
    assert "net0|common|1" in M.index and "twin|brain" in M.index


def test_behaviour_analysis_needs_two_networks(sim):
    with pytest.raises(ValueError, match="two networks"):
        cu.behaviour_analysis({"a": sim.networks[0]}, {}, sim.labels)


def test_unit_sets_draw_from_the_right_pools():
    units = pd.DataFrame({"unit": np.arange(10) * 3, "label": ["common"] * 4 + ["unique"] * 4 + ["middle"] * 2})
    sets = cu.unit_sets(units, 3, 5, seed=1)
    assert set(sets["common"].ravel()) <= {0, 3, 6, 9} and set(sets["unique"].ravel()) <= {12, 15, 18, 21}
    assert sets["random"].shape == (5, 3) and set(sets["random"].ravel()) <= set(units["unit"])
    with pytest.raises(ValueError, match="cannot draw"):
        cu.unit_sets(units, 5, 1)


# ------------------------------------------------------------------ across models
def _scores(model, fwd, rev, n_common=5):
    units = pd.DataFrame({"unit": np.arange(10), "label": ["common"] * n_common + ["unique"] * (10 - n_common)})
    return cu.NetworkScores(model, "layer", pd.DataFrame(), {"mean_ev": fwd},
                            {"mean_ev": rev, "mean_ev_signed": rev, "null_mean_ev": 1.0}, units, 10,
                            trained=not model.endswith("/untrained") and model != "pixels")


def test_zoo_table_and_correlations():
    specs = ["resnet20-cifar10", "resnet32-cifar10", "resnet44-cifar10", "resnet56-cifar10",
             "efficientnet-lite0", "efficientnet-lite1", "resnet20-cifar10/untrained", "pixels"]
    fwd = [10, 20, 30, 40, 50, 60, 5, 5]
    rev = [9, 8, 7, 6, 5, 4, 20, 30]
    scores = {s: _scores(s, f, r) for s, f, r in zip(specs, fwd, rev)}
    cifar = {"resnet20-cifar10": 0.80, "resnet32-cifar10": 0.81, "resnet44-cifar10": 0.82, "resnet56-cifar10": 0.83}
    t = cu.zoo_table(scores, cifar)
    assert list(t.index) == specs and t["trained"].sum() == 6
    assert t.loc["resnet32-cifar10", "accuracy"] == pytest.approx(81.0)
    assert t.loc["efficientnet-lite1", "accuracy"] == cu.IMAGENET_TOP1["efficientnet-lite1"]
    assert np.isnan(t.loc["pixels", "accuracy"]) and t.loc["pixels", "n_common"] == 5
    c = cu.zoo_correlations(t, n_boot=200)
    assert c["forward_reverse"].rho == pytest.approx(-1.0) and c["forward_reverse"].n == 6  # trained only
    # within each family reverse EV falls as accuracy rises (ResNets: CIFAR; Lite: ImageNet)
    assert c["accuracy_reverse"].rho == pytest.approx(-1.0) and c["accuracy_reverse"].n == 6
    few = cu.zoo_correlations(t.loc[["resnet20-cifar10", "efficientnet-lite0", "pixels"]])
    assert few == {"forward_reverse": None, "accuracy_reverse": None}


def test_model_to_model_both_ways(rng):
    base = rng.standard_normal((120, 6))
    feats = {"a": base @ rng.standard_normal((6, 40)), "b": base @ rng.standard_normal((6, 30)),
             "c": rng.standard_normal((120, 20))}
    M = cu.model_to_model(feats, max_units=15)
    assert np.isnan(np.diag(M.to_numpy())).all()
    assert M.loc["a", "b"] > 95 and M.loc["b", "a"] > 95  # same latent space, noiseless
    assert M.loc["a", "c"] < 10 and M.loc["c", "a"] < 10
    few = cu.model_to_model(feats, max_units=15, n_predictors=3)  # 3 of 6 latent dimensions
    assert 20 < few.loc["a", "b"] < 90


# ------------------------------------------------------------------ the robustness hook
class _Tiny(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 5, stride=4)
        self.head = nn.Linear(4, 2)

    def forward(self, x):
        return self.head(torch.relu(self.conv(x)).mean((2, 3)))


def test_any_torch_module_goes_through_the_same_calls(rng):
    torch.manual_seed(0)
    zm = ZooModel("tiny (robust weights would go here)", _Tiny().eval(), Preprocess(32), ("conv",), (), "random", True)
    assert cu.resolve_model(zm) is zm and cu.model_label(zm) == zm.name
    images = rng.integers(0, 256, (60, 40, 40, 3), dtype=np.uint8)
    trials = rng.standard_normal((60, 8, 4)) + rng.standard_normal((60, 8, 1))
    s = cu.score_network(zm, images, trials, zoo.split_stimuli(60, 0.25, seed=0), max_units=40, n_splits=1)
    assert s.layer == "conv" and s.n_units == 4 * 7 * 7 and len(s.units) == 40
    assert set(s.units["label"]) <= {"common", "unique", "middle", "undefined"}
    assert cu.zoo_table({zm.name: s}).loc[zm.name, "trained"]


class _TwoLayers(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 4, 5, stride=4)
        self.conv2 = nn.Conv2d(4, 6, 3, stride=2)

    def forward(self, x):
        return self.conv2(torch.relu(self.conv1(x)))


def test_score_zoo_as_sweeps_equals_the_direct_loop(rng, tmp_path):
    """The chapter's zoo loop run as sweeps gives the numbers of the direct calls (an
    independent path: select_layer, predictivity, reverse_units), and running it
    again computes nothing: every cell is read from the store."""
    from bothways.models import extract_features
    from bothways.predictivity import predictivity
    from bothways.sweep import executors

    torch.manual_seed(1)
    two = ZooModel("two layers", _TwoLayers().eval(), Preprocess(32), ("conv1",), ("conv2",), "random", True)
    images = rng.integers(0, 256, (64, 40, 40, 3), dtype=np.uint8)
    drive = images.reshape(64, -1)[:, :8].astype(float) / 64.0
    trials = drive[:, :, None] + rng.standard_normal((64, 8, 4))
    split = zoo.split_stimuli(64, 0.25, seed=0)
    kw = dict(max_units=30, n_permutations=9, alpha=0.1, top=0.2, n_splits=2, n_folds=4, seed=0)
    ours = cu.score_zoo([two, "pixels"], images, trials, split, store=tmp_path / "store", **kw)
    assert list(ours) == ["two layers", "pixels"]
    for name, model in (("two layers", two), ("pixels", cu.resolve_model("pixels"))):
        s = ours[name]
        feats = {layer: extract_features(model, images, layer).values.astype(np.float64) for layer in model.layers}
        if len(feats) > 1:
            choice = zoo.select_layer(feats, trials, split.selection, n_folds=4, seed=0)
            assert s.layer == choice.layer
            np.testing.assert_allclose(s.layer_scores["median_r2"], choice.scores["median_r2"], rtol=1e-10)
        else:
            assert s.layer == "pixels" and np.isnan(s.layer_scores["median_r2"]).all()
        Xh, Rh = feats[s.layer][split.held_out], trials[split.held_out]
        fwd = predictivity(Xh, Rh, n_splits=2, n_folds=4, seed=0, n_boot=0, match_to=None).summary
        for col in ("mean_ev", "median_ev"):
            assert s.forward[col] == pytest.approx(fwd[col], rel=1e-10), col
        units, rev = cu.reverse_units(Rh, Xh, max_units=30, n_permutations=9, alpha=0.1, top=0.2, n_splits=2,
                                      n_folds=4, seed=0)
        pd.testing.assert_frame_equal(s.units, units, check_exact=False, rtol=1e-10)
        for col in ("mean_ev", "null_mean_ev", "mean_ev_signed", "n_above_null"):
            assert s.reverse[col] == pytest.approx(rev[col], rel=1e-10), col
        assert s.n_units == Xh.shape[1] and s.trained == model.pretrained
    calls = []
    real = executors.run_group
    try:
        executors.run_group = lambda *a, **k: calls.append(a) or real(*a, **k)
        again = cu.score_zoo([two, "pixels"], images, trials, split, store=tmp_path / "store", **kw)
    finally:
        executors.run_group = real
    assert not calls
    pd.testing.assert_frame_equal(again["two layers"].units, ours["two layers"].units)


@pytest.mark.data
@pytest.mark.skipif(not HAVE_DATA, reason="real data not found: ../shared/data is absent")
def test_twin_observers_pick_seeded_twins_of_each_monkey(rng):
    images = rng.integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    obs = cu.twin_observers(images, twins_per_monkey=2, seed=0)
    assert set(obs) == {"WE", "PE", "RA"} and all(v.shape == (3, 2) for v in obs.values())
    again = cu.twin_observers(images, twins_per_monkey=2, seed=0)
    np.testing.assert_array_equal(obs["PE"], again["PE"])
