"""Shared test settings: few threads (2-core CI machines), deterministic RNGs."""
import numpy as np
import pytest

from bothways.config import limit_threads

limit_threads()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)
