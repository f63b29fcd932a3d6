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


def test_transformed_scores_identity_equals_predictivity(sim):
    """Fold by fold with the identity transform = predictivity with the same folds."""
    from bothways.predictivity import predictivity
    from bothways.ridge import kfold_indices

    X = sim.model + 0.05 * np.random.default_rng(0).standard_normal(sim.model.shape)
    out = ds.transformed_scores(X, sim.recording.trials, n_splits=2, n_folds=5, seed=1, max_reverse_units=40)
    opts = dict(n_splits=2, seed=1, n_boot=0, match_to=None, progress=False, folds=kfold_indices(300, 5, 1))
    # transformed_scores corrects forward EV by the target's reliability only (the "source" ceiling)
    fwd = predictivity(X, sim.recording.trials, prediction_reliability="source", **opts)
    rev = predictivity(sim.recording.trials, X[:, out.units], **opts)
    assert np.allclose(out.forward_ev, fwd.per_target["ev"], rtol=1e-8)
    assert np.allclose(out.forward_r2, fwd.per_target["cv_r2"], rtol=1e-8)
    assert np.allclose(out.reverse_ev, rev.per_target["ev"], rtol=1e-8)
    row = out.row()
    assert row["forward_ev"] == pytest.approx(fwd.summary["median_ev"])
    assert row["transform"] == "original" and row["n_reverse_units"] == 40
    assert out.pr_test == pytest.approx(participation_ratio(X), rel=1e-6)


def test_transformed_scores_truncation_against_sklearn_pca_per_fold(sim):
    """The forward R² of a truncation fitted fold by fold, against sklearn PCA + cv_ridge."""
    from sklearn.decomposition import PCA

    from bothways.ridge import cv_ridge, kfold_indices

    X, trials = sim.model[:, :80], sim.recording.trials
    t = dim.SpectralTransform("truncate", n_components=4)
    out = ds.transformed_scores(X, trials, t, alpha=1.0, n_splits=1, n_folds=5, reverse=False)
    Y = np.nanmean(trials, axis=2)
    pred = np.empty_like(Y)
    for tr, te in kfold_indices(300, 5, 0):
        pca = PCA(4).fit(X[tr])
        pred[te] = cv_ridge(pca.transform(X), Y, alphas=1.0, folds=[(tr, te)]).predictions[te]
    r2 = 1 - ((Y - pred) ** 2).sum(0) / ((Y - Y.mean(0)) ** 2).sum(0)
    assert np.allclose(out.forward_r2, r2, atol=1e-8)
    assert out.rank == 4 and out.reverse_ev.size == 0
    assert out.error_test == pytest.approx(((Y - pred) ** 2).sum() / ((Y - Y.mean(0)) ** 2).sum())


def test_spectrum_sweep_rows_and_a_planted_order_effect():
    """Targets planted on the top latents: reversing the eigenvalue order must hurt, and
    power laws set the PR of the training rows."""
    X, trials, _ = ds.planted_population(n_stimuli=150, n_units=200, n_neurons=15, seed=1)
    transforms = ds.sweep_transforms(exponents=(0.0, 2.0), truncations=(3,))
    table, scores = ds.spectrum_sweep(X, trials, transforms, n_splits=1, n_folds=5, max_reverse_units=20)
    assert list(table["transform"][:5]) == ["original", "whitened", "power law 2", "PCA truncation 3",
                                         "original, reversed order"]
    assert list(table.alpha) == ["tuned"] * 5 + ["fixed"] * 5 and len(scores) == 10
    rank = table["rank"].iloc[0]
    assert table.pr_train.iloc[1] == pytest.approx(rank)
    assert table.pr_train.iloc[2] == pytest.approx(dim.powerlaw_pr(2.0, int(rank)))
    assert table.pr_train.iloc[4] == pytest.approx(table.pr_train.iloc[0])
    assert table["rank"].iloc[3] == 3
    for alpha in ("tuned", "fixed"):
        sub = table[table.alpha == alpha].set_index("transform")
        assert sub.loc["original", "forward_ev"] > sub.loc["original, reversed order", "forward_ev"] + 20


