"""Tests for bothways.grid: closed-form grids, known-topology point clouds, simulations
with known ground truth, a brute-force autocorrelogram, and file round trips."""
import numpy as np
import pytest

from bothways import grid


def _bins(n=32, box=1.0):
    c = (np.arange(n) + 0.5) * box / n
    X, Y = np.meshgrid(c, c)
    return X, Y, np.c_[X.ravel(), Y.ravel()]


def _grid_map(period, ori_deg, n=32, phase=(0.13, 0.27)):
    _, _, pos = _bins(n)
    g = grid.grid_pattern(pos, period, np.deg2rad(ori_deg), phase)
    return np.maximum(g, 0).reshape(n, n)


# ------------------------------------------------------------------ gridness
@pytest.mark.parametrize("period,ori", [(0.2, 0), (0.3, 13), (0.45, 41)])
def test_perfect_grid_scores_high(period, ori):
    assert grid.gridness(_grid_map(period, ori)) > 1.0


def test_band_and_bump_score_low():
    X, Y, _ = _bins()
    band = np.cos(2 * np.pi * (X * np.cos(0.4) + Y * np.sin(0.4)) / 0.3)
    bump = np.exp(-((X - 0.45) ** 2 + (Y - 0.55) ** 2) / (2 * 0.12**2))
    assert grid.gridness(band) < 0.3
    assert grid.gridness(bump) < 0.3
    # a square lattice (90° symmetry, not 60°) is not a grid either
    square = np.cos(2 * np.pi * X / 0.25) + np.cos(2 * np.pi * Y / 0.25)
    assert grid.gridness(square) < 0.3


def test_gridness_rotation_invariant():
    g = [grid.gridness(_grid_map(0.3, o)) for o in (0, 9, 17, 26, 38, 51)]
    assert np.ptp(g) < 0.15
    m = _grid_map(0.3, 17)
    assert grid.gridness(np.rot90(m)) == pytest.approx(grid.gridness(m), abs=0.05)


def test_gridness_nan_bins_and_errors():
    m = _grid_map(0.3, 10)
    holed = m.copy()
    holed[10:14, 5:9] = np.nan  # an unvisited patch
    assert grid.gridness(holed) > 1.0
    assert np.isnan(grid.gridness(np.ones((20, 20))))  # constant map: undefined
    with pytest.raises(ValueError, match="2-D"):
        grid.gridness(np.ones(20))
    with pytest.raises(ValueError, match="inf"):
        grid.gridness(np.where(m > 0.5, np.inf, m))
    with pytest.raises(ValueError, match="bin_size"):
        grid.grid_properties(m, 0.0)


def test_autocorrelogram_matches_brute_force(rng):
    m = rng.random((7, 9))
    m[2, 3] = m[5, 0] = np.nan
    ac = grid.autocorrelogram(m, min_overlap=5)
    h, w = m.shape
    for dy in range(-h + 1, h):
        for dx in range(-w + 1, w):
            a = m[max(0, dy):h + min(0, dy), max(0, dx):w + min(0, dx)]
            b = m[max(0, -dy):h + min(0, -dy), max(0, -dx):w + min(0, -dx)]
            # ac[τ] pairs x(p) with x(p - τ); symmetric in τ anyway
            ok = np.isfinite(a) & np.isfinite(b)
            ref = np.corrcoef(a[ok], b[ok])[0, 1] if ok.sum() >= 5 else np.nan
            got = ac[dy + h - 1, dx + w - 1]
            if np.isnan(ref):
                assert np.isnan(got)
            else:
                assert got == pytest.approx(ref, abs=1e-9)


@pytest.mark.parametrize("period,ori", [(0.25, 7.0), (0.4, 22.0), (0.33, 48.0)])
def test_grid_properties_recovers_period_and_orientation(period, ori):
    p = grid.grid_properties(_grid_map(period, ori, n=40), bin_size=1 / 40)
    assert p.period == pytest.approx(period, rel=0.05)
    d = abs((p.orientation - ori + 30) % 60 - 30)  # circular distance modulo 60°
    assert d < 3.0
    assert p.n_peaks == 6 and p.gridness > 1


