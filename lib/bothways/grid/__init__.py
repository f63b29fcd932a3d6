"""Grid cells: what makes them grid cells, and whether regression can tell.

Submodules (all numpy/scipy except the path integrator, which uses torch):

- :mod:`~bothways.grid.scores` — autocorrelogram, :func:`gridness`,
  :func:`grid_properties` (period, orientation), a per-map p-value against matched
  low-pass noise (:func:`gridness_test`), module detection (:func:`detect_modules`).
- :mod:`~bothways.grid.topology` — persistent homology (``ripser``) of a population:
  :func:`population_topology` (torus = Betti numbers 1, 2, 1).
- :mod:`~bothways.grid.simulate` — trajectories (the real Sargolini rat path, random
  walks), a simulated MEC with known ground truth, spikes, :func:`rate_maps`.
- :mod:`~bothways.grid.models` — candidate models (single grid module, low-pass noise,
  place cells, random ReLU features) and :func:`responses`.
- :mod:`~bothways.grid.pathint` — the supervised path integrator
  (:func:`train_path_integrator`, Sorscher et al. 2019/2023).
- :mod:`~bothways.grid.compare` — grid criteria, forward scores, the ranking table.
- :mod:`~bothways.grid.io` — a loader for real sessions (:func:`load_session`).

The path integrator is imported lazily so that ``bothways.grid`` does not pull torch.
"""
from __future__ import annotations

from .compare import (CRITERIA, GridCriteria, PopulationMaps, forward_scores,  # noqa: F401
                      grid_criteria, population_criteria, population_maps, ranking_table)
from .io import Session, load_session  # noqa: F401
from .models import (PlaceFields, RandomReLU, grid_module_model, lowpass_noise_model,  # noqa: F401
                     place_cell_model, random_relu_model, responses)
from .scores import (GridProperties, Modules, autocorrelogram, autocorrelograms,  # noqa: F401
                     central_peak_sigma, detect_modules, grid_properties, grid_scores, gridness,
                     gridness_stack, gridness_test, lowpass_noise_maps)
from .simulate import (MEC, GridCells, RateMaps, SmoothFields, Trajectory, grid_pattern,  # noqa: F401
                       make_grid_cells, poisson_spikes, random_trajectory, random_walks, rate_maps,
                       sargolini_trajectory, simulate_mec, smooth_random_fields)
from .topology import Topology, farthest_point_sample, population_topology  # noqa: F401

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
    "forward_scores", "ranking_table", "CRITERIA", "PopulationMaps", "population_maps",
    "population_criteria", "load_session", "Session",
]
