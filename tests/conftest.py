"""Shared test settings: one BLAS/torch thread, deterministic RNGs.

One thread: on shared 2-core machines, oversubscribed BLAS threads made small
factorisations tens of times slower, and single-threaded runs are reproducible.
"""
import numpy as np
import pytest

from bothways.config import limit_threads

limit_threads(1)


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
