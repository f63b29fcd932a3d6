"""Data for the book: a checksummed file registry, one :class:`Recording` container, loaders.

- :mod:`bothways.data.files` — the registry (``bothways/registry.tsv``): where each file
  comes from; :func:`fetch` finds, downloads and verifies it.
- :mod:`bothways.data.recording` — :class:`Recording`: trials (stimuli, neurons,
  repeats) with NaN for missing repeats, their ``mean``, metadata and provenance. Every
  loader below returns one.
- :mod:`bothways.data.cowley` — macaque V4 sessions of Cowley et al. 2023
  (:func:`load_cowley_session`, :func:`shared_images`).
- :mod:`bothways.data.twins` — the 219 digital-twin models of V4 neurons
  (:func:`digital_twins`, :func:`twin_population`, :func:`twin_panel`,
  :func:`fit_mean_variance`, :func:`trial_noise`).
- :mod:`bothways.data.it` — bring-your-own-file loaders for macaque IT data
  (Kar lab 1320 images; Majaj & Hong 2015 via Brain-Score).

The twins need torch; they are imported on first use, so ``import bothways.data`` (and
everything that only needs a :class:`Recording`) stays light.
"""
import importlib

from . import cowley, files, it, recording
from .cowley import *  # noqa: F401,F403
from .files import *  # noqa: F401,F403
from .it import *  # noqa: F401,F403
from .recording import *  # noqa: F401,F403

_TWIN_NAMES = ("TWIN_SESSIONS", "MONKEY_TWIN_SESSIONS", "TWIN_KIND", "PIXEL_MEANS", "CompactTwin",
               "FusedTwins", "DigitalTwins", "TwinValidation", "digital_twins", "validate_twins",
               "MeanVariance", "fit_mean_variance", "trial_noise", "sample_trials", "twin_population",
               "twin_panel", "preprocess_twin_images", "sample_counts", "TWIN_REPEATS", "POOLED_SCALE_SESSION",
               "twin_scales", "to_counts")

__all__ = [*files.__all__, *recording.__all__, *cowley.__all__, *_TWIN_NAMES, *it.__all__]


def __getattr__(name):
    if name == "twins" or name in _TWIN_NAMES:
        twins = importlib.import_module(".twins", __name__)
        return twins if name == "twins" else getattr(twins, name)
    raise AttributeError(f"module 'bothways.data' has no attribute {name!r}")
