"""Tests for chapter 5's newer numerics: spatially blocked folds, the less idealised MEC,
time-binned topology with a circular-shift null, the continuous-attractor network, and
Dynamical Similarity Analysis against the dsa-metric package (Ostrow's reference code)."""
import numpy as np
import pytest

from bothways import grid


# ------------------------------------------------------------------ spatial folds
def test_spatial_folds_partition_into_contiguous_blocks(rng):
    c = (np.arange(20) + 0.5) / 20
    X, Y = np.meshgrid(c, c)
    pos = np.c_[X.ravel(), Y.ravel()]
    keep = rng.random(len(pos)) > 0.1  # some unvisited bins
    pos = pos[keep]
    folds = grid.spatial_folds(pos, n_blocks=4, box=1.0)
    assert len(folds) == 16
    tests = np.concatenate([te for _, te in folds])
    assert np.array_equal(np.sort(tests), np.arange(len(pos)))  # every bin tested once
    for tr, te in folds:
        assert np.intersect1d(tr, te).size == 0 and len(tr) + len(te) == len(pos)
        # a block is a square of side 1/4: its test bins all lie inside one
        lo = np.floor(pos[te].min(0) * 4) / 4
        assert np.all(pos[te] >= lo) and np.all(pos[te] < lo + 0.25)
    # the folds plug into cv_ridge
    from bothways.ridge import cv_ridge
    Xf, Yf = rng.standard_normal((len(pos), 5)), rng.standard_normal((len(pos), 2))
    assert cv_ridge(Xf, Yf, folds=folds).predicted.all()
    # bounding square when box is None: the same blocks here
    assert [len(te) for _, te in grid.spatial_folds(pos, 2)] == [len(te) for _, te in grid.spatial_folds(pos, 2, 1.0)]


def test_spatial_folds_bad_input():
    pos = np.random.default_rng(0).random((50, 2))
    with pytest.raises(ValueError, match="positions"):
        grid.spatial_folds(pos[:, :1])
    with pytest.raises(ValueError, match="NaN"):
        grid.spatial_folds(np.where(pos > 0.9, np.nan, pos))
    with pytest.raises(ValueError, match="n_blocks"):
        grid.spatial_folds(pos, 1)
    with pytest.raises(ValueError, match="n_blocks"):
        grid.spatial_folds(pos, 2.5)
    with pytest.raises(ValueError, match="outside"):
        grid.spatial_folds(pos * 2, 4, box=1.0)
    with pytest.raises(ValueError, match="blocks"):
        grid.spatial_folds(np.r_[np.full((4, 2), 0.1), [[0.11, 0.1]]], 2, box=1.0)
    with pytest.raises(ValueError, match="identical"):
        grid.spatial_folds(np.zeros((5, 2)))


def test_blocked_folds_penalise_interpolation():
    """Low-pass noise "predicts" a smooth map from neighbours under random folds only."""
    from bothways.ridge import cv_ridge, kfold_indices

    tr = grid.sargolini_trajectory()
    target = grid.make_grid_cells([1], [0.42], [0.3], peak=(10, 10), seed=3)
    noise = grid.lowpass_noise_model(150, sigma=0.08, seed=1)
    c = (np.arange(20) + 0.5) / 20
    X, Y = np.meshgrid(c, c)
    pos = np.c_[X.ravel(), Y.ravel()]
    Xn, y = noise(pos), target(pos)
    r_rand = cv_ridge(Xn, y, folds=kfold_indices(len(pos), 5, 0)).r[0]
    r_block = cv_ridge(Xn, y, folds=grid.spatial_folds(pos, 4, 1.0)).r[0]
    assert r_rand > 0.7 and r_block < r_rand - 0.3
    del tr


# ------------------------------------------------------------------ less idealised MEC
def test_elliptical_grid_pattern():
    per, ori, e, th = 0.4, 0.2, 1.3, 0.7
    ph = np.array([0.5, 0.5])
    a = ori + np.arange(6) * np.pi / 3
    lattice = per * np.c_[np.cos(a), np.sin(a)]
    u = np.array([np.cos(th), np.sin(th)])
    stretched = lattice + (e - 1) * (lattice @ u)[:, None] * u  # stretch by e along u
    g = grid.grid_pattern(ph + stretched, per, ori, ph, stretch=e, stretch_angle=th)[:, 0]
    np.testing.assert_allclose(g, 1.0, atol=1e-12)
    assert grid.grid_pattern(ph + lattice, per, ori, ph, stretch=e, stretch_angle=th)[:, 0].min() < 0.9


