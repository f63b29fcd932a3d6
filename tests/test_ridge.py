"""Tests of bothways.ridge against independent references (scikit-learn, closed forms)."""
import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.linear_model import RidgeCV as SkRidgeCV
from sklearn.metrics import r2_score
from sklearn.utils.estimator_checks import parametrize_with_checks

from bothways.ridge import RidgeCV, alpha_path, cv_ridge, fit_ridge, kfold_indices

# (stimuli, features, targets): features < training stimuli (primal), features >
# training stimuli (dual), many targets and few features (reverse: k-space moments).
SHAPES = {"primal": (90, 12, 5), "dual": (60, 140, 4), "reverse": (80, 6, 40)}
GRID = np.logspace(-2, 4, 7)


def make(shape, seed=0, offset=3.0):
    rng = np.random.default_rng(seed)
    n, p, t = shape
    X = rng.standard_normal((n, p)) + offset
    W = rng.standard_normal((p, t)) / np.sqrt(p)
    Y = X @ W + rng.standard_normal((n, t)) + offset
    return X, Y


def pearson(y, p):
    return np.array([np.corrcoef(y[:, j], p[:, j])[0, 1] for j in range(y.shape[1])])


def sk_cv_predictions(X, Y, folds, alpha, fit_intercept):
    P = np.full(Y.shape, np.nan)
    for tr, te in folds:
        P[te] = Ridge(alpha=alpha, fit_intercept=fit_intercept).fit(X[tr], Y[tr]).predict(X[te])
    return P


