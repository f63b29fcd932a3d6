"""Bad input at every public entry point of the core: a clear error naming the argument
and the problem (NaN/inf, wrong shapes, too few stimuli for the folds, constant
columns, unknown options, missing or corrupted files).

One row per (entry point, bad input): the call, the exception type and a regular
expression the message must match. The modules' own tests check the good paths; this
table is the inventory of the bad ones.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bothways import dimensionality as dim
from bothways import metrics, predictivity as pv, reliability as rel, ridge, simulate, spectral, stats, zoo
from bothways.data import Recording

RNG = np.random.default_rng(0)
X = RNG.standard_normal((30, 5))          # a model: (stimuli, units)
Y = RNG.standard_normal((30, 3))          # targets
T = RNG.standard_normal((30, 4, 3)) + 3   # recordings: (stimuli, neurons, repeats)


def nan_at(a, idx=(0, 0)):
    a = np.array(a, dtype=float)
    a[idx] = np.nan
    return a


def inf_at(a, idx=(0, 0)):
    a = np.array(a, dtype=float)
    a[idx] = np.inf
    return a


def const_col(a, j=1):
    a = np.array(a, dtype=float)
    a[:, j] = 2.0
    return a


CASES = {
    # ------------------------------------------------------------------ ridge
    "cv_ridge NaN in X": (lambda: ridge.cv_ridge(nan_at(X), Y), ValueError, r"X must be finite.*1 NaN"),
    "cv_ridge inf in Y": (lambda: ridge.cv_ridge(X, inf_at(Y)), ValueError, r"Y must be finite.*1 inf"),
    "cv_ridge 3-D X": (lambda: ridge.cv_ridge(T, Y), ValueError, r"X must be 2-D"),
    "cv_ridge strings": (lambda: ridge.cv_ridge(X.astype(str), Y), TypeError, r"X must be a real numeric array"),
    "cv_ridge stimuli differ": (lambda: ridge.cv_ridge(X[:20], Y), ValueError, r"different numbers of stimuli"),
    "cv_ridge too few stimuli for the folds": (lambda: ridge.cv_ridge(X[:4], Y[:4], n_folds=5), ValueError,
                                               r"fewer stimuli \(4\) than folds \(5\)"),
    "cv_ridge n_folds bool": (lambda: ridge.cv_ridge(X, Y, n_folds=True), ValueError, r"n_folds must be an integer"),
    "cv_ridge negative alpha": (lambda: ridge.cv_ridge(X, Y, alphas=-1.0), ValueError, r"alphas must be finite and > 0"),
    "cv_ridge bad inner": (lambda: ridge.cv_ridge(X, Y, inner="kfold"), ValueError, r"inner must be"),
    "cv_ridge leaking folds": (lambda: ridge.cv_ridge(X, Y, folds=[(np.arange(20), np.arange(15, 30))]), ValueError,
                               r"overlap \(test leakage\)"),
    "cv_ridge bad device": (lambda: ridge.cv_ridge(X, Y, device="tpu"), ValueError, r"unknown device"),
    "cv_ridge bad dtype": (lambda: ridge.cv_ridge(X, Y, dtype="float16"), ValueError, r"dtype must be float32 or float64"),
    "cv_ridge cv not a splitter": (lambda: ridge.cv_ridge(X, Y, cv=3), TypeError, r"cv must be a scikit-learn splitter"),
    "alpha_path NaN": (lambda: ridge.alpha_path(nan_at(X), Y), ValueError, r"X must be finite"),
    "fit_ridge inf": (lambda: ridge.fit_ridge(X, inf_at(Y)), ValueError, r"Y must be finite"),
    "kfold_indices n": (lambda: ridge.kfold_indices(0, 2), ValueError, r"n must be an integer >= 1"),
    "kfold_indices groups": (lambda: ridge.kfold_indices(10, 5, groups=np.arange(10) % 3), ValueError,
                             r"fewer groups \(3\) than folds \(5\)"),
    "check_folds out of range": (lambda: ridge.check_folds([(np.arange(5), np.arange(5, 12))], 10), ValueError,
                                 r"out of range \[0, 10\)"),
    "RidgeCV NaN": (lambda: ridge.RidgeCV().fit(nan_at(X), Y), ValueError, r"NaN"),
    # ------------------------------------------------------------------ predictivity
    "predictivity NaN in a model": (lambda: pv.predictivity(nan_at(X), T), ValueError, r"source must be finite"),
    "predictivity inf in recordings": (lambda: pv.predictivity(X, inf_at(T, (1, 2, 0))), ValueError,
                                       r"target contains 1 inf value\(s\) \(first at \[1, 2, 0\]\)"),
    "predictivity one repeat": (lambda: pv.predictivity(X, T[:, :, :1]), ValueError, r">= 2 repeats"),
    "predictivity 4-D": (lambda: pv.predictivity(X, T[..., None]), ValueError, r"target must be a model .* or recordings"),
    "predictivity stimuli differ": (lambda: pv.predictivity(X[:20], T), ValueError, r"source and target have different"),
    "predictivity more folds than stimuli": (lambda: pv.predictivity(X[:8], T[:8]), ValueError, r"more folds \(10\)"),
    "predictivity unknown method": (lambda: pv.predictivity(X, T, method="brainscore"), ValueError,
                                    r"method must be one of \('default', 'muzellec_kar'\)"),
    "predictivity ci": (lambda: pv.predictivity(X, T, ci=1.0), ValueError, r"ci must be a finite number > 0.0 and < 1.0"),
    "predictivity n_boot": (lambda: pv.predictivity(X, T, n_boot=-1), ValueError, r"n_boot must be an integer >= 0"),
    "predictivity recording without trials is a model": (
        lambda: pv.predictivity(Recording(mean=nan_at(Y)), X), ValueError, r"source must be finite"),
    "muzellec_kar_folds": (lambda: pv.muzellec_kar_folds(5, 10), ValueError, r"more folds \(10\) than stimuli \(5\)"),
    "label_units 2-D": (lambda: pv.label_units(Y), ValueError, r"ev must be 1-D"),
    "label_units fractions": (lambda: pv.label_units(Y[:, 0], top=0.7, bottom=0.5, rule="rank"), ValueError,
                              r"top \+ bottom <= 1"),
    "label_units null without p": (lambda: pv.label_units(Y[:, 0]), ValueError, r"rule='null' needs p_value"),
    "label_units p shape": (lambda: pv.label_units(Y[:, 0], p_value=Y[:3, 0] * 0), ValueError,
                            r"p_value must have the shape of ev"),
    "label_units correction": (lambda: pv.label_units(Y[:, 0], correction="bonferroni"), ValueError,
                               r"correction must be one of"),
    "predictivity n_permutations": (lambda: pv.predictivity(X, T, n_permutations=-1), ValueError,
                                    r"n_permutations must be an integer >= 0"),
    "benjamini_hochberg nan": (lambda: stats.benjamini_hochberg([0.1, np.nan]), ValueError,
                               r"p_values must be finite"),
    # ------------------------------------------------------------------ reliability
    "split_halves 2-D": (lambda: rel.split_halves(Y, 0), ValueError, r"trials must be recordings"),
    "split_halves scheme": (lambda: rel.split_halves(T, 0, "odd-even"), ValueError, r"scheme must be one of"),
    "split_half_reliability inf": (lambda: rel.split_half_reliability(inf_at(T, (0, 0, 0))), ValueError,
                                   r"trials contains 1 inf"),
    "split_half_reliability dead neuron": (lambda: rel.split_half_reliability(nan_at(T, (slice(None), 1))), ValueError,
                                           r"neuron\(s\) are all NaN"),
    "prediction_reliability shapes": (lambda: rel.prediction_reliability(Y, Y[:, :2]), ValueError, r"same shape"),
    "noise_ceiling shapes": (lambda: rel.noise_ceiling(np.ones((2, 3)), np.ones((2, 4))), ValueError, r"same targets"),
    "noise_ceiling inf": (lambda: rel.noise_ceiling(np.array([0.5, np.inf])), ValueError,
                          r"target_reliability contains 1 inf"),
    "noise_ceiling strings": (lambda: rel.noise_ceiling(np.array(["a"])), TypeError, r"target_reliability must be"),
    # ------------------------------------------------------------------ stats
    "pearson_columns shapes": (lambda: stats.pearson_columns(X, Y), ValueError, r"same shape"),
    "bootstrap one item": (lambda: stats.bootstrap(np.mean, [1.0]), ValueError, r"at least 2 items"),
    "paired_difference lengths": (lambda: stats.paired_difference([1.0, 2.0], [1.0]), ValueError, r"same length"),
    "percentile_interval level": (lambda: stats.percentile_interval([1.0, 2.0], 95), ValueError, r"level must be"),
    # ------------------------------------------------------------------ zoo
    "split_stimuli too few": (lambda: zoo.split_stimuli(15, 0.25), ValueError, r"fewer than 10"),
    "paired_gap n_predictors": (lambda: zoo.paired_gap(X, T, n_predictors=10 ** 4), ValueError,
                                r"n_predictors must be an integer"),
    "paired_gap statistic": (lambda: zoo.paired_gap(X, T, statistic="r2"), ValueError, r"statistic must be one of"),
    "predictor_curve counts": (lambda: zoo.predictor_curve(X, T, [0]), ValueError, r"counts must lie in"),
    "split_stimuli n": (lambda: zoo.split_stimuli(3.5), ValueError, r"n must be an integer"),
    "select_layer too few selection stimuli": (lambda: zoo.select_layer({"a": X}, T, np.arange(3)), ValueError,
                                                r"selection has 3 stimuli"),
    "select_layer NaN target": (lambda: zoo.select_layer({"a": X}, inf_at(T, (0, 0, 0)), np.arange(20)), ValueError,
                                r"target contains 1 inf"),
    "score_both_ways 2-D recordings": (lambda: zoo.score_both_ways(X, Y), ValueError, r"recordings must be recordings"),
    "score_both_ways constant model": (lambda: zoo.score_both_ways(np.ones((30, 3)), T), ValueError,
                                       r"every model unit is constant"),
    "ev_vs_source_size counts": (lambda: zoo.ev_vs_source_size(X, T, [0, 3]), ValueError, r"counts must lie in \[1, 5\]"),
    "forward_reverse_table variant": (lambda: zoo.forward_reverse_table(
        pd.DataFrame({"variant": ["default"], "model": ["m"], "direction": ["forward"], "median_ev": [1.0]}), "x"),
        ValueError, r"no rows for variant 'x'"),
    # ------------------------------------------------------------------ metrics
    "rsa NaN": (lambda: metrics.rsa(nan_at(X), Y), ValueError, r"A must be finite"),
    "linear_cka stimuli differ": (lambda: metrics.linear_cka(X, Y[:20]), ValueError, r"different numbers of stimuli"),
    "linear_cka constant": (lambda: metrics.linear_cka(np.ones((30, 2)), Y), ValueError, r"constant over stimuli"),
    "procrustes alpha": (lambda: metrics.procrustes_distance(X, Y, alpha=2.0), ValueError, r"alpha must be"),
    "matching constant unit": (lambda: metrics.matching_score(const_col(X), Y), ValueError, r"A has constant units"),
    "transform_class_score class": (lambda: metrics.transform_class_score(X, Y, cls="affine"), ValueError,
                                    r"cls must be one of"),
    "transform_class_score too few stimuli": (lambda: metrics.transform_class_score(X[:3], Y[:3]), ValueError,
                                              r"needs at least 4 stimuli"),
    "rank_agreement NaN": (lambda: metrics.rank_agreement(pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [1, 2, 3]})),
                           ValueError, r"NaN"),
    # ------------------------------------------------------------------ dimensionality
    "participation_ratio inf": (lambda: dim.participation_ratio(inf_at(X)), ValueError, r"X must be finite.*1 inf"),
    "participation_ratio constant": (lambda: dim.participation_ratio(np.ones((10, 3))), ValueError, r"constant"),
    "eigenspectrum one stimulus": (lambda: dim.eigenspectrum(X[:1]), ValueError, r"at least 2 stimuli"),
    "pool_features 2-D pooled": (lambda: dim.pool_features(X, pool="max"), ValueError, r"needs a \(stimuli, C, H, W\)"),
    "pool_features pool": (lambda: dim.pool_features(X, pool="min"), ValueError, r"pool must be one of"),
    "powerlaw_exponent unsorted": (lambda: dim.powerlaw_exponent([1.0, 2.0, 3.0]), ValueError, r"descending"),
    "powerlaw_exponent NaN": (lambda: dim.powerlaw_exponent([3.0, np.nan, 1.0]), ValueError, r"eigenvalues must be finite"),
    "reshape_spectrum exponent": (lambda: dim.reshape_spectrum(X, -1.0), ValueError, r"exponent must be a finite number >= 0"),
    "truncate_spectrum rank": (lambda: dim.truncate_spectrum(X, 50), ValueError, r"exceeds the rank"),
    "random_expansion width": (lambda: dim.random_expansion(X, 0), ValueError, r"n_features must be an integer >= 1"),
    "random_expansion nonlinearity": (lambda: dim.random_expansion(X, 3, nonlinearity="tanh"), ValueError,
                                      r"nonlinearity must be one of"),
    "modes constant": (lambda: dim.modes(np.ones((6, 3))), ValueError, r"constant"),
    # ------------------------------------------------------------------ spectral
    "spectrum NaN": (lambda: spectral.spectrum(nan_at(X), Y), ValueError, r"X must be finite"),
    "spectrum constant targets": (lambda: spectral.spectrum(X, np.ones((30, 2))), ValueError, r"Y is constant"),
    "spectrum stimuli differ": (lambda: spectral.spectrum(X, Y[:10]), ValueError, r"different numbers of stimuli"),
    "theory_error negative p": (lambda: spectral.theory_error([1.0, 0.5], [0.5, 0.5], -1, 1.0), ValueError,
                                r"p must be a finite number >= 0"),
    "theory_error lengths": (lambda: spectral.theory_error([1.0, 0.5], [1.0], 10, 1.0), ValueError, r"equal length"),
    "theory_error bool alpha": (lambda: spectral.theory_error([1.0], [1.0], 10, True), TypeError, r"alpha must be a real"),
    "learning_curve ps": (lambda: spectral.learning_curve([1.0], [1.0], [np.nan], 1.0), ValueError, r"ps must be"),
    "empirical_learning_curve p": (lambda: spectral.empirical_learning_curve(X, Y, [40], 1.0), ValueError,
                                   r"training sizes must be integers in \[2, 29\]"),
    "heldout_error p": (lambda: spectral.heldout_error(0.5, 0.1, 30, 30), ValueError, r"0 <= p < P"),
    "decompose n_top": (lambda: spectral.decompose(X, Y, [10], 1.0, n_top=0), ValueError, r"n_top must be an integer >= 1"),
    # ------------------------------------------------------------------ simulations
    "simulate_pair n_neurons": (lambda: simulate.simulate_pair(n_neurons=0), ValueError, r"n_neurons must be an integer >= 1"),
    "simulate_pair n_stimuli float": (lambda: simulate.simulate_pair(n_stimuli=10.5), ValueError, r"n_stimuli must be an integer"),
    "add_trial_noise NaN": (lambda: simulate.add_trial_noise(nan_at(Y), 3, 1.0), ValueError, r"rates must be finite"),
    "add_trial_noise missing": (lambda: simulate.add_trial_noise(Y + 5, 3, 1.0, missing=1.0), ValueError, r"missing must be"),
    "expected_ev latents": (lambda: simulate.expected_ev(np.ones((3, 2)), np.ones((4, 2))), ValueError, r"same n_latents"),
    "noise_for_reliability": (lambda: simulate.noise_for_reliability(1.5, 4), ValueError, r"reliability must lie in"),
    # ------------------------------------------------------------------ recordings
    "Recording inf": (lambda: Recording(trials=inf_at(T, (0, 1, 2))), ValueError, r"trials contains 1 inf"),
    "Recording nothing": (lambda: Recording(), ValueError, r"needs trials"),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_bad_input_is_named(case):
    call, exc, match = CASES[case]
    with pytest.raises(exc, match=match):
        call()


# ---------------------------------------------------------------------- loaders and files
def test_loaders_name_the_bad_input(tmp_path, monkeypatch):
    import h5py

    import bothways.data as bd

    with pytest.raises(ValueError, match="known sessions"):
        bd.load_cowley_session(123)
    with pytest.raises(ValueError, match="session must be one of"):
        bd.load_images("first")
    with pytest.raises(ValueError, match="no digital twins for session"):
        bd.digital_twins(210325)
    with pytest.raises(ValueError, match="monkey must be one of"):
        bd.twin_population("XX", np.zeros((2, 112, 112, 3), np.uint8))
    with pytest.raises(ValueError, match="monkeys must be among"):
        bd.twin_panel(np.zeros((2, 112, 112, 3), np.uint8), monkeys=("XX",))
    with pytest.raises(FileNotFoundError, match="bring your own copy"):
        bd.load_kar_it(tmp_path / "absent.h5")
    np.save(tmp_path / "flat.npy", np.zeros((4, 3)))
    with pytest.raises(ValueError, match=r"expected \(images, sites, repeats\)"):
        bd.load_kar_it(tmp_path / "flat.npy")
    np.save(tmp_path / "inf.npy", inf_at(T, (3, 1, 0)))
    with pytest.raises(ValueError, match=r"responses contains 1 inf value\(s\) \(first at \[3, 1, 0\]\)"):
        bd.load_kar_it(tmp_path / "inf.npy")
    with h5py.File(tmp_path / "none.nc", "w") as f:
        f["x"] = np.zeros((3, 2))
    with pytest.raises(ValueError, match="expected one 3-D float data variable"):
        bd.load_majajhong2015(tmp_path / "none.nc")
    with pytest.raises(ValueError, match="trials must be \\(stimuli, neurons, repeats\\)"):
        bd.fit_mean_variance(np.ones((5, 5)))
    with pytest.raises(ValueError, match="mean must be finite"):
        bd.sample_trials(nan_at(Y), bd.MeanVariance(1.0, 1.0, 0, 0), 3, 0)
    with pytest.raises(KeyError, match="not in the bothways data registry"):
        bd.fetch("no/such/file.npy")


def test_corrupted_registry_file_names_the_file_and_checksum(tmp_path, monkeypatch):
    import bothways.data as bd

    entry = next(iter(bd.registry().values()))
    bad = tmp_path / entry.path
    bad.parent.mkdir(parents=True)
    bad.write_bytes(b"x" * entry.bytes)  # right size, wrong content
    monkeypatch.setenv("BOTHWAYS_DATA", str(tmp_path))
    with pytest.raises(bd.DataFileError, match=f"checksum mismatch for .*{entry.sha256}"):
        bd.fetch(entry.path, download=False)