def test_heterogeneous_mec():
    tr = grid.sargolini_trajectory()
    kw = dict(n_hd=0, n_border=0, n_speed=0, n_spatial=6, seed=0)
    ideal = grid.simulate_mec((30,), **kw)
    het = grid.simulate_mec((30,), field_variability=0.4, ellipticity=0.2, conjunctive=0.5,
                            spatial_sigma=(0.03, 0.12), **kw)
    assert 5 < het.conjunctive.sum() < 25 and not ideal.conjunctive.any()
    r_i, r_h = ideal.rates(tr), het.rates(tr)
    assert (r_h >= 0).all() and r_h.shape == r_i.shape
    # conjunctive cells are tuned to head direction, pure ones are not (beyond chance)
    hd = tr.head_direction
    mvl = np.abs((r_h[:, :30] * np.exp(1j * hd)[:, None]).sum(0)) / r_h[:, :30].sum(0)
    assert mvl[het.conjunctive[:30]].mean() > 2 * mvl[~het.conjunctive[:30]].mean()
    # field-to-field variability lowers gridness, but the grid survives
    g_i = grid.grid_scores(grid.rate_maps(tr.pos, r_i[:, :30], smooth=1.0).maps, 0.05).gridness
    g_h = grid.grid_scores(grid.rate_maps(tr.pos, r_h[:, :30], smooth=1.0).maps, 0.05).gridness
    assert g_h.median() < g_i.median() and g_h.median() > 0.3
    # spatial cells with several smoothness levels
    assert het.spatial.n_units == 6
    with pytest.raises(ValueError, match="conjunctive"):
        grid.simulate_mec((5,), conjunctive=1.5)
    with pytest.raises(ValueError, match="sigma"):
        grid.smooth_random_fields(3, [0.1, -0.1, 0.1])


# ------------------------------------------------------------------ topology of dynamics
def test_time_binned_matches_reshape_mean(rng):
    x = rng.random((1003, 4))
    b = grid.time_binned(x, 0.02, 0.1, smooth=0)
    np.testing.assert_allclose(b, x[:1000].reshape(200, 5, 4).mean(1))
    from scipy.ndimage import gaussian_filter1d
    np.testing.assert_allclose(grid.time_binned(x, 0.02, 0.1, 2.0), gaussian_filter1d(b, 2.0, axis=0, mode="nearest"))
    with pytest.raises(ValueError, match="bin_width"):
        grid.time_binned(x, 0.02, 0.01)
    with pytest.raises(ValueError, match="NaN"):
        grid.time_binned(np.full((100, 2), np.nan), 0.02)


def test_circular_null_keeps_torus_and_rejects_smooth_noise():
    tr = grid.sargolini_trajectory()
    mod = grid.make_grid_cells([40], [0.42], [0.3], seed=1)
    A = grid.time_binned(mod(tr.pos), tr.dt, 0.1, 1.0)
    t = grid.population_topology(A, null="circular", seed=0)
    assert t.is_torus
    # smooth spatial noise along the same path has no torus under either null
    Z = grid.time_binned(grid.lowpass_noise_model(40, sigma=0.08, seed=2)(tr.pos), tr.dt, 0.1, 1.0)
    assert not grid.population_topology(Z, null="circular", seed=0).is_torus
    with pytest.raises(ValueError, match="null"):
        grid.population_topology(A, null="shuffle")


# ------------------------------------------------------------------ attractor network
def test_attractor_forms_a_pattern_and_moves_with_velocity():
    net = grid.AttractorNetwork(n=32, lam=8.0, tau=0.02, dt=0.002, alpha=0.2)
    s = net.settle(0.5)
    assert s.std() > 0.5 * s.mean()  # a pattern, not the uniform state
    assert 8 < grid.pattern_period(s) < 13
    from bothways.grid.attractor import pattern_shift
    moved = {}
    for v in ([0.2, 0.0], [0.0, 0.2], [0.0, 0.0], [0.4, 0.0]):
        _, s2 = net.run(np.tile(v, (25, 1)), s, record_every=0)
        moved[tuple(v)] = pattern_shift(s, s2)
    assert moved[(0.2, 0.0)][0] > 0.02 and abs(moved[(0.2, 0.0)][1]) < 0.3 * moved[(0.2, 0.0)][0]
    assert moved[(0.0, 0.2)][1] > 0.02 and abs(moved[(0.0, 0.2)][0]) < 0.3 * moved[(0.0, 0.2)][1]
    assert np.abs(moved[(0.0, 0.0)]).max() < 0.2 * moved[(0.2, 0.0)][0]  # no input: (almost) no drift
    assert moved[(0.4, 0.0)][0] == pytest.approx(2 * moved[(0.2, 0.0)][0], rel=0.15)  # linear in v
    with pytest.raises(ValueError, match="dt"):
        grid.AttractorNetwork(dt=0.02, tau=0.02)