def test_theory_for_transforms_against_spectral_theory(sim):
    from bothways.spectral import spectrum, theory_error

    X, Y = sim.model[:, :80], np.nanmean(sim.recording.trials, axis=2)
    ts = [dim.SpectralTransform(), dim.SpectralTransform("whiten"), dim.SpectralTransform(reverse_order=True)]
    out = ds.theory_for_transforms(X, Y, ts, p=240, alpha=0.1)
    sp = spectrum(X, Y)
    assert out.theory_error.iloc[0] == pytest.approx(theory_error(sp.eigenvalues, sp.weights, 240, 0.1).eg)
    r = int(np.sum(sp.eigenvalues > 0))
    flat = np.where(np.arange(sp.eigenvalues.size) < r, sp.eigenvalues[:r].mean(), 0.0)
    assert out.theory_error.iloc[1] == pytest.approx(theory_error(flat, sp.weights, 240, 0.1).eg)
    assert out.pr.iloc[1] == pytest.approx(r) and out.pr.iloc[2] == pytest.approx(out.pr.iloc[0])


def test_theory_beside_measurement_on_a_gaussian_planted_population():
    """The measured all-stimuli error of the fold-fitted identity is the theory's E_g."""
    X, trials, _ = ds.planted_population(n_stimuli=300, n_units=200, n_neurons=20, seed=2)
    out = ds.transformed_scores(X, trials, alpha=ds.PUBLISHED_ALPHA, n_splits=1, n_folds=2, reverse=False)
    th = ds.theory_for_transforms(X, np.nanmean(trials, axis=2), [dim.SpectralTransform()], p=150,
                                  alpha=ds.PUBLISHED_ALPHA)
    assert out.error_all == pytest.approx(th.theory_error.iloc[0], abs=0.1)


def test_fit_log_pr_resamples_networks(rng):
    pr, score = 10 ** rng.uniform(0, 3, 12), rng.standard_normal(12)
    points = ds.fit_log_pr(pr, score, n_boot=300, seed=2)
    singletons = ds.fit_log_pr(pr, score, n_boot=300, seed=2, groups=np.arange(12))
    assert singletons.slope_ci == pytest.approx(points.slope_ci)
    assert singletons.spearman_ci == pytest.approx(points.spearman_ci)
    # three networks of four layers: the interval is that of networks, wider than of layers
    net = np.repeat(np.arange(3), 4)
    pr3 = 10 ** (net + 0.01 * rng.standard_normal(12))
    score3 = rng.standard_normal(3)[net] + 0.01 * rng.standard_normal(12)
    by_net = ds.fit_log_pr(pr3, score3, n_boot=300, seed=0, groups=net)
    by_layer = ds.fit_log_pr(pr3, score3, n_boot=300, seed=0)
    assert np.ptp(by_net.slope_ci) > 2 * np.ptp(by_layer.slope_ci)
    with pytest.raises(ValueError, match="2 networks"):
        ds.fit_log_pr(pr, score, groups=np.zeros(12))
    with pytest.raises(ValueError, match="one label per point"):
        ds.fit_log_pr(pr, score, groups=np.zeros(5))


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
    assert out.n_units.iloc[1] == 500 and out["rank"].iloc[2] == 4 and out.pr_train.iloc[3] == pytest.approx(
        out["rank"].iloc[3])
    assert list(out["transform"][1:]) == ["random ReLU expansion to 500", "PCA truncation 4", "whitened"]
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


def test_fold_fitted_transforms_cannot_move_a_ridgeless_fit_but_reference_fitted_can():
    """Fitted on the training rows (rank = rows − 1), any rescaling leaves the minimum-norm
    fit unchanged; fitted on a larger separate image set, the spectrum matters (theory)."""
    X, trials, _ = ds.planted_population(n_stimuli=400, n_units=300, n_neurons=15, seed=3)
    scored, ref = np.arange(100), np.arange(100, 400)
    rev = dim.SpectralTransform(reverse_order=True)
    kw = dict(alpha=1e-6, n_splits=1, n_folds=5, reverse=False)
    a = ds.transformed_scores(X[scored], trials[scored], **kw)
    b = ds.transformed_scores(X[scored], trials[scored], rev, **kw)
    assert np.allclose(a.forward_r2, b.forward_r2, atol=1e-6)
    c = ds.transformed_scores(X[scored], trials[scored], rev, reference=X[ref], **kw)
    d = ds.transformed_scores(X[scored], trials[scored], reference=X[ref], **kw)
    assert np.allclose(d.forward_r2, a.forward_r2)  # the identity is the layer as it is
    assert np.median(d.forward_ev) > np.median(c.forward_ev) + 20
    with pytest.raises(dim.TransformLeakError):
        ds.transformed_scores(X[scored], trials[scored], rev, reference=X[90:200], **kw)
