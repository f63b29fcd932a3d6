"""Tests for bothways.analyses.asymmetry (chapter 1 recipe): saturation fits and small summaries."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from bothways.analyses import asymmetry as asy
from bothways.reliability import split_half_reliability
from bothways.simulate import simulate_pair


@pytest.fixture(scope="module")
def sim():
    # 8 shared latents, 2 brain-private, 24 model-private: forward ≈ 80 %, reverse ≈ 25 %
    return simulate_pair(n_stimuli=240, n_shared=8, n_brain_private=2, n_model_private=24, n_neurons=20,
                         n_units=60, n_repeats=8, noise=1.0, seed=3, missing=0.2)


# ------------------------------------------------------------------ saturation
@pytest.mark.parametrize("form", ["hyperbolic", "exponential", "log"])
def test_fit_saturation_recovers_a_known_curve(form, rng):
    n = np.repeat([2, 5, 10, 20, 40, 80], 4).astype(float)
    truth = asy._saturating(form, n, 60.0, 15.0)
    exact = asy.fit_saturation(n, truth, form=form, n_boot=20, seed=0)
    assert exact.params == pytest.approx((60.0, 15.0), rel=1e-4)
    assert exact.predict(288) == pytest.approx(asy._saturating(form, 288.0, 60.0, 15.0), rel=1e-4)
    noisy = asy.fit_saturation(n, truth + rng.normal(0, 1.0, n.size), form=form, n_boot=200, seed=0)
    if form == "log":
        assert np.isnan(noisy.ev_max) and np.isnan(noisy.ev_max_ci[0])
    else:
        assert noisy.ev_max_ci[0] <= 60.0 <= noisy.ev_max_ci[1]
    est, lo, hi = noisy.extrapolate(288)
    assert lo <= est <= hi and lo <= asy._saturating(form, 288.0, 60.0, 15.0) <= hi
    assert np.all(noisy.band_low <= noisy.band_high)


def test_fit_saturation_matches_scipy_curve_fit(rng):
    from scipy.optimize import curve_fit

    n = np.repeat([1, 3, 9, 27], 3).astype(float)
    y = 40 * n / (n + 6) + rng.normal(0, 2, n.size)
    fit = asy.fit_saturation(n, y, n_boot=0)
    (a, b), _ = curve_fit(lambda x, a, b: a * x / (x + b), n, y, p0=(40, 5))
    assert (fit.ev_max, fit.n_half) == pytest.approx((a, b), rel=1e-4)
    lin = stats.linregress(np.log(n), y)
    assert asy.fit_saturation(n, y, form="log", n_boot=0).params == pytest.approx((lin.intercept, lin.slope))
    with pytest.raises(ValueError, match="3 distinct counts"):
        asy.fit_saturation([1, 1, 2, 2], [1, 2, 3, 4])
    with pytest.raises(ValueError, match="finite"):
        asy.fit_saturation([1, 2, 3], [1, np.nan, 3])


# ------------------------------------------------------------------ small summaries
def test_top_stimuli_matches_argsort(rng):
    X = rng.standard_normal((30, 6))
    t = asy.top_stimuli(X, [4, 1], k=3)
    for u in (4, 1):
        assert list(t.query("unit == @u")["stimulus"]) == list(np.argsort(-X[:, u])[:3])
    assert np.allclose(t.query("unit == 4")["response"], np.sort(X[:, 4])[::-1][:3])
    with pytest.raises(ValueError, match="k must"):
        asy.top_stimuli(X, [0], k=0)


def test_reliability_table_tracks_the_simulated_reliability(sim):
    t = asy.reliability_table(sim.recording.trials, n_splits=5, seed=0)
    assert list(t.columns) == ["pearson_balanced", "spearman_permutation"]
    assert np.allclose(t["pearson_balanced"], split_half_reliability(sim.recording.trials, 5, 0, "pearson", "balanced"))
    expected = np.median(sim.expected_reliability)
    assert t.median().to_numpy() == pytest.approx([expected, expected], abs=0.06)


# ------------------------------------------------------------------ matched counts
def test_gap_table_verdicts_follow_the_intervals(sim):
    from bothways import report
    from bothways.zoo import paired_gap

    g = paired_gap(sim.model, sim.recording, n_predictors=10, n_draws=2, max_units=40, n_splits=2, n_folds=5,
                   n_boot=200, n_permutations=4)
    shuffled = paired_gap(sim.model[::-1], sim.recording, n_predictors=10, n_draws=2, max_units=40, n_splits=2,
                          n_folds=5, n_boot=200)
    t = asy.gap_table({"m": g, "s": shuffled}, {"m": "Model"})
    assert list(t.index) == ["m", "s"] and t.loc["m", "label"] == "Model" and t.loc["s", "label"] == "s"
    for m, gap in (("m", g), ("s", shuffled)):
        assert t.loc[m, "gap"] == pytest.approx(gap.estimate)
        assert t.loc[m, "verdict"] == report.verdict(gap.estimate, gap.ci_low, gap.ci_high, expected_sign=+1)
    assert t.loc["m", "forward_p"] == pytest.approx(0.2) and np.isnan(t.loc["s", "forward_p"])


def test_interpolation_check_default_tracks_the_noiseless_ev():
    out = asy.interpolation_check(n_units=600, n_model_latents=200, n_stimuli=150, n_neurons=30, n_splits=3)
    assert set(out) == {"noiseless", "default", "source", "muzellec_kar", "mk_prediction_reliability"}
    assert abs(out["default"] - out["noiseless"]) < abs(out["source"] - out["noiseless"])
    assert 0 < out["mk_prediction_reliability"] < 1


def test_paper_numbers_are_means_per_model():
    assert asy.PAPER["n_sites"] == 288
    for fwd, rev in asy.PAPER["models"].values():
        assert asy.PAPER["reverse_low"] <= rev <= asy.PAPER["reverse_high"] and fwd > rev