# ----------------------------------------------------------------- exactness (float64)
@pytest.mark.parametrize("shape", ["primal", "dual", "reverse"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_fixed_alpha_equals_sklearn_ridge(shape, fit_intercept):
    X, Y = make(SHAPES[shape])
    res = cv_ridge(X, Y, alphas=3.0, fit_intercept=fit_intercept)
    P = sk_cv_predictions(X, Y, res.folds, 3.0, fit_intercept)
    np.testing.assert_allclose(res.predictions, P, rtol=0, atol=1e-10)
    np.testing.assert_allclose(res.r2, r2_score(Y, P, multioutput="raw_values"), atol=1e-10)
    np.testing.assert_allclose(res.r, pearson(Y, P), atol=1e-10)
    assert np.all(res.best_alpha == 3.0) and res.inner == "fixed"
    assert not res.alpha_on_edge.any()


@pytest.mark.parametrize("shape", ["primal", "dual", "reverse"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_every_alpha_scored_like_sklearn_refits(shape, fit_intercept):
    """r2_per_alpha / r_per_alpha (the optimistic path) equal per-alpha sklearn refits."""
    X, Y = make(SHAPES[shape], seed=1)
    res = cv_ridge(X, Y, alphas=GRID, fit_intercept=fit_intercept, score_all_alphas=True)
    path = alpha_path(X, Y, alphas=GRID, fit_intercept=fit_intercept)
    assert path.optimistic
    for a, alpha in enumerate(GRID):
        P = sk_cv_predictions(X, Y, res.folds, alpha, fit_intercept)
        r2 = r2_score(Y, P, multioutput="raw_values")
        np.testing.assert_allclose(res.r2_per_alpha[a], r2, atol=1e-10)
        np.testing.assert_allclose(res.r_per_alpha[a], pearson(Y, P), atol=1e-10)
        np.testing.assert_allclose(path.r2_per_alpha[a], r2, atol=1e-10)


@pytest.mark.parametrize("shape", ["primal", "dual", "reverse"])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_alpha_selection_equals_sklearn_ridgecv(shape, fit_intercept):
    """Per-target alpha chosen by exact LOO on the training fold = sklearn RidgeCV."""
    X, Y = make(SHAPES[shape], seed=2)
    res = cv_ridge(X, Y, alphas=GRID, fit_intercept=fit_intercept)  # explicit grid: absolute
    P = np.empty_like(Y)
    for k, (tr, te) in enumerate(res.folds):
        sk = SkRidgeCV(alphas=GRID, alpha_per_target=True, fit_intercept=fit_intercept)
        sk.fit(X[tr], Y[tr])
        np.testing.assert_array_equal(res.best_alpha[k], sk.alpha_)
        P[te] = sk.predict(X[te])
    np.testing.assert_allclose(res.predictions, P, atol=1e-10)
    np.testing.assert_allclose(res.r2, r2_score(Y, P, multioutput="raw_values"), atol=1e-10)
    np.testing.assert_allclose(res.r, pearson(Y, P), atol=1e-10)
    assert np.array_equal(res.alphas, np.tile(GRID, (len(res.folds), 1)))


@pytest.mark.parametrize("shape", ["primal", "dual", "reverse"])
def test_gcv_equals_explicit_hat_matrix(shape):
    X, Y = make(SHAPES[shape], seed=3)
    res = cv_ridge(X, Y, alphas=GRID, inner="gcv")
    for k, (tr, _) in enumerate(res.folds):
        Xc, Yc = X[tr] - X[tr].mean(0), Y[tr] - Y[tr].mean(0)
        m = len(tr)
        crit = []
        for alpha in GRID:
            H = Xc @ np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T) + 1 / m
            R = Yc - (H - 1 / m) @ Yc
            crit.append((R ** 2).mean(0) / (1 - np.trace(H) / m) ** 2)
        np.testing.assert_array_equal(res.best_alpha[k], GRID[np.argmin(crit, axis=0)])


def test_fit_ridge_and_weights_match_sklearn():
    X, Y = make(SHAPES["primal"], seed=4)
    sk = SkRidgeCV(alphas=GRID, alpha_per_target=True).fit(X, Y)
    fit = fit_ridge(X, Y, alphas=GRID)
    np.testing.assert_array_equal(fit.alpha, sk.alpha_)
    np.testing.assert_allclose(fit.coef.T, sk.coef_, atol=1e-10)
    np.testing.assert_allclose(fit.intercept, sk.intercept_, atol=1e-10)
    for shape in ("primal", "dual"):
        X, Y = make(SHAPES[shape], seed=5)
        res = cv_ridge(X, Y, alphas=GRID, return_weights=True)
        for k, (_, te) in enumerate(res.folds):
            np.testing.assert_allclose(X[te] @ res.coef[k] + res.intercept[k],
                                       res.predictions[te], atol=1e-9)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("partial", [False, True])
def test_reverse_paths_exact_with_large_target_means(fit_intercept, partial):
    """Many targets, few predictors (the reverse direction), targets far from zero.

    The engine shifts Y by its mean and, with complementary folds, takes every fold's
    training sums from whole-column sums minus the test rows (``partial``: folds that
    leave stimuli out take the other route). Every criterion against its reference:
    fixed alpha and every alpha vs sklearn ``Ridge`` refits, exact LOO vs sklearn
    ``RidgeCV``, GCV vs the explicit hat matrix; small chunks change nothing.
    """
    X, Y = make((90, 5, 30), seed=11, offset=50.0)
    Y = 1e3 + 10 * Y
    folds = kfold_indices(90, 6, seed=1)
    if partial:
        folds = [(tr[tr >= 4], te[te >= 4]) for tr, te in folds]   # stimuli 0-3 never predicted
    opts = dict(folds=folds, fit_intercept=fit_intercept)
    pred = np.concatenate([te for _, te in folds])
    fixed = cv_ridge(X, Y, alphas=3.0, **opts)
    P = sk_cv_predictions(X, Y, folds, 3.0, fit_intercept)
    np.testing.assert_allclose(fixed.predictions[pred], P[pred], rtol=1e-10, atol=0)
    path = cv_ridge(X, Y, alphas=GRID, score_all_alphas=True, **opts)
    for a, alpha in enumerate(GRID):
        P = sk_cv_predictions(X, Y, folds, alpha, fit_intercept)
        np.testing.assert_allclose(path.r2_per_alpha[a], r2_score(Y[pred], P[pred], multioutput="raw_values"),
                                   atol=1e-10)
    for chunk in (None, 2000):
        kw = {} if chunk is None else dict(chunk_bytes=chunk)
        loo = cv_ridge(X, Y, alphas=GRID, **opts, **kw)
        for k, (tr, te) in enumerate(folds):
            sk = SkRidgeCV(alphas=GRID, alpha_per_target=True, fit_intercept=fit_intercept).fit(X[tr], Y[tr])
            np.testing.assert_array_equal(loo.best_alpha[k], sk.alpha_)
            np.testing.assert_allclose(loo.predictions[te], sk.predict(X[te]), rtol=1e-10, atol=0)
        gcv = cv_ridge(X, Y, alphas=GRID, inner="gcv", **opts, **kw)
        for k, (tr, _) in enumerate(folds):
            Xc = X[tr] - X[tr].mean(0) if fit_intercept else X[tr]
            Yc = Y[tr] - Y[tr].mean(0) if fit_intercept else Y[tr]
            m, crit = len(tr), []
            for alpha in GRID:
                H = Xc @ np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T)
                dof = np.trace(H) + fit_intercept
                crit.append(((Yc - H @ Yc) ** 2).mean(0) / (1 - dof / m) ** 2)
            np.testing.assert_array_equal(gcv.best_alpha[k], GRID[np.argmin(crit, axis=0)])


# ----------------------------------------------------------------- grid, precision
def test_relative_default_grid_is_scale_invariant():
    """Default grid is relative to the data: rescaling X rescales alphas, not results."""
    X, Y = make(SHAPES["dual"], seed=6)
    a = cv_ridge(X, Y)
    b = cv_ridge(1000 * X, Y)
    np.testing.assert_allclose(b.predictions, a.predictions, atol=1e-8)
    np.testing.assert_allclose(b.best_alpha, 1e6 * a.best_alpha, rtol=1e-9)
    assert a.alphas.shape == (5, 25)


def test_edge_flag():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((80, 5))
    Y = np.column_stack([rng.standard_normal(80), X[:, 0] + 0.01 * rng.standard_normal(80)])
    res = cv_ridge(X, Y, alphas=np.logspace(-1, 1, 3))
    # pure noise wants the largest alpha; a near-noiseless target the smallest
    assert res.alpha_on_edge.all()
    assert np.all(res.best_alpha[:, 0] == 10) and np.all(res.best_alpha[:, 1] == 0.1)


@pytest.mark.parametrize("shape", ["primal", "dual", "reverse"])
def test_float32_matches_float64_at_selected_alphas(shape):
    X, Y = make(SHAPES[shape], seed=8)
    r64 = cv_ridge(X, Y, dtype="float64")
    r32 = cv_ridge(X, Y, dtype="float32")
    assert r32.predictions.dtype == np.float32 and r32.dtype == "float32"
    agree = np.isclose(r32.best_alpha, r64.best_alpha, rtol=1e-5)   # (folds, targets)
    same = agree.all(axis=0)
    # Where float32 picked another alpha, it must be a near-tie of the LOO criterion
    # (flat at the top of the grid when the signal is weak): judged in float64 by
    # scikit-learn's own leave-one-out errors on that training fold.
    for f, j in np.argwhere(~agree):
        tr = r64.folds[f][0]
        sk = SkRidgeCV(alphas=r64.alphas[f], store_cv_results=True).fit(X[tr], Y[tr, j])
        loo = sk.cv_results_.mean(0)
        e64, e32 = (loo[np.abs(r.alphas[f] - r.best_alpha[f, j]).argmin()] for r in (r64, r32))
        assert e64 <= e32 * (1 + 1e-9) and e32 <= e64 * (1 + 1e-5), (f, j, e64, e32)
    assert same.mean() >= 0.5
    np.testing.assert_allclose(r32.r2[same], r64.r2[same], atol=1e-4)
    np.testing.assert_allclose(r32.predictions[:, same], r64.predictions[:, same],
                               atol=1e-4 * np.abs(Y).max())
    np.testing.assert_allclose(r32.r2, r64.r2, atol=1e-3)  # near-ties may flip an alpha


def test_near_singular_float32_gives_no_nan():
    rng = np.random.default_rng(9)
    Z = rng.standard_normal((70, 3))
    X = np.column_stack([Z, Z, Z @ rng.standard_normal((3, 50))]) * 1e3 + 1e4  # rank 3
    Y = Z @ rng.standard_normal((3, 4)) + 0.1 * rng.standard_normal((70, 4))
    for X_, Y_ in ((X, Y), (Y, X)):
        res = cv_ridge(X_, Y_, alphas=np.logspace(-12, 2, 8), dtype="float32",
                       score_all_alphas=True)
        assert np.isfinite(res.predictions).all() and np.isfinite(res.r2).all()
        assert np.isfinite(res.r2_per_alpha).all()


# ----------------------------------------------------------------- folds
def test_kfold_indices_partition_and_seed():
    folds = kfold_indices(23, 4, seed=1)
    tests = np.concatenate([te for _, te in folds])
    assert sorted(tests) == list(range(23))
    assert sorted(len(te) for _, te in folds) == [5, 6, 6, 6]
    for tr, te in folds:
        assert np.intersect1d(tr, te).size == 0 and len(tr) + len(te) == 23
    again = kfold_indices(23, 4, seed=1)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(folds, again))
    other = kfold_indices(23, 4, seed=2)
    assert not all(np.array_equal(a[1], b[1]) for a, b in zip(folds, other))


def test_seed_gives_identical_results():
    X, Y = make(SHAPES["primal"], seed=10)
    a, b = cv_ridge(X, Y, seed=3), cv_ridge(X, Y, seed=3)
    np.testing.assert_array_equal(a.predictions, b.predictions)
    np.testing.assert_array_equal(a.best_alpha, b.best_alpha)
    c = cv_ridge(X, Y, seed=4)
    assert not np.array_equal(a.predictions, c.predictions)


def test_groups_stay_in_one_fold():
    rng = np.random.default_rng(11)
    groups = np.repeat(np.arange(17), rng.integers(1, 6, 17))  # e.g. views of one object
    n = len(groups)
    folds = kfold_indices(n, 5, seed=0, groups=groups)
    for tr, te in folds:
        assert np.intersect1d(groups[tr], groups[te]).size == 0
    assert sorted(np.concatenate([te for _, te in folds])) == list(range(n))
    X, Y = make((n, 4, 2), seed=11)
    res = cv_ridge(X, Y, groups=groups)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(res.folds, folds))


