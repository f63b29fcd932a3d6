"""Tests for bothways.analyses.dimensionality_sweep (chapter 3 recipe)."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bothways.analyses import dimensionality_sweep as ds
from bothways import dimensionality as dim
from bothways.dimensionality import participation_ratio


def _features(rng, n=60, p=40, decay=1.0):
    """Correlated features with a decaying spectrum and a non-zero mean."""
    scales = np.arange(1, p + 1) ** (-decay / 2)
    return rng.standard_normal((n, p)) * scales @ np.linalg.qr(rng.standard_normal((p, p)))[0] + 3.0


# ------------------------------------------------------------------ fit_log_pr
def test_fit_log_pr_matches_linregress_and_polyfit(rng):
    pr = 10 ** rng.uniform(0, 3, 40)
    score = 0.1 * np.log10(pr) + 0.2 + 0.05 * rng.standard_normal(40)
    fit = ds.fit_log_pr(pr, score, n_boot=500, seed=1)
    ref = stats.linregress(np.log10(pr), score)
    slope, intercept = np.polyfit(np.log10(pr), score, 1)
    assert fit.slope == pytest.approx(ref.slope, rel=1e-10) == pytest.approx(slope)
    assert fit.intercept == pytest.approx(ref.intercept, rel=1e-10) == pytest.approx(intercept)
    assert fit.r2 == pytest.approx(ref.rvalue ** 2, rel=1e-10)
    rho, p = stats.spearmanr(pr, score)
    assert (fit.spearman, fit.spearman_p) == pytest.approx((rho, p))
    for est, (lo, hi) in ((fit.slope, fit.slope_ci), (fit.intercept, fit.intercept_ci),
                          (fit.r2, fit.r2_ci), (fit.spearman, fit.spearman_ci)):
        assert lo <= est <= hi
    assert np.allclose(fit.predict(fit.grid), fit.line)
    assert np.all(fit.band_low <= fit.line + 1e-12) and np.all(fit.line <= fit.band_high + 1e-12)
    assert fit.n == 40 and fit.grid.min() == pytest.approx(pr.min())


def test_fit_log_pr_bootstrap_ci_matches_normal_theory(rng):
    """With Gaussian noise the pairs-bootstrap CI of the slope ≈ ±1.96 standard errors."""
    pr = 10 ** rng.uniform(0, 3, 300)
    score = -0.3 * np.log10(pr) + rng.standard_normal(300)
    fit = ds.fit_log_pr(pr, score, n_boot=2000, seed=0)
    se = stats.linregress(np.log10(pr), score).stderr
    assert (fit.slope_ci[1] - fit.slope_ci[0]) / (2 * 1.96 * se) == pytest.approx(1.0, abs=0.15)
    assert fit.slope_ci[0] < -0.3 < fit.slope_ci[1]


def test_fit_log_pr_deterministic_given_seed(rng):
    pr, score = 10 ** rng.uniform(0, 2, 12), rng.standard_normal(12)
    a, b = ds.fit_log_pr(pr, score, seed=3), ds.fit_log_pr(pr, score, seed=3)
    assert a.slope_ci == b.slope_ci and a.spearman_ci == b.spearman_ci


@pytest.mark.parametrize("pr, score, match", [
    ([1, 2, np.nan], [1, 2, 3], "NaN"),
    ([1, 2, 3], [1, np.inf, 3], "NaN"),
    ([1, 2, 0], [1, 2, 3], "positive"),
    ([1, 2], [1, 2], "at least 3"),
    ([1, 2, 3], [1, 2], "same length"),
    ([2, 2, 2], [1, 2, 3], "equal"),
    ([[1, 2, 3]], [[1, 2, 3]], "1-D"),
])
def test_fit_log_pr_rejects_bad_input(pr, score, match):
    with pytest.raises(ValueError, match=match):
        ds.fit_log_pr(pr, score)


def test_spearman_table_against_scipy(rng):
    n = 15
    table = pd.DataFrame(dict(pr_test=10 ** rng.uniform(0, 3, n), pr_pooled=10 ** rng.uniform(0, 2, n),
                              forward_ev=rng.uniform(0, 60, n), reverse_ev=rng.uniform(0, 30, n)))
    table.loc[2, "pr_pooled"] = np.nan  # e.g. a control without spatial maps
    out = ds.spearman_table(table, n_boot=200)
    assert list(out.columns) == ["dimensionality", "score", "rho", "ci_low", "ci_high", "p_value", "n", "paper"]
    assert len(out) == 4
    for row in out.itertuples():
        sub = table[[row.dimensionality, row.score]].dropna()
        assert row.rho == pytest.approx(stats.spearmanr(sub.iloc[:, 0], sub.iloc[:, 1])[0])
        assert row.n == len(sub)
        assert row.paper == ds.PAPER_SPEARMAN[row.score.split("_")[0]]
    assert set(out.n) == {n, n - 1}
    with pytest.raises(ValueError, match="lacks"):
        ds.spearman_table(table, dims=("nope",))


# ---------------------------------------------------------------------- scoring
@pytest.fixture(scope="module")
def sim():
    from bothways.simulate import simulate_pair

    return simulate_pair(n_stimuli=300, n_shared=6, n_brain_private=2, n_model_private=18, n_neurons=20,
                         n_units=400, n_repeats=6, noise=0.5, seed=3)


def test_score_representation_matches_direct_predictivity(sim):
    """Forward from the compact Gram = forward from the features; reverse = the subset scored directly."""
    from bothways.predictivity import predictivity

    # full rank (with a rank-deficient X, round-off can tip the alpha choice between two
    # grid values whose inner-CV errors are nearly equal)
    X = sim.model + 0.05 * np.random.default_rng(0).standard_normal(sim.model.shape)
    opts = dict(n_splits=2, seed=1, n_boot=0, match_to=None, progress=False, n_folds=5)
    out = ds.score_representation(X, sim.recording.trials, n_splits=2, n_folds=5, seed=1, max_reverse_units=60)
    fwd = predictivity(X, sim.recording.trials, **opts)
    assert out["forward_ev"] == pytest.approx(fwd.summary["median_ev"], rel=1e-8)
    assert out["forward_r2"] == pytest.approx(fwd.per_target["cv_r2"].median(), rel=1e-8)
    units = np.sort(np.random.default_rng(1).choice(sim.model.shape[1], 60, replace=False))
    rev = predictivity(sim.recording.trials, X[:, units], **opts)
    assert out["reverse_ev"] == pytest.approx(rev.summary["median_ev"], rel=1e-8)
    assert out["n_reverse_units"] == 60 and out["n_units"] == 400 and out["n_constant_units"] == 0
    assert out["pr_test"] == pytest.approx(participation_ratio(X))
    # and both directions land near the simulation's closed form
    assert out["forward_ev"] == pytest.approx(np.median(sim.expected_forward_ev), abs=12)
    assert out["reverse_ev"] == pytest.approx(np.median(sim.expected_reverse_ev), abs=12)


def test_score_representation_skips_and_counts_constant_units(sim):
    X = np.column_stack([sim.model[:, :30], np.full((300, 5), 2.0)])
    out = ds.score_representation(X, sim.recording.trials, n_splits=1, n_folds=5, max_reverse_units=None)
    assert out["n_constant_units"] == 5 and out["n_reverse_units"] == 30 and out["n_nan_reverse"] == 0
    with pytest.raises(ValueError, match="stimuli"):
        ds.score_representation(X[:-1], sim.recording.trials)
    with pytest.raises(ValueError, match="repeats"):
        ds.score_representation(X, sim.recording.trials[..., 0])


def test_spectrum_sweep_rows(sim):
    X = sim.model[:, :60] + 0.05 * np.random.default_rng(0).standard_normal((300, 60))
    out = ds.spectrum_sweep(X, sim.recording.trials, exponents=(0.0, 2.0), truncations=(3,), n_splits=1,
                            n_folds=5, max_reverse_units=20)
    assert list(out["transform"]) == ["original", "power law", "power law", "PCA truncation"]
    m = dim.modes(X)
    assert out.pr_test.iloc[0] == pytest.approx(participation_ratio(X))
    assert out.pr_test.iloc[1] == pytest.approx(m.rank)  # whitened
    assert out.pr_test.iloc[2] == pytest.approx(dim.powerlaw_pr(2.0, m.rank))
    assert out.pr_test.iloc[3] == pytest.approx(participation_ratio(dim.truncate_spectrum(X, 3)))
    assert out["rank"].iloc[3] == 3
    direct = ds.score_representation(dim.reshape_spectrum(X, 2.0), sim.recording.trials, n_splits=1, n_folds=5,
                                     max_reverse_units=20)
    assert out.forward_ev.iloc[2] == pytest.approx(direct["forward_ev"], rel=1e-6)
    assert out.reverse_ev.iloc[2] == pytest.approx(direct["reverse_ev"], rel=1e-6)


def test_sweep_zoo_on_baselines(sim, tmp_path, monkeypatch):
    """Tiny zoo (pixel baselines need no weights): both PR variants and the controls."""
    from bothways.models import extract_features, get_model

    monkeypatch.setenv("BOTHWAYS_CACHE", str(tmp_path))
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (300, 112, 112, 3), dtype=np.uint8)
    reference = rng.integers(0, 256, (30, 112, 112, 3), dtype=np.uint8)
    out = ds.sweep_zoo(images, sim.recording.trials, baselines=("pixels",), reference_images=reference,
                       controls=dict(model="pixels", layer="pixels", expansions=(500,), truncations=(4,),
                                     whiten=True),
                       n_splits=1, n_folds=5, max_reverse_units=30, progress=False)
    assert list(out.group) == ["baseline", "set by us", "set by us", "set by us"]
    pooled = extract_features(get_model("pixels"), reference, "pixels", pool="max").values
    assert pooled.shape == (30, 3)
    assert out.pr_pooled.iloc[0] == pytest.approx(participation_ratio(pooled))
    assert out.pr_test.iloc[0] == pytest.approx(participation_ratio(
        extract_features(get_model("pixels"), images, "pixels").values), rel=1e-6)
    assert out.pr_pooled.iloc[1:].isna().all()
    assert out.n_units.iloc[1] == 500 and out["rank"].iloc[2] == 4 and out.pr_test.iloc[3] == pytest.approx(
        out["rank"].iloc[3])
    with pytest.raises(ValueError, match="controls needs"):
        ds.sweep_zoo(images, sim.recording.trials, controls=dict(model="pixels"), progress=False)
    with pytest.raises(ValueError, match="images"):
        ds.sweep_zoo(images[:10], sim.recording.trials, baselines=("pixels",), progress=False)


def test_zoo_plan_and_layer_specs():
    plan = ds.zoo_plan({"resnet20-cifar10": "v4"}, {"resnet20-cifar10": ["layer3"]}, ("pixels",))
    assert plan == [("resnet20-cifar10", True, "v4", "trained"), ("resnet20-cifar10", False, ["layer3"], "untrained"),
                    ("pixels", False, "all", "baseline")]
    from bothways.models import get_model

    zm = get_model("resnet20-cifar10", pretrained=False)
    assert ds._layers(zm, "v4") == zm.v4_layers and ds._layers(zm, "all") == zm.layers
    with pytest.raises(ValueError, match="layer spec"):
        ds._layers(zm, "middle")


def test_fit_table_against_linregress(rng):
    n = 12
    table = pd.DataFrame(dict(pr_test=10 ** rng.uniform(0, 3, n), pr_pooled=10 ** rng.uniform(0, 2, n),
                              forward_r2=rng.uniform(0, 0.4, n), reverse_ev=rng.uniform(0, 30, n)))
    table.loc[0, "pr_pooled"] = np.nan
    out = ds.fit_table(table, scores=("forward_r2", "reverse_ev"), n_boot=100)
    assert len(out) == 4
    for row in out.itertuples():
        sub = table[[row.dimensionality, row.score]].dropna()
        ref = stats.linregress(np.log10(sub.iloc[:, 0]), sub.iloc[:, 1])
        assert (row.slope, row.intercept, row.r2) == pytest.approx((ref.slope, ref.intercept, ref.rvalue ** 2))
        assert row.slope_low <= row.slope <= row.slope_high and row.n == len(sub)
    with pytest.raises(ValueError, match="lacks"):
        ds.fit_table(table, scores=("nope",))
