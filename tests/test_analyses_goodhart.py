"""Tests for bothways.analyses.goodhart (chapter 4 recipe)."""
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from bothways import metrics, spectral
from bothways.analyses import goodhart as gh
from bothways.dimensionality import participation_ratio
from bothways.ridge import cv_ridge, kfold_indices
from bothways.simulate import simulate_pair


def power_law_data(rng, P=300, N=120, T=4, a=1.2, b=0.6):
    """Gaussian features with covariance eigenvalues k^-a; noiseless linear targets."""
    k = np.arange(1, N + 1)
    X = rng.standard_normal((P, N)) * np.sqrt(k**-a)
    Y = X @ (rng.standard_normal((N, T)) * k[:, None] ** -b)
    return X, Y


@pytest.fixture(scope="module")
def sim():
    return simulate_pair(n_stimuli=160, n_shared=6, n_brain_private=3, n_model_private=20, n_neurons=12,
                         n_units=60, n_repeats=6, noise=1.0, seed=3)


# --------------------------------------------------------------------- coordinates
def test_ridge_coordinates_are_ridge_equivalent(rng):
    X = rng.standard_normal((50, 300)) + 3.0
    Y = X[:, :5] @ rng.standard_normal((5, 3)) + 0.5 * rng.standard_normal((50, 3))
    Z = gh.ridge_coordinates(X)
    assert Z.shape[0] == 50 and Z.shape[1] <= 49
    Xc = X - X.mean(0)
    np.testing.assert_allclose(Z @ Z.T, Xc @ Xc.T, rtol=1e-9, atol=1e-8 * np.abs(Xc @ Xc.T).max())
    a, b = cv_ridge(X, Y, n_folds=5, seed=1), cv_ridge(Z, Y, n_folds=5, seed=1)
    np.testing.assert_allclose(a.predictions, b.predictions, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(metrics.linear_cka(Y, X), metrics.linear_cka(Y, Z), rtol=1e-9)
    assert participation_ratio(Z) == pytest.approx(participation_ratio(X), rel=1e-9)
    narrow = rng.standard_normal((40, 5))
    np.testing.assert_allclose(gh.ridge_coordinates(narrow), narrow - narrow.mean(0))


def test_ridge_coordinates_bad_input():
    with pytest.raises(ValueError, match="constant"):
        gh.ridge_coordinates(np.ones((10, 20)))
    with pytest.raises(ValueError, match="NaN"):
        gh.ridge_coordinates(np.full((10, 20), np.nan))
    with pytest.raises(ValueError, match="stimuli, units"):
        gh.ridge_coordinates(np.zeros(5))
    with pytest.raises(TypeError):
        gh.ridge_coordinates(np.array([["a"]]))


# --------------------------------------------------------------------- theory
def test_theory_matches_measurement_on_noiseless_power_law(rng):
    """Noiseless targets, p/P = 0.25: theory errors track measured ones (all and held-out)."""
    X, Y = power_law_data(rng, P=400, N=150)
    chk = gh.theory_vs_measured(X, Y, p_fraction=0.25, alpha=1.0, n_trials=4, n_folds=5, n_splits=1)
    assert chk.p == 100 and chk.alpha == 1.0
    assert chk.measured_all == pytest.approx(chk.theory_all, rel=0.15)
    assert chk.measured_heldout == pytest.approx(chk.theory_heldout, rel=0.15)
    # independent references: the spectral module on the raw features
    s = spectral.spectrum(X, Y)
    np.testing.assert_allclose(chk.eigenvalues, s.eigenvalues, rtol=1e-8, atol=1e-12 * s.eigenvalues[0])
    np.testing.assert_allclose(chk.weights, s.weights, atol=1e-10)
    t = spectral.theory_error(s.eigenvalues, s.weights, 100, 1.0)
    assert chk.theory_all == pytest.approx(t.eg, rel=1e-9)
    assert chk.radius * np.sqrt(chk.dimension) == pytest.approx(t.eg, rel=1e-9)
    assert chk.top_weight == pytest.approx(s.weights[:10].sum())
    assert chk.pr == pytest.approx(participation_ratio(X), rel=1e-9)
    # noiseless target: EV = 100 r² of the cross-validated score
    assert chk.measured_ev == pytest.approx(np.median(100 * chk.result.per_target["r"] ** 2))
    assert set(chk.row()) >= {"theory_all", "measured_all", "measured_ev", "top_eigen_fraction"}


def test_theory_default_alpha_and_bad_p(sim):
    chk = gh.theory_vs_measured(sim.model, sim.recording.trials, p_fraction=0.5, n_trials=1, n_folds=4, n_splits=2)
    assert chk.alpha == pytest.approx(np.nanmedian(chk.result.per_target["alpha"]))
    with pytest.raises(ValueError, match="p_fraction"):
        gh.theory_vs_measured(sim.model, sim.recording.trials, p_fraction=1.0)
    with pytest.raises(ValueError, match="different numbers of stimuli"):
        gh.theory_vs_measured(sim.model[:100], sim.recording.trials)


def test_spectral_profile_summaries(sim, rng):
    feats = {"model": sim.model, "noise": rng.standard_normal((160, 40))}
    prof = gh.spectral_profile(feats, sim.recording.trials, p_fraction=0.5, n_trials=1, n_folds=4, n_splits=2, n_top=5)
    assert list(prof.summary.index) == ["model", "noise"]
    mean = np.nanmean(sim.recording.trials, axis=2)
    for name, X in feats.items():
        row, chk = prof.summary.loc[name], prof.checks[name]
        assert row["n_units"] == X.shape[1] and row["p"] == 80
        s = spectral.spectrum(X, mean)
        c = prof.curves[prof.curves.representation == name]
        nz = s.eigenvalues > 0
        np.testing.assert_allclose(c["eigenvalue"], s.eigenvalues[nz] / s.eigenvalues.sum())
        np.testing.assert_allclose(c["cumulative_weight"], np.cumsum(chk.weights[nz]))
        assert row["top_eigen_fraction"] == pytest.approx(s.eigenvalues[:5].sum() / s.eigenvalues.sum())
        assert row["measured_ev"] == pytest.approx(chk.measured_ev)
    # unrelated features: poor alignment, poor score, theory error near 1
    sm = prof.summary
    assert sm.loc["noise", "top_weight"] < sm.loc["model", "top_weight"]
    assert sm.loc["noise", "measured_ev"] < 10 < sm.loc["model", "measured_ev"]
    assert sm.loc["noise", "theory_all"] > sm.loc["model", "theory_all"]


def test_learning_curves_match_theory_at_small_p(rng):
    X, Y = power_law_data(rng, P=400, N=150)
    lc = gh.learning_curves(X, Y, [40, 80, 160], alpha=1.0, n_trials=4, seed=1)
    assert list(lc["p"]) == [40, 80, 160]
    np.testing.assert_allclose(lc["p_fraction"], np.array([40, 80, 160]) / 400)
    np.testing.assert_allclose(lc["measured_all"], lc["theory_all"], rtol=0.2)
    assert np.all(np.diff(lc["theory_all"]) < 0)


def test_repeat_subset(rng):
    T = rng.standard_normal((30, 4, 6))
    T[:10, :, 4:] = np.nan  # stimuli with 4 repeats
    np.testing.assert_allclose(gh.repeat_subset(T, None), T)
    np.testing.assert_allclose(gh.repeat_subset(T, 6), T)
    one = gh.repeat_subset(T, 1, seed=2)
    kept = ~np.isnan(one)
    assert np.all(kept.sum(axis=2) == 1)
    assert np.all(kept == kept[:, :1, :])  # the same repeat for every neuron of a stimulus
    assert not kept[:10, :, 4:].any()  # only present repeats are kept
    np.testing.assert_allclose(one[kept], T[kept])
    two = gh.repeat_subset(T, 2, seed=2)
    assert np.all((~np.isnan(two)).sum(axis=2) == 2)
    np.testing.assert_allclose(gh.repeat_subset(T, 2, seed=2), two)
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="k must be an integer"):
            gh.repeat_subset(T, bad)
    with pytest.raises(ValueError, match="repeats"):
        gh.repeat_subset(T[:, :, 0], 2)


