"""The shared argument checks: every bad input names the argument and the problem."""
import numpy as np
import pytest

from bothways import _validation as v
from bothways.predictivity import predictivity


def test_check_int_is_bool_safe_and_strict():
    assert v.check_int(3, "n") == 3 and isinstance(v.check_int(np.int64(3), "n"), int)
    for bad in (True, False, np.bool_(True), 3.0, "3", None):
        with pytest.raises(ValueError, match="n must be an integer"):
            v.check_int(bad, "n")
    with pytest.raises(ValueError, match=r"n_folds must be an integer >= 2, got 1"):
        v.check_int(1, "n_folds", minimum=2)
    with pytest.raises(ValueError, match=r"k must be an integer in \[1, 4\], got 5"):
        v.check_int(5, "k", minimum=1, maximum=4)


def test_check_number_bounds_and_kinds():
    assert v.check_number(np.float32(0.5), "ci", low=0, high=1, low_open=True, high_open=True) == 0.5
    with pytest.raises(TypeError, match="ci must be a real number"):
        v.check_number("0.5", "ci")
    with pytest.raises(TypeError, match="ci must be a real number"):
        v.check_number(True, "ci")
    for bad in (0.0, 1.0, np.nan, np.inf):
        with pytest.raises(ValueError, match=r"ci must be a finite number > 0.0 and < 1.0"):
            v.check_number(bad, "ci", low=0.0, high=1.0, low_open=True, high_open=True)
    assert v.check_number(0.0, "x", low=0.0) == 0.0


def test_check_choice():
    assert v.check_choice(None, "pool", (None, "max")) is None
    assert v.check_choice(np.str_("max"), "pool", (None, "max")) == "max"
    with pytest.raises(ValueError, match=r"pool must be one of \(None, 'max'\), got 'min'"):
        v.check_choice("min", "pool", (None, "max"))
    with pytest.raises(ValueError, match="pool must be one of"):
        v.check_choice(np.array([1, 2]), "pool", (None, "max"))


def test_arrays_name_argument_and_problem():
    with pytest.raises(TypeError, match="X must be a real numeric array, got dtype <U1"):
        v.as_matrix(np.full((3, 2), "a"), "X")
    with pytest.raises(TypeError, match="X must be a real numeric array, got dtype complex"):
        v.as_matrix(np.ones((3, 2), complex), "X")
    with pytest.raises(TypeError, match="bool"):
        v.as_matrix(np.ones((3, 2), bool), "X")
    assert v.as_matrix(np.ones((3, 2), bool), "X", allow_bool=True).dtype == np.float64
    with pytest.raises(ValueError, match=r"X must be 2-D \(stimuli, units\), got shape \(3,\)"):
        v.as_matrix(np.ones(3), "X")
    assert v.as_matrix(np.ones(3), "Y", expand_1d=True).shape == (3, 1)
    with pytest.raises(ValueError, match="X is empty"):
        v.as_matrix(np.ones((0, 2)), "X")
    with pytest.raises(ValueError, match="X needs at least 4 stimuli"):
        v.as_matrix(np.ones((3, 2)), "X", min_rows=4)
    X = np.ones((4, 3))
    X[1, 2], X[3, 0] = np.inf, np.nan
    with pytest.raises(ValueError, match=r"X must be finite, but contains 2 non-finite value\(s\) "
                                         r"\(1 NaN, 1 inf; first at \[1, 2\]\)"):
        v.as_matrix(X, "X")
    assert v.as_matrix(np.arange(6).reshape(3, 2), "X", dtype=None).dtype.kind == "i"


def test_trials_allow_nan_never_inf():
    T = np.ones((5, 3, 4))
    T[0, 0, 3] = np.nan
    assert v.as_trials(T, "target").shape == (5, 3, 4)
    T[2, 1, 0] = -np.inf
    with pytest.raises(ValueError, match=r"target contains 1 inf value\(s\) \(first at \[2, 1, 0\]\)"):
        v.as_trials(T, "target")
    with pytest.raises(ValueError, match=r"trials must be recordings \(stimuli, neurons, repeats\)"):
        v.as_trials(np.ones((5, 3)), "trials")
    mean, trials = v.as_responses(np.ones((5, 3)), "target")
    assert trials is None and mean.shape == (5, 3)
    T = np.arange(24.0).reshape(2, 3, 4)
    T[0, 0, :3] = np.nan
    mean, trials = v.as_responses(T, "target")
    np.testing.assert_allclose(mean, np.nanmean(T, axis=2))
    T[0, 0, 3] = np.nan
    with pytest.raises(ValueError, match="target: a trial average needs >= 1 repeats"):
        v.as_responses(T, "target")


def test_inf_in_recordings_or_models_raises_a_named_error(rng):
    """The issue's new user: inf in a recording must not turn targets into NaN EV."""
    model = rng.standard_normal((40, 6))
    R = rng.standard_normal((40, 4, 5)) + 3
    with pytest.raises(ValueError, match="target contains .* inf"):
        predictivity(model, np.where(R > 3, np.inf, R), n_boot=0, n_splits=1)
    with pytest.raises(ValueError, match="source contains .* inf"):
        predictivity(np.where(R > 3, np.inf, R), model, n_boot=0, n_splits=1)
    with pytest.raises(ValueError, match="source must be finite.*inf"):
        predictivity(np.where(model > 1, np.inf, model), R, n_boot=0, n_splits=1)
    with pytest.raises(ValueError, match="target must be finite.*inf"):
        predictivity(R, np.where(model > 1, -np.inf, model), n_boot=0, n_splits=1)


def test_check_index_and_folds():
    assert list(v.check_index(np.array([2, 0]), "units", 3)) == [2, 0]
    for bad, msg in ((np.array([0, 3]), "outside"), (np.array([1, 1]), "repeated"),
                     (np.array([0.5]), "integer"), (np.array([], int), "non-empty")):
        with pytest.raises(ValueError, match=f"units .*{msg}|units must be a {msg}"):
            v.check_index(bad, "units", 3)
    idx = np.arange(10)
    assert len(v.check_folds([(idx[:5], idx[5:]), (idx[5:], idx[:5])], 10)) == 2
    with pytest.raises(ValueError, match="overlap"):
        v.check_folds([(idx[:6], idx[5:])], 10)
    with pytest.raises(ValueError, match="more than one test fold"):
        v.check_folds([(idx[:5], idx[5:]), (idx[:4], idx[6:])], 10)
    with pytest.raises(ValueError, match="empty"):
        v.check_folds([], 10)


def test_check_device():
    import torch

    assert v.check_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="unknown device"):
        v.check_device("gpu0")
    with pytest.raises(TypeError, match="device must be None, a str or a torch.device"):
        v.check_device(0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            v.check_device("cuda")
