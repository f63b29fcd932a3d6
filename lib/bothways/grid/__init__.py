"""Grid cells: what makes them grid cells, and whether regression can tell.

Submodules (all numpy/scipy except the path integrator, which uses torch):

- :mod:`~bothways.grid.scores` — autocorrelogram, :func:`gridness`,
  :func:`grid_properties` (period, orientation), a per-map p-value against matched
  low-pass noise (:func:`gridness_test`), module detection (:func:`detect_modules`).
- :mod:`~bothways.grid.topology` — persistent homology (``ripser``) of a population:
  :func:`population_topology` (torus = Betti numbers 1, 2, 1), on rate-map bins or on
  time-binned activity (:func:`time_binned`) against circularly shifted copies.
- :mod:`~bothways.grid.folds` — spatially blocked cross-validation (:func:`spatial_folds`).
- :mod:`~bothways.grid.simulate` — trajectories (the real Sargolini rat path, random
  walks), a simulated MEC with known ground truth, spikes, :func:`rate_maps`.
- :mod:`~bothways.grid.models` — candidate models (grid modules right and wrong, low-pass
  noise, place cells, random ReLU features) and :func:`responses`.
- :mod:`~bothways.grid.pathint` — the supervised path integrator
  (:func:`train_path_integrator`, Sorscher et al. 2019/2023).
- :mod:`~bothways.grid.attractor` — a continuous-attractor network (Burak & Fiete 2009):
  :func:`make_attractor`, :class:`AttractorNetwork`.
- :mod:`~bothways.grid.dynamics` — Dynamical Similarity Analysis (Ostrow et al. 2023):
  :func:`dsa`, :func:`havok_dmd`, :func:`procrustes_vector_fields`.
- :mod:`~bothways.grid.criteria` — population maps and the grid criteria.
- :mod:`~bothways.grid.io` — a loader for real sessions (:func:`load_session`).

The path integrator is imported lazily so that ``bothways.grid`` does not pull torch
(:mod:`~bothways.grid.dynamics` imports torch only inside the Procrustes optimiser).
"""
from __future__ import annotations

from .attractor import (AttractorNetwork, calibrate_gain, make_attractor, pattern_period,  # noqa: F401
                        spatial_grid)
from .criteria import (CRITERIA, GridCriteria, PopulationMaps, grid_criteria,  # noqa: F401
                       population_criteria, population_maps)
from .dynamics import DSAResult, delay_embed, dsa, havok_dmd, procrustes_vector_fields  # noqa: F401
from .folds import spatial_folds  # noqa: F401
from .io import Session, load_session  # noqa: F401
from .models import (PlaceFields, RandomReLU, grid_module_model, grid_modules_model,  # noqa: F401
                     lowpass_noise_model, place_cell_model, random_relu_model, responses)
from .scores import (GridProperties, Modules, autocorrelogram, autocorrelograms,  # noqa: F401
                     central_peak_sigma, detect_modules, grid_properties, grid_scores, gridness,
                     gridness_stack, gridness_test, lowpass_noise_maps)
from .simulate import (MEC, GridCells, RateMaps, SmoothFields, Trajectory, grid_pattern,  # noqa: F401
                       make_grid_cells, poisson_spikes, random_trajectory, random_walks, rate_maps,
                       sargolini_trajectory, simulate_mec, smooth_random_fields, sorscher_walk_params)
from .topology import Topology, farthest_point_sample, population_topology, time_binned  # noqa: F401

_LAZY = {"train_path_integrator": "pathint", "PathIntegrator": "pathint", "PlaceCells": "pathint"}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f"bothways.grid.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'bothways.grid' has no attribute {name!r}")


__all__ = [
    "gridness", "grid_properties", "GridProperties", "autocorrelogram", "autocorrelograms",
    "grid_scores", "gridness_stack", "gridness_test", "central_peak_sigma", "lowpass_noise_maps",
    "detect_modules", "Modules", "population_topology", "farthest_point_sample", "Topology",
    "Trajectory", "sargolini_trajectory", "random_walks", "random_trajectory", "grid_pattern",
    "GridCells", "make_grid_cells", "SmoothFields", "smooth_random_fields", "MEC", "simulate_mec",
    "poisson_spikes", "RateMaps", "rate_maps", "grid_module_model", "lowpass_noise_model",
    "place_cell_model", "random_relu_model", "PlaceFields", "RandomReLU", "responses",
    "train_path_integrator", "PathIntegrator", "PlaceCells", "grid_criteria", "GridCriteria",
    "CRITERIA", "PopulationMaps", "population_maps", "population_criteria", "load_session", "Session",
    "spatial_folds", "time_binned", "sorscher_walk_params", "grid_modules_model",
    "AttractorNetwork", "make_attractor", "calibrate_gain", "pattern_period", "spatial_grid",
    "dsa", "DSAResult", "havok_dmd", "delay_embed", "procrustes_vector_fields",
]
