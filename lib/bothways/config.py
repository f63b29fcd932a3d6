"""Sizes, default alpha grid, device choice and thread limits.

Every knob that differs between a quick CI run (``size="ci"``) and the publication
run (``size="full"``) lives here, in :data:`SIZES`, one section per chapter, so that
notebooks only say ``size = "ci"`` and read their numbers with :func:`sizes`.
This module computes nothing.
"""
from __future__ import annotations

import os
from types import SimpleNamespace

import numpy as np

#: Names a notebook may pass as ``size``.
SIZE_NAMES = ("ci", "full")

#: Per-chapter sizes. ``ci`` must run each chapter in a few minutes on 2 CPU cores;
#: ``full`` is the publication run. Keys are chapter slugs.
SIZES: dict[str, dict[str, dict]] = {
    "ci": {
        "overview": dict(n_stimuli=500, n_shared=8, n_brain_private=4, n_model_private=24,
                         n_neurons=40, n_units=150, n_repeats=8, noise=2.0, n_splits=5,
                         private_sweep=(0, 8, 24, 60)),
    },
    "full": {
        "overview": dict(n_stimuli=2000, n_shared=10, n_brain_private=5, n_model_private=30,
                         n_neurons=100, n_units=400, n_repeats=10, noise=2.0, n_splits=20,
                         private_sweep=(0, 10, 30, 90, 150, 300)),
    },
}


def sizes(chapter: str, size: str = "ci") -> SimpleNamespace:
    """Return the knobs of one chapter at one size as attributes.

    >>> sizes("overview", "ci").n_stimuli
    400
    """
    if size not in SIZE_NAMES:
        raise ValueError(f"size must be one of {SIZE_NAMES}, got {size!r}")
    if chapter not in SIZES[size]:
        raise KeyError(f"no sizes for chapter {chapter!r}; known: {sorted(SIZES[size])}")
    return SimpleNamespace(**SIZES[size][chapter])


def default_alphas(n: int = 25, low: float = -6.0, high: float = 6.0) -> np.ndarray:
    """Default ridge grid: ``n`` log-spaced values over ``high - low`` decades.

    The ridge engine multiplies these by a scale taken from the data (the mean
    eigenvalue of the training Gram), so the grid is relative to the data's scale;
    see :func:`bothways.ridge.cv_ridge`.
    """
    return np.logspace(low, high, n)


#: The fixed alpha of the published reverse-predictivity method (Muzellec & Kar 2026).
MUZELLEC_KAR_ALPHA = 0.1


def get_device(device=None):
    """Resolve a device: ``None`` means CUDA if available, else MPS, else CPU.

    Accepts a string (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``) or a
    ``torch.device``. Raises ``ValueError`` for an unknown or unavailable device.
    """
    import torch

    if device is None:
        if torch.cuda.is_available():
            return torch.device("cuda")
        mps = getattr(torch.backends, "mps", None)
        if mps is not None and mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        try:
            dev = torch.device(device)
        except RuntimeError as err:
            raise ValueError(f"unknown device {device!r}: {err}") from None
    else:
        raise TypeError(f"device must be None, a str or a torch.device, got {type(device).__name__}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    if dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"device {device!r} requested but MPS is not available")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unsupported device type {dev.type!r}")
    return dev


def limit_threads(n: int | None = None) -> int:
    """Limit BLAS/OpenMP/torch threads to ``n`` (default: the cores this process may use).

    Oversubscribed threads made small factorisations ~100x slower on 2-core machines.
    Returns the number of threads set.
    """
    if n is None:
        try:
            n = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - macOS
            n = os.cpu_count() or 1
    n = max(1, int(n))
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n)
    except ImportError:  # pragma: no cover
        pass
    try:
        import torch

        torch.set_num_threads(n)
    except ImportError:  # pragma: no cover
        pass
    return n


__all__ = ["SIZES", "SIZE_NAMES", "sizes", "default_alphas", "MUZELLEC_KAR_ALPHA",
           "get_device", "limit_threads"]