def test_predictor_noise_raw_r2_falls_with_fewer_repeats(sim):
    shared = sim.latents[:, :6] @ np.random.default_rng(1).standard_normal((6, 10))  # what the neurons carry
    out = gh.predictor_noise(sim.recording.trials, shared, repeats=(2, None), n_trials=1, n_folds=4, n_splits=2)
    assert list(out.columns) == ["repeats", "median_r2", "median_ev", "prediction_reliability", "theory_all",
                                 "measured_all"]
    assert out["repeats"].iloc[0] == 2 and np.isnan(out["repeats"].iloc[1])
    assert out["median_r2"].iloc[0] < out["median_r2"].iloc[1]
    assert out["prediction_reliability"].iloc[0] < out["prediction_reliability"].iloc[1]


# --------------------------------------------------------------------- inflation
def test_alpha_inflation_against_sklearn(sim):
    alphas = np.logspace(-2, 4, 7)
    res = gh.alpha_inflation(sim.model, sim.recording.trials, n_folds=4, seed=0, n_splits=2, alphas=alphas)
    pt = res.per_target
    mean = np.nanmean(sim.recording.trials, axis=2)
    folds = kfold_indices(mean.shape[0], 4, 0)
    r = np.empty((len(alphas), mean.shape[1]))
    for k, a in enumerate(alphas):  # independent reference: sklearn on the same folds
        pred = np.empty_like(mean)
        for tr, te in folds:
            pred[te] = Ridge(alpha=a).fit(sim.model[tr], mean[tr]).predict(sim.model[te])
        r[k] = [np.corrcoef(pred[:, j], mean[:, j])[0, 1] for j in range(mean.shape[1])]
    best = r[np.argmax(r, axis=0), np.arange(r.shape[1])]
    np.testing.assert_allclose(pt["ev_test_alpha"], 100 * best**2 / pt["ceiling"], rtol=1e-6)
    shared = 100 * r**2 / pt["ceiling"].to_numpy()
    np.testing.assert_allclose(pt["ev_shared_test_alpha"], shared[np.argmax(shared.mean(1))], rtol=1e-6)
    s = res.summary
    assert s["inflation_per_target"] == pytest.approx(s["mean_ev_test_alpha"] - s["mean_ev_nested"])
    assert s["inflation_per_target"] >= s["inflation_shared"] - 1e-9
    assert s["shared_alpha"] in alphas


