"""Score candidate models two ways: by the grid criteria and by forward regression.

- :func:`grid_criteria`: which units are grid cells (gridness above a matched low-pass
  null), how many modules, their period ratios, and whether each module's population
  lies on a torus (persistent homology).
- :func:`forward_scores`: noise-corrected forward predictivity of the simulated MEC from
  each model's rate maps (:func:`bothways.predictivity.predictivity`, ridge from
  :func:`bothways.ridge.cv_ridge`) and the participation ratio of each model
  (:func:`bothways.dimensionality.participation_ratio`).
- :func:`ranking_table`: both rankings side by side.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .scores import Modules, detect_modules, gridness_test
from .simulate import RateMaps, Trajectory, rate_maps
from .topology import population_topology

@dataclass(frozen=True, eq=False)
class PopulationMaps:
    """Rate maps of one population for the three analyses of the chapter.

    name: population name. grid_maps: smoothed :class:`RateMaps` (gridness, periods).
    topo_maps: finer smoothed maps (topology). regression: (bins, units) unsmoothed maps
    on the bins visited in both halves of the session, or (bins, units, 2) for a noisy
    population (one map per half: the "repeats" of the noise ceiling). kept: indices of
    the units kept (units that never vary along the trajectory are dropped and counted
    in ``n_dropped``).
    """

    name: str
    grid_maps: RateMaps = field(repr=False)
    topo_maps: RateMaps = field(repr=False)
    regression: np.ndarray = field(repr=False)
    kept: np.ndarray = field(repr=False)
    n_dropped: int = 0


def population_maps(name: str, signal, traj: Trajectory, n_bins: int = 20, grid_smooth: float = 1.0,
                    topo_bins: int = 40, topo_smooth: float = 1.5, halves: bool = False) -> PopulationMaps:
    """Rate maps of a population's (time, units) ``signal`` along ``traj`` (see
    :class:`PopulationMaps`). ``halves=True`` for spiking recordings: the regression
    target is then one map per half of the session. Regression bins are those visited in
    both halves, so every population of one trajectory shares them.
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
    return PopulationMaps(name, rate_maps(traj.pos, sig, n_bins=n_bins, smooth=grid_smooth, **kw),
                          rate_maps(traj.pos, sig, n_bins=topo_bins, smooth=topo_smooth, **kw),
                          reg, keep, n_units - len(keep))


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
    topology: one :class:`~bothways.grid.topology.Topology` per module (None where the
        module has fewer than ``min_topology_units`` units).
    name: model name.
    """

    name: str
    units: pd.DataFrame = field(repr=False)
    modules: Modules = field(repr=False)
    topology: tuple = field(repr=False)

    @property
    def grid_fraction(self) -> float:
        return float(self.units.grid.mean())

    @property
    def passed(self) -> dict:
        """Criterion name -> bool: ``grid_cells`` (≥ 10 % grid units), ``modules`` (≥ 2),
        ``ratios`` (every adjacent ratio in 1.2–1.7), ``torus`` (every tested module has
        Betti numbers (1, 2, 1), at least one tested)."""
        m = self.modules
        tested = [t for t in self.topology if t is not None]
        return dict(
            grid_cells=self.grid_fraction >= MIN_GRID_FRACTION,
            modules=m.n_modules >= 2,
            ratios=m.n_modules >= 2 and bool(np.all((m.ratios >= RATIO_RANGE[0]) & (m.ratios <= RATIO_RANGE[1]))),
            torus=len(tested) > 0 and all(t.is_torus for t in tested),
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
            betti=", ".join(str(t.betti) if t is not None else "-" for t in self.topology),
            **{f"ok_{k}": v for k, v in self.passed.items()},
            n_criteria=int(sum(self.passed.values())),
        )


def population_criteria(pm: PopulationMaps, **kwargs) -> GridCriteria:
    """:func:`grid_criteria` of a :class:`PopulationMaps` (grid maps and topology maps)."""
    return grid_criteria(pm.name, pm.grid_maps, pm.topo_maps, **kwargs)


def grid_criteria(name: str, maps: RateMaps, topo_maps: RateMaps | None = None, n_null: int = 200,
                  min_module_size: int = 5, min_topology_units: int = 8, topology_kw=None,
                  seed=0) -> GridCriteria:
    """Evaluate the grid criteria on a model's (or the MEC's) rate maps.

    Parameters
    ----------
    maps : :class:`~bothways.grid.simulate.RateMaps` for gridness, period and orientation
        (per-unit p-values against matched low-pass noise, :func:`gridness_test`).
    topo_maps : rate maps of the same units for the topology (finer bins help); None
        skips the topology (criterion ``torus`` fails).
    min_module_size : smallest module kept by :func:`detect_modules`.
    min_topology_units : modules with fewer units are not tested for a torus.
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
    topo = []
    for j in range(mods.n_modules):
        members = np.nonzero(mods.labels == j)[0]
        if topo_maps is None or len(members) < min_topology_units:
            topo.append(None)
            continue
        A = topo_maps.flat()[:, members]
        A = A[:, A.std(0) > 0]
        topo.append(population_topology(A, seed=seed, **(topology_kw or {})))
    return GridCriteria(name, df, mods, tuple(topo))


