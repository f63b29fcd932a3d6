"""Populations with known shared and private structure, and trial noise.

A "brain" and a "model" read the same stimuli through latent factors. Each stimulus
draws independent Gaussian latents ``z`` (variance ``latent_var``, one block of
``n_shared`` factors both sides see, one block only the brain sees, one block only
the model sees). Both sides mix their latents linearly with Gaussian weights:

    rates  = baseline + Z A        (stimuli, neurons), each neuron's signal variance 1
    model  = Z B                   (stimuli, units), noiseless

and the recordings add trial noise to the rates. Because everything is linear and
Gaussian, the large-sample answer of a linear regression is known in closed form
(:func:`expected_ev`): a target ``y = Z a`` read from a predictor ``X = Z W`` is
predicted with ``R² = aᵀ D^½ P D^½ a / aᵀ D a``, with ``D`` the latent covariance and
``P`` the projection onto the column space of ``D^½ W``. With enough model units the
forward EV of a neuron is the fraction of its variance carried by the shared latents,
and the reverse EV of a unit the fraction of *its* variance carried by them, which is
why many private model dimensions make reverse ≪ forward (Muzellec & Kar 2026, the
argument of their Fig. 1).

Everything here is synthetic; real recordings live in :mod:`bothways.data`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bothways._validation import as_matrix, check_int, check_number
from bothways.data.recording import SIMULATED, Recording

__all__ = ["SimulatedPair", "simulate_pair", "expected_ev", "add_trial_noise",
           "noise_for_reliability", "expected_reliability"]


@dataclass(frozen=True)
class SimulatedPair:
    """A simulated brain and model that read the same stimuli (see :func:`simulate_pair`).

    Attributes
    ----------
    model : (stimuli, units) noiseless model features.
    recording : the simulated brain, a :class:`~bothways.data.recording.Recording`:
        ``trials`` (stimuli, neurons, repeats) are the noiseless rates plus trial
        noise, NaN where a stimulus was shown fewer times (missing repeats sit at the
        end); ``signal`` (stimuli, neurons) are the noiseless rates (arbitrary rate
        units; mean ``baseline``, signal variance 1 per neuron in the population);
        ``mean`` the trial average.
    latents : (stimuli, n_latents) the latent factors, columns ordered
        shared | brain-private | model-private.
    latent_var : (n_latents,) population variance of each latent.
    brain_weights : (n_latents, neurons) ``A`` (zero rows for model-private latents).
    model_weights : (n_latents, units) ``B`` (zero rows for brain-private latents).
    expected_forward_ev : (neurons,) large-sample EV (%) of each neuron predicted
        linearly from the model (:func:`expected_ev`).
    expected_reverse_ev : (units,) large-sample EV (%) of each unit predicted linearly
        from the noiseless rates.
    expected_reliability : (neurons,) expected reliability of the trial-averaged rate
        (:func:`expected_reliability`; 1 when noiseless).
    """

    model: np.ndarray
    recording: Recording
    latents: np.ndarray
    latent_var: np.ndarray
    brain_weights: np.ndarray
    model_weights: np.ndarray
    expected_forward_ev: np.ndarray
    expected_reverse_ev: np.ndarray
    expected_reliability: np.ndarray


def expected_ev(source_weights, target_weights, latent_var=None) -> np.ndarray:
    """Large-sample EV (%) of each target read linearly from a noiseless source.

    With isotropic-up-to-``latent_var`` Gaussian latents ``z`` (covariance
    ``D = diag(latent_var)``), source ``x = Wᵀz`` and target ``y = aᵀz``, the best linear
    prediction of ``y`` from ``x`` explains ``100 · aᵀ D^½ P D^½ a / aᵀ D a`` percent of
    its variance, ``P`` the orthogonal projection onto the columns of ``D^½ W``. This is
    the population value that cross-validated ridge approaches as stimuli → ∞ and
    regularisation → 0 (no intercept issue: everything is centred in the population).

    Parameters
    ----------
    source_weights : (n_latents, n_source) ``W``.
    target_weights : (n_latents, n_targets) ``A``.
    latent_var : (n_latents,) latent variances, default all 1.

    Returns
    -------
    (n_targets,) EV in percent, in [0, 100]; NaN for a target with zero variance.
    """
    W = as_matrix(source_weights, "source_weights", what="(n_latents, n_source)")
    A = as_matrix(target_weights, "target_weights", what="(n_latents, n_targets)")
    if W.shape[0] != A.shape[0]:
        raise ValueError("source_weights and target_weights must be 2-D (n_latents, ·) with "
                         f"the same n_latents; got {W.shape} and {A.shape}")
    d = np.ones(W.shape[0]) if latent_var is None else np.asarray(latent_var, dtype=np.float64)
    if d.shape != (W.shape[0],) or np.any(d < 0):
        raise ValueError(f"latent_var must be ({W.shape[0]},) and non-negative, got {d.shape}")
    s = np.sqrt(d)[:, None]
    U, sv, _ = np.linalg.svd(s * W, full_matrices=False)
    U = U[:, sv > sv.max(initial=0.0) * max(W.shape) * np.finfo(float).eps] if sv.size else U[:, :0]
    As = s * A
    total = np.sum(As ** 2, axis=0)
    explained = np.sum((U.T @ As) ** 2, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, 100.0 * explained / total, np.nan)


def noise_for_reliability(reliability, n_repeats) -> np.ndarray:
    """Trial-noise ratio that gives a trial mean of ``n_repeats`` this reliability.

    With noise variance ``noise × signal variance`` per trial, the mean of ``n``
    repeats has reliability ``ρ = 1 / (1 + noise / n)``, so ``noise = n (1/ρ − 1)``.
    ``reliability`` in (0, 1]; returns an array of the same shape.
    """
    rho = np.asarray(reliability, dtype=np.float64)
    if not np.all((rho > 0) & (rho <= 1)):
        raise ValueError("reliability must lie in (0, 1]")
    return check_int(n_repeats, "n_repeats", minimum=1) * (1.0 / rho - 1.0)


def expected_reliability(noise, n_repeats) -> np.ndarray:
    """Expected reliability of a trial mean: ``1 / (1 + noise · mean(1/mᵢ))``.

    ``noise``: scalar or (neurons,) trial-noise variance as a multiple of the signal
    variance; ``n_repeats``: scalar or (stimuli,) repeats per stimulus ``mᵢ``. This is
    the squared correlation between the trial mean and the noiseless rate (and the
    Spearman–Brown-corrected split-half correlation it estimates).
    """
    m = np.atleast_1d(np.asarray(n_repeats, dtype=np.float64))
    return 1.0 / (1.0 + np.asarray(noise, dtype=np.float64) * np.mean(1.0 / m))


def add_trial_noise(rates, n_repeats, noise, *, poisson_like=True, missing=0.0,
                    baseline=None, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Draw trials around noiseless rates.

    Parameters
    ----------
    rates : (stimuli, neurons) noiseless rates (positive when ``poisson_like``).
    n_repeats : int >= 1, repeats per stimulus before any go missing.
    noise : float or (neurons,), trial-noise variance as a multiple of each neuron's
        signal variance across stimuli (0 = noiseless; see
        :func:`noise_for_reliability`).
    poisson_like : if True the noise variance of a trial is proportional to its rate
        (``noise · signal_var · rate / mean rate``), as for Poisson spike counts; the
        average noise variance over stimuli is the same as in the Gaussian case.
    missing : fraction in [0, 1) of repeats dropped per stimulus (binomially, keeping
        at least 2 when ``n_repeats >= 2``); dropped repeats become NaN at the end
        of the repeat axis, the same for all neurons (a stimulus shown fewer times).
    baseline : mean rate used for the Poisson-like scaling (default: each neuron's mean).
    seed : int or ``numpy.random.Generator``.

    Returns
    -------
    trials : (stimuli, neurons, n_repeats) with NaN padding.
    counts : (stimuli,) repeats present per stimulus.
    """
    rng = np.random.default_rng(seed)
    R = as_matrix(rates, "rates", what="(stimuli, neurons)")
    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    missing = check_number(missing, "missing", low=0.0, high=1.0, high_open=True)
    noise = np.broadcast_to(np.asarray(noise, dtype=np.float64), (R.shape[1],))
    if not np.all(noise >= 0):
        raise ValueError("noise must be finite and >= 0")
    signal_var = R.var(axis=0)
    var = noise * signal_var * np.ones_like(R)
    if poisson_like:
        mean = R.mean(axis=0) if baseline is None else np.broadcast_to(baseline, (R.shape[1],))
        if np.any(mean <= 0):
            raise ValueError("poisson_like noise needs positive mean rates")
        var = var * np.clip(R, 0.0, None) / mean
    trials = R[:, :, None] + np.sqrt(var)[:, :, None] * rng.standard_normal(R.shape + (n_repeats,))
    keep = min(2, n_repeats)
    counts = n_repeats - rng.binomial(n_repeats - keep, missing, size=R.shape[0])
    absent = np.arange(n_repeats)[None, :] >= counts[:, None]  # (stimuli, repeats)
    trials[np.broadcast_to(absent[:, None, :], trials.shape)] = np.nan
    return trials, counts