def test_layer_inflation_picks_the_informative_layer(sim, rng):
    noise = rng.standard_normal(sim.model.shape)
    feats = {"noise": noise, "model": sim.model, "noise2": rng.standard_normal((160, 40))}
    res = gh.layer_inflation(feats, sim.recording.trials, n_repeats=2, seed=0, n_folds=4, n_splits=2)
    sp = res.splits
    assert (sp["honest_layer"] == "model").all() and (sp["optimistic_layer"] == "model").all()
    assert res.summary["inflation"] == 0.0 and res.summary["n_layer_changes"] == 0
    assert (sp["per_neuron_optimistic_ev"] >= sp["per_neuron_honest_ev"] - 1e-9).all()
    # the split table is consistent with the per-layer scores
    sc = res.scores
    for _, row in sp.iterrows():
        d = sc[(sc.split == row.split) & (sc.half == "selection")].set_index("layer")
        assert d["median_ev"].idxmax() == row.honest_layer
    assert set(sc.half) == {"selection", "scored"} and len(sc) == 2 * 2 * 3


def test_layer_inflation_between_equal_layers_is_nonnegative(sim, rng):
    """Two noisy copies of the same layer: choosing on the scored half can only gain."""
    feats = {f"copy{i}": sim.model + 2.0 * rng.standard_normal(sim.model.shape) for i in range(3)}
    res = gh.layer_inflation(feats, sim.recording.trials, n_repeats=3, seed=1, n_folds=4, n_splits=2)
    assert (res.splits["optimistic_ev"] >= res.splits["honest_ev"] - 1e-12).all()
    assert res.summary["inflation"] >= 0
    with pytest.raises(TypeError, match="at least 2"):
        gh.layer_inflation({"a": sim.model}, sim.recording.trials)