def test_grid_scores_stack_matches_single():
    maps = np.stack([_grid_map(0.3, 5), _grid_map(0.4, 30)], -1)
    df = grid.grid_scores(maps, 1 / 32)
    assert list(df.columns[:3]) == ["gridness", "period", "orientation"]
    assert df.gridness[1] == pytest.approx(grid.gridness(maps[..., 1]))
    assert df.period[0] == pytest.approx(grid.grid_properties(maps[..., 0], 1 / 32).period)


# ----------------------------------------------------------------- null test
def test_gridness_test_null_is_calibrated():
    noise = grid.lowpass_noise_maps((20, 20), 1.5, 60, seed=11)
    grids = np.stack([_grid_map(0.3, o, n=20, phase=(o / 100, 0.1)) for o in (3, 21, 40)], -1)
    df = grid.gridness_test(np.concatenate([noise, grids], -1), 0.05, n_null=100, seed=0)
    p_noise, p_grid = df.p_value[:60], df.p_value[60:]
    assert 0.0 <= (p_noise < 0.05).mean() <= 0.15  # ~5 % false positives
    assert (p_noise < 0.5).mean() == pytest.approx(0.5, abs=0.2)  # roughly uniform
    assert (p_grid < 0.02).all()
    # the matched null has the measured smoothness of the noise maps
    s_true = df.null_sigma[:60].median()
    assert s_true == pytest.approx(1.5, abs=0.3)
    with pytest.raises(ValueError, match="n_null"):
        grid.gridness_test(noise, 0.05, n_null=5)


def test_central_peak_sigma_orders_smoothness():
    s = [np.median(grid.central_peak_sigma(grid.lowpass_noise_maps((24, 24), sig, 20, seed=1)))
         for sig in (1.0, 2.0, 3.0)]
    assert s[0] < s[1] < s[2]
    assert s[0] == pytest.approx(1.0, rel=0.25)  # small σ: little finite-size bias


# ------------------------------------------------------------------ modules
def test_detect_modules_finds_discrete_modules(rng):
    true = 0.3 * 1.4 ** np.arange(3)
    per = np.concatenate([p * np.exp(0.03 * rng.standard_normal(25)) for p in true] + [[np.nan]])
    m = grid.detect_modules(per)
    assert m.n_modules == 3
    np.testing.assert_allclose(m.periods, true, rtol=0.03)
    np.testing.assert_allclose(m.ratios, 1.4, rtol=0.05)
    assert m.labels[-1] == -1 and (m.sizes == 25).all()
    # one module whose period estimates are bimodal by a few per cent stays one module
    m1 = grid.detect_modules(np.r_[np.full(40, 0.41), np.full(40, 0.44)] + 0.002 * rng.standard_normal(80))
    assert m1.n_modules == 1
    assert grid.detect_modules([np.nan, 0.3]).n_modules == 0
    with pytest.raises(ValueError):
        grid.detect_modules([-0.3, 0.3, 0.3])


# ------------------------------------------------------------------ topology
def _clouds(seed, n=500):
    r = np.random.default_rng(seed)
    a, b = r.uniform(0, 2 * np.pi, (2, n))
    torus = np.c_[np.cos(a), np.sin(a), np.cos(b), np.sin(b)] @ r.standard_normal((4, 20))
    v = r.standard_normal((n, 3))
    sphere = (v / np.linalg.norm(v, axis=1, keepdims=True)) @ r.standard_normal((3, 20))
    return torus + 0.05 * r.standard_normal((n, 20)), sphere, r.standard_normal((n, 20))


