"""Data for the book: a checksummed file registry, V4 recordings, digital twins, IT loaders.

- :mod:`bothways.data.files` — the registry (``bothways/registry.tsv``): where each file
  comes from; :func:`fetch` finds, downloads and verifies it.
- :mod:`bothways.data.cowley` — macaque V4 sessions of Cowley et al. 2023
  (:func:`load_cowley_session`, :func:`shared_images`).
- :mod:`bothways.data.twins` — the 219 digital-twin models of V4 neurons
  (:func:`digital_twins`, :func:`twin_population`, :func:`fit_mean_variance`).
- :mod:`bothways.data.it` — bring-your-own-file loaders for macaque IT data
  (Kar lab 1320 images; Majaj & Hong 2015 via Brain-Score).
"""
from . import cowley, files, it, twins
from .cowley import *  # noqa: F401,F403
from .files import *  # noqa: F401,F403
from .it import *  # noqa: F401,F403
from .twins import *  # noqa: F401,F403

__all__ = [*files.__all__, *cowley.__all__, *twins.__all__, *it.__all__]
