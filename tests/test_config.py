import numpy as np
import pytest
import torch

from bothways import config


def test_sizes_have_the_same_knobs_at_both_sizes():
    for chapter in config.SIZES["ci"]:
        assert set(config.SIZES["ci"][chapter]) == set(config.SIZES["full"][chapter]), chapter


def test_sizes_errors_name_the_problem():
    with pytest.raises(ValueError, match="size must be one of"):
        config.sizes("overview", "huge")
    with pytest.raises(KeyError, match="no sizes for chapter"):
        config.sizes("no-such-chapter", "ci")


def test_default_alphas_span_at_least_ten_decades():
    alphas = config.default_alphas()
    assert np.all(np.diff(np.log10(alphas)) > 0)
    assert np.log10(alphas[-1] / alphas[0]) >= 10


def test_get_device():
    assert config.get_device("cpu") == torch.device("cpu")
    expected = "cuda" if torch.cuda.is_available() else None
    if expected is None:
        assert config.get_device(None).type in ("cpu", "mps")
        with pytest.raises(ValueError, match="CUDA is not available"):
            config.get_device("cuda")
    with pytest.raises(ValueError, match="unknown device"):
        config.get_device("tpu-of-dreams")
    with pytest.raises(TypeError):
        config.get_device(3)


def test_limit_threads_sets_torch_threads():
    n = torch.get_num_threads()
    try:
        assert config.limit_threads(1) == 1
        assert torch.get_num_threads() == 1
    finally:
        config.limit_threads(n)
