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