def test_topology_torus_sphere_noise():
    torus, sphere, noise = _clouds(3)
    kw = dict(n_points=100, maxdim=2, seed=0)
    t = grid.population_topology(torus, **kw)
    assert t.betti == (1, 2, 1) and t.is_torus and t.has_two_loops
    s = grid.population_topology(sphere, **kw)
    assert s.betti == (1, 0, 1) and not s.is_torus
    z = grid.population_topology(noise, **kw)
    assert z.betti == (1, 0, 0) and not z.is_torus
    assert t.n_points == 100 and len(t.diagrams) == 3


def test_topology_grid_module_is_torus_and_errors():
    _, _, pos = _bins(30)
    mod = grid.grid_module_model(40, 0.35, 0.2, seed=1)
    t = grid.population_topology(mod(pos), n_points=100, seed=0)
    assert t.is_torus
    with pytest.raises(ValueError, match="NaN"):
        grid.population_topology(np.full((50, 5), np.nan))
    with pytest.raises(ValueError, match="constant"):
        grid.population_topology(np.c_[np.ones(50), np.arange(50.0)])
    with pytest.raises(ValueError, match="maxdim"):
        grid.population_topology(np.random.default_rng(0).random((50, 4)), maxdim=3)


def test_farthest_point_sample_covers(rng):
    X = rng.random((2000, 2))
    idx = grid.farthest_point_sample(X, 50, seed=0)
    assert len(set(idx)) == 50
    d_fps = np.min(np.linalg.norm(X[:, None] - X[idx][None], axis=-1), 1).max()
    rnd = rng.choice(2000, 50, replace=False)
    d_rnd = np.min(np.linalg.norm(X[:, None] - X[rnd][None], axis=-1), 1).max()
    assert d_fps < d_rnd


# ------------------------------------------------------------------ simulation
def test_grid_pattern_lattice():
    per, ori, ph = 0.4, np.deg2rad(12), np.array([0.3, 0.2])
    a = ori + np.arange(6) * np.pi / 3
    lattice = ph + per * np.c_[np.cos(a), np.sin(a)]
    g = grid.grid_pattern(np.vstack([ph, lattice, ph + [per / 2, 0]]), per, ori, ph)[:, 0]
    np.testing.assert_allclose(g[:7], 1.0, atol=1e-12)  # peaks at the phase and its lattice
    assert g[7] < 0.5
    with pytest.raises(ValueError):
        grid.grid_pattern(np.zeros((2, 2)), -1.0, 0.0, [0, 0])


def test_rate_maps_match_brute_force(rng):
    pos = rng.random((500, 2))
    sig = rng.random((500, 3))
    rm = grid.rate_maps(pos, sig, n_bins=4, dt=0.1)
    i, j = 1, 2  # row (y) 1, column (x) 2
    inside = (pos[:, 1] >= 0.25) & (pos[:, 1] < 0.5) & (pos[:, 0] >= 0.5) & (pos[:, 0] < 0.75)
    np.testing.assert_allclose(rm.maps[i, j], sig[inside].mean(0))
    assert rm.occupancy[i, j] == pytest.approx(0.1 * inside.sum())
    assert rm.flat().shape == (16, 3) and rm.bin_size == 0.25
    pos2 = pos.copy()
    pos2[:7] = np.nan
    assert grid.rate_maps(pos2, sig, n_bins=4).n_dropped == 7
    with pytest.raises(ValueError):
        grid.rate_maps(pos, sig[:10])


def test_trajectory_and_random_walks():
    tr = grid.sargolini_trajectory()
    assert tr.pos.shape == (29800, 2) and tr.dt == pytest.approx(0.02)
    assert 0.08 < tr.speed.mean() < 0.2
    pos, vel = grid.random_walks(50, 200, seed=0)
    assert pos.shape == (50, 201, 2) and vel.shape == (50, 200, 2)
    assert pos.min() >= 0 and pos.max() <= 1
    np.testing.assert_allclose(pos[:, 1:] - pos[:, :-1], vel * 0.02, atol=1e-12)
    assert 0.05 < np.linalg.norm(vel, axis=-1).mean() < 0.15
    with pytest.raises(ValueError):
        grid.Trajectory(np.arange(3.0), np.full((3, 2), np.nan))


