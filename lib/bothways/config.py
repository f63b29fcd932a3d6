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

from bothways._validation import check_device

#: Names a notebook may pass as ``size``.
SIZE_NAMES = ("ci", "full")

#: Per-chapter sizes. ``ci`` must run each chapter in a few minutes on 2 CPU cores;
#: ``full`` is the publication run. Keys are chapter slugs.
SIZES: dict[str, dict[str, dict]] = {
    "ci": {
        "overview": dict(n_stimuli=500, n_shared=8, n_brain_private=4, n_model_private=24,
                         n_neurons=40, n_units=150, n_repeats=8, noise=2.0, n_splits=5,
                         private_sweep=(0, 8, 24, 60)),
        "grid": dict(mec_modules=(160, 160, 160), mec_other=(16, 12, 8, 40),
                     heterogeneity=dict(field_variability=0.25, ellipticity=0.1, conjunctive=0.2,
                                        spatial_sigma=(0.03, 0.05, 0.12)),
                     gt_modules=(20, 20, 20), gt_other=(8, 6, 4, 20), n_units=128,
                     rnn_units=128, n_place=256, rnn_steps=600, rnn_batch=100, rnn_lr=3e-3,
                     can_sheet=32, n_bins=20, grid_smooth=1.0, time_bin=0.1, time_smooth=1.0, n_null=200,
                     topo_points=150, topo_shuffles=2, topo_units=40, sweep_cells=(40, 80, 160),
                     sweep_noise=(0.0, 0.5, 1.0), n_splits=2, n_folds=5, n_blocks=4, n_boot=1000,
                     dsa=dict(n_delays=5, rank=10, n_pca=10, n_restarts=1), dsa_bin=0.5, dsa_null=2,
                     dsa_chunk=100, pi_walks=500, can_calibration=60.0),
        "asymmetry": dict(n_stimuli=256, selection_fraction=0.25, max_layers=2,
                          models=("efficientnet-lite0", "resnet20-cifar10", "resnet20-cifar10/untrained",
                                  "pixels"),
                          variants=("default", "fixed_alpha", "muzellec_kar"), n_splits=5, n_folds=5,
                          n_boot=200, max_units=1000, neuron_counts=(2, 5, 10, 25, 50), n_draws=3,
                          curve_units=300, curve_splits=1, n_boot_fit=200, n_top_images=4,
                          gap_draws=5, gap_units=300, gap_boot=1000, n_permutations=19,
                          label_units=300, label_permutations=99, unit_counts=(5, 10, 25, 50, 100, 300, 1000),
                          unit_draws=3, control_units=400),
        "symmetry": dict(n_real_stimuli=300, n_object_images=160, n_natural_images=80,
                         natural_session=210621, twins_per_monkey=8, repeats=8, selection_fraction=0.25,
                         models=("efficientnet-lite0", "resnet20-cifar10"), max_layers=2, n_splits=5,
                         n_folds=5, n_boot=200, max_units=1000, n_trials=4, n_draws=5, n_null=20,
                         n_permutations=20, matched_draws=3, fit_images=300),
        "dimensionality": dict(n_stimuli=256, reference_session=210225, n_reference=100,
                               models={"efficientnet-lite0": ("_blocks.4", "_blocks.10", "_blocks.14"),
                                       "resnet20-cifar10": ("layer1", "layer2", "layer3", "avgpool")},
                               untrained={"resnet20-cifar10": ("layer1", "layer3", "avgpool")},
                               baselines=("pixels", "random-projection"),
                               control_model="efficientnet-lite0", control_layer="_blocks.14",
                               expansions=(1000, 4000), truncations=(5, 20, 50),
                               exponents=(0.0, 0.5, 1.0, 1.5, 2.0, 3.0),
                               n_splits=3, n_folds=10, max_reverse_units=300, n_boot=1000,
                               n_transform_reference=384, planted_units=400, planted_neurons=40),
        "goodhart": dict(n_stimuli=256,
                         representations={"efficientnet-lite0": ("_blocks.4", "_blocks.10", "_blocks.14"),
                                          "resnet20-cifar10": ("layer1", "layer2", "layer3", "avgpool"),
                                          "resnet20-cifar10/untrained": ("layer1", "layer3", "avgpool"),
                                          "pixels": ("pixels",), "random-projection": ("projection",)},
                         n_folds=10, n_splits=3, p_fraction=0.5, n_trials=2,
                         curve_fractions=(0.0625, 0.125, 0.25, 0.5, 0.75, 0.9), noise_repeats=(2, 4, None),
                         reverse_units=300, layer_models=("efficientnet-lite0", "resnet20-cifar10"),
                         layer_splits=3, widths=(0, 1000, 4000), max_units=300, twins_per_monkey=8,
                         twin_repeats=8, class_models=5, model_units=100, class_tolerance=0.9,
                         nonlinear_width=1000, reliability_splits=2, matching_units=64, n_components=10,
                         n_shuffles=5, n_shuffles_ev=1, tolerances=(0.8, 0.9, 0.95, 0.99), few_repeats=2,
                         surrogate_test=2000, n_boot=1000),
        "common_units": dict(n_v4_stimuli=256, selection_fraction=0.25,
                             models=("resnet20-cifar10", "resnet32-cifar10", "resnet44-cifar10",
                                     "resnet56-cifar10", "efficientnet-lite0"),
                             controls=("resnet20-cifar10/untrained", "pixels"),
                             layers={"efficientnet-lite0": ("_blocks.4", "_blocks.14")},
                             n_splits=5, n_folds=5, max_units=1000, n_permutations=19, alpha=0.05, top=0.2,
                             cifar_per_class=20, k=100, n_draws=3, n_seeds=20, decoder_folds=3, C=1.0,
                             twins_per_monkey=12, n_boot=1000, corr_boot=2000, m2m_units=200,
                             control=dict(n_images=300, n_sites=40, n_common=60, n_unique=60, n_networks=3,
                                          unique_class_signal=0.0, k=20, n_draws=2, n_seeds=10)),
    },
    "full": {
        "overview": dict(n_stimuli=2000, n_shared=10, n_brain_private=5, n_model_private=30,
                         n_neurons=100, n_units=400, n_repeats=10, noise=2.0, n_splits=20,
                         private_sweep=(0, 10, 30, 90, 150, 300)),
        "grid": dict(mec_modules=(320, 320, 320), mec_other=(40, 30, 20, 80),
                     heterogeneity=dict(field_variability=0.25, ellipticity=0.1, conjunctive=0.2,
                                        spatial_sigma=(0.03, 0.05, 0.12)),
                     gt_modules=(40, 40, 40), gt_other=(20, 15, 10, 40), n_units=512,
                     rnn_units=1024, n_place=512, rnn_steps=20000, rnn_batch=200, rnn_lr=1e-3,
                     can_sheet=32, n_bins=20, grid_smooth=1.0, time_bin=0.1, time_smooth=1.0, n_null=1000,
                     topo_points=250, topo_shuffles=5, topo_units=80, sweep_cells=(40, 80, 160, 320, 640),
                     sweep_noise=(0.0, 0.25, 0.5, 1.0, 2.0), n_splits=10, n_folds=5, n_blocks=4, n_boot=5000,
                     dsa=dict(n_delays=10, rank=20, n_pca=20, n_restarts=3), dsa_bin=0.5, dsa_null=20,
                     dsa_chunk=100, pi_walks=2000, can_calibration=120.0),
        "asymmetry": dict(n_stimuli=640, selection_fraction=0.25, max_layers=None,
                          models=("efficientnet-lite0", "efficientnet-lite1", "efficientnet-lite2",
                                  "resnet20-cifar10", "resnet32-cifar10", "resnet44-cifar10",
                                  "resnet56-cifar10", "efficientnet-lite0/untrained",
                                  "efficientnet-lite1/untrained", "efficientnet-lite2/untrained",
                                  "resnet20-cifar10/untrained", "resnet32-cifar10/untrained",
                                  "resnet44-cifar10/untrained", "resnet56-cifar10/untrained", "pixels"),
                          variants=("default", "fixed_alpha", "muzellec_kar"), n_splits=20, n_folds=10,
                          n_boot=1000, max_units=10000, neuron_counts=(2, 3, 5, 8, 12, 20, 30, 40, 50),
                          n_draws=10, curve_units=1000, curve_splits=3, n_boot_fit=2000, n_top_images=4,
                          gap_draws=20, gap_units=2000, gap_boot=2000, n_permutations=99,
                          label_units=1000, label_permutations=199,
                          unit_counts=(5, 10, 25, 50, 100, 300, 1000, 3000, 10000), unit_draws=10,
                          control_units=1000),
        "symmetry": dict(n_real_stimuli=600, n_object_images=640, n_natural_images=600,
                         natural_session=210621, twins_per_monkey=33, repeats=8, selection_fraction=0.25,
                         models=("efficientnet-lite0", "efficientnet-lite2", "resnet20-cifar10",
                                 "resnet56-cifar10", "resnet20-cifar10/untrained", "pixels"),
                         max_layers=None, n_splits=20, n_folds=10, n_boot=1000, max_units=5000, n_trials=4,
                         n_draws=20, n_null=100, n_permutations=100, matched_draws=10, fit_images=None),
        "dimensionality": dict(n_stimuli=640, reference_session=210225, n_reference=1200,
                               models={m: "all" for m in ("efficientnet-lite0", "efficientnet-lite1",
                                                          "efficientnet-lite2", "resnet20-cifar10",
                                                          "resnet32-cifar10", "resnet44-cifar10",
                                                          "resnet56-cifar10")},
                               untrained={m: "all" for m in ("efficientnet-lite0", "efficientnet-lite1",
                                                             "efficientnet-lite2", "resnet20-cifar10",
                                                             "resnet56-cifar10")},
                               baselines=("pixels", "random-projection"),
                               control_model="efficientnet-lite0", control_layer="_blocks.14",
                               expansions=(1000, 4000, 16000), truncations=(5, 10, 20, 50, 100, 200),
                               exponents=(0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0),
                               n_splits=20, n_folds=10, max_reverse_units=5000, n_boot=10000,
                               n_transform_reference=1200, planted_units=1000, planted_neurons=50),
        "goodhart": dict(n_stimuli=640,
                         representations={"efficientnet-lite0": ("_blocks.4", "_blocks.7", "_blocks.10", "_blocks.14"),
                                          "efficientnet-lite1": ("_blocks.6", "_blocks.10", "_blocks.14", "_blocks.19"),
                                          "efficientnet-lite2": ("_blocks.6", "_blocks.10", "_blocks.14", "_blocks.19"),
                                          "resnet20-cifar10": ("layer1", "layer2", "layer3", "avgpool"),
                                          "resnet56-cifar10": ("layer1", "layer2", "layer3", "avgpool"),
                                          "efficientnet-lite0/untrained": ("_blocks.4", "_blocks.10", "_blocks.14"),
                                          "resnet20-cifar10/untrained": ("layer1", "layer2", "layer3", "avgpool"),
                                          "pixels": ("pixels",), "random-projection": ("projection",)},
                         n_folds=10, n_splits=20, p_fraction=0.5, n_trials=5,
                         curve_fractions=(0.03, 0.0625, 0.125, 0.25, 0.5, 0.75, 0.9), noise_repeats=(2, 3, 4, 6, None),
                         reverse_units=2000, layer_models=("efficientnet-lite0", "efficientnet-lite1",
                                                           "efficientnet-lite2", "resnet20-cifar10",
                                                           "resnet56-cifar10"),
                         layer_splits=10, widths=(0, 1000, 4000, 16000), max_units=2000, twins_per_monkey=33,
                         twin_repeats=8, class_models=9, model_units=500, class_tolerance=0.9,
                         nonlinear_width=4000, reliability_splits=10, matching_units=64, n_components=10,
                         n_shuffles=20, n_shuffles_ev=3, tolerances=(0.8, 0.9, 0.95, 0.99), few_repeats=2,
                         surrogate_test=5000, n_boot=5000),
        "common_units": dict(n_v4_stimuli=640, selection_fraction=0.25,
                             models=("resnet20-cifar10", "resnet32-cifar10", "resnet44-cifar10",
                                     "resnet56-cifar10", "efficientnet-lite0", "efficientnet-lite1",
                                     "efficientnet-lite2"),
                             controls=("resnet20-cifar10/untrained", "resnet56-cifar10/untrained",
                                       "efficientnet-lite0/untrained", "pixels"),
                             layers={},
                             n_splits=20, n_folds=10, max_units=5000, n_permutations=99, alpha=0.05, top=0.2,
                             cifar_per_class=100, k=100, n_draws=10, n_seeds=20, decoder_folds=3, C=1.0,
                             twins_per_monkey=None, n_boot=2000, corr_boot=10000, m2m_units=1000,
                             control=dict(n_images=600, n_sites=50, n_common=100, n_unique=100, n_networks=4,
                                          unique_class_signal=0.0, k=40, n_draws=5, n_seeds=20)),
    },
}


def sizes(chapter: str, size: str = "ci") -> SimpleNamespace:
    """Return the knobs of one chapter at one size as attributes.

    >>> sizes("overview", "ci").n_stimuli == SIZES["ci"]["overview"]["n_stimuli"]
    True
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
    return check_device(device)


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