def test_user_folds_not_covering_every_stimulus():
    X, Y = make(SHAPES["primal"], seed=12)
    idx = np.arange(90)
    folds = [(idx[30:], idx[:15]), (idx[:60], idx[70:80])]
    res = cv_ridge(X, Y, alphas=2.0, folds=folds)
    P = sk_cv_predictions(X, Y, folds, 2.0, True)
    done = ~np.isnan(P[:, 0])
    assert np.array_equal(res.predicted, done) and np.isnan(res.predictions[~done]).all()
    np.testing.assert_allclose(res.predictions[done], P[done], atol=1e-10)
    np.testing.assert_allclose(res.r2, r2_score(Y[done], P[done], multioutput="raw_values"),
                               atol=1e-10)


@pytest.mark.parametrize("shape", ["primal", "dual", "reverse"])
def test_torch_backend_and_chunks_equal_numpy(shape):
    """The torch code (the GPU path) run on CPU, and tiny target chunks, change nothing."""
    pytest.importorskip("torch")
    X, Y = make(SHAPES[shape], seed=18)
    ref = cv_ridge(X, Y, score_all_alphas=True, return_weights=True)
    for kw in (dict(backend="torch"), dict(chunk_bytes=1)):
        res = cv_ridge(X, Y, score_all_alphas=True, return_weights=True, **kw)
        np.testing.assert_allclose(res.predictions, ref.predictions, atol=1e-10)
        np.testing.assert_allclose(res.best_alpha, ref.best_alpha, rtol=1e-12)
        np.testing.assert_allclose(res.r2_per_alpha, ref.r2_per_alpha, atol=1e-10)
        np.testing.assert_allclose(res.coef, ref.coef, atol=1e-10)
    for inner in ("gcv",):
        a = cv_ridge(X, Y, inner=inner, backend="torch", dtype="float32")
        b = cv_ridge(X, Y, inner=inner)
        assert np.isfinite(a.r2).all() and np.abs(a.r2 - b.r2).max() < 1e-3