def test_simulated_mec_ground_truth():
    tr = grid.sargolini_trajectory()
    mec = grid.simulate_mec((10, 10), n_hd=3, n_border=2, n_speed=2, n_spatial=3, seed=0)
    assert mec.n_units == 30 and (mec.kind == "grid").sum() == 20
    np.testing.assert_allclose(mec.module_periods, [0.3, 0.42])
    r = mec.rates(tr)
    assert r.shape == (29800, 30) and (r >= 0).all()
    rm = grid.rate_maps(tr.pos, r, n_bins=20)
    df = grid.grid_scores(rm.maps[..., :20], rm.bin_size)
    assert (df.gridness > 0.8).all()
    np.testing.assert_allclose(df.period.groupby(mec.module[:20]).median(), [0.3, 0.42], rtol=0.06)
    # head-direction cells are tuned to heading, not position
    hd = mec.kind == "hd"
    pref = mec.hd_pref
    est = np.angle((r[:, hd] * np.exp(1j * tr.head_direction)[:, None]).sum(0))
    assert np.all(np.abs(np.angle(np.exp(1j * (est - pref)))) < 0.3)
    spikes = grid.poisson_spikes(r, tr.dt, seed=1)
    assert spikes.sum() / (r.sum() * tr.dt) == pytest.approx(1.0, rel=0.02)


def test_candidate_models_shapes():
    tr = grid.sargolini_trajectory()
    tr = grid.Trajectory(tr.t[:2000], tr.pos[:2000])
    for m in (grid.grid_module_model(5, 0.4), grid.lowpass_noise_model(5), grid.place_cell_model(5),
              grid.random_relu_model(5)):
        r = grid.responses(m, tr)
        assert r.shape == (2000, 5) and np.isfinite(r).all()
    f = grid.lowpass_noise_model(200, sigma=0.1, seed=0)
    v = f(np.random.default_rng(0).random((300, 2)))
    assert abs(v.mean()) < 0.2 and v.std() == pytest.approx(1.0, abs=0.2)
    with pytest.raises(TypeError):
        grid.responses(3, tr)


# -------------------------------------------------------------- path integrator
def test_place_cells_targets():
    pc = grid.PlaceCells(np.random.default_rng(0).random((30, 2)))
    y = pc.targets(np.random.default_rng(1).random((4, 5, 2)))
    assert y.shape == (4, 5, 30) and (y >= 0).all()
    np.testing.assert_allclose(y.sum(-1), 1.0, rtol=1e-5)
    # the code peaks at the cell nearest the position
    p = pc.centers[7][None]
    assert grid.PlaceCells(pc.centers, dog=False).targets(p).argmax() == 7


