"""Candidate models of MEC, all read out along the same trajectory.

Each model is a small frozen dataclass; :func:`responses` turns any of them into a
(time, units) response matrix along a :class:`~bothways.grid.simulate.Trajectory`:

- :func:`grid_module_model` — an idealised single grid module (the steady state of a
  continuous-attractor network, Burak & Fiete 2009): one period, one orientation, random
  phases; :func:`grid_modules_model` — several such modules (grid cells only), with any
  periods and orientations, right or deliberately wrong.
- :func:`lowpass_noise_model` — low-pass filtered spatial white noise (no grid structure).
- :func:`place_cell_model` — Gaussian place fields at random centres.
- :func:`random_relu_model` — random ReLU features of position, ReLU(w·x + b).
- the ground-truth generator itself (:func:`bothways.grid.simulate.simulate_mec`) with
  fewer units, the recurrent path integrator
  (:func:`bothways.grid.pathint.train_path_integrator`), trained or untrained, and the
  continuous-attractor network (:func:`bothways.grid.attractor.make_attractor`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .simulate import MEC, GridCells, Trajectory, _rng, make_grid_cells, smooth_random_fields


def grid_module_model(n_units: int, period: float, orientation: float = 0.0, box: float = 1.0,
                      seed=0) -> GridCells:
    """An idealised single grid module: ``n_units`` cells, one ``period`` (m) and
    ``orientation`` (rad), random phases, unit peak rate, no jitter."""
    return make_grid_cells([n_units], [period], [orientation], box=box, orientation_jitter=0.0,
                           period_jitter=0.0, peak=(1.0, 1.0), seed=seed)


def grid_modules_model(n_units: int, periods, orientations=0.0, box: float = 1.0, seed=0) -> GridCells:
    """Idealised grid cells in several modules (grid cells only, unit peak, no jitter).

    ``n_units`` are split as evenly as possible over the modules given by ``periods``
    (m) and ``orientations`` (rad; one value or one per module). With periods drawn
    from a continuum (one per unit, ``len(periods) == n_units``) there are no modules.
    """
    periods = np.atleast_1d(np.asarray(periods, float))
    if len(periods) > n_units:
        raise ValueError(f"{len(periods)} modules need at least as many units, got n_units={n_units}")
    n_per = np.full(len(periods), n_units // len(periods))
    n_per[:n_units % len(periods)] += 1
    return make_grid_cells(n_per, periods, np.broadcast_to(np.asarray(orientations, float), periods.shape),
                           box=box, orientation_jitter=0.0, period_jitter=0.0, peak=(1.0, 1.0), seed=seed)


def lowpass_noise_model(n_units: int, sigma: float = 0.08, box: float = 1.0, seed=0):
    """Low-pass filtered spatial white noise: Gaussian filter of s.d. ``sigma`` metres."""
    return smooth_random_fields(n_units, sigma, box, seed=seed)


@dataclass(frozen=True)
class PlaceFields:
    """Gaussian place fields: exp(−|x − centre|² / 2σ²); centres (units, 2) m, sigma (units,) m."""

    centers: np.ndarray
    sigma: np.ndarray

    def __call__(self, pos) -> np.ndarray:
        d2 = ((np.asarray(pos, float)[:, None, :] - self.centers[None]) ** 2).sum(-1)
        return np.exp(-d2 / (2 * self.sigma**2))


def place_cell_model(n_units: int, sigma=(0.06, 0.15), box: float = 1.0, seed=0) -> PlaceFields:
    """Place fields with centres uniform in the box and widths uniform in ``sigma`` (m)."""
    rng = _rng(seed)
    lo, hi = np.broadcast_to(np.asarray(sigma, float), (2,))
    return PlaceFields(rng.uniform(0, box, (n_units, 2)), rng.uniform(lo, hi, n_units))


@dataclass(frozen=True)
class RandomReLU:
    """ReLU(W (x − box/2) + b): W (units, 2) in 1/m, b (units,)."""

    W: np.ndarray
    b: np.ndarray
    box: float = 1.0

    def __call__(self, pos) -> np.ndarray:
        return np.maximum((np.asarray(pos, float) - self.box / 2) @ self.W.T + self.b, 0.0)


def random_relu_model(n_units: int, scale: float = 5.0, box: float = 1.0, seed=0) -> RandomReLU:
    """Random ReLU features of position: W ~ N(0, ``scale``²) per metre, b ~ N(0, 1)."""
    rng = _rng(seed)
    return RandomReLU(scale * rng.standard_normal((n_units, 2)), rng.standard_normal(n_units), box)


def responses(model, traj: Trajectory) -> np.ndarray:
    """(time, units) responses of any candidate model along ``traj``.

    MEC populations give rates (Hz) from position, head direction and speed; path
    integrators integrate the trajectory's velocity (see
    :meth:`bothways.grid.PathIntegrator.activity`); other models are functions of
    position only.
    """
    if isinstance(model, MEC):
        return model.rates(traj)
    if hasattr(model, "activity"):
        return model.activity(traj)
    if callable(model):
        return np.asarray(model(traj.pos), float)
    raise TypeError(f"{type(model).__name__} is not a candidate model")