def test_expansion_sweep(sim):
    low_rank = sim.latents[:, :4] @ np.random.default_rng(0).standard_normal((4, 10))
    out = gh.expansion_sweep(low_rank, sim.recording.trials, widths=[0, 40, 200], seed=0, n_splits=2, max_units=100)
    assert list(out["width"]) == [0, 40, 200] and list(out["n_units"]) == [10, 40, 200]
    assert out["pr"].iloc[0] == pytest.approx(participation_ratio(low_rank))
    assert out["pr"].iloc[2] > out["pr"].iloc[0]  # ReLU features add dimensions
    with pytest.raises(ValueError, match="widths"):
        gh.expansion_sweep(low_rank, sim.recording.trials, widths=[-1])


# --------------------------------------------------------------------- pluralism
def test_metric_table_matches_metrics_module(sim):
    from bothways.predictivity import predictivity

    feats = {"model": sim.model, "latents": sim.latents[:, :9]}
    tab = gh.metric_table(feats, sim.recording.trials, n_splits=2, seed=0, max_units=40, n_folds=4)
    assert list(tab.columns) == list(gh.HIGHER_IS_BETTER)
    mean = np.nanmean(sim.recording.trials, axis=2)
    fwd = predictivity(sim.model, sim.recording.trials, n_folds=4, n_splits=2, seed=0, n_boot=0)
    assert tab.loc["model", "forward_ev"] == pytest.approx(fwd.summary["median_ev"], rel=1e-6)
    units = gh.unit_sample(sim.model, 40, seed=0)
    rev = predictivity(sim.recording.trials, sim.model[:, units], n_folds=4, n_splits=2, seed=0, n_boot=0, match_to=None)
    assert tab.loc["model", "reverse_ev"] == pytest.approx(rev.summary["median_ev"], rel=1e-6)
    for name, X in feats.items():
        assert tab.loc[name, "cka"] == pytest.approx(metrics.linear_cka(mean, X), rel=1e-9)
        assert tab.loc[name, "procrustes"] == pytest.approx(np.cos(metrics.procrustes_distance(mean, X)),
                                                            rel=1e-9)
        assert tab.loc[name, "rsa"] == pytest.approx(metrics.rsa(mean, X))
        k = min(10, X.shape[1])
        assert tab.loc[name, "svcca"] == pytest.approx(metrics.svcca(mean, X, n_components=k), rel=1e-9)
        assert tab.loc[name, "pwcca"] == pytest.approx(metrics.pwcca(mean, X, n_components=k), rel=1e-9)
        assert tab.loc[name, "matching"] == pytest.approx(
            metrics.matching_cv(mean, X, n_units=min(100, X.shape[1]), seed=0))
    with pytest.raises(ValueError, match="repeats"):
        gh.metric_table(feats, mean)


def test_metric_nulls_sit_at_chance(sim, rng):
    """Independent features: every score within its shuffle null; the model above it."""
    noise = rng.standard_normal((sim.model.shape[0], 300))
    nulls = gh.metric_nulls({"model": sim.model, "noise": noise}, sim.recording.trials, n_shuffles=9,
                            n_shuffles_ev=1, n_splits=1, n_folds=4, max_units=40, matching_units=30)
    t = nulls.set_index(["model", "metric"])
    assert set(t.loc["model"].index) == set(gh.HIGHER_IS_BETTER)
    assert (t.loc["model", "n_null"] == [1, 1, 9, 9, 9, 9, 9, 9]).all()
    for metric in ("cka", "matching", "svcca", "rsa"):
        assert t.loc[("model", metric), "score"] > t.loc[("model", metric), "null_high"], metric
        assert abs(t.loc[("noise", metric), "score"] - t.loc[("noise", metric), "null_mean"]) < 0.1, metric
    for metric in ("cka", "matching"):  # the chance level of these two is 0 by construction
        assert abs(t.loc[("noise", metric), "null_mean"]) < 0.05, metric
    assert t.loc[("noise", "svcca"), "null_mean"] > 0.1  # in-sample CCA's is not