@pytest.mark.slow
def test_path_integrator_learns_and_beats_baselines():
    pi = grid.train_path_integrator(n_units=96, n_place=256, n_steps=400, batch_size=64,
                                    lr=3e-3, log_every=10, seed=0)
    c = pi.curve
    assert list(c.columns) == ["step", "loss", "error_cm", "hold_cm", "ablated_cm"] and c.step.iloc[-1] == 399
    assert c.loss.iloc[-3:].mean() < c.loss.iloc[:3].mean()
    # Sorscher-scaled walks travel about a fifth of the box per 20-step sequence
    assert 0.1 < pi.config["speed_scale"] * 1.2533 * 20 * 0.02 < 0.3
    ev = pi.evaluate(n_walks=200, seed=1)
    w = ev.loc["test walks"]
    assert w.network < 0.8 * w.hold_start and w.network < 0.8 * w.velocity_ablated  # it integrates
    # hold-start is exactly the mean distance from the start of each walk
    pos, _ = pi.walks(200, seed=1)
    assert w.hold_start == pytest.approx(100 * np.linalg.norm(pos[:, 1:] - pos[:, :1], axis=-1).mean(), rel=1e-5)
    tr = grid.sargolini_trajectory()
    tr = grid.Trajectory(tr.t[:3000], tr.pos[:3000])
    err = np.linalg.norm(pi.decode(tr) - tr.pos, axis=1).mean()
    chance = np.linalg.norm(tr.pos - tr.pos.mean(0), axis=1).mean()
    assert err < 0.6 * chance
    assert pi.activity(tr).shape == (3000, 96)
    assert set(pi.evaluate(50, traj=tr).index) == {"test walks", "trajectory"}
    untrained = grid.train_path_integrator(n_units=96, n_place=256, n_steps=0, seed=0)
    assert len(untrained.curve) == 0
    assert np.linalg.norm(untrained.decode(tr) - tr.pos, axis=1).mean() > err
    with pytest.raises(ValueError):
        grid.train_path_integrator(n_units=0)
    with pytest.raises(ValueError, match="speed_scale"):
        grid.train_path_integrator(n_steps=0, speed_scale=-1.0)


# ------------------------------------------------------------------ loader
def test_load_session_npz_and_mat(tmp_path):
    from scipy.io import savemat

    t = np.arange(0, 10, 0.02)
    x = 50 * np.cos(t / 3)  # cm, centred on the box
    y = 50 * np.sin(t / 2)
    st = [np.array([0.5, 1.0, 7.3]), np.array([2.0])]
    np.savez(tmp_path / "s.npz", t=t, x=x, y=y, spike_times=np.concatenate(st),
             spike_cell=np.array([0, 0, 0, 1]), cell_ids=np.array(["a", "b"]), box=100.0)
    s = grid.load_session(tmp_path / "s.npz", position_unit="cm")
    assert s.n_cells == 2 and list(s.cell_ids) == ["a", "b"] and s.box == pytest.approx(1.0)
    assert s.pos.min() >= 0 and s.pos.max() <= 1.0
    counts = s.spike_counts()
    assert counts.shape == (len(t), 2) and counts.sum(0).tolist() == [3, 1]
    assert counts[np.argmin(np.abs(t - 7.3)), 0] == 1
    rm = s.rate_maps(n_bins=5)
    assert np.nansum(rm.maps[..., 0] * rm.occupancy) == pytest.approx(3.0)
    savemat(tmp_path / "c.mat", dict(post=t, posx=x, posy=y, cellTS=st[0]))
    m = grid.load_session(tmp_path / "c.mat", position_unit="cm")
    assert m.n_cells == 1 and np.allclose(m.pos, s.pos - s.pos.min(0) + m.pos.min(0))
    xn = x.copy()
    xn[5] = np.nan
    np.savez(tmp_path / "n.npz", t=t, x=xn, y=y, spike_times=st[0], spike_cell=np.zeros(3, int))
    assert grid.load_session(tmp_path / "n.npz", "cm").n_nan_positions == 1
    np.savez(tmp_path / "bad.npz", t=t, x=x, spike_times=st[0], spike_cell=np.zeros(3, int))
    with pytest.raises(ValueError, match="'y'"):
        grid.load_session(tmp_path / "bad.npz")
    with pytest.raises(ValueError, match="unit"):
        grid.load_session(tmp_path / "s.npz", position_unit="inch")
    with pytest.raises(FileNotFoundError):
        grid.load_session(tmp_path / "missing.npz")
    with pytest.raises(ValueError, match="outside"):
        grid.load_session(tmp_path / "s.npz", position_unit="cm", box=0.5)


