"""Grid criteria: what makes a population a population of grid cells.

- :func:`population_maps`: one population's rate maps (gridness, regression) and its
  time-binned activity (topology of dynamics), with the spatial bin centres that
  :func:`~bothways.grid.folds.spatial_folds` cuts into blocks.
- :func:`grid_criteria`: which units are grid cells (gridness above a matched low-pass
  null), how many modules, their period ratios, and whether the population's activity
  lies on a torus (persistent homology of time-binned activity against circularly
  shifted copies).

Forward regression of the MEC from each model and the chapter's table live in the
recipe :mod:`bothways.analyses.grid_cells`.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .scores import Modules, detect_modules, gridness_test
from .simulate import RateMaps, Trajectory, rate_maps
from .topology import Topology, population_topology, time_binned


@dataclass(frozen=True, eq=False)
class PopulationMaps:
    """Rate maps of one population for the three analyses of the chapter.

    name: population name. grid_maps: smoothed :class:`RateMaps` (gridness, periods).
    binned: (time bins, units) activity in time bins (:func:`time_binned`), the input of
    the topology of dynamics. regression: (bins, units) unsmoothed maps on the bins
    visited in both halves of the session, or (bins, units, 2) for a noisy population
    (one map per half: the "repeats" of the noise ceiling). bin_centers: (bins, 2)
    centres (m) of those regression bins. kept: indices of the units kept (units that
    never vary along the trajectory are dropped and counted in ``n_dropped``).
    """

    name: str
    grid_maps: RateMaps = field(repr=False)
    binned: np.ndarray = field(repr=False)
    regression: np.ndarray = field(repr=False)
    bin_centers: np.ndarray = field(repr=False)
    kept: np.ndarray = field(repr=False)
    n_dropped: int = 0


def population_maps(name: str, signal, traj: Trajectory, n_bins: int = 20, grid_smooth: float = 1.0,
                    time_bin: float = 0.1, time_smooth: float = 1.0, halves: bool = False) -> PopulationMaps:
    """Rate maps and time-binned activity of a population's (time, units) ``signal`` along
    ``traj`` (see :class:`PopulationMaps`). ``halves=True`` for spiking recordings: the
    regression target is then one map per half of the session. Regression bins are those
    visited in both halves, so every population of one trajectory shares them.
    ``time_bin`` (s) and ``time_smooth`` (bins) are passed to :func:`time_binned`.
    """
    sig = np.asarray(signal, float)
    if sig.ndim != 2 or len(sig) != len(traj.t):
        raise ValueError(f"signal must be (time, units) with {len(traj.t)} samples, got {sig.shape}")
    n_units = sig.shape[1]
    keep = np.nonzero(sig.std(0) > 0)[0]
    if len(keep) == 0:
        raise ValueError(f"{name}: every unit is constant along the trajectory")
    sig = sig[:, keep]
    kw = dict(box=traj.box, dt=traj.dt)
    h = len(traj.t) // 2
    half_maps = [rate_maps(traj.pos[s], sig[s], n_bins=n_bins, **kw) for s in (slice(0, h), slice(h, None))]
    vis = half_maps[0].visited & half_maps[1].visited
    reg = (np.stack([m.maps[vis] for m in half_maps], -1) if halves
           else rate_maps(traj.pos, sig, n_bins=n_bins, **kw).maps[vis])
    c = (np.arange(n_bins) + 0.5) * traj.box / n_bins
    cx, cy = np.meshgrid(c, c)  # rows = y, columns = x, as in the rate maps
    centers = np.c_[cx[vis], cy[vis]]
    return PopulationMaps(name, rate_maps(traj.pos, sig, n_bins=n_bins, smooth=grid_smooth, **kw),
                          time_binned(sig, traj.dt, time_bin, time_smooth), reg, centers, keep,
                          n_units - len(keep))


#: A unit is a grid cell if gridness > GRID_THRESHOLD and p < GRID_ALPHA (matched null).
GRID_THRESHOLD = 0.3
GRID_ALPHA = 0.01
#: Criterion 1 passes if at least this fraction of units are grid cells.
MIN_GRID_FRACTION = 0.10
#: Adjacent module period ratios must lie in this range (Stensola et al. 2012: 1.42 ± 0.17).
RATIO_RANGE = (1.2, 1.7)
CRITERIA = ("grid_cells", "modules", "ratios", "torus")


@dataclass(frozen=True, eq=False)
class GridCriteria:
    """How one model (or the MEC) fares on the criteria that make grid cells grid cells.

    units: per-unit DataFrame from :func:`~bothways.grid.scores.gridness_test` plus a
        bool column ``grid`` (gridness > 0.3 and p < 0.01) and ``module`` (−1 if none).
    modules: :class:`~bothways.grid.scores.Modules` of the grid units.
    topology: :class:`~bothways.grid.topology.Topology` of the time-binned activity of
        the tested units (None if not tested); topology_units: indices of those units and
        topology_source: which they are (``"module k"`` — the largest module — or
        ``"top n by gridness"`` for a population without modules).
    name: model name.
    """

    name: str
    units: pd.DataFrame = field(repr=False)
    modules: Modules = field(repr=False)
    topology: Topology | None = field(repr=False)
    topology_units: np.ndarray = field(default=None, repr=False)
    topology_source: str = ""

    @property
    def grid_fraction(self) -> float:
        return float(self.units.grid.mean())

    @property
    def passed(self) -> dict:
        """Criterion name -> bool: ``grid_cells`` (≥ 10 % grid units), ``modules`` (≥ 2),
        ``ratios`` (every adjacent ratio in 1.2–1.7), ``torus`` (the largest module's
        time-binned activity has Betti numbers (1, 2, 1))."""
        m = self.modules
        return dict(
            grid_cells=self.grid_fraction >= MIN_GRID_FRACTION,
            modules=m.n_modules >= 2,
            ratios=m.n_modules >= 2 and bool(np.all((m.ratios >= RATIO_RANGE[0]) & (m.ratios <= RATIO_RANGE[1]))),
            torus=(self.topology is not None and self.topology_source.startswith("module")
                   and self.topology.is_torus),
        )

    @property
    def summary(self) -> dict:
        m = self.modules
        g = self.units.gridness
        return dict(
            model=self.name, n_units=len(self.units), grid_fraction=self.grid_fraction,
            above_03=float((g > GRID_THRESHOLD).mean()), median_gridness=float(np.nanmedian(g)),
            n_modules=m.n_modules,
            periods_cm=", ".join(f"{100 * p:.0f}" for p in m.periods),
            mean_ratio=float(np.mean(m.ratios)) if len(m.ratios) else np.nan,
            betti=str(self.topology.betti) if self.topology is not None else "-",
            topology_of=self.topology_source,
            **{f"ok_{k}": v for k, v in self.passed.items()},
            n_criteria=int(sum(self.passed.values())),
        )


def population_criteria(pm: PopulationMaps, **kwargs) -> GridCriteria:
    """:func:`grid_criteria` of a :class:`PopulationMaps` (grid maps and time-binned activity)."""
    return grid_criteria(pm.name, pm.grid_maps, pm.binned, **kwargs)


def grid_criteria(name: str, maps: RateMaps, activity=None, n_null: int = 200,
                  min_module_size: int = 5, min_topology_units: int = 8, top_units: int = 40,
                  topology_kw=None, seed=0) -> GridCriteria:
    """Evaluate the grid criteria on a model's (or the MEC's) rate maps and activity.

    Parameters
    ----------
    maps : :class:`~bothways.grid.simulate.RateMaps` for gridness, period and orientation
        (per-unit p-values against matched low-pass noise, :func:`gridness_test`).
    activity : array (time bins, units), or None
        The same units' activity in time order
        (:func:`~bothways.grid.topology.time_binned`); None skips the topology
        (criterion ``torus`` fails). The units tested are those of the largest module
        (ties: the first); without a module of at least ``min_topology_units`` units, the
        ``top_units`` units of highest gridness are tested and reported, but cannot pass
        the criterion (a torus needs a module). The null is ``"circular"`` (each unit's
        series shifted by its own lag) unless ``topology_kw`` says otherwise.
    min_module_size : smallest module kept by :func:`detect_modules`.
    topology_kw : passed to :func:`~bothways.grid.topology.population_topology`
        (``n_points``, ``maxdim``, ``n_shuffles``, ...).
    """
    if 1 / (n_null + 1) >= GRID_ALPHA:
        raise ValueError(f"n_null={n_null} cannot give p < {GRID_ALPHA}; use at least {int(1 / GRID_ALPHA)}")
    df = gridness_test(maps.maps, maps.bin_size, n_null=n_null, seed=seed)
    is_grid = (df.gridness > GRID_THRESHOLD) & (df.p_value < GRID_ALPHA)
    per = np.where(is_grid & np.isfinite(df.period), df.period, np.nan)
    mods = detect_modules(per, min_size=min_module_size, seed=seed)
    df = df.assign(grid=is_grid.to_numpy(), module=mods.labels)
    topo, members, source = None, None, ""
    if activity is not None:
        A = np.asarray(activity, float)
        if A.ndim != 2 or A.shape[1] != len(df):
            raise ValueError(f"activity must be (time bins, {len(df)} units), got shape {A.shape}")
        if mods.n_modules and mods.sizes.max() >= min_topology_units:
            j = int(np.argmax(mods.sizes))
            members, source = np.nonzero(mods.labels == j)[0], f"module {j + 1}"
        else:
            order = np.argsort(-df.gridness.fillna(-np.inf).to_numpy(), kind="stable")
            members = order[:min(top_units, len(df))]
            source = f"top {len(members)} by gridness"
        members = members[A[:, members].std(0) > 0]
        if len(members) >= 2:
            kw = dict(null="circular") | dict(topology_kw or {})
            topo = population_topology(A[:, members], seed=seed, **kw)
    return GridCriteria(name, df, mods, topo, members, source)