def test_oriented():
    t = pd.DataFrame({"cka": [0.1, 0.5, 0.3], "distance": [1.0, 0.2, 0.4]}, index=list("abc"))
    o = gh.oriented(t, {"cka": True, "distance": False})
    np.testing.assert_allclose(o["distance"], -t["distance"])
    agree = metrics.rank_agreement(o)
    assert agree.loc["cka", "distance"] == pytest.approx(1.0)
    with pytest.raises(KeyError, match="distance"):
        gh.oriented(t)


# --------------------------------------------------------------------- transform classes
def test_transform_classes_find_the_generating_class(rng):
    A = np.exp(rng.standard_normal((120, 8)))
    perm = rng.permutation(8)
    Q, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    pops = {"A": A, "A_permuted": A[:, perm] * 3 + 1, "A_rotated": A @ Q}
    tab = gh.transform_class_table(pops, pairs=[("A", "A_permuted"), ("A", "A_rotated")],
                                   classes=gh.CLASSES, n_folds=4, seed=0, nonlinear_width=200)
    assert len(tab) == 2 * 4
    s = tab.set_index(["target", "cls"])["score"]
    assert s["A_permuted", "permutation"] > 0.999 and s["A_rotated", "linear"] > 0.99
    assert s["A_rotated", "permutation"] < 0.9
    assert gh.strictest_class(tab[tab.target == "A_permuted"]) == "permutation"
    assert gh.strictest_class(tab[tab.target == "A_rotated"]) in ("linear", "nonlinear")
    assert gh.strictest_class(tab[tab.target == "A_rotated"], order=gh.CLASSES[:3]) == "linear"


def test_transform_class_noise_correction(sim):
    """Both sides noisy, then one: the correction lifts the raw r towards the noiseless score."""
    mean = np.nanmean(sim.recording.trials, axis=2)
    half = sim.recording.trials.shape[1] // 2
    brain_a, brain_b = sim.recording.trials[:, :half], sim.recording.trials[:, half:]
    tab = gh.transform_class_table({"model": sim.model, "a": brain_a, "b": brain_b},
                                   pairs=[("model", "a"), ("b", "a"), ("a", "model")], classes=("linear",),
                                   n_folds=4, seed=0, n_reliability_splits=3)
    t = tab.set_index("source")
    assert t.loc["model", "score"] > t.loc["model", "mean_r"]  # noisy target: corrected upwards
    assert t.loc["b", "score"] > t.loc["b", "mean_r"]
    direct = metrics.transform_class_score(sim.model, mean[:, :half], cls="linear", folds=kfold_indices(160, 4, 0))
    assert t.loc["model", "mean_r"] == pytest.approx(direct.mean_r)
    clean = gh.transform_class_table({"b": sim.recording.signal[:, half:], "a": sim.recording.signal[:, :half]}, pairs=[("b", "a")],
                                     classes=("linear",), n_folds=4)
    # noisy b -> noisy a, corrected, lands nearer the noiseless score than the raw r does
    assert abs(t.loc["b", "score"] - clean["score"].iloc[0]) < abs(t.loc["b", "mean_r"] - clean["score"].iloc[0])


def test_transform_class_bad_input(rng):
    A = rng.standard_normal((20, 3))
    with pytest.raises(ValueError, match="different numbers of stimuli"):
        gh.transform_class_table({"a": A, "b": A[:10]})
    with pytest.raises(ValueError, match="classes"):
        gh.transform_class_table({"a": A, "b": A}, classes=("affine",))
    with pytest.raises(ValueError, match="pairs"):
        gh.transform_class_table({"a": A, "b": A}, pairs=[("a", "a")])
    with pytest.raises(ValueError, match="tolerance"):
        gh.strictest_class(pd.DataFrame({"cls": ["linear"], "score": [0.5]}), tolerance=1.5)
    with pytest.raises(ValueError, match="no class maps"):
        gh.strictest_class(pd.DataFrame({"cls": ["linear"], "score": [-0.1]}))
    tab = gh.transform_class_table({"a": np.c_[A, np.ones(20)], "b": A}, classes=("permutation",), n_folds=4)
    assert list(tab["n_constant"]) == [1, 1] and list(tab["n_source"]) == [3, 3]
    units = gh.unit_sample(np.c_[A, np.ones(20)], None)
    assert list(units) == [0, 1, 2]
    assert len(gh.unit_sample(A, 2, seed=0)) == 2