def forward_scores(features: dict, recordings: np.ndarray, neuron_kind=None, n_splits: int = 2,
                   n_folds: int = 5, min_reliability: float = 0.3, seed=0,
                   **ridge_options) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Noise-corrected forward predictivity of recordings from each model, and its PR.

    Parameters
    ----------
    features : name -> (bins, units) model rate maps on the same visited bins.
    recordings : (bins, neurons, repeats) MEC rate maps, e.g. two halves of the session.
    neuron_kind : optional (neurons,) labels (e.g. ``"grid"``) for per-kind medians.
    min_reliability : neurons whose split-half (Spearman–Brown) rate-map reliability does
        not exceed this get NaN EV and are left out of the medians (counted in
        ``n_valid``): head-direction and speed cells have nearly flat rate maps.
    n_splits, n_folds, seed, ridge_options : passed to
        :func:`~bothways.predictivity.predictivity` (alpha per target by nested CV over
        the data-scaled default grid unless ``alphas`` is given).

    Returns
    -------
    summary : one row per model — ``median_ev`` (% , noise-corrected, median over
        neurons), ``median_r`` (raw Pearson r, Nayebi et al. 2021's score),
        ``median_ev_grid`` (grid cells only, if ``neuron_kind`` is given),
        ``participation_ratio``, ``log_pr``, ``n_units`` and ``n_valid`` (neurons with a
        defined EV).
    per_neuron : long DataFrame (model, neuron, kind, r, ev).
    """
    from bothways.dimensionality import participation_ratio
    from bothways.predictivity import predictivity

    rows, long = [], []
    kinds = None if neuron_kind is None else np.asarray(neuron_kind)
    for name, X in features.items():
        X = np.asarray(X, float)
        with warnings.catch_warnings():  # NaN EVs are counted in n_valid instead
            warnings.filterwarnings("ignore", message=".*targets have NaN EV", category=UserWarning)
            res = predictivity(X, recordings, n_splits=n_splits, seed=seed, n_folds=n_folds,
                               n_boot=0, progress=False, min_reliability=min_reliability,
                               **ridge_options)
        pt = res.per_target
        pr = participation_ratio(X)
        row = dict(model=name, median_ev=float(np.nanmedian(pt.ev)), median_r=float(np.nanmedian(pt.r)),
                   participation_ratio=pr, log_pr=float(np.log(pr)), n_units=X.shape[1],
                   n_valid=int(np.isfinite(pt.ev).sum()))
        if kinds is not None:
            row["median_ev_grid"] = float(np.nanmedian(pt.ev.to_numpy()[kinds == "grid"]))
        rows.append(row)
        long.append(pd.DataFrame(dict(model=name, neuron=np.arange(len(pt)), r=pt.r.to_numpy(),
                                      ev=pt.ev.to_numpy(),
                                      kind=kinds if kinds is not None else "")))
    return pd.DataFrame(rows), pd.concat(long, ignore_index=True)


def ranking_table(scores: pd.DataFrame, criteria) -> pd.DataFrame:
    """Join regression scores and grid criteria; rank both ways (1 = best).

    ``rank_regression`` ranks ``median_ev``; ``rank_grid`` ranks the number of criteria
    met (ties broken by the fraction of grid units, then median gridness).
    """
    crit = pd.DataFrame([c.summary for c in criteria])
    t = scores.merge(crit.drop(columns=["n_units"]), on="model", how="left")
    t["rank_regression"] = t.median_ev.rank(ascending=False, method="min").astype(int)
    key = t.n_criteria * 1e6 + t.grid_fraction * 1e3 + t.median_gridness.fillna(-2)
    t["rank_grid"] = key.rank(ascending=False, method="min").astype(int)
    return t.sort_values("rank_regression").reset_index(drop=True)
