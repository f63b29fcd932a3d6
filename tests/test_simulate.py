"""Simulated brain/model pairs: shapes, noise, and the closed-form expected EV."""
import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from bothways.simulate import (add_trial_noise, expected_ev, expected_reliability,
                               noise_for_reliability, simulate_pair)


@pytest.fixture(autouse=True, scope="module")
def _one_blas_thread():
    """One BLAS thread: two oversubscribe a shared 2-core machine (see test_predictivity)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def test_shapes_padding_and_determinism():
    kw = dict(n_stimuli=120, n_shared=4, n_brain_private=2, n_model_private=6, n_neurons=9,
              n_units=15, n_repeats=6, noise=0.5, missing=0.4)
    a, b, c = simulate_pair(**kw, seed=3), simulate_pair(**kw, seed=3), simulate_pair(**kw, seed=4)
    assert a.model.shape == (120, 15) and a.recording.signal.shape == (120, 9) and a.recording.trials.shape == (120, 9, 6)
    assert a.latents.shape == (120, 12)
    np.testing.assert_array_equal(a.recording.trials, b.recording.trials)
    assert not np.allclose(a.recording.signal, c.recording.signal)
    present = (~np.isnan(a.recording.trials)).sum(axis=2)
    counts = a.recording.n_repeats[:, 0]  # missing repeats are the same for every neuron
    assert np.all(present == a.recording.n_repeats) and np.all(present == counts[:, None]) and counts.min() >= 2
    assert counts.min() < 6  # some repeats did go missing
    assert a.recording.kind == "simulated" and a.recording.has_trials
    np.testing.assert_array_equal(a.recording.mean, np.nanmean(a.recording.trials, axis=2))
    # NaN only at the end of the repeat axis
    absent = np.broadcast_to(np.arange(6)[None, None, :] >= counts[:, None, None], a.recording.trials.shape)
    assert np.all(np.isnan(a.recording.trials[absent])) and not np.any(np.isnan(a.recording.trials[~absent]))
    # weights: brain ignores model-private latents and vice versa
    assert np.all(a.brain_weights[10:] == 0) and np.all(a.model_weights[4:6] == 0)


def test_expected_ev_matches_large_sample_regression(rng):
    s = simulate_pair(n_stimuli=40000, n_shared=3, n_brain_private=2, n_model_private=4,
                      n_neurons=6, n_units=5, noise=0.0, n_repeats=2, seed=1, spectrum_decay=1.0)
    # n_units (5) < shared + model-private (7): the projection formula matters here
    fwd = 100 * np.array([LinearRegression().fit(s.model, y).score(s.model, y) for y in s.recording.signal.T])
    rev = 100 * np.array([LinearRegression().fit(s.recording.signal, y).score(s.recording.signal, y) for y in s.model.T])
    np.testing.assert_allclose(fwd, s.expected_forward_ev, atol=1.0)
    np.testing.assert_allclose(rev, s.expected_reverse_ev, atol=1.0)
    assert s.expected_forward_ev.std() > 1  # the targets really differ


def test_expected_ev_limits_and_averages():
    W = np.eye(5)[:, :3]
    np.testing.assert_allclose(expected_ev(W, np.eye(5)), [100, 100, 100, 0, 0], atol=1e-12)
    assert np.isnan(expected_ev(W, np.zeros((5, 1)))[0])
    # with Gaussian weights, E[‖a_shared‖² / ‖a‖²] = k / (k + p) exactly (a Beta mean)
    s = simulate_pair(n_stimuli=10, n_shared=10, n_brain_private=30, n_model_private=90,
                      n_neurons=2000, n_units=2000, seed=0)
    assert s.expected_forward_ev.mean() == pytest.approx(100 * 10 / 40, abs=1.0)
    assert s.expected_reverse_ev.mean() == pytest.approx(100 * 10 / 100, abs=0.5)


def test_trial_noise_reliability_and_poisson_scaling():
    s = simulate_pair(n_stimuli=4000, n_shared=5, n_brain_private=5, n_model_private=1,
                      n_neurons=40, n_units=3, n_repeats=4, noise=noise_for_reliability(0.6, 4),
                      seed=2)
    mean = np.nanmean(s.recording.trials, axis=2)
    emp = np.array([np.corrcoef(m, r)[0, 1] ** 2 for m, r in zip(mean.T, s.recording.signal.T)])
    assert np.allclose(s.expected_reliability, 0.6)
    assert emp.mean() == pytest.approx(0.6, abs=0.02)
    # Poisson-like: trial variance grows linearly with the rate (through the origin)
    resid_var = np.nanvar(s.recording.trials, axis=2, ddof=1).ravel()
    rate = s.recording.signal.ravel()
    lo, hi = rate < np.quantile(rate, 0.2), rate > np.quantile(rate, 0.8)
    ratio = resid_var[hi].mean() / resid_var[lo].mean()
    assert ratio == pytest.approx(rate[hi].mean() / rate[lo].mean(), rel=0.1)
    # missing repeats lower the expected reliability through mean(1/m)
    assert expected_reliability(2.0, [2, 4]) == pytest.approx(1 / (1 + 2.0 * 0.375))


def test_noiseless_trials_repeat_the_rates():
    rates = np.abs(np.random.default_rng(0).standard_normal((30, 4))) + 1
    trials, counts = add_trial_noise(rates, 3, 0.0, seed=0)
    np.testing.assert_array_equal(trials, np.repeat(rates[:, :, None], 3, axis=2))
    assert np.all(counts == 3)


def test_bad_input():
    with pytest.raises(ValueError, match="n_neurons"):
        simulate_pair(n_neurons=0)
    with pytest.raises(ValueError, match="latent counts"):
        simulate_pair(n_shared=0, n_brain_private=0)
    with pytest.raises(ValueError, match="missing"):
        simulate_pair(missing=1.0)
    with pytest.raises(ValueError, match="reliability"):
        noise_for_reliability(0.0, 4)
    with pytest.raises(ValueError, match="positive mean"):
        add_trial_noise(-np.ones((5, 2)) - np.arange(5)[:, None], 3, 1.0)
    with pytest.raises(ValueError, match="same n_latents"):
        expected_ev(np.ones((3, 2)), np.ones((4, 2)))
