"""Trajectories, a simulated "MEC" with known ground truth, and rate maps.

Nothing here is real neural data: the MEC population is a simulation (grid cells in
discrete modules, head-direction, border, speed and heterogeneous spatial cells, with
Poisson spiking) driven by a real rat trajectory (Sargolini et al. 2006, shipped with
``ratinabox``) or by a random walk with the same statistics.

Conventions: positions in metres inside the box [0, box]², time in seconds, angles in
radians, responses ``(time, units)``; rate maps ``(n_y, n_x, units)`` with y = rows.
"""
from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import ndimage


def _rng(seed):
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


# ------------------------------------------------------------------- trajectories
@dataclass(frozen=True)
class Trajectory:
    """A 2-D trajectory sampled every ``dt`` seconds in a square box of side ``box`` (m).

    pos: (T, 2) metres; t: (T,) seconds. ``velocity`` (T, 2) m/s is the forward
    difference (last sample repeated), ``speed`` (T,) m/s, ``head_direction`` (T,)
    radians is the direction of movement (taken from the velocity smoothed over
    ``hd_smooth`` samples; held constant while the animal stands still).
    """

    t: np.ndarray
    pos: np.ndarray
    box: float = 1.0
    hd_smooth: int = 5

    def __post_init__(self):
        pos = np.asarray(self.pos, float)
        if pos.ndim != 2 or pos.shape[1] != 2:
            raise ValueError(f"pos must be (T, 2), got {pos.shape}")
        if len(self.t) != len(pos):
            raise ValueError(f"t has {len(self.t)} samples but pos has {len(pos)}")
        if len(pos) < 3:
            raise ValueError("a trajectory needs at least 3 samples")
        if not np.isfinite(pos).all():
            raise ValueError("pos contains NaN/inf; interpolate or drop those samples first")

    @property
    def dt(self) -> float:
        return float(np.median(np.diff(self.t)))

    @property
    def velocity(self) -> np.ndarray:
        v = np.diff(self.pos, axis=0) / self.dt
        return np.vstack([v, v[-1:]])

    @property
    def speed(self) -> np.ndarray:
        return np.linalg.norm(self.velocity, axis=1)

    @property
    def head_direction(self) -> np.ndarray:
        v = ndimage.uniform_filter1d(self.velocity, self.hd_smooth, axis=0)
        hd = np.arctan2(v[:, 1], v[:, 0])
        still = np.linalg.norm(v, axis=1) < 1e-3
        if still.any():  # hold the last heading while still
            idx = np.where(~still, np.arange(len(hd)), 0)
            np.maximum.accumulate(idx, out=idx)
            hd = hd[idx]
        return hd

    def halves(self) -> tuple["Trajectory", "Trajectory"]:
        """First and second half of the session (used as two "repeats")."""
        m = len(self.t) // 2
        return (Trajectory(self.t[:m], self.pos[:m], self.box, self.hd_smooth),
                Trajectory(self.t[m:], self.pos[m:], self.box, self.hd_smooth))


def sargolini_trajectory() -> Trajectory:
    """The real rat trajectory shipped with ``ratinabox`` (Sargolini et al. 2006).

    600 s at 50 Hz (29,800 samples) in a 1 m × 1 m box; positions only, no spikes.
    Raises ``FileNotFoundError`` if ``ratinabox`` is not installed.
    """
    spec = importlib.util.find_spec("ratinabox")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("the Sargolini trajectory ships with ratinabox: pip install ratinabox")
    path = Path(spec.origin).parent / "data" / "sargolini.npz"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found in the installed ratinabox")
    d = np.load(path)
    pos = np.clip(np.asarray(d["pos"], float), 0.0, 1.0)
    return Trajectory(np.asarray(d["t"], float), pos, 1.0)


