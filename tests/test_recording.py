"""Recording: one container for trials, their mean, metadata and provenance."""
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from bothways.data import Recording
from bothways.predictivity import predictivity
from bothways.simulate import simulate_pair


def _trials(rng, n=30, q=4, r=5):
    T = rng.standard_normal((n, q, r)) + 3
    T[:5, :, 3:] = np.nan  # five stimuli shown 3 times
    return T


def test_mean_and_repeats_from_trials(rng):
    T = _trials(rng)
    rec = Recording(trials=T, source="test")
    np.testing.assert_array_equal(rec.mean, np.nanmean(T, axis=2))
    assert rec.has_trials and rec.shape == (30, 4, 5) and (rec.n_stimuli, rec.n_neurons) == (30, 4)
    assert rec.n_repeats.shape == (30, 4) and rec.n_repeats[:5].max() == 3 and rec.n_repeats[5:].min() == 5
    assert list(rec.stimuli.index) == list(range(30)) and rec.neurons.index.name == "neuron"
    assert "30 stimuli × 4 neurons × 5 trials" in repr(rec)
    a, b = rec.split_halves(np.random.default_rng(0))
    assert a.shape == b.shape == (30, 4) and np.all(np.isfinite(a)) and np.all(np.isfinite(b))


def test_mean_only_recording_is_noiseless(rng):
    M = rng.standard_normal((30, 4))
    rec = Recording(mean=M)
    assert not rec.has_trials and rec.n_repeats is None and rec.shape == (30, 4)
    with pytest.raises(ValueError, match="only trial averages"):
        rec.split_halves(0)
    model = rng.standard_normal((30, 6))
    a = predictivity(model, rec, n_boot=0, n_splits=1, n_folds=3)
    b = predictivity(model, M, n_boot=0, n_splits=1, n_folds=3)
    assert a.direction == b.direction == "model_to_model"
    pd.testing.assert_frame_equal(a.per_target, b.per_target)


def test_predictivity_accepts_a_recording_like_its_trials():
    s = simulate_pair(n_stimuli=80, n_neurons=6, n_units=12, n_repeats=4, seed=2)
    for src, tgt in ((s.model, s.recording), (s.recording, s.model)):
        a = predictivity(src, tgt, n_boot=0, n_splits=2, n_folds=4)
        raw = lambda x: x.trials if isinstance(x, Recording) else x  # noqa: E731
        b = predictivity(raw(src), raw(tgt), n_boot=0, n_splits=2, n_folds=4)
        pd.testing.assert_frame_equal(a.per_target, b.per_target)


def test_subset_keeps_metadata_images_and_signal(rng):
    T = _trials(rng)
    imgs = rng.integers(0, 255, (30, 2, 2, 3)).astype(np.uint8)
    rec = Recording(trials=T, images=imgs, signal=np.nanmean(T, 2), neurons=pd.DataFrame({"id": list("abcd")}),
                    info=dict(session=1))
    sub = rec.subset(stimuli=[3, 1], neurons=np.array([False, True, False, True]))
    np.testing.assert_array_equal(sub.trials, T[[3, 1]][:, [1, 3]])
    np.testing.assert_array_equal(sub.images, imgs[[3, 1]])
    np.testing.assert_array_equal(sub.signal, rec.signal[[3, 1]][:, [1, 3]])
    assert list(sub.neurons["id"]) == ["b", "d"] and sub.info == dict(session=1)
    m = Recording(mean=rec.mean).subset(stimuli=[0, 2])
    np.testing.assert_array_equal(m.mean, rec.mean[[0, 2]])
    with pytest.raises(ValueError, match="stimuli indexes outside"):
        rec.subset(stimuli=[30])
    with pytest.raises(ValueError, match="neurons mask"):
        rec.subset(neurons=np.ones(3, bool))


def test_bad_recordings_name_the_problem(rng):
    T = _trials(rng)
    with pytest.raises(ValueError, match="needs trials .* or mean"):
        Recording()
    with pytest.raises(ValueError, match="not both"):
        Recording(trials=T, mean=T.mean(2))
    with pytest.raises(ValueError, match=r"trials must be \(stimuli, neurons, repeats\)"):
        Recording(trials=T[:, :, 0])
    bad = T.copy()
    bad[2, 1, 0] = np.inf
    with pytest.raises(ValueError, match=r"trials contains 1 inf value\(s\) \(first at \[2, 1, 0\]\)"):
        Recording(trials=bad)
    with pytest.raises(TypeError, match="trials must be a real numeric array"):
        Recording(trials=T.astype(str))
    with pytest.raises(ValueError, match="signal has shape"):
        Recording(trials=T, signal=np.ones((3, 3)))
    with pytest.raises(ValueError, match="3 images for 30 stimuli"):
        Recording(trials=T, images=np.zeros((3, 2, 2, 3), np.uint8))
    with pytest.raises(ValueError, match="neurons metadata has 2 rows for 4 neurons"):
        Recording(trials=T, neurons=pd.DataFrame({"id": [1, 2]}))
    with pytest.raises(TypeError, match="stimuli metadata must be a pandas DataFrame"):
        Recording(trials=T, stimuli={"id": 1})
    with pytest.raises(TypeError):
        Recording(T)  # keyword-only: which array is which must be said
    rec = Recording(trials=T)
    with pytest.raises(AttributeError):
        rec.trials = T  # frozen


def test_recording_without_torch():
    """A Recording (and the data registry) never needs torch: twins load on first use."""
    code = ("import sys, numpy as np; from bothways.data import Recording; "
            "Recording(trials=np.ones((3, 2, 2))); import bothways.simulate; "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_twin_names_are_exported_lazily():
    import bothways.data as bd
    from bothways.data import twins

    assert set(bd._TWIN_NAMES) == set(twins.__all__)
    assert bd.twin_panel is twins.twin_panel