# ------------------------------------------------------------------ comparison
def test_grid_criteria():
    tr = grid.sargolini_trajectory()
    mec = grid.simulate_mec((25, 40), n_hd=0, n_border=0, n_speed=0, n_spatial=10, seed=0)
    r = mec.rates(tr)
    maps = grid.rate_maps(tr.pos, r, n_bins=20, smooth=1.0)
    crit = grid.grid_criteria("mec", maps, None, n_null=100, seed=0)
    s = crit.summary
    assert s["n_modules"] == 2 and s["ok_modules"] and s["ok_ratios"] and not s["ok_torus"]
    assert crit.units.grid[:65].mean() > 0.9 and crit.units.grid[65:].mean() < 0.2
    assert set(crit.units.module[:25]) == {0} and set(crit.units.module[25:65]) == {1}
    noise = grid.rate_maps(tr.pos, grid.lowpass_noise_model(40, seed=1)(tr.pos), n_bins=20, smooth=1.0)
    cn = grid.grid_criteria("noise", noise, None, n_null=100, seed=0)
    with pytest.raises(ValueError, match="n_null"):
        grid.grid_criteria("noise", noise, None, n_null=60)
    assert cn.summary["n_criteria"] == 0
    # with activity: the largest module (42 cm, 40 cells) is tested on time bins; without
    # modules, the most grid-like units
    act = grid.time_binned(r, tr.dt, 0.1, 1.0)
    ct = grid.grid_criteria("mec", maps, act, n_null=100, seed=0)
    assert ct.topology_source == "module 2" and np.isin(ct.topology_units, np.arange(25, 65)).mean() > 0.9
    assert ct.topology.is_torus and ct.passed["torus"]
    cnt = grid.grid_criteria("noise", noise, grid.time_binned(grid.lowpass_noise_model(40, seed=1)(tr.pos), tr.dt),
                             n_null=100, top_units=10, topology_kw=dict(n_points=80), seed=0)
    assert cnt.topology_source == "top 10 by gridness" and not cnt.passed["torus"]
    with pytest.raises(ValueError, match="activity"):
        grid.grid_criteria("mec", maps, act[:, :3], n_null=100)


def test_population_maps_halves_and_dropped_units(rng):
    tr = grid.sargolini_trajectory()
    tr = grid.Trajectory(tr.t[:6000], tr.pos[:6000])
    sig = np.c_[rng.random((6000, 3)), np.zeros(6000)]  # the last unit never varies
    pm = grid.population_maps("x", sig, tr, n_bins=8, time_bin=0.1, halves=True)
    assert pm.n_dropped == 1 and pm.kept.tolist() == [0, 1, 2]
    assert pm.regression.ndim == 3 and pm.regression.shape[1:] == (3, 2)
    assert pm.grid_maps.maps.shape == (8, 8, 3) and pm.binned.shape == (1200, 3)
    np.testing.assert_allclose(pm.binned, grid.time_binned(sig[:, :3], tr.dt, 0.1, 1.0))
    assert pm.bin_centers.shape == (len(pm.regression), 2)
    h = 3000
    first = grid.rate_maps(tr.pos[:h], sig[:h, :3], n_bins=8)
    vis = first.visited & grid.rate_maps(tr.pos[h:], sig[h:, :3], n_bins=8).visited
    np.testing.assert_allclose(pm.regression[..., 0], first.maps[vis])
    # bin centres: the rate map of x itself recovers each bin's centre (to within a bin)
    xmap = grid.rate_maps(tr.pos, tr.pos, n_bins=8).maps[vis]
    assert np.abs(xmap - pm.bin_centers).max() <= 1 / 16 + 1e-12
    model = grid.population_maps("m", sig, tr, n_bins=8)
    assert model.regression.shape == (vis.sum(), 3)
    with pytest.raises(ValueError, match="samples"):
        grid.population_maps("x", sig[:10], tr)
    with pytest.raises(ValueError, match="constant"):
        grid.population_maps("x", np.zeros((6000, 2)), tr)


def test_topology_many_units_flat_spectrum(rng):
    # hundreds of units with a flat variance spectrum must not lose every component
    t = grid.population_topology(rng.standard_normal((300, 400)), n_points=60, seed=0)
    assert t.betti == (1, 0, 0)
