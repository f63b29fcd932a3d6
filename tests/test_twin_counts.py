"""Digital twins in spike-count units: count trials, affine maps, the real session they must match."""
from __future__ import annotations

import numpy as np
import pytest

from bothways.data import twins as tw


def test_sample_counts_follow_the_mean_variance_law():
    rng = np.random.default_rng(0)
    for a, b in ((0.94, 0.87), (1.5, 1.1), (1.0, 1.0)):  # sub-Poisson, over-dispersed, Poisson
        law = tw.MeanVariance(a, b, 0, 0)
        mu = np.array([0.5, 2.0, 6.0])
        x = tw.sample_counts(mu, law, 40_000, rng)
        assert x.shape == (3, 40_000) and np.array_equal(x, np.round(x)) and x.min() >= 0
        assert np.allclose(x.mean(1), mu, rtol=0.03)
        # binomial rounding makes the variance at least the law's, and close to it
        assert np.all(x.var(1) > 0.9 * law.variance(mu)) and np.all(x.var(1) < 1.2 * law.variance(mu) + 0.05)
    zero = tw.sample_counts(np.array([[0.0, -1.0]]), tw.MeanVariance(1, 1, 0, 0), 5, 0)
    assert zero.shape == (1, 2, 5) and not zero.any()
    with pytest.raises(ValueError, match="mean must be finite"):
        tw.sample_counts(np.array([np.nan]), tw.MeanVariance(1, 1, 0, 0), 3, 0)


def test_to_counts_checks_shapes_and_clips():
    import pandas as pd

    sc = pd.DataFrame({"offset": [1.0, 2.0], "scale": [2.0, 0.5]})
    out = tw.to_counts(np.array([[0.0, 0.0], [-1.0, 2.0]]), sc)
    assert np.allclose(out, [[1.0, 2.0], [0.0, 3.0]])
    with pytest.raises(ValueError, match="scale rows"):
        tw.to_counts(np.zeros((3, 3)), sc)


def _have_data():
    try:
        from bothways.data import fetch

        fetch("cowley2023_v4/responses_raw/responses_210325.npy", download=False)
        fetch(f"{tw._ROOT}/compact_model_190923_neuron0.pt", download=False)
        return True
    except Exception:
        return False


needs_data = pytest.mark.skipif(not _have_data(), reason="real V4 data not found (../shared/data or BOTHWAYS_DATA)")


@pytest.mark.data
@needs_data
def test_count_trials_reproduce_session_210325():
    """Counts drawn with the fitted law around 210325's signal (its repeat averages shrunk
    to their signal sd, as twin_scales does) match its reliabilities and its zeros."""
    from scipy.stats import ks_2samp

    from bothways.data import load_cowley_session
    from bothways.reliability import split_half_reliability

    T = load_cowley_session(210325, images=False).trials
    m, n = np.nanmean(T, -1), (~np.isnan(T)).sum(-1)
    law = tw.trial_noise()
    total, noise = m.var(0, ddof=1), (law.variance(m) / n).mean(0)
    signal = m.mean(0) + (m - m.mean(0)) * np.sqrt(np.maximum(total - noise, 0.1 * total) / total)
    sim = tw.sample_counts(signal, law, 8, 1)
    real_zeros = np.nansum(T == 0) / np.sum(~np.isnan(T))
    assert abs((sim == 0).mean() - real_zeros) < 0.03, ((sim == 0).mean(), real_zeros)
    rel_real = split_half_reliability(T, n_splits=5)
    rel_sim = split_half_reliability(sim, n_splits=5)
    assert abs(np.median(rel_sim) - np.median(rel_real)) < 0.06
    assert ks_2samp(rel_real, rel_sim).pvalue > 0.05
    # the continuous sampler on the same signal has no zeros: counts are what reproduce them
    assert (tw.sample_trials(signal, law, 8, 1) == 0).mean() < 0.01


@pytest.mark.data
@needs_data
def test_twin_means_match_their_neurons_on_held_out_images():
    """Per-twin mean within 30 % of its neuron's recorded mean on images the map never saw."""
    from bothways.data import load_cowley_session, load_images

    for session in (190923, 201025, 210225):
        ks = [0, 3, 7]
        sc = tw.twin_scales(session, ks, n_images=200)
        assert list(sc["fit"]) == ["own neuron"] * 3 and np.all(sc["scale"] > 0)
        held = slice(200, 500)
        counts = tw.to_counts(tw.digital_twins(session, ks)(load_images(session)[held]), sc)
        recorded = load_cowley_session(session, images=False).mean[held][:, ks]
        ratio = counts.mean(0) / recorded.mean(0)
        assert np.all(np.abs(ratio - 1) < 0.3), (session, ratio)
        # signal sd: the mapped twin varies less than the recorded averages (which carry noise)
        assert np.all(counts.std(0) < 1.3 * recorded.std(0))


@pytest.mark.data
@needs_data
def test_panel_in_counts_is_integer_and_pooled_where_unrecorded():
    from bothways.data import load_images

    images = load_images(210325)[:40]
    panel = tw.twin_panel(images, n_per_monkey=2, repeats=4, seed=0, units="counts", fit_images=100)
    for m, rec in panel.items():
        assert np.array_equal(rec.trials, np.round(rec.trials)) and rec.info["units"] == "counts"
        assert 0.3 < rec.signal.mean() < 8, (m, rec.signal.mean())
        assert len(rec.info["scales"]) == 2
    assert set(panel["RA"].info["scales"]["fit"]) == {"pooled (210621)"}
    assert set(panel["WE"].info["scales"]["fit"]) == {"own neuron"}
    with pytest.raises(ValueError, match="units must be"):
        tw.twin_panel(images, n_per_monkey=1, units="spikes")