def simulate_pair(n_stimuli=1000, n_shared=10, n_brain_private=5, n_model_private=50,
                  n_neurons=50, n_units=200, n_repeats=10, noise=1.0, *, seed=0,
                  spectrum_decay=0.0, poisson_like=True, missing=0.0,
                  baseline=5.0) -> SimulatedPair:
    """Simulate a brain and a model that share ``n_shared`` latent factors.

    Parameters
    ----------
    n_stimuli : number of stimuli (rows everywhere).
    n_shared, n_brain_private, n_model_private : latent factors seen by both sides,
        by the brain only, by the model only.
    n_neurons, n_units : population sizes.
    n_repeats : repeats per stimulus in ``trials`` (before ``missing``).
    noise : single-trial noise variance / signal variance, scalar or (neurons,);
        0 gives noiseless trials. The trial mean then has reliability
        ``1 / (1 + noise / n_repeats)`` (:func:`noise_for_reliability` inverts it).
    seed : int or ``numpy.random.Generator``; the only source of randomness.
    spectrum_decay : latent variances fall as ``rank^(-spectrum_decay)`` within each
        block (0: all latents have variance 1).
    poisson_like, missing : see :func:`add_trial_noise`.
    baseline : mean rate; with signal variance 1 a baseline of 5 keeps rates positive
        except in ~1 stimulus in 3.5 million.

    Returns
    -------
    SimulatedPair with ``expected_forward_ev`` / ``expected_reverse_ev`` from
    :func:`expected_ev`. With ``spectrum_decay = 0``, ``n_units >= n_shared +
    n_model_private`` and ``n_neurons >= n_shared + n_brain_private`` their averages are
    about ``n_shared / (n_shared + n_brain_private)`` and ``n_shared / (n_shared +
    n_model_private)`` (times 100).
    """
    rng = np.random.default_rng(seed)
    n_stimuli, n_neurons, n_units = (check_int(v, k, minimum=1) for k, v in
                                     (("n_stimuli", n_stimuli), ("n_neurons", n_neurons), ("n_units", n_units)))
    blocks = tuple(check_int(v, k) for k, v in (("n_shared", n_shared), ("n_brain_private", n_brain_private),
                                                ("n_model_private", n_model_private)))
    if min(blocks) < 0 or blocks[0] + blocks[1] == 0 or blocks[0] + blocks[2] == 0:
        raise ValueError(f"latent counts must be >= 0 and leave each side at least one latent, got {blocks}")
    latent_var = np.concatenate([np.arange(1, b + 1, dtype=float) ** -float(spectrum_decay) for b in blocks])
    L = latent_var.size
    brain_rows = np.r_[np.ones(blocks[0] + blocks[1]), np.zeros(blocks[2])].astype(bool)
    model_rows = np.r_[np.ones(blocks[0]), np.zeros(blocks[1]), np.ones(blocks[2])].astype(bool)

    Z = rng.standard_normal((n_stimuli, L)) * np.sqrt(latent_var)
    A = rng.standard_normal((L, n_neurons)) * brain_rows[:, None]
    A /= np.sqrt(np.sum(latent_var[:, None] * A ** 2, axis=0))  # population signal variance 1
    B = rng.standard_normal((L, n_units)) * model_rows[:, None]
    rates = baseline + Z @ A
    model = Z @ B
    trials, counts = add_trial_noise(rates, n_repeats, noise, poisson_like=poisson_like,
                                     missing=missing, baseline=baseline, seed=rng)
    recording = Recording(trials=trials, signal=rates, kind=SIMULATED, source="bothways.simulate.simulate_pair",
                          info=dict(seed=seed if isinstance(seed, (int, np.integer)) else None, noise=noise,
                                    poisson_like=poisson_like, missing=missing))
    return SimulatedPair(
        model=model, recording=recording, latents=Z, latent_var=latent_var,
        brain_weights=A, model_weights=B,
        expected_forward_ev=expected_ev(B, A, latent_var),
        expected_reverse_ev=expected_ev(A, B, latent_var),
        expected_reliability=np.broadcast_to(expected_reliability(noise, counts), (n_neurons,)).copy(),
    )