def test_pattern_shift_recovers_a_roll(rng):
    from bothways.grid.attractor import pattern_shift

    a = grid.AttractorNetwork(n=32, tau=0.02, dt=0.002).settle(0.5)
    np.testing.assert_allclose(pattern_shift(a, np.roll(a, (2, -3), axis=(1, 2))), [-3, 2], atol=1e-6)


@pytest.mark.slow
def test_attractor_neurons_are_grid_cells_of_the_requested_geometry():
    tr = grid.sargolini_trajectory()
    tr = grid.Trajectory(tr.t[:7500], tr.pos[:7500])
    net = grid.make_attractor(32, period=0.42, orientation=np.deg2rad(15), calibration_s=50, seed=1)
    A = net.activity(tr)
    df = grid.grid_scores(grid.rate_maps(tr.pos, A, n_bins=20, smooth=1.0).maps, 0.05)
    assert df.gridness.median() > 0.4
    assert df.period.median() == pytest.approx(0.42, rel=0.08)
    d = abs((df.orientation.median() - 15 + 30) % 60 - 30)
    assert d < 5


# ------------------------------------------------------------------ DSA
def _linear_system(rng, n=6, T=600, rho=0.97):
    M = np.linalg.qr(rng.standard_normal((n, n)))[0] * rho
    x = np.zeros((T, n))
    x[0] = rng.standard_normal(n)
    for t in range(1, T):
        x[t] = M @ x[t - 1] + 0.1 * rng.standard_normal(n)
    return x


def test_delay_embed_and_dmd_match_the_dsa_package(rng):
    DSA = pytest.importorskip("DSA")
    x = _linear_system(rng)
    H = grid.delay_embed(x, 3, 2)
    ref = DSA.dmd.embed_signal_torch(x, 3, 2).numpy()
    np.testing.assert_allclose(H, ref, atol=1e-12)
    A = grid.havok_dmd(x, 3, 8)
    d = DSA.DMD(x, n_delays=3, rank=8, lamb=0)
    d.fit()
    ev_ref = np.sort_complex(np.linalg.eigvals(d.A_v.numpy().astype(float)))
    np.testing.assert_allclose(np.sort_complex(np.linalg.eigvals(A)), ev_ref, atol=1e-4)
    with pytest.raises(ValueError, match="rank"):
        grid.havok_dmd(x, 2, 100)


def test_procrustes_distance_against_the_dsa_package(rng):
    DSA = pytest.importorskip("DSA")
    import torch

    A, B = rng.standard_normal((6, 6)), rng.standard_normal((6, 6))
    mine, C = grid.procrustes_vector_fields(A, B, seed=0)
    np.testing.assert_allclose(C @ C.T, np.eye(6), atol=1e-8)
    ref = DSA.simdist.SimilarityTransformDist(iters=1000, score_method="angular", lr=1e-2)
    theirs = float(ref.fit_score(torch.tensor(A).float(), torch.tensor(B).float()))
    assert mine <= theirs + 0.01 and mine > theirs - 0.1  # same optimum, or a better one
    # a rotated copy: exactly 0 up to the optimiser
    Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    assert grid.procrustes_vector_fields(A, Q @ A @ Q.T)[0] < 1e-4
    # closed form: two 2-D rotations by different angles are at the angle between the
    # matrices (rotations commute with every 2-D rotation C)
    R = lambda t: np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])  # noqa: E731
    expect = np.arccos(np.cos(0.3 - 1.1))
    assert grid.procrustes_vector_fields(R(0.3), R(1.1))[0] == pytest.approx(expect, abs=1e-6)
    with pytest.raises(ValueError, match="square"):
        grid.procrustes_vector_fields(A, B[:3, :3])


def test_dsa_is_rotation_invariant_and_separates_dynamics(rng):
    x = _linear_system(rng, n=8)
    Q = np.linalg.qr(rng.standard_normal((8, 8)))[0]
    # ≈ 0: the two DMD matrices differ by a change of basis (signs of the SVD modes) that
    # the optimiser has to find; it gets within a few milliradians
    assert grid.dsa(x, x @ Q, n_delays=3, rank=8, n_pca=None).distance < 0.02
    assert grid.dsa(x, x @ Q, n_delays=3, rank=8, n_pca=5).distance < 0.02
    other = _linear_system(np.random.default_rng(99), n=8, rho=0.5)
    assert grid.dsa(x, other, n_delays=3, rank=8, n_pca=None).distance > 0.2
    with pytest.raises(ValueError, match="NaN"):
        grid.dsa(np.full((50, 3), np.nan), x)