def test_torch_input_and_1d_target():
    torch = pytest.importorskip("torch")
    X, Y = make(SHAPES["primal"], seed=13)
    a = cv_ridge(X, Y[:, 0])
    b = cv_ridge(torch.from_numpy(X), torch.from_numpy(Y[:, :1]))
    assert a.predictions.shape == (90, 1)
    np.testing.assert_allclose(a.predictions, b.predictions, atol=1e-12)


# ----------------------------------------------------------------- bad input
def test_constant_target_is_nan_and_others_unaffected():
    X, Y = make(SHAPES["primal"], seed=14)
    Yk = np.column_stack([Y[:, 0], np.full(90, 2.5), Y[:, 1]])
    with pytest.warns(UserWarning, match="constant target"):
        res = cv_ridge(X, Yk, score_all_alphas=True)
    ref = cv_ridge(X, Y[:, :2])
    assert list(res.constant_targets) == [1]
    assert np.isnan(res.r[1]) and np.isnan(res.r2[1]) and np.isnan(res.r2_per_alpha[:, 1]).all()
    np.testing.assert_allclose(res.r[[0, 2]], ref.r, atol=1e-12)
    np.testing.assert_allclose(res.predictions[:, 1], 2.5, atol=1e-12)


BAD = {
    "nan in X": (dict(X="nan"), ValueError, "X must be finite.*NaN"),
    "inf in Y": (dict(Y="inf"), ValueError, "Y must be finite.*inf"),
    "mismatched stimuli": (dict(Y="short"), ValueError, "different numbers of stimuli"),
    "fewer stimuli than folds": (dict(n_folds=100), ValueError, "fewer stimuli"),
    "one training stimulus": (dict(folds="tiny"), ValueError, "at least 2"),
    "overlapping folds": (dict(folds="overlap"), ValueError, "overlap"),
    "zero alpha": (dict(alphas=[1.0, 0.0]), ValueError, "alphas must be"),
    "negative alpha": (dict(alphas=-1.0), ValueError, "alphas must be"),
    "unknown device": (dict(device="tpu"), ValueError, "device"),
    "bad dtype": (dict(dtype="float16"), ValueError, "dtype"),
    "text X": (dict(X="text"), TypeError, "numeric"),
    "3-D X": (dict(X="3d"), ValueError, "2-D"),
    "bad inner": (dict(inner="kfold"), ValueError, "inner"),
    "bad n_folds": (dict(n_folds=1), ValueError, "n_folds"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_raises(case):
    X, Y = make((30, 4, 2), seed=15)
    kw, err, match = BAD[case]
    kw = dict(kw)
    if kw.get("X") == "nan":
        X[3, 1] = np.nan
    elif kw.get("X") == "text":
        X = np.full((30, 4), "a")
    elif kw.get("X") == "3d":
        X = X[:, :, None]
    if kw.get("Y") == "inf":
        Y[0, 0] = np.inf
    elif kw.get("Y") == "short":
        Y = Y[:-1]
    idx = np.arange(30)
    if kw.get("folds") == "tiny":
        kw["folds"] = [(idx[:1], idx[1:])]
    elif kw.get("folds") == "overlap":
        kw["folds"] = [(idx[:20], idx[15:])]
    kw.pop("X", None), kw.pop("Y", None)
    with pytest.raises(err, match=match):
        cv_ridge(X, Y, **kw)


def test_groups_fewer_than_folds():
    with pytest.raises(ValueError, match="fewer groups"):
        kfold_indices(10, 5, groups=np.repeat([0, 1, 2], [3, 3, 4]))


def test_progress_bar_only_when_asked_or_long(capsys):
    X, Y = make(SHAPES["primal"])
    cv_ridge(X, Y)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    cv_ridge(X, Y, progress=True)
    assert "cv_ridge" in capsys.readouterr().err


# ----------------------------------------------------------------- GPU
@pytest.mark.gpu
def test_cuda_float32_matches_cpu_float64():
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("CUDA not available")
    X, Y = make(SHAPES["dual"], seed=16)
    gpu = cv_ridge(X, Y, device="cuda")
    cpu = cv_ridge(X, Y, device="cpu")
    assert gpu.dtype == "float32" and gpu.device.startswith("cuda")
    same = np.all(np.isclose(gpu.best_alpha, cpu.best_alpha, rtol=1e-5), axis=0)
    np.testing.assert_allclose(gpu.r2[same], cpu.r2[same], atol=1e-4)
    g64 = cv_ridge(X, Y, device="cuda", dtype="float64", score_all_alphas=True)
    c64 = cv_ridge(X, Y, device="cpu", score_all_alphas=True)
    np.testing.assert_allclose(g64.predictions, c64.predictions, atol=1e-9)
    np.testing.assert_allclose(g64.r2_per_alpha, c64.r2_per_alpha, atol=1e-9)


# ----------------------------------------------------------------- sklearn estimator
def test_estimator_matches_sklearn_ridgecv():
    X, Y = make(SHAPES["dual"], seed=17)
    ours = RidgeCV(alphas=GRID).fit(X, Y)
    sk = SkRidgeCV(alphas=GRID, alpha_per_target=True).fit(X, Y)
    np.testing.assert_array_equal(ours.alpha_, sk.alpha_)
    np.testing.assert_allclose(ours.coef_, sk.coef_, atol=1e-10)
    np.testing.assert_allclose(ours.intercept_, sk.intercept_, atol=1e-10)
    np.testing.assert_allclose(ours.predict(X), sk.predict(X), atol=1e-10)
    one = RidgeCV(alphas=GRID).fit(X, Y[:, 0])
    assert one.coef_.shape == (140,) and np.isscalar(one.alpha_)
    assert one.get_params()["alphas"] is GRID
    assert one.set_params(fit_intercept=False).fit_intercept is False


# Every scikit-learn check runs; none is skipped by us. scikit-learn itself skips its
# array-API checks unless SCIPY_ARRAY_API=1 is set (the estimator converts to numpy).
@parametrize_with_checks([RidgeCV(), RidgeCV(alphas=[0.1, 1.0, 10.0], inner="gcv")])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


# ----------------------------------------------------------------------- splitters, laziness
def test_cv_accepts_a_scikit_learn_splitter(rng):
    from sklearn.model_selection import GroupKFold, KFold

    X, Y = rng.standard_normal((40, 6)), rng.standard_normal((40, 3))
    kf = KFold(4, shuffle=True, random_state=1)
    a = cv_ridge(X, Y, cv=kf)
    b = cv_ridge(X, Y, folds=list(kf.split(X)))
    np.testing.assert_array_equal(a.predictions, b.predictions)
    assert len(a.folds) == 4
    groups = np.repeat(np.arange(10), 4)
    g = cv_ridge(X, Y, cv=GroupKFold(5), groups=groups)
    for tr, te in g.folds:  # a group never straddles train and test
        assert not set(groups[tr]) & set(groups[te])
    p = alpha_path(X, Y, cv=kf)
    assert p.r2_per_alpha.shape[1] == 3
    with pytest.raises(ValueError, match="folds or cv, not both"):
        cv_ridge(X, Y, cv=kf, folds=list(kf.split(X)))
    with pytest.raises(TypeError, match="cv must be a scikit-learn splitter"):
        cv_ridge(X, Y, cv=5)


def test_run_is_keyword_only():
    from bothways import ridge

    with pytest.raises(TypeError):
        ridge._run(np.ones((5, 2)), np.ones((5, 1)), None, 5, None, 0, True, None, None)


def test_importing_ridge_does_not_import_sklearn():
    import subprocess
    import sys

    code = ("import sys, numpy as np, bothways.ridge as r; r.cv_ridge(np.random.rand(20, 3), np.random.rand(20, 2)); "
            "assert 'sklearn' not in sys.modules, 'sklearn imported'; r.RidgeCV; assert 'sklearn' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
