"""A continuous-attractor grid-cell network (Burak & Fiete 2009), small enough for a CPU.

Neurons sit on an ``n × n`` sheet with periodic boundaries, in four populations with
preferred directions (east, north, west, south). Every neuron inhibits its
neighbourhood through a ring-shaped kernel

    W0(x) = a·exp(−γ|x|²) − exp(−β|x|²),   β = 3/λ²,  γ = 1.05 β,  a = 1,

whose outgoing connections are shifted by ``shift`` neurons along the population's
preferred direction. The rate dynamics are

    τ ds/dt = −s + f(Σ W s + A (1 + α ê·v)),   f = ReLU,

with the animal's velocity ``v`` (m/s) entering every neuron's drive in proportion to
the cosine between its preferred direction ê and ``v``. From a random start, the
uniform state is unstable and a hexagonal pattern of activity bumps forms on the sheet
(period ≈ 1.27 λ neurons); velocity input moves the pattern, so a neuron fires
wherever the animal's path-integrated position puts a bump on it — a grid cell whose
spatial period is set by the pattern period and the velocity gain α.

The recurrent input is a sum of four circular convolutions, computed with FFTs
(≈ 0.05 ms per step for a 32 × 32 sheet: 600 s of trajectory at dt = 2 ms in ≈ 15 s). :func:`calibrate_gain` measures how far the
pattern moves per metre travelled and chooses α for a target grid period;
:func:`make_attractor` then corrects α and the orientation from measured rate maps.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

#: Preferred directions of the four populations (E, N, W, S), unit vectors (x, y).
DIRECTIONS = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def _circular(d, n):
    """Distance on a ring of ``n`` sites for (real) offsets ``d``."""
    d = np.abs(d) % n
    return np.minimum(d, n - d)


def _kernel_fft(shape, lam, shift, a=1.0):
    """rFFTs (4, n_y, n_x//2+1) of the four shifted ring kernels on an n_y × n_x torus.

    Population j's outgoing weights are W0 centred ``shift`` neurons along its
    preferred direction: W_j(x) = W0(x − shift·ê_j).
    """
    beta = 3.0 / lam**2
    gamma = 1.05 * beta
    ny, nx = shape
    ix, iy = np.arange(nx, dtype=float), np.arange(ny, dtype=float)
    out = []
    for ex, ey in DIRECTIONS:
        r2 = _circular(ix[None, :] - shift * ex, nx) ** 2 + _circular(iy[:, None] - shift * ey, ny) ** 2
        out.append(np.fft.rfft2(a * np.exp(-gamma * r2) - np.exp(-beta * r2)))
    return np.stack(out)


@dataclass(frozen=True, eq=False)
class AttractorNetwork:
    """A Burak & Fiete (2009)-style grid network (see the module docstring).

    n, ny: sheet size (neurons per population along x and y; ``ny`` None = square).
    A hexagonal pattern cannot fit a square periodic sheet exactly: the bumps form a
    slightly strained lattice, which the single-neuron grids inherit (gridness ≈ 0.6–0.7
    rather than > 1). lam: kernel scale λ (neurons);
    shift: kernel offset along the preferred direction (neurons); alpha: velocity gain
    (per m/s); tau: time constant (s); dt: integration step (s); drive: A;
    rotation: angle (rad) by which the velocity is rotated before it enters (rotates the
    single-cell grids by −rotation). units: (n_units,) indices into the flattened
    (4, n, n) state that are read out. seed: the random start of :meth:`settle` (the
    pattern's orientation on a periodic sheet depends on it).
    """

    n: int = 32
    ny: int | None = None
    lam: float = 8.0
    shift: float = 1.0
    alpha: float = 0.1
    tau: float = 0.01
    dt: float = 0.001
    drive: float = 1.0
    rotation: float = 0.0
    units: np.ndarray = field(default=None, repr=False)
    seed: int = 0

    def __post_init__(self):
        for name in ("n", "ny"):
            v = getattr(self, name)
            if v is not None and (int(v) != v or v < 8):
                raise ValueError(f"{name} must be an integer >= 8, got {v!r}")
        for name in ("lam", "tau", "dt", "drive"):
            v = getattr(self, name)
            if not np.isfinite(v) or v <= 0:
                raise ValueError(f"{name} must be a positive number, got {v!r}")
        if not np.isfinite(self.alpha):
            raise ValueError(f"alpha must be finite, got {self.alpha!r}")
        if self.dt > self.tau / 2:
            raise ValueError(f"dt={self.dt} is too large for tau={self.tau} (need dt <= tau/2)")

    @property
    def shape(self) -> tuple[int, int]:
        """(n_y, n_x) of one population's sheet."""
        return (int(self.ny or self.n), int(self.n))

    @property
    def n_neurons(self) -> int:
        return 4 * self.shape[0] * self.shape[1]

    def _kfft(self):
        return _kernel_fft(self.shape, self.lam, self.shift)

    def settle(self, seconds: float = 0.5, seed=None) -> np.ndarray:
        """State (4, n_y, n_x) after ``seconds`` at zero velocity from a small random start
        (seeded by ``seed``, default the network's own)."""
        rng = np.random.default_rng(self.seed if seed is None else seed)
        s = 0.1 * rng.random((4, *self.shape))
        return self.run(np.zeros((max(1, int(round(seconds / self.dt))), 2)), s, record_every=0)[1]

    def run(self, velocity, state, record_every: int = 1):
        """Integrate the dynamics for each row of ``velocity`` (steps, 2) in m/s.

        Returns ``(records, state)``: records (steps // record_every, n_units) of the
        read-out units' rates sampled every ``record_every`` steps (None if 0), and the
        final (4, n_y, n_x) state.
        """
        v = np.asarray(velocity, float)
        if v.ndim != 2 or v.shape[1] != 2 or not np.isfinite(v).all():
            raise ValueError(f"velocity must be finite (steps, 2), got shape {v.shape}")
        K = self._kfft()
        s = np.array(state, float)
        shape = self.shape
        c, si = np.cos(self.rotation), np.sin(self.rotation)
        v = v @ np.array([[c, -si], [si, c]]).T
        drive = self.drive * (1 + self.alpha * v @ DIRECTIONS.T)  # (steps, 4)
        k = self.dt / self.tau
        units = self.units if self.units is not None else np.arange(self.n_neurons)
        rec = [] if record_every else None
        for t in range(len(v)):
            rec_in = np.fft.irfft2((np.fft.rfft2(s) * K).sum(0), s=shape)
            s += k * (np.maximum(rec_in[None] + drive[t][:, None, None], 0.0) - s)
            if record_every and (t + 1) % record_every == 0:
                rec.append(s.reshape(-1)[units].copy())
        return (np.asarray(rec) if record_every else None), s

    def activity(self, traj, substeps: int | None = None, settle: float = 0.5) -> np.ndarray:
        """Rates (T, n_units) of the read-out units along a trajectory.

        Each trajectory sample's velocity is held for ``substeps`` integration steps
        (default: ``traj.dt / dt``); the network first settles for ``settle`` s.
        """
        sub = int(substeps or max(1, round(traj.dt / self.dt)))
        vel = np.repeat(traj.velocity, sub, axis=0)
        s0 = self.settle(settle)
        rec, _ = self.run(vel, s0, record_every=sub)
        return rec


def pattern_shift(before, after) -> np.ndarray:
    """Displacement (dx, dy) in neurons that best maps the ``before`` sheet onto ``after``.

    Circular cross-correlation of the two (n, n) sheets (mean over populations), peak
    refined by a parabola through its neighbours. Valid for shifts smaller than half a
    pattern period.
    """
    a = np.asarray(before, float).reshape(-1, *np.shape(before)[-2:]).mean(0)
    b = np.asarray(after, float).reshape(-1, *np.shape(after)[-2:]).mean(0)
    a, b = a - a.mean(), b - b.mean()
    cc = np.fft.irfft2(np.conj(np.fft.rfft2(a)) * np.fft.rfft2(b), s=a.shape)
    n_y, n_x = cc.shape
    iy, ix = np.unravel_index(np.argmax(cc), cc.shape)

    def refine(c_m, c_0, c_p):
        den = c_m - 2 * c_0 + c_p
        return 0.0 if den == 0 else 0.5 * (c_m - c_p) / den

    dy = iy + refine(cc[(iy - 1) % n_y, ix], cc[iy, ix], cc[(iy + 1) % n_y, ix])
    dx = ix + refine(cc[iy, (ix - 1) % n_x], cc[iy, ix], cc[iy, (ix + 1) % n_x])
    dy = (dy + n_y / 2) % n_y - n_y / 2
    dx = (dx + n_x / 2) % n_x - n_x / 2
    return np.array([dx, dy])


def pattern_period(state) -> float:
    """Period (neurons) of the activity pattern: 1 / |k| of the strongest Fourier mode."""
    a = np.asarray(state, float).reshape(-1, *np.shape(state)[-2:]).mean(0)
    p = np.abs(np.fft.fft2(a - a.mean())) ** 2
    p[0, 0] = 0
    iy, ix = np.unravel_index(np.argmax(p), p.shape)
    return float(1 / np.hypot(np.fft.fftfreq(a.shape[1])[ix], np.fft.fftfreq(a.shape[0])[iy]))


def spatial_grid(net: AttractorNetwork, seconds: float = 120.0, n_units: int = 64, seed=0):
    """Median period (m) and orientation (rad) of single-neuron grids of ``net``, measured.

    The network (with its own read-out units, or ``n_units`` random ones) runs along a
    random walk of ``seconds`` s in a 1 m box (rodent-like, 0.2 m/s speed scale), and
    :func:`bothways.grid.scores.grid_scores` of the neurons' rate maps gives the grid
    geometry. Orientation is averaged on the circle modulo 60°.
    """
    import dataclasses

    from .scores import grid_scores
    from .simulate import random_trajectory, rate_maps

    rng = np.random.default_rng(seed)
    units = net.units if net.units is not None else rng.choice(net.n_neurons, n_units, replace=False)
    traj = random_trajectory(int(seconds / 0.02), 0.02, 1.0, seed=rng, speed_scale=0.2)
    A = dataclasses.replace(net, units=units).activity(traj)
    rm = rate_maps(traj.pos, A, n_bins=20, smooth=1.0)
    df = grid_scores(rm.maps, rm.bin_size).dropna()
    if len(df) == 0:
        raise RuntimeError("no neuron of the network has a measurable grid; is the pattern formed?")
    ori = np.angle(np.exp(6j * np.deg2rad(df.orientation.to_numpy())).mean()) / 6 % (np.pi / 3)
    return float(df.period.median()), float(ori)


def make_attractor(n_units: int = 128, period: float = 0.42, orientation: float | None = None,
                   n: int = 32, ny: int | None = None, lam: float = 8.0, shift: float = 1.0, tau: float = 0.02,
                   dt: float = 0.002, speed: float = 0.2, calibration_s: float = 120.0,
                   seed=0) -> AttractorNetwork:
    """A network whose single neurons are grid cells of spatial ``period`` (m).

    The velocity gain α starts from :func:`calibrate_gain` (the pattern's displacement
    per metre at a constant ``speed``); then the network runs for ``calibration_s`` s of
    a random walk and the measured single-neuron grids (:func:`spatial_grid`) correct
    α (period ∝ 1/α) and set the rotation of the velocity input so that the grids have
    ``orientation`` (rad; None: the sheet's own) — rotating the input by φ rotates every
    single-neuron grid by −φ. ``n_units`` read-out neurons are drawn at random from all
    four populations.

    Defaults: a 32 × 32 sheet per population (4096 neurons), λ = 8 (3–4 bumps per
    side), τ = 20 ms, dt = 2 ms (dt/τ = 0.1: the explicit
    step is unstable for the uniform mode above ≈ 0.14 with this inhibition).
    """
    import dataclasses

    rng = np.random.default_rng(seed)
    start = int(rng.integers(2**31))
    size = 4 * n * (ny or n)
    units = np.sort(rng.choice(size, size=min(n_units, size), replace=False))
    net = AttractorNetwork(n=n, ny=ny, lam=lam, shift=shift, alpha=0.1, tau=tau, dt=dt, units=units, seed=start)
    net = dataclasses.replace(net, alpha=calibrate_gain(net, period, speed=speed))
    cal_seed = int(rng.integers(2**31))
    measured, ori = spatial_grid(net, calibration_s, seed=cal_seed)
    rotation = 0.0 if orientation is None else ori - float(orientation)
    return dataclasses.replace(net, alpha=net.alpha * measured / period, rotation=rotation)


def calibrate_gain(net: AttractorNetwork, period: float, speed: float = 0.2, seconds: float = 1.0) -> float:
    """Velocity gain α giving grid ``period`` metres, measured on ``net`` (linear in α).

    Runs the settled network at ``speed`` m/s along +x and +y, measures the pattern's
    displacement per metre (neurons/m, ``pattern_shift``, in 50 ms pieces so that
    each piece moves less than half a period) and returns
    ``net.alpha × (pattern_period / period) / measured``.
    """
    if not np.isfinite(period) or period <= 0:
        raise ValueError(f"period must be a positive number of metres, got {period!r}")
    s = net.settle(0.5)
    P = pattern_period(s)
    piece = max(1, int(round(0.05 / net.dt)))
    rates = []
    for direction in ([1.0, 0.0], [0.0, 1.0]):
        moved = 0.0
        steps = max(1, int(round(seconds / net.dt)) // piece)
        for _ in range(steps):
            _, s2 = net.run(np.tile(np.asarray(direction) * speed, (piece, 1)), s, record_every=0)
            moved += float(np.abs(pattern_shift(s, s2) @ np.asarray(direction)))
            s = s2
        rates.append(moved / (speed * steps * piece * net.dt))
    per_metre = float(np.mean(rates))
    if per_metre <= 0:
        raise RuntimeError("the pattern did not move with velocity input; cannot calibrate")
    return float(net.alpha * (P / period) / per_metre)