def test_class_scores_kinds(rng):
    A = np.exp(rng.standard_normal((80, 5)))
    animals = {"a1": A, "a2": A[:, ::-1] + 0.1 * rng.standard_normal((80, 5))}
    models = {"m": A @ rng.standard_normal((5, 12)), "noise": rng.standard_normal((80, 12))}
    tab = gh.class_scores(models, animals, "linear", n_folds=4)
    assert sorted(tab.kind.unique()) == ["animal→animal", "animal→model", "model→animal"]
    assert len(tab) == 2 * 2 * 2 + 2
    fwd = tab[tab.kind == "model→animal"].groupby("model")["score"].mean()
    assert fwd["m"] > 0.9 > 0.5 > fwd["noise"]
    assert tab[tab.kind == "animal→animal"]["model"].isna().all()
    with pytest.raises(ValueError, match="both a model and an animal"):
        gh.class_scores({"a1": A}, animals, "linear")


def test_load_representations_pixels():
    from bothways.models import extract_features, get_model

    images = np.random.default_rng(0).integers(0, 256, (6, 112, 112, 3), dtype=np.uint8)
    feats = gh.load_representations({"pixels": ("pixels",)}, images)
    assert list(feats) == ["pixels:pixels"]
    ref = extract_features(get_model("pixels"), images, "pixels", cache=False).values
    np.testing.assert_allclose(feats["pixels:pixels"], ref)
    assert feats["pixels:pixels"].dtype == np.float64
    with pytest.raises(ValueError, match="layer names"):
        gh.load_representations({"pixels": "pixels"}, images)


# --------------------------------------------------------------------- issue 16 additions
def test_class_nesting_on_training_data(rng):
    A = np.exp(rng.standard_normal((90, 8)))
    pops = {"a": A, "b": A[:, ::-1] @ np.abs(rng.standard_normal((8, 6))) + rng.standard_normal((90, 6)),
            "c": rng.standard_normal((90, 5, 4))}
    nest = gh.class_nesting(pops, nonlinear_width=150)
    assert len(nest) == 6 and nest["nested"].all()
    assert (nest["permutation"] <= nest["soft"] + 1e-9).all() and (nest["linear"] <= nest["nonlinear"] + 1e-9).all()


def test_strictest_by_tolerance():
    tab = pd.DataFrame({"cls": list(gh.CLASSES), "score": [0.5, 0.7, 0.8, 0.82]})
    s = gh.strictest_by_tolerance(tab, [0.6, 0.85, 0.9, 0.99])
    assert list(s) == ["permutation", "soft", "linear", "nonlinear"]


def test_geometry_and_finite_pool(rng):
    P = 160
    lam = 1.0 / np.arange(1, 61) ** 1.5
    X = rng.standard_normal((P, 60)) * np.sqrt(lam)
    Y = X @ rng.standard_normal((60, 5)) + 0.3 * rng.standard_normal((P, 5))
    geo = gh.geometry({"x": X, "noise": rng.standard_normal((P, 30))}, Y, [20, 80, 120], {"x": 0.1, "noise": 1.0},
                      n_trials=2)
    c = geo.curves.set_index(["representation", "p"])
    np.testing.assert_allclose(c.radius * np.sqrt(c.dimension), c.theory_all, rtol=1e-9)
    assert c.loc[("x", 120), "theory_heldout"] != c.loc[("x", 120), "theory_heldout"]  # NaN past p/P = 0.5
    assert (c.dimension <= c.n_modes + 1e-9).all()
    # a representation unrelated to the target: its error modes are those of a shuffled target
    np.testing.assert_allclose(c.loc["noise", "dimension"], c.loc["noise", "null_dimension"], rtol=0.15)
    assert set(geo.modes.columns) == {"representation", "p", "mode", "error_mode"}
    fp = gh.finite_pool_check(X, Y, [40, 80], alpha=0.1, n_trials=6, n_test=500)
    np.testing.assert_allclose(fp.surrogate, fp.theory, rtol=0.15)
    assert (fp.pool_all < fp.pool_theory).all()  # a finite pool scores its own training stimuli