#: Sorscher et al.'s trajectory generator (their ``trajectory_generator.py``): Rayleigh
#: speed scale b = 0.13·2π m/s, turn s.d. σ = 11.52 rad/s, 2.2 m box, 0.02 s steps, so a
#: 20-step sequence travels ~0.4 m (a fifth of the box).
SORSCHER_SPEED, SORSCHER_TURN_SD, SORSCHER_BOX = 0.13 * 2 * np.pi, 11.52, 2.2


def sorscher_walk_params(box: float = 1.0) -> dict:
    """``speed_scale`` and ``turn_sd`` of Sorscher et al.'s walks rescaled to a ``box``-metre
    box: lengths (and so speeds, at the same ``dt``) scale by ``box / 2.2``, turning rates
    stay, so a sequence covers the same fraction of the box as theirs."""
    return dict(speed_scale=SORSCHER_SPEED * box / SORSCHER_BOX, turn_sd=SORSCHER_TURN_SD)


def random_walks(n_walks: int, n_steps: int, dt: float = 0.02, box: float = 1.0,
                 speed_scale: float = 0.1, turn_sd: float = 5.76, border: float = 0.03,
                 seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Batched rodent-like random walks in a square box (vectorised numpy).

    The scheme of the path-integration literature (Banino et al. 2018; Sorscher et al.
    2019): speed ~ Rayleigh(``speed_scale`` m/s) each step, heading turned by
    N(0, ``turn_sd`` rad/s)·dt, and near a wall (closer than ``border`` m, heading
    into it) the animal turns parallel to the wall and slows to a quarter. The default
    speed scale matches the mean speed of the Sargolini rat (0.12 m/s); pass
    ``**sorscher_walk_params(box)`` for the statistics Sorscher et al. trained on.

    Returns
    -------
    pos : (n_walks, n_steps + 1, 2) metres.
    vel : (n_walks, n_steps, 2) m/s, the velocity taken at each step (pos[t+1] − pos[t]) / dt.
    """
    for name, val in dict(n_walks=n_walks, n_steps=n_steps).items():
        if isinstance(val, bool) or int(val) != val or val < 1:
            raise ValueError(f"{name} must be a positive integer, got {val!r}")
    for name, val in dict(dt=dt, box=box, speed_scale=speed_scale).items():
        if not np.isfinite(val) or val <= 0:
            raise ValueError(f"{name} must be a positive number, got {val!r}")
    rng = _rng(seed)
    pos = np.empty((n_walks, n_steps + 1, 2))
    pos[:, 0] = rng.uniform(border, box - border, (n_walks, 2))
    hd = rng.uniform(0, 2 * np.pi, n_walks)
    vel = np.empty((n_walks, n_steps, 2))
    speeds = rng.rayleigh(speed_scale, (n_walks, n_steps))
    turns = rng.normal(0, turn_sd, (n_walks, n_steps)) * dt
    wall_angles = np.array([np.pi, -np.pi / 2, 0.0, np.pi / 2])  # outward normals: x=0, y=0, x=box, y=box
    for t in range(n_steps):
        p = pos[:, t]
        d = np.stack([p[:, 0], p[:, 1], box - p[:, 0], box - p[:, 1]], 1)
        k = d.argmin(1)
        rel = np.angle(np.exp(1j * (hd - wall_angles[k])))
        near = (d.min(1) < border) & (np.abs(rel) < np.pi / 2)
        turn = turns[:, t] + np.where(near, np.sign(rel) * (np.pi / 2 - np.abs(rel)), 0.0)
        s = speeds[:, t] * np.where(near, 0.25, 1.0)
        hd = hd + turn
        v = s[:, None] * np.stack([np.cos(hd), np.sin(hd)], 1)
        nxt = np.clip(p + v * dt, 0.0, box)
        vel[:, t] = (nxt - p) / dt
        pos[:, t + 1] = nxt
    return pos, vel


def random_trajectory(n_steps: int, dt: float = 0.02, box: float = 1.0, seed=0, **kw) -> Trajectory:
    """One long :func:`random_walks` walk as a :class:`Trajectory`."""
    pos, _ = random_walks(1, n_steps - 1, dt, box, seed=seed, **kw)
    return Trajectory(np.arange(n_steps) * dt, pos[0], box)


# ---------------------------------------------------------------- grid patterns
def grid_pattern(pos, period, orientation, phase, stretch=None, stretch_angle=None) -> np.ndarray:
    """Ideal hexagonal grid: the sum of three plane waves (Solstad et al. 2006).

    g(x) = (1/3) Σ_i cos(k_i·(M x − phase)), |k_i| = 4π/(√3·period), wave vectors at
    ``orientation`` + 30° + 60°·i, so that the firing peaks form a triangular lattice with
    spacing ``period`` whose lattice vectors point at ``orientation`` + 60°·j. Range
    [−0.5, 1], peak 1 at ``phase``. ``M`` is the identity unless ``stretch`` is given:
    then the lattice is stretched by the factor ``stretch`` along ``stretch_angle``
    (an elliptical grid, Stensola et al. 2012/2015), M = R diag(1/stretch, 1) Rᵀ.

    Parameters
    ----------
    pos : (T, 2) metres. period : (units,) metres. orientation : (units,) radians.
    phase : (units, 2) metres. stretch, stretch_angle : None or (units,) (≥ 1; radians).

    Returns (T, units).
    """
    pos = np.asarray(pos, float)
    period = np.atleast_1d(np.asarray(period, float))
    orientation = np.broadcast_to(np.atleast_1d(np.asarray(orientation, float)), period.shape)
    phase = np.broadcast_to(np.asarray(phase, float).reshape(-1, 2), (len(period), 2))
    if np.any(period <= 0):
        raise ValueError("grid periods must be positive")
    k = 4 * np.pi / (np.sqrt(3) * period)
    if stretch is not None:
        e = np.broadcast_to(np.atleast_1d(np.asarray(stretch, float)), period.shape)
        th = np.broadcast_to(np.atleast_1d(np.asarray(0.0 if stretch_angle is None else stretch_angle,
                                                      float)), period.shape)
        if np.any(e <= 0):
            raise ValueError("stretch must be positive")
    out = np.zeros((len(pos), len(period)))
    for i in range(3):
        a = orientation + np.pi / 6 + i * np.pi / 3
        kv = k[:, None] * np.stack([np.cos(a), np.sin(a)], 1)  # (units, 2)
        if stretch is not None:  # cos(k·M(x − phase)) = cos((M k)·(x − phase)), M symmetric
            u = np.stack([np.cos(th), np.sin(th)], 1)
            along = (kv * u).sum(1, keepdims=True)
            kv_x = kv + (1 / e[:, None] - 1) * along * u
            out += np.cos(pos @ kv_x.T - (phase * kv_x).sum(1))
        else:
            out += np.cos(pos @ kv.T - (phase * kv).sum(1))
    return out / 3


@dataclass(frozen=True)
class GridCells:
    """Grid cells: rate = peak · max(0, grid_pattern − threshold) / (1 − threshold) (Hz).

    Optional departures from the ideal (all None for ideal cells):
    ``stretch``/``stretch_angle`` (units,): elliptical lattices (:func:`grid_pattern`);
    ``field_gain``: a :class:`SmoothFields` of log-gains, one per unit, so that
    neighbouring firing fields have different peak rates (field-to-field variability,
    Ismakov et al. 2017); gain = exp(``gain_sd`` · field − ``gain_sd``²/2).
    """

    period: np.ndarray
    orientation: np.ndarray
    phase: np.ndarray
    peak: np.ndarray
    threshold: float = 0.0
    stretch: np.ndarray | None = None
    stretch_angle: np.ndarray | None = None
    field_gain: "SmoothFields | None" = None
    gain_sd: float = 0.0

    def __call__(self, pos) -> np.ndarray:
        g = grid_pattern(pos, self.period, self.orientation, self.phase, self.stretch, self.stretch_angle)
        r = self.peak * np.maximum(g - self.threshold, 0.0) / (1 - self.threshold)
        if self.field_gain is not None and self.gain_sd > 0:
            r = r * np.exp(self.gain_sd * self.field_gain(pos) - self.gain_sd**2 / 2)
        return r

    @property
    def n_units(self) -> int:
        return len(self.period)


def make_grid_cells(n_per_module, periods, orientations, box: float = 1.0,
                    orientation_jitter: float = np.deg2rad(2.0), period_jitter: float = 0.02,
                    peak=(5.0, 20.0), threshold: float = 0.0, stretch=None, field_variability: float = 0.0,
                    field_sigma: float = 0.05, seed=0) -> GridCells:
    """Grid cells in discrete modules with random phases.

    ``n_per_module``, ``periods`` (m) and ``orientations`` (rad) give one entry per module;
    every cell gets its module's period × (1 + N(0, ``period_jitter``)), its module's
    orientation + N(0, ``orientation_jitter``), a phase uniform over the box and a peak
    rate uniform in ``peak`` (Hz). ``stretch``: None, or one factor (≥ 1) per module —
    the module's lattice is stretched by it along a random axis shared by the module.
    ``field_variability``: s.d. of the log peak rate of single fields (0 = identical
    fields), drawn from low-pass noise of s.d. ``field_sigma`` m.
    """
    rng = _rng(seed)
    n_per_module = np.atleast_1d(n_per_module).astype(int)
    periods = np.broadcast_to(np.atleast_1d(periods), n_per_module.shape)
    orientations = np.broadcast_to(np.atleast_1d(orientations), n_per_module.shape)
    n = int(n_per_module.sum())
    per = np.repeat(periods, n_per_module) * (1 + period_jitter * rng.standard_normal(n))
    ori = np.repeat(orientations, n_per_module) + orientation_jitter * rng.standard_normal(n)
    phase, pk = rng.uniform(0, box, (n, 2)), rng.uniform(*peak, n)
    st = sa = None
    if stretch is not None:
        st = np.repeat(np.broadcast_to(np.atleast_1d(np.asarray(stretch, float)), n_per_module.shape),
                       n_per_module)
        sa = np.repeat(rng.uniform(0, np.pi, len(n_per_module)), n_per_module)
    gain = smooth_random_fields(n, field_sigma, box, seed=rng) if field_variability > 0 else None
    return GridCells(per, ori, phase, pk, threshold, st, sa, gain, float(field_variability))


def smooth_random_fields(n_units: int, sigma, box: float = 1.0, resolution: int = 64,
                         seed=0) -> "SmoothFields":
    """Low-pass filtered spatial white noise, one field per unit, unit variance.

    White noise on a ``resolution``² grid over the box (plus a 4σ margin) is filtered by a
    Gaussian of s.d. ``sigma`` metres (one number, or one per unit); responses are read
    by bilinear interpolation.
    """
    rng = _rng(seed)
    sig = np.broadcast_to(np.asarray(sigma, float), (n_units,))
    if np.any(~np.isfinite(sig)) or np.any(sig <= 0):
        raise ValueError(f"sigma must be positive, got {sigma!r}")
    step = box / resolution
    out = np.empty((n_units, resolution + 1, resolution + 1))
    for s in np.unique(sig):
        who = np.nonzero(sig == s)[0]
        s_bins = s / step
        pad = int(np.ceil(4 * s_bins))
        noise = rng.standard_normal((len(who), resolution + 2 * pad + 1, resolution + 2 * pad + 1))
        f = ndimage.gaussian_filter(noise, (0, s_bins, s_bins), mode="wrap")[:, pad:-pad or None, pad:-pad or None]
        f = f[:, :resolution + 1, :resolution + 1]
        out[who] = (f - f.mean((1, 2), keepdims=True)) / f.std((1, 2), keepdims=True)
    return SmoothFields(out, box)


@dataclass(frozen=True)
class SmoothFields:
    """Fields sampled on a grid over [0, box]² (units, R+1, R+1); call with pos (T, 2)."""

    fields: np.ndarray
    box: float

    def __call__(self, pos) -> np.ndarray:
        r = self.fields.shape[1] - 1
        xy = np.clip(np.asarray(pos, float) / self.box * r, 0, r - 1e-9)
        x0, y0 = np.floor(xy[:, 0]).astype(int), np.floor(xy[:, 1]).astype(int)
        fx, fy = xy[:, 0] - x0, xy[:, 1] - y0
        f = self.fields
        out = (f[:, y0, x0] * (1 - fx) * (1 - fy) + f[:, y0, x0 + 1] * fx * (1 - fy)
               + f[:, y0 + 1, x0] * (1 - fx) * fy + f[:, y0 + 1, x0 + 1] * fx * fy)
        return out.T

    @property
    def n_units(self) -> int:
        return len(self.fields)


# ------------------------------------------------------------------- the "MEC"
@dataclass(frozen=True)
class MEC:
    """A simulated MEC population with known ground truth.

    ``kind`` (units,) is one of ``grid, hd, border, speed, spatial``; ``module`` (units,)
    is the grid module (−1 for non-grid cells). ``rates(traj)`` returns (T, units) in Hz.
    Cell order: grid cells (module by module), then head-direction, border, speed and
    heterogeneous spatial cells. ``conj_kappa`` (grid units,) is the head-direction
    concentration of conjunctive grid × head-direction cells (0 = pure grid cell) and
    ``conj_pref`` their preferred direction.
    """

    grid: GridCells
    module: np.ndarray
    hd_pref: np.ndarray
    hd_kappa: np.ndarray
    hd_peak: np.ndarray
    border_wall: np.ndarray
    border_width: np.ndarray
    border_peak: np.ndarray
    speed_base: np.ndarray
    speed_slope: np.ndarray
    spatial: SmoothFields
    spatial_peak: np.ndarray
    module_periods: np.ndarray
    module_orientations: np.ndarray
    box: float = 1.0
    kind: np.ndarray = field(default=None)
    conj_pref: np.ndarray | None = None
    conj_kappa: np.ndarray | None = None

    @property
    def n_units(self) -> int:
        return len(self.kind)

    @property
    def conjunctive(self) -> np.ndarray:
        """(units,) bool: grid × head-direction conjunctive cells."""
        out = np.zeros(self.n_units, bool)
        if self.conj_kappa is not None:
            out[:self.grid.n_units] = self.conj_kappa > 0
        return out

    def rates(self, traj: Trajectory) -> np.ndarray:
        """Firing rates (T, units) in Hz along ``traj``."""
        pos, hd, speed = traj.pos, traj.head_direction, traj.speed
        g = self.grid(pos)
        if self.conj_kappa is not None and np.any(self.conj_kappa > 0):
            g = g * np.exp(self.conj_kappa * (np.cos(hd[:, None] - self.conj_pref) - 1))
        parts = [g]
        parts.append(self.hd_peak * np.exp(self.hd_kappa * (np.cos(hd[:, None] - self.hd_pref) - 1)))
        d = np.stack([pos[:, 0], pos[:, 1], self.box - pos[:, 0], self.box - pos[:, 1]], 1)
        parts.append(self.border_peak * np.exp(-d[:, self.border_wall] / self.border_width))
        parts.append(np.maximum(self.speed_base + self.speed_slope * speed[:, None], 0.0))
        parts.append(self.spatial_peak * np.exp(self.spatial(pos) - 2.0))
        return np.hstack(parts)


def simulate_mec(n_grid_per_module=(40, 40, 40), base_period: float = 0.30,
                 period_ratio: float = 1.4, n_hd: int = 20, n_border: int = 16,
                 n_speed: int = 12, n_spatial: int = 40, box: float = 1.0,
                 module_orientations=None, field_variability: float = 0.0,
                 ellipticity: float = 0.0, conjunctive: float = 0.0,
                 spatial_sigma=0.08, seed=0) -> MEC:
    """Build a simulated MEC population (ground truth known).

    Grid modules: periods ``base_period`` · ``period_ratio``^m (Stensola et al. 2012:
    ratio ≈ 1.4), module orientations random (or given, radians), per-cell orientation
    jitter 2°, period jitter 2 %, random phases, peak 5–20 Hz. Head-direction cells: von
    Mises tuning (κ 2–6, peak 10–30 Hz). Border cells: exp(−distance to one wall / 5–10 cm),
    peak 10–20 Hz. Speed cells: 2–10 Hz + 10–40 Hz per m/s. Heterogeneous spatial cells:
    exp of low-pass spatial noise of s.d. ``spatial_sigma`` m (one value, or a tuple of
    values drawn at random per cell), peak 3–8 Hz (Hardcastle et al. 2017 report that
    many MEC cells are spatially selective without being grid cells).

    Departures from ideal grids (defaults: none):
    ``field_variability`` — s.d. of the log peak rate across a cell's fields (≈ 0.3–0.5
    in Ismakov et al. 2017); ``ellipticity`` — each module's lattice stretched by
    1 + U(0, ``ellipticity``) along a random axis (Stensola et al. 2015 report
    ellipticities ≈ 1.1–1.2); ``conjunctive`` — fraction of grid cells that are
    conjunctive grid × head-direction cells (Sargolini et al. 2006), with von Mises
    head-direction tuning κ 1–3.
    """
    rng = _rng(seed)
    n_grid_per_module = np.atleast_1d(n_grid_per_module).astype(int)
    n_mod = len(n_grid_per_module)
    periods = base_period * period_ratio ** np.arange(n_mod)
    if module_orientations is None:
        module_orientations = rng.uniform(0, np.pi / 3, n_mod)
    oris = np.broadcast_to(np.atleast_1d(module_orientations), (n_mod,)).astype(float)
    for name, val in dict(field_variability=field_variability, ellipticity=ellipticity).items():
        if not np.isfinite(val) or val < 0:
            raise ValueError(f"{name} must be >= 0, got {val!r}")
    if not 0 <= conjunctive <= 1:
        raise ValueError(f"conjunctive must be a fraction in [0, 1], got {conjunctive!r}")
    stretch = 1 + rng.uniform(0, ellipticity, n_mod) if ellipticity > 0 else None
    grid = make_grid_cells(n_grid_per_module, periods, oris, box=box, stretch=stretch,
                           field_variability=field_variability, seed=rng)
    n_g = grid.n_units
    conj = rng.random(n_g) < conjunctive
    conj_kappa = np.where(conj, rng.uniform(1, 3, n_g), 0.0)
    conj_pref = rng.uniform(-np.pi, np.pi, n_g)
    module = np.repeat(np.arange(n_mod), n_grid_per_module)
    kind = np.array(["grid"] * n_g + ["hd"] * n_hd + ["border"] * n_border
                    + ["speed"] * n_speed + ["spatial"] * n_spatial)
    sig = np.atleast_1d(np.asarray(spatial_sigma, float))
    return MEC(
        grid=grid,
        module=np.concatenate([module, -np.ones(len(kind) - n_g, int)]),
        hd_pref=rng.uniform(-np.pi, np.pi, n_hd), hd_kappa=rng.uniform(2, 6, n_hd),
        hd_peak=rng.uniform(10, 30, n_hd),
        border_wall=rng.integers(0, 4, n_border), border_width=rng.uniform(0.05, 0.10, n_border),
        border_peak=rng.uniform(10, 20, n_border),
        speed_base=rng.uniform(2, 10, n_speed), speed_slope=rng.uniform(10, 40, n_speed),
        spatial=smooth_random_fields(n_spatial, sig[rng.integers(0, len(sig), n_spatial)], box, seed=rng),
        spatial_peak=rng.uniform(3, 8, n_spatial),
        module_periods=periods, module_orientations=oris, box=box, kind=kind,
        conj_pref=conj_pref, conj_kappa=conj_kappa)


def poisson_spikes(rates, dt: float, seed=0) -> np.ndarray:
    """Poisson spike counts (T, units) for rates (T, units) in Hz and bins of ``dt`` s."""
    rates = np.asarray(rates, float)
    if np.any(rates < 0) or not np.isfinite(rates).all():
        raise ValueError("rates must be finite and non-negative")
    return _rng(seed).poisson(rates * dt)


# ------------------------------------------------------------------- rate maps
@dataclass(frozen=True)
class RateMaps:
    """Rate maps (n_bins, n_bins, units): mean signal per spatial bin, NaN if unvisited.

    occupancy: (n_bins, n_bins) seconds; bin_size: metres; n_dropped: samples ignored
    because their position was NaN.
    """

    maps: np.ndarray
    occupancy: np.ndarray
    bin_size: float
    box: float
    n_dropped: int = 0

    @property
    def visited(self) -> np.ndarray:
        """(n_bins, n_bins) bool: bins with at least the minimum occupancy."""
        return np.isfinite(self.maps).all(-1)

    def flat(self, mask=None) -> np.ndarray:
        """(bins, units) matrix over the visited bins (or over ``mask``): "stimuli first"."""
        m = self.visited if mask is None else np.asarray(mask, bool)
        return self.maps[m]


def rate_maps(pos, signal, box: float = 1.0, n_bins: int = 20, dt: float = 0.02,
              smooth: float = 0.0, min_occupancy: float = 0.0) -> RateMaps:
    """Average a signal over spatial bins (Sargolini et al. 2006 rate maps).

    Parameters
    ----------
    pos : (T, 2) metres in [0, box]²; rows with NaN are ignored (counted in ``n_dropped``).
    signal : (T, units) — rates in Hz (spike counts / dt) or unit responses.
    smooth : s.d. of a Gaussian kernel in bins applied to both the summed signal and the
        occupancy before dividing (0 = none).
    min_occupancy : bins visited less than this many seconds are NaN.
    """
    pos = np.asarray(pos, float)
    sig = np.asarray(signal, float)
    if sig.ndim == 1:
        sig = sig[:, None]
    if pos.ndim != 2 or pos.shape[1] != 2 or len(pos) != len(sig):
        raise ValueError(f"pos must be (T, 2) and signal (T, units); got {pos.shape}, {sig.shape}")
    if not np.isfinite(sig).all():
        raise ValueError("signal contains NaN/inf")
    ok = np.isfinite(pos).all(1)
    ij = np.clip((pos[ok] / box * n_bins).astype(int), 0, n_bins - 1)
    lin = ij[:, 1] * n_bins + ij[:, 0]  # rows = y, columns = x
    occ = np.bincount(lin, minlength=n_bins * n_bins).astype(float) * dt
    sums = np.zeros((n_bins * n_bins, sig.shape[1]))
    np.add.at(sums, lin, sig[ok] * dt)
    occ = occ.reshape(n_bins, n_bins)
    sums = sums.reshape(n_bins, n_bins, -1)
    visited = occ > max(min_occupancy, 0.0)
    if smooth > 0:
        occ_s = ndimage.gaussian_filter(occ, smooth, mode="constant")
        sums = ndimage.gaussian_filter(sums, (smooth, smooth, 0), mode="constant")
    else:
        occ_s = occ
    with np.errstate(invalid="ignore", divide="ignore"):
        maps = np.where(visited[..., None], sums / occ_s[..., None], np.nan)
    return RateMaps(maps, occ, box / n_bins, box, int((~ok).sum()))
