"""Chapter 4 recipe: Goodhart's law for neural regressions.

"When a measure becomes a target, it ceases to be a good measure." Forward
predictivity is the measure the field optimises; this module holds the steps chapter 4
takes to see what that number is made of and how easily it moves:

- **What a score is made of** (Canatar, Feather, Wakhloo & Chung 2023):
  :func:`theory_vs_measured` puts the spectral theory's error (from the
  representation's eigenvalues and the targets' weights on its eigenvectors,
  :mod:`bothways.spectral`) beside the error ridge actually makes and beside the usual
  noise-corrected score; :func:`spectral_profile` does it for several representations
  and summarises *spectral bias* (how much variance the top modes carry) against *task
  alignment* (how much target variance lies along them) and the error modes' radius
  and dimension; :func:`geometry` gives the error modes W̃ᵢ(p), R_em and D_em (beside
  D_em's shuffle null) and learning curves for every representation;
  :func:`learning_curves`, :func:`finite_pool_check` (a Gaussian population with the same
  spectrum) and :func:`repeat_subset` show where theory and measurement part (a finite
  pool of stimuli; trial noise in a neural predictor).
- **Raising a score without becoming more brain-like**: :func:`alpha_inflation`
  (choosing ridge alpha on the test folds), :func:`layer_inflation` (choosing the layer
  on the stimuli that are scored), :func:`expansion_sweep` (random ReLU features: more
  dimensions, no learning).
- **Methodological pluralism**: :func:`metric_table` (forward EV, reverse EV, RSA,
  debiased linear CKA, Bures/Procrustes similarity, SVCCA, PWCCA, cross-validated
  one-to-one matching of the same models), :func:`metric_nulls` (each beside its
  stimulus-shuffle null) and :func:`oriented` for :func:`bothways.metrics.rank_agreement`.
- **Transform classes** (Thobani et al. 2025): :func:`transform_class_table` scores
  populations under four classes nested by construction, :func:`class_nesting` checks
  the nesting on the training stimuli, and :func:`strictest_class` /
  :func:`strictest_by_tolerance` pick the strictest one that maps animals onto each
  other about as well as the best.

Everything numeric is done elsewhere: regression by :func:`bothways.ridge.cv_ridge`
(through :func:`bothways.predictivity.predictivity`), theory by
:mod:`bothways.spectral`, similarity by :mod:`bothways.metrics`. The one helper of our
own, :func:`ridge_coordinates`, replaces a wide representation by an exactly
equivalent narrow one so that the many ridge fits of the chapter stay cheap.
Shapes follow the book: a representation is ``(stimuli, units)``, recordings are
``(stimuli, neurons, repeats)`` NaN-padded.
"""
from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bothways._validation import as_matrix, as_responses, as_trials, check_int
from bothways.predictivity import predictivity

__all__ = ["CLASSES", "HIGHER_IS_BETTER", "ridge_coordinates", "TheoryCheck", "theory_vs_measured",
           "SpectralProfile", "spectral_profile", "learning_curves", "repeat_subset",
           "AlphaInflation", "alpha_inflation", "LayerInflation", "layer_inflation",
           "expansion_sweep", "metric_table", "oriented", "transform_class_table",
           "strictest_class", "unit_sample", "load_representations", "predictor_noise",
           "class_scores", "class_nesting", "strictest_by_tolerance", "metric_nulls", "Geometry",
           "geometry", "finite_pool_check"]

#: Mapping classes from strictest to loosest (Thobani et al. 2025), nested by
#: construction (:data:`bothways.metrics.TRANSFORM_CLASSES`): one-to-one permutation ⊂
#: soft (non-negative mixtures) ⊂ linear ⊂ nonlinear (linear on the source and its
#: random ReLU features).
CLASSES = ("permutation", "soft", "linear", "nonlinear")

#: Columns of :func:`metric_table` and whether a larger value means "more brain-like".
HIGHER_IS_BETTER = {"forward_ev": True, "reverse_ev": True, "rsa": True, "cka": True,
                    "procrustes": True, "svcca": True, "pwcca": True, "matching": True}


# --------------------------------------------------------------------------- helpers
def _mapping(name, features, min_items=1):
    if not isinstance(features, Mapping) or len(features) < min_items:
        raise TypeError(f"{name} must be a mapping name -> (stimuli, units) array with at least "
                        f"{min_items} item(s)")
    return dict(features)


def ridge_coordinates(X, rtol: float = 1e-12) -> np.ndarray:
    """An exactly ridge-equivalent, narrow copy of a wide representation.

    With the centred ``Xc = U S Vᵀ`` (thin SVD), ``Z = Xc V = U S`` has the same rows
    up to one rotation, so ``Z Zᵀ = Xc Xcᵀ``: every rotation-invariant computation —
    ridge regression with or without intercept (any folds, any alpha), the
    eigenspectrum and the spectral theory, participation ratio, linear CKA, Procrustes
    distance — gives the same answer on ``Z`` as on ``X``. Unit-wise measures
    (matching, permutation classes, RSA with correlation distance) do **not** survive
    the rotation; never pass ``Z`` to them.

    Parameters
    ----------
    X : (P, N) representation (stimuli, units).
    rtol : Gram eigenvalues below ``rtol · λ_max`` are treated as zero (dropped).

    Returns
    -------
    (P, r) float64 array, ``r ≤ min(N, P − 1)`` (``Xc`` itself when ``N < P``).
    """
    from scipy.linalg import eigh

    X = as_matrix(X, "X")
    Xc = X - X.mean(0)
    if Xc.shape[1] < Xc.shape[0]:
        return Xc
    lam, U = eigh(Xc @ Xc.T)
    if lam[-1] <= 0:
        raise ValueError("X is constant over stimuli")
    keep = lam > rtol * lam[-1]
    return (U[:, keep] * np.sqrt(lam[keep]))[:, ::-1]


def load_representations(spec_layers: Mapping, images, device=None, seed: int = 0) -> dict:
    """Features of several zoo models and layers, as float64 (stimuli, units) arrays.

    ``spec_layers``: model spec (:func:`bothways.models.parse_model`, e.g.
    ``"resnet20-cifar10/untrained"``) -> layer names. Features come from
    :func:`bothways.models.extract_features` (un-pooled, disk-cached: the same call as
    chapters 1 and 3, so their cache is reused). Keys are ``"<label>:<layer>"`` with the
    label of :func:`bothways.models.model_label`.
    """
    from bothways.models import extract_features, load_model, model_label

    if not isinstance(spec_layers, Mapping) or not spec_layers:
        raise TypeError("spec_layers must be a non-empty mapping model spec -> layers")
    out = {}
    for spec, layers in spec_layers.items():
        if isinstance(layers, str) or not layers:
            raise ValueError(f"layers of {spec!r} must be a non-empty list of layer names, got {layers!r}")
        model = load_model(spec, seed=seed)
        for layer in layers:
            f = extract_features(model, images, layer, device=device, progress=False)
            out[f"{model_label(spec)}:{layer}"] = np.asarray(f.values, dtype=np.float64)
    return out


# --------------------------------------------------------------------------- theory
@dataclass(frozen=True, eq=False)
class TheoryCheck:
    """Result of :func:`theory_vs_measured` (one representation, all targets pooled).

    Errors are normalised squared errors (1 = predicting the mean), pooled over targets
    (each target weighted by its variance), at training size ``p`` and ridge ``alpha``:

    - ``theory_all`` / ``measured_all``: over all P stimuli, training ones included —
      the quantity the spectral theory predicts (Canatar et al. 2023);
    - ``theory_heldout`` / ``measured_heldout``: over the P − p held-out stimuli
      (the theory's value via ``P·E_all = p·E_train + (P − p)·E_test``).

    Measured errors average ``n_trials`` random training sets
    (:func:`bothways.spectral.empirical_learning_curve`). Also: ``measured_ev`` (median
    noise-corrected EV, %, of the usual cross-validated score,
    :func:`bothways.predictivity.predictivity`), ``top_eigen_fraction`` (Σ of the top
    ``n_top`` λ / Σλ: spectral bias), ``top_weight`` (Σ of the top ``n_top`` Wᵢ: task
    alignment), ``radius`` and ``dimension`` of the error modes (E_g = R √D),
    ``pr`` (participation ratio (Σλ)²/Σλ²), the spectrum itself (``eigenvalues``,
    ``weights``, ``error_modes``) and the predictivity ``result``.
    """

    p: int
    alpha: float
    theory_all: float
    measured_all: float
    theory_heldout: float
    measured_heldout: float
    measured_ev: float
    top_eigen_fraction: float
    top_weight: float
    radius: float
    dimension: float
    pr: float
    eigenvalues: np.ndarray = field(repr=False)
    weights: np.ndarray = field(repr=False)
    error_modes: np.ndarray = field(repr=False)
    result: object = field(default=None, repr=False)

    def row(self) -> dict:
        """The scalar fields as a dict (one table row)."""
        return {k: getattr(self, k) for k in ("p", "alpha", "measured_ev", "theory_all", "measured_all",
                                              "theory_heldout", "measured_heldout", "top_eigen_fraction",
                                              "top_weight", "radius", "dimension", "pr")}


def theory_vs_measured(X, target, p_fraction: float = 0.5, alpha: float | None = None, n_trials: int = 3,
                       seed=0, n_folds: int = 10, n_splits: int = 5, n_top: int = 10,
                       device=None) -> TheoryCheck:
    """What the spectral theory says about one representation, beside what ridge does.

    1. The usual score: :func:`bothways.predictivity.predictivity` (K-fold ridge, alpha
       per target inside the training folds; noise-corrected EV for recordings).
    2. The spectrum: eigenvalues λᵢ of the representation and the targets' pooled
       weights Wᵢ on its eigenvectors (:func:`bothways.spectral.spectrum`).
    3. The theory at ``p = round(p_fraction · P)`` training stimuli and ``alpha``
       (default: the median over targets of the alphas the score chose):
       :func:`bothways.spectral.learning_curve`; and the same fit done
       ``n_trials`` times on random training sets
       (:func:`bothways.spectral.empirical_learning_curve`, no intercept, as in the
       theory).

    Parameters
    ----------
    X : (P, N) representation (wide ones are reduced by :func:`ridge_coordinates`).
    target : (P, targets) responses or (P, neurons, repeats) recordings (the spectrum and the
        errors use the trial average; EV is noise-corrected).
    p_fraction : training size as a fraction of P (p in [2, P − 1]).
    alpha : fixed ridge for the theory and its empirical counterpart (> 0).
    n_trials, seed : random training sets of the empirical curve.
    n_folds, n_splits, device : of the score.
    n_top : modes counted as "top".

    Returns
    -------
    :class:`TheoryCheck`.
    """
    from bothways.spectral import empirical_learning_curve, learning_curve, spectrum, theory_error

    Z = ridge_coordinates(X)
    mean, trials = as_responses(target, "target")
    P = Z.shape[0]
    if mean.shape[0] != P:
        raise ValueError(f"X and target have different numbers of stimuli: {P} vs {mean.shape[0]}")
    p = int(round(float(p_fraction) * P))
    if not 2 <= p <= P - 1:
        raise ValueError(f"p_fraction={p_fraction} gives p={p}; need 2 <= p <= {P - 1}")
    res = predictivity(Z, trials if trials is not None else mean, warn=False, n_folds=n_folds, seed=seed,
                       n_splits=n_splits, n_boot=0, match_to=None, device=device)
    if alpha is None:
        alpha = float(np.nanmedian(res.per_target["alpha"]))
    s = spectrum(Z, mean)
    lam, w = s.eigenvalues, s.weights
    th = learning_curve(lam, w, [p], alpha).iloc[0]
    t = theory_error(lam, w, p, alpha)
    emp = empirical_learning_curve(Z, mean, [p], alpha, n_trials=n_trials, seed=seed, device=device)
    return TheoryCheck(p=p, alpha=float(alpha), theory_all=float(th["eg"]), measured_all=float(emp["error_all"].mean()),
                       theory_heldout=float(th["eg_heldout"]), measured_heldout=float(emp["error_heldout"].mean()),
                       measured_ev=float(res.summary["median_ev"]),
                       top_eigen_fraction=float(lam[:n_top].sum() / lam.sum()), top_weight=float(w[:n_top].sum()),
                       radius=t.radius, dimension=t.dimension, pr=float(lam.sum() ** 2 / np.sum(lam**2)),
                       eigenvalues=lam, weights=w, error_modes=t.error_modes, result=res)


@dataclass(frozen=True, eq=False)
class SpectralProfile:
    """Result of :func:`spectral_profile`.

    summary : one row per representation (index ``representation``): ``n_units`` and
        the scalar fields of :class:`TheoryCheck` (``p``, ``alpha``, ``measured_ev``,
        ``theory_all``, ``measured_all``, ``theory_heldout``, ``measured_heldout``,
        ``top_eigen_fraction``, ``top_weight``, ``radius``, ``dimension``, ``pr``).
    curves : one row per (representation, mode) with λ > 0: ``mode`` (1-based),
        ``eigenvalue`` (λᵢ / Σλ), ``weight`` (Wᵢ), ``cumulative_weight``, ``error_mode``
        (W̃ᵢ = EᵢWᵢ at p and alpha).
    checks : name -> :class:`TheoryCheck`.
    """

    summary: pd.DataFrame
    curves: pd.DataFrame = field(repr=False)
    checks: dict = field(repr=False)


def spectral_profile(features: Mapping, target, p_fraction: float = 0.5, n_trials: int = 3, seed=0,
                     n_folds: int = 10, n_splits: int = 5, n_top: int = 10, device=None) -> SpectralProfile:
    """:func:`theory_vs_measured` for several representations of the same stimuli.

    Each representation gets its own alpha (the median its score chose). The summary
    puts spectral bias (``top_eigen_fraction``) and task alignment (``top_weight``)
    beside the score they are meant to explain (Canatar et al. 2023, Figs. 3–4).
    """
    features = _mapping("features", features)
    rows, curves, checks = [], [], {}
    for name, X in features.items():
        chk = theory_vs_measured(X, target, p_fraction=p_fraction, n_trials=n_trials, seed=seed,
                                 n_folds=n_folds, n_splits=n_splits, n_top=n_top, device=device)
        checks[name] = chk
        rows.append(dict(representation=name, n_units=int(np.shape(X)[1]), **chk.row()))
        lam, nz = chk.eigenvalues, chk.eigenvalues > 0
        curves.append(pd.DataFrame({"representation": name, "mode": np.arange(1, nz.sum() + 1),
                                    "eigenvalue": lam[nz] / lam.sum(), "weight": chk.weights[nz],
                                    "cumulative_weight": np.cumsum(chk.weights[nz]),
                                    "error_mode": chk.error_modes[nz]}))
    return SpectralProfile(pd.DataFrame(rows).set_index("representation"), pd.concat(curves, ignore_index=True),
                           checks)


def learning_curves(X, target, ps: Sequence[int], alpha: float, n_trials: int = 3, seed=0,
                    device=None) -> pd.DataFrame:
    """Theory and measured ridge learning curves side by side (fixed alpha).

    Theory: :func:`bothways.spectral.learning_curve` (error over all P stimuli, ``eg``,
    and the held-out error it implies, ``eg_heldout``). Measured:
    :func:`bothways.spectral.empirical_learning_curve` (random training subsets, no
    intercept, globally centred, as in the theory), averaged over ``n_trials``.

    Parameters
    ----------
    X : (P, N) representation; target : (P, targets) or (P, neurons, repeats) (trial-averaged).
    ps : training sizes (integers in [2, P − 1]); alpha : fixed ridge (> 0, sklearn
        convention: added to the un-normalised training Gram).

    Returns
    -------
    DataFrame, one row per ``p``: ``p``, ``p_fraction`` (p / P), ``theory_all``,
    ``measured_all``, ``theory_heldout``, ``measured_heldout``, ``measured_heldout_sd``
    — normalised squared errors (1 = predicting the mean).
    """
    from bothways.spectral import empirical_learning_curve, learning_curve, spectrum

    Z = ridge_coordinates(X)
    mean, _ = as_responses(target, "target")
    s = spectrum(Z, mean)
    th = learning_curve(s.eigenvalues, s.weights, ps, alpha)
    emp = empirical_learning_curve(Z, mean, ps, alpha, n_trials=n_trials, seed=seed, device=device)
    g = emp.groupby("p")
    out = pd.DataFrame({"p": th["p"].to_numpy().astype(int), "p_fraction": th["p"].to_numpy() / Z.shape[0],
                        "theory_all": th["eg"].to_numpy(),
                        "measured_all": g["error_all"].mean().reindex(th["p"]).to_numpy(),
                        "theory_heldout": th["eg_heldout"].to_numpy(),
                        "measured_heldout": g["error_heldout"].mean().reindex(th["p"]).to_numpy(),
                        "measured_heldout_sd": g["error_heldout"].std(ddof=0).reindex(th["p"]).to_numpy()})
    return out


@dataclass(frozen=True, eq=False)
class Geometry:
    """Result of :func:`geometry`.

    curves : one row per (representation, p): ``p``, ``p_fraction``, ``alpha``,
        ``theory_all``, ``measured_all``, ``theory_heldout`` (NaN for p/P > 0.5),
        ``measured_heldout``, ``radius`` R_em and ``dimension`` D_em of the error modes,
        ``null_dimension`` (D_em of the same neurons with their stimuli shuffled: a
        target with no stimulus structure, whose weights are flat) and ``n_modes``
        (P − 1, the modes of P centred stimuli, the span's and the null space's: D_em's
        ceiling).
    modes : one row per (representation, p, mode): ``error_mode`` W̃ᵢ(p) = Eᵢ(p) Wᵢ.
    """

    curves: pd.DataFrame
    modes: pd.DataFrame = field(repr=False)


def geometry(features: Mapping, target, ps: Sequence[int], alphas: Mapping, n_trials: int = 2, seed=0,
             device=None) -> Geometry:
    """Canatar et al.'s error-mode geometry and learning curves for every representation.

    For each representation (its own fixed ``alphas[name]``) and training size ``p``:
    the theory's error (:func:`bothways.spectral.theory_error`) and the error modes'
    radius and dimension (E_g = R_em √D_em), the measured error of ridge on random
    training sets (:func:`bothways.spectral.empirical_learning_curve`), and D_em of a
    stimulus-shuffled copy of the target — its chance level. With P stimuli D_em can
    reach the number of modes (≤ P − 1); a target whose variance is spread over many
    modes (unaligned, or noise) has error modes spread over all the modes that p
    samples cannot learn, whatever the representation.
    """
    from bothways.spectral import (HELDOUT_MAX_FRACTION, empirical_learning_curve, heldout_error, spectrum,
                                   theory_error)

    features = _mapping("features", features)
    mean, _ = as_responses(target, "target")
    shuffled = mean[np.random.default_rng([int(seed), 31]).permutation(mean.shape[0])]
    rows, modes = [], []
    for name, X in features.items():
        Z = ridge_coordinates(X)
        P = Z.shape[0]
        s, s0 = spectrum(Z, mean), spectrum(Z, shuffled)
        alpha = float(alphas[name])
        emp = empirical_learning_curve(Z, mean, ps, alpha, n_trials=n_trials, seed=seed, device=device)
        g = emp.groupby("p")[["error_all", "error_heldout"]].mean()
        for p in ps:
            t, t0 = theory_error(s.eigenvalues, s.weights, p, alpha), theory_error(s0.eigenvalues, s0.weights, p, alpha)
            held = float(heldout_error(t.eg, t.train_error, p, P)) if p <= HELDOUT_MAX_FRACTION * P else np.nan
            rows.append(dict(representation=name, p=int(p), p_fraction=p / P, alpha=alpha, theory_all=t.eg,
                             measured_all=float(g.loc[p, "error_all"]), theory_heldout=held,
                             measured_heldout=float(g.loc[p, "error_heldout"]), radius=t.radius,
                             dimension=t.dimension, null_dimension=t0.dimension,
                             n_modes=P - 1))
            nz = s.eigenvalues > 0
            modes.append(pd.DataFrame({"representation": name, "p": int(p), "mode": np.arange(1, nz.sum() + 1),
                                       "error_mode": t.error_modes[nz]}))
    return Geometry(pd.DataFrame(rows), pd.concat(modes, ignore_index=True))


def finite_pool_check(X, target, ps: Sequence[int], alpha: float, n_trials: int = 3, n_test: int = 2000,
                      seed=0, device=None) -> pd.DataFrame:
    """Is the gap between theory and measurement a finite-pool effect? A Gaussian test.

    The real measurement (:func:`learning_curves`) trains on ``p`` of a finite pool of
    P stimuli and scores the same pool. A Gaussian population with the *same*
    eigenvalues and target weights (:func:`bothways.spectral.surrogate_learning_curve`)
    gives (a) the population error the theory predicts, measured on fresh samples
    (``surrogate``), and (b) the real procedure on a pool of P Gaussian samples: the
    theory on the pool's own spectrum (``pool_theory``) beside ridge on the pool
    (``pool_all``, ``pool_heldout``). If (a) matches the theory and the relative gap of
    (b) matches the real one, the gap belongs to the finite pool, not to the theory or
    to non-Gaussian features.

    Returns
    -------
    DataFrame, one row per ``p``: ``p``, ``p_fraction``, ``theory``, ``measured_all``,
    ``measured_heldout`` (real), ``surrogate``, ``surrogate_sd``, ``pool_theory``,
    ``pool_all``, ``pool_heldout`` (Gaussian).
    """
    from bothways.spectral import spectrum, surrogate_learning_curve

    Z = ridge_coordinates(X)
    mean, _ = as_responses(target, "target")
    s = spectrum(Z, mean)
    sur = surrogate_learning_curve(s.eigenvalues, s.weights, ps, alpha, n_test=n_test, n_trials=n_trials, seed=seed,
                                   device=device)
    real = learning_curves(Z, mean, ps, alpha, n_trials=n_trials, seed=seed, device=device)
    out = sur.merge(real[["p", "p_fraction", "measured_all", "measured_heldout"]], on="p")
    return out[["p", "p_fraction", "theory", "measured_all", "measured_heldout", "surrogate", "surrogate_sd",
                "pool_theory", "pool_all", "pool_heldout"]]


def repeat_subset(trials, k: int | None, seed=0) -> np.ndarray:
    """Keep ``k`` randomly chosen present repeats of every stimulus (the rest NaN).

    Fewer repeats leave more trial noise in the average of the *same* neurons: this is
    how chapter 4 varies the noise of a predictor (or target) without changing its
    signal. For every stimulus, ``min(k, present)`` of its present repeats are kept
    (the same ones for all neurons of that stimulus, seeded); ``k=None`` keeps all.

    Parameters
    ----------
    trials : (stimuli, neurons, repeats), NaN for missing repeats.
    k : repeats to keep (≥ 1) or None.

    Returns
    -------
    (stimuli, neurons, repeats) float64, NaN where a repeat is missing or dropped.
    """
    _, T = as_responses(trials, "trials")
    if T is None:
        raise ValueError("trials must be (stimuli, neurons, repeats)")
    T = T.astype(np.float64)
    if k is None:
        return T
    k = check_int(k, "k", minimum=1)
    present = ~np.isnan(T).all(axis=1)  # (stimuli, repeats)
    keys = np.where(present, np.random.default_rng(seed).random(present.shape), np.inf)
    rank = np.argsort(np.argsort(keys, axis=1), axis=1)
    use = present & (rank < int(k))
    return np.where(use[:, None, :], T, np.nan)


def predictor_noise(trials, target, repeats: Sequence[int | None] = (2, 4, None), p_fraction: float = 0.5,
                    n_trials: int = 3, seed=0, n_folds: int = 10, n_splits: int = 5, device=None) -> pd.DataFrame:
    """Reverse predictivity from the same neurons averaged over fewer or more repeats.

    For each ``k`` in ``repeats`` (:func:`repeat_subset`), the neurons predict the
    target (e.g. a model's units): :func:`bothways.predictivity.predictivity` gives the
    raw held-out r² and the noise-corrected EV (which divides by the prediction
    reliability from split halves), and :func:`theory_vs_measured` applies the spectral
    theory to the *noisy* trial average as it is. The theory has no notion of the
    noise-free population the correction extrapolates to: if the correction were exact,
    EV would not depend on ``k`` while the raw r² falls with noise.

    Parameters
    ----------
    trials : (stimuli, neurons, repeats) recordings (the predictor).
    target : (stimuli, units) noiseless target.

    Returns
    -------
    DataFrame, one row per ``k`` (``repeats``, NaN for all): ``median_r2`` (raw, ×100),
    ``median_ev``, ``prediction_reliability`` (median), ``theory_all``, ``measured_all``.
    """
    T = as_matrix(target, "target")
    rows = []
    for k in repeats:
        Tk = repeat_subset(trials, k, seed=seed)
        res = predictivity(Tk, T, warn=False, n_folds=n_folds, seed=seed, n_splits=n_splits, n_boot=0,
                           match_to=None, device=device)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            chk = theory_vs_measured(np.nanmean(Tk, axis=2), T, p_fraction=p_fraction, n_trials=n_trials, seed=seed,
                                     n_folds=n_folds, n_splits=1, device=device)
        pt = res.per_target
        rows.append(dict(repeats=np.nan if k is None else int(k), median_r2=float(np.nanmedian(100 * pt["r2"])),
                         median_ev=res.summary["median_ev"],
                         prediction_reliability=float(np.nanmedian(pt["prediction_reliability"])),
                         theory_all=chk.theory_all, measured_all=chk.measured_all))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- inflation
@dataclass(frozen=True, eq=False)
class AlphaInflation:
    """Result of :func:`alpha_inflation`.

    per_target : one row per target: ``ev_nested`` (alpha chosen inside the training
        folds — the honest score), ``ev_test_alpha`` (each target's alpha chosen for
        the best held-out r — peeking), ``ev_shared_test_alpha`` (one alpha for all
        targets, the one with the best mean held-out EV — peeking, the common shortcut),
        ``ceiling``. EV in %.
    summary : dict of ``median_*``/``mean_*`` of the three columns and the inflations
        ``inflation_per_target``, ``inflation_shared`` (differences of the means, EV
        points) and ``shared_alpha`` (absolute alpha of the first fold).
    """

    per_target: pd.DataFrame
    summary: dict


def alpha_inflation(X, target, n_folds: int = 10, seed=0, n_splits: int = 5, alphas=None,
                    device=None) -> AlphaInflation:
    """How much choosing the ridge penalty on the test folds inflates EV.

    The honest score is :func:`bothways.predictivity.predictivity` (alpha chosen by
    leave-one-out inside each training fold). The optimistic ones use the held-out r of
    every alpha of the same grid on the same folds (:func:`bothways.ridge.alpha_path`)
    and keep the best, per target or one for all targets; EV = 100 r² / ceiling with the
    honest run's noise ceilings, so only the alpha choice differs.

    Parameters
    ----------
    X : (P, N) representation; target : (P, targets) or (P, neurons, repeats).
    n_folds, seed, n_splits, device : as for ``predictivity``.
    alphas : the ridge grid of both runs (default: the engine's data-scaled grid).
    """
    from bothways.ridge import alpha_path

    Z = ridge_coordinates(X)
    mean, trials = as_responses(target, "target")
    if mean.shape[0] != Z.shape[0]:
        raise ValueError(f"X and target have different numbers of stimuli: {Z.shape[0]} vs {mean.shape[0]}")
    grid = {} if alphas is None else dict(alphas=alphas)
    res = predictivity(Z, trials if trials is not None else mean, warn=False, n_folds=n_folds, seed=seed,
                       n_splits=n_splits, n_boot=0, match_to=None, device=device, **grid)
    path = alpha_path(Z, mean, folds=list(res.folds), device=device, **grid)
    ceiling = res.per_target["ceiling"].to_numpy()
    inv = res.noise_ceiling.inverse  # the honest run's ceilings, so only the alpha choice differs
    r = path.r_per_alpha  # (alphas, targets)
    ev_pa = 100.0 * r**2 * inv[None, :]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        best = np.nanargmax(np.where(np.isnan(r), -np.inf, r), axis=0)
        ev_best = ev_pa[best, np.arange(r.shape[1])]
        k = int(np.nanargmax(np.nanmean(ev_pa, axis=1)))
    out = pd.DataFrame({"ev_nested": res.per_target["ev"].to_numpy(), "ev_test_alpha": ev_best,
                        "ev_shared_test_alpha": ev_pa[k], "ceiling": ceiling},
                       index=pd.RangeIndex(r.shape[1], name="target"))
    summ = {}
    for c in ("ev_nested", "ev_test_alpha", "ev_shared_test_alpha"):
        summ[f"median_{c}"] = float(np.nanmedian(out[c]))
        summ[f"mean_{c}"] = float(np.nanmean(out[c]))
    summ["inflation_per_target"] = summ["mean_ev_test_alpha"] - summ["mean_ev_nested"]
    summ["inflation_shared"] = summ["mean_ev_shared_test_alpha"] - summ["mean_ev_nested"]
    summ["shared_alpha"] = float(path.alphas[0, k])
    return AlphaInflation(out, summ)


@dataclass(frozen=True, eq=False)
class LayerInflation:
    """Result of :func:`layer_inflation`.

    scores : one row per (split, half, layer): ``median_ev``, ``mean_ev`` (%) of that
        layer on that half (``"selection"`` or ``"scored"``).
    splits : one row per split: ``honest_layer`` (best median EV on the selection
        half), ``optimistic_layer`` (best on the scored half), ``honest_ev`` and
        ``optimistic_ev`` (median EV on the scored half of each), and the per-neuron
        versions ``per_neuron_honest_ev`` (each neuron scored with the layer that was
        best for it on the selection half) and ``per_neuron_optimistic_ev`` (each
        neuron's best layer on the scored half), medians over neurons.
    summary : dict, means over splits: ``honest_ev``, ``optimistic_ev``,
        ``inflation`` (their difference, EV points), ``per_neuron_honest_ev``,
        ``per_neuron_optimistic_ev``, ``per_neuron_inflation``, ``n_layer_changes``
        (splits whose honest and optimistic layers differ), ``n_splits``.
    """

    scores: pd.DataFrame
    splits: pd.DataFrame
    summary: dict


def layer_inflation(features: Mapping, target, n_repeats: int = 3, selection_fraction: float = 0.5,
                    seed=0, n_folds: int = 5, n_splits: int = 5, device=None) -> LayerInflation:
    """How much choosing the layer on the scored stimuli inflates EV.

    Each repetition splits the stimuli at random in two (:func:`bothways.zoo.split_stimuli`): every layer is scored on both halves with
    :func:`bothways.predictivity.predictivity` (CV inside each half). The honest score
    takes the layer that was best on the *selection* half and reports it on the
    *scored* half (chapter 1's procedure); the optimistic one takes the layer that is
    best on the scored half itself, as when the layer is picked on the benchmark's own
    data (Schrimpf et al. 2018 choose layers on separate images for this reason). The
    same is done per neuron (each neuron its own best layer), which inflates more.

    Parameters
    ----------
    features : mapping layer -> (P, N) representation (at least 2 layers).
    target : (P, neurons, repeats) recordings or (P, targets) responses.
    n_repeats : random splits; selection_fraction : share of stimuli used to select.
    seed, n_folds, n_splits, device : splits and ``predictivity`` options.
    """
    from bothways.zoo import split_stimuli

    features = _mapping("features", features, min_items=2)
    mean, trials = as_responses(target, "target")
    T = trials if trials is not None else mean
    n_repeats = check_int(n_repeats, "n_repeats", minimum=1)
    Z = {}
    for name, X in features.items():
        Z[name] = ridge_coordinates(X)
        if Z[name].shape[0] != mean.shape[0]:
            raise ValueError(f"layer {name!r} has {Z[name].shape[0]} stimuli, target has {mean.shape[0]}")
    names = list(Z)
    score_rows, split_rows = [], []
    for rep in range(int(n_repeats)):
        split = split_stimuli(mean.shape[0], selection_fraction, seed=[int(seed), 41, rep])
        ev = {}
        for half, idx in (("selection", split.selection), ("scored", split.held_out)):
            for name in names:
                res = predictivity(Z[name][idx], T[idx], warn=False, n_folds=n_folds, seed=seed,
                                   n_splits=n_splits, n_boot=0, match_to=None, device=device)
                ev[half, name] = res.per_target["ev"].to_numpy()
                score_rows.append(dict(split=rep, half=half, layer=name, median_ev=res.summary["median_ev"],
                                       mean_ev=res.summary["mean_ev"]))
        sel = np.array([np.nanmedian(ev["selection", n]) for n in names])
        scored = np.array([np.nanmedian(ev["scored", n]) for n in names])
        honest, optimistic = names[int(np.nanargmax(sel))], names[int(np.nanargmax(scored))]
        E_sel = np.stack([ev["selection", n] for n in names])  # (layers, neurons)
        E_sc = np.stack([ev["scored", n] for n in names])
        ok = np.all(np.isfinite(E_sel), axis=0) & np.all(np.isfinite(E_sc), axis=0)
        pick = np.argmax(np.where(np.isfinite(E_sel), E_sel, -np.inf), axis=0)
        per_honest = E_sc[pick, np.arange(E_sc.shape[1])][ok]
        per_opt = np.max(E_sc, axis=0)[ok]
        split_rows.append(dict(split=rep, honest_layer=honest, optimistic_layer=optimistic,
                               honest_ev=float(np.nanmedian(ev["scored", honest])),
                               optimistic_ev=float(np.nanmedian(ev["scored", optimistic])),
                               per_neuron_honest_ev=float(np.median(per_honest)) if per_honest.size else np.nan,
                               per_neuron_optimistic_ev=float(np.median(per_opt)) if per_opt.size else np.nan))
    splits = pd.DataFrame(split_rows)
    summ = {c: float(splits[c].mean()) for c in ("honest_ev", "optimistic_ev", "per_neuron_honest_ev",
                                                 "per_neuron_optimistic_ev")}
    summ["inflation"] = summ["optimistic_ev"] - summ["honest_ev"]
    summ["per_neuron_inflation"] = summ["per_neuron_optimistic_ev"] - summ["per_neuron_honest_ev"]
    summ["n_layer_changes"] = int((splits["honest_layer"] != splits["optimistic_layer"]).sum())
    summ["n_splits"] = int(n_repeats)
    return LayerInflation(pd.DataFrame(score_rows), splits, summ)


def expansion_sweep(X, recordings, widths: Sequence[int], seed=0, n_splits: int = 5,
                    max_units: int | None = 2000, n_boot: int = 0, **options) -> pd.DataFrame:
    """Forward and reverse EV of random ReLU expansions of one representation.

    Each width ``w > 0`` builds ``relu(Z G)`` with a fixed Gaussian ``G``
    (:func:`bothways.dimensionality.random_expansion`): a wider layer
    whose every unit is a fixed random function of ``X`` — it learns nothing and, by the
    data-processing inequality, knows nothing about the stimuli that ``X`` does not.
    ``w = 0`` is ``X`` itself. Scores come from
    :func:`bothways.zoo.score_both_ways` (default variant; reverse over a
    sample of at most ``max_units`` units, matched to the neuron count).

    Returns
    -------
    DataFrame, one row per width: ``width``, ``n_units``, ``pr`` (participation ratio),
    ``forward_ev``, ``reverse_ev`` (medians, %), ``reverse_ev_matched`` (median over
    neuron-count subsets), ``forward_mean_ev``.
    """
    from bothways.dimensionality import participation_ratio, random_expansion
    from bothways.zoo import score_both_ways

    X = as_matrix(X, "X")
    R = as_trials(recordings, "recordings")
    rows = []
    for w in widths:
        w = check_int(w, "widths[i]", minimum=0)
        H = X if w == 0 else random_expansion(X, int(w), seed=seed)
        s = score_both_ways(H, R, variants=("default",), n_splits=n_splits, seed=seed, max_units=max_units,
                            n_boot=n_boot, **options).summary.set_index("direction")
        rows.append(dict(width=int(w), n_units=H.shape[1], pr=participation_ratio(H),
                         forward_ev=s.loc["forward", "median_ev"], forward_mean_ev=s.loc["forward", "mean_ev"],
                         reverse_ev=s.loc["reverse", "median_ev"],
                         reverse_ev_matched=s.loc["reverse", "median_ev_matched"]))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- pluralism
def unit_sample(X, n: int | None, seed=0) -> np.ndarray:
    """Column indices of a seeded random sample of ``n`` non-constant units of ``X``.

    ``None`` (or ``n`` ≥ the number of non-constant units): all of them. Constant units
    (e.g. ReLUs silent on every stimulus) have no correlation with anything.
    """
    from bothways.stats import nonconstant_units

    units = nonconstant_units(X)
    if units.size == 0:
        raise ValueError("every unit is constant over the stimuli")
    if n is None or int(n) >= units.size:
        return units
    if int(n) < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    return np.sort(np.random.default_rng(seed).choice(units, int(n), replace=False))


def _metric_scores(X, Z, units, sample, mean, trials, kw, matching_units, n_components, seed, with_ev=True):
    from bothways.metrics import bures_similarity, linear_cka, matching_cv, pwcca, rsa, svcca

    k = min(n_components, Z.shape[1], mean.shape[1])
    out = dict(rsa=rsa(mean, X[:, units]), cka=linear_cka(mean, Z), procrustes=bures_similarity(mean, Z),
               svcca=svcca(mean, Z, n_components=k), pwcca=pwcca(mean, Z, n_components=k),
               matching=matching_cv(mean, X[:, units], n_units=min(matching_units, units.size), seed=seed))
    if with_ev:
        out = dict(forward_ev=predictivity(Z, trials, **kw).summary["median_ev"],
                   reverse_ev=predictivity(trials, X[:, sample], **kw).summary["median_ev"], **out)
    return out


def metric_nulls(features: Mapping, recordings, n_shuffles: int = 10, n_shuffles_ev: int = 1, n_splits: int = 5,
                 seed=0, max_units: int | None = 2000, n_folds: int = 10, matching_units: int = 100,
                 n_components: int = 10, device=None) -> pd.DataFrame:
    """Every measure of :func:`metric_table` beside its stimulus-shuffle null.

    The null of a measure is the same measure with the brain's stimuli shuffled
    (:func:`bothways.metrics.shuffle_null`, done here for all measures at once): the
    same shapes, spectra and unit counts, no stimulus correspondence. The EVs are costly,
    so they get their own (smaller) number of shuffles, ``n_shuffles_ev`` (0: none),
    with one CV split each.

    Returns
    -------
    Long DataFrame, one row per (model, metric): ``score``, ``null_mean``,
    ``null_high`` (the null's maximum with fewer than 20 shuffles, else its 95th
    percentile), ``n_null``.
    """
    features = _mapping("features", features)
    mean, trials = as_responses(recordings, "recordings")
    if trials is None:
        raise ValueError("recordings must be (stimuli, neurons, repeats) for noise-corrected EV")
    n_shuffles = check_int(n_shuffles, "n_shuffles", minimum=0)
    n_shuffles_ev = check_int(n_shuffles_ev, "n_shuffles_ev", minimum=0)
    kw = dict(n_folds=n_folds, n_splits=n_splits, seed=seed, n_boot=0, match_to=None, device=device, warn=False)
    kw_null = dict(kw, n_splits=1)
    rng = np.random.default_rng([int(seed), 29])
    perms = [rng.permutation(mean.shape[0]) for _ in range(max(n_shuffles, n_shuffles_ev))]
    rows = []
    for name, X in features.items():
        X = as_matrix(X, f"features[{name!r}]")
        Z = ridge_coordinates(X)
        units, sample = unit_sample(X, None), unit_sample(X, max_units, seed=seed)
        score = _metric_scores(X, Z, units, sample, mean, trials, kw, matching_units, n_components, seed)
        nulls = {k: [] for k in score}
        for i, perm in enumerate(perms):
            ev = i < n_shuffles_ev
            if i >= n_shuffles and not ev:
                continue
            null = _metric_scores(X, Z, units, sample, mean[perm], trials[perm], kw_null, matching_units,
                                  n_components, seed, with_ev=ev)
            for k, v in null.items():
                if k.endswith("_ev") or i < n_shuffles:
                    nulls[k].append(v)
        for k, v in score.items():
            v0 = np.asarray(nulls[k], dtype=float)
            high = (np.nan if v0.size == 0 else float(v0.max()) if v0.size < 20 else float(np.quantile(v0, 0.95)))
            rows.append(dict(model=name, metric=k, score=float(v), null_mean=float(v0.mean()) if v0.size else np.nan,
                             null_high=high, n_null=int(v0.size)))
    return pd.DataFrame(rows)


def metric_table(features: Mapping, recordings, n_splits: int = 5, seed=0, max_units: int | None = 2000,
                 n_folds: int = 10, matching_units: int = 100, n_components: int = 10,
                 device=None) -> pd.DataFrame:
    """Score the same representations against the same neurons with eight measures.

    Columns (one row per representation, index ``model``):

    - ``forward_ev``: median noise-corrected EV (%) of the neurons predicted from the
      representation; ``reverse_ev``: median EV of a seeded sample of at most
      ``max_units`` non-constant units predicted from the neurons (Muzellec & Kar 2026),
      both by :func:`bothways.predictivity.predictivity`;
    - ``rsa``: Pearson correlation of correlation-distance RDMs
      (:func:`bothways.metrics.rsa`; Kriegeskorte et al. 2008);
    - ``cka``: debiased linear CKA (:func:`bothways.metrics.linear_cka`; Kornblith et
      al. 2019; biased CKA of independent features grows with width);
    - ``procrustes``: normalised Bures similarity = cos θ of the angular Procrustes
      distance (:func:`bothways.metrics.bures_similarity`; Williams et al. 2021);
    - ``svcca``, ``pwcca``: mean and projection-weighted canonical correlation on the
      top ``n_components`` principal components of each side (Raghu et al. 2017;
      Morcos et al. 2018; weights from the neurons' side);
    - ``matching``: one-to-one matching of the neurons to ``matching_units`` units,
      fitted on training stimuli and scored held out (:func:`bothways.metrics.matching_cv`;
      Khosla & Williams 2023), so that wide models get no free lift.

    Brain side: the trial-averaged responses (the EVs correct for trial noise, the
    others do not). All columns: larger = more similar (:data:`HIGHER_IS_BETTER`);
    their chance levels: :func:`metric_nulls`.
    """
    tab = metric_nulls(features, recordings, n_shuffles=0, n_shuffles_ev=0, n_splits=n_splits, seed=seed,
                       max_units=max_units, n_folds=n_folds, matching_units=matching_units,
                       n_components=n_components, device=device)
    out = tab.pivot(index="model", columns="metric", values="score")
    return out.loc[list(dict.fromkeys(tab["model"])), list(HIGHER_IS_BETTER)]


def oriented(table: pd.DataFrame, higher_is_better: Mapping[str, bool] = HIGHER_IS_BETTER) -> pd.DataFrame:
    """The columns of ``table`` signed so that larger always means "more brain-like".

    Columns missing from ``higher_is_better`` raise ``KeyError``; use the result with
    :func:`bothways.metrics.rank_agreement`.
    """
    missing = [c for c in table.columns if c not in higher_is_better]
    if missing:
        raise KeyError(f"no orientation for columns {missing}; pass higher_is_better")
    return table.apply(lambda c: c if higher_is_better[c.name] else -c)


# --------------------------------------------------------------------------- transform classes
def _class_predictions(S, T, cls, folds, width, seed):
    from bothways.metrics import transform_class_score

    return transform_class_score(S, T, cls=cls, folds=folds, seed=seed, nonlinear_width=width)


def transform_class_table(populations: Mapping, pairs: Sequence[tuple] | None = None,
                          classes: Sequence[str] = CLASSES[:3], n_folds: int = 5, seed=0,
                          n_reliability_splits: int = 5, nonlinear_width: int = 2000) -> pd.DataFrame:
    """Score ordered pairs of populations under nested mapping classes, noise-corrected.

    The Inter-Animal Transform Class idea (Thobani et al. 2025): a mapping class is
    adequate if it maps animals onto each other; models should then be compared with
    animals under the *strictest* adequate class, in both directions. Classes (from
    strict to loose, nested by construction): ``"permutation"`` (each target unit copies
    one source unit, one-to-one), ``"soft"`` (each target unit a non-negative mixture
    of source units), ``"linear"`` (ridge) and ``"nonlinear"`` (ridge on the source and
    ``nonlinear_width`` random ReLU features of it) — all
    :func:`bothways.metrics.transform_class_score`, every transform fitted on the
    training stimuli of each fold. Every class and every split uses the same folds.

    Noise is corrected on both sides by :mod:`bothways.reliability`, as in
    :func:`bothways.predictivity.predictivity`: ρ_target is the target unit's
    split-half reliability (:func:`~bothways.reliability.split_half_reliability`),
    ρ_prediction the Spearman–Brown corrected correlation between the predictions the
    class makes from each half of the source's repeats
    (:func:`~bothways.reliability.prediction_reliability` of
    :func:`~bothways.reliability.split_halves`); each is 1 for a noiseless side. Units
    whose ceiling ρ_target·ρ_prediction (:func:`~bothways.reliability.noise_ceiling`,
    averaged over splits) is not positive are left out of the scores and counted.

    Parameters
    ----------
    populations : name -> (stimuli, units) (noiseless) or (stimuli, units, repeats).
        Same stimuli everywhere. Units whose (trial-averaged) response is constant
        over the stimuli (e.g. a twin whose prediction is ≤ 0 everywhere, so that its
        trials are all 0) have no correlation with anything: they are left out and
        counted in ``n_constant``.
    pairs : ``(source, target)`` names; default every ordered pair.
    classes : subset of :data:`CLASSES`.
    n_folds, seed : folds (and split halves) of every fit.
    n_reliability_splits : split halves averaged for each reliability.
    nonlinear_width : random features of the ``"nonlinear"`` class.

    Returns
    -------
    DataFrame, one row per (source, target, cls): ``score`` (mean over target units of
    the noise-corrected correlation r / √(ρ_target·ρ_prediction)), ``ev`` (median of
    100 · r² / (ρ_target·ρ_prediction), %, the book's EV), ``mean_r`` (raw held-out r),
    ``n_source``, ``n_targets`` (units used), ``n_bad_ceiling``, ``n_constant``
    (constant units left out of source and target).
    """
    from bothways.stats import nonconstant_units
    from bothways.reliability import noise_ceiling, prediction_reliability, split_half_reliability, split_halves
    from bothways.ridge import kfold_indices

    pops = _mapping("populations", populations, min_items=2)
    means, trials, rel, n_constant = {}, {}, {}, {}
    for name, A in pops.items():
        M, tr = as_responses(A, f"populations[{name!r}]")
        keep = nonconstant_units(M)
        if keep.size == 0:
            raise ValueError(f"every unit of population {name!r} is constant over the stimuli")
        means[name], n_constant[name] = M[:, keep], M.shape[1] - keep.size
        trials[name] = None if tr is None else tr[:, keep]
        rel[name] = (None if tr is None else split_half_reliability(trials[name], n_splits=n_reliability_splits,
                                                                    seed=seed, return_splits=True))
    n = {k: v.shape[0] for k, v in means.items()}
    if len(set(n.values())) != 1:
        raise ValueError(f"populations have different numbers of stimuli: {n}")
    bad = [c for c in classes if c not in CLASSES]
    if bad or not classes:
        raise ValueError(f"classes must be among {CLASSES}, got {list(classes)}")
    if pairs is None:
        pairs = list(itertools.permutations(pops, 2))
    bad = [p for p in pairs if len(p) != 2 or p[0] not in pops or p[1] not in pops or p[0] == p[1]]
    if bad:
        raise ValueError(f"pairs must be (source, target) of two different known names; bad: {bad}")
    folds = kfold_indices(next(iter(n.values())), n_folds, seed)
    rows = []
    for src, tgt in pairs:
        T = means[tgt]
        for cls in classes:
            r = _class_predictions(means[src], T, cls, folds, nonlinear_width, seed).r
            rho_p = None
            if trials[src] is not None:
                rng = np.random.default_rng([int(seed), 17])
                reps = []
                for _ in range(int(n_reliability_splits)):
                    a, b = split_halves(trials[src], rng)
                    pa = _class_predictions(a, T, cls, folds, nonlinear_width, seed).predictions
                    pb = _class_predictions(b, T, cls, folds, nonlinear_width, seed).predictions
                    reps.append(prediction_reliability(pa, pb))
                rho_p = np.stack(reps)
            c = noise_ceiling(np.ones(r.size) if rel[tgt] is None else rel[tgt], rho_p, min_reliability=None)
            ceiling = c.ceiling
            ok = np.isfinite(r) & c.defined
            rows.append(dict(source=src, target=tgt, cls=cls,
                             score=float(np.mean(r[ok] / np.sqrt(ceiling[ok]))) if ok.any() else np.nan,
                             ev=float(np.median(100 * r[ok] ** 2 / ceiling[ok])) if ok.any() else np.nan,
                             mean_r=float(np.nanmean(r)), n_source=means[src].shape[1], n_targets=T.shape[1],
                             n_bad_ceiling=int((~ok).sum()), n_constant=n_constant[src] + n_constant[tgt]))
    return pd.DataFrame(rows)


def strictest_class(table: pd.DataFrame, tolerance: float = 0.9, order: Sequence[str] = CLASSES,
                    stat: str = "score") -> str:
    """The strictest class whose mean ``stat`` reaches ``tolerance`` × the best class's.

    ``table``: :func:`transform_class_table` rows of the animal↔animal pairs (the mean is
    taken over the pairs in it). ``order``: classes from strictest to loosest.
    """
    if not 0.0 < float(tolerance) <= 1.0:
        raise ValueError(f"tolerance must lie in (0, 1], got {tolerance}")
    means = table.groupby("cls")[stat].mean()
    present = [c for c in order if c in means.index]
    if not present:
        raise ValueError(f"table has no classes among {list(order)}")
    best = means[present].max()
    if not np.isfinite(best) or best <= 0:
        raise ValueError("no class maps the populations onto each other (best mean score <= 0)")
    return next(c for c in present if means[c] >= tolerance * best)


def class_nesting(populations: Mapping, pairs: Sequence[tuple] | None = None, classes: Sequence[str] = CLASSES,
                  nonlinear_width: int = 1000, seed=0) -> pd.DataFrame:
    """The classes' fit on the stimuli they are fitted on: do they nest?

    For every ordered pair, the mean over target units of
    :func:`bothways.metrics.training_fit` (trial-averaged responses, all stimuli used
    for fitting) under each class. Nested classes must give non-decreasing values
    from strict to loose for every target unit; ``nested`` says whether they do (to
    1e-9) for all target units of the pair.

    Returns
    -------
    DataFrame, one row per pair: ``source``, ``target``, one column per class (mean
    training r), ``nested``.
    """
    from bothways.metrics import training_fit
    from bothways.stats import nonconstant_units

    pops = _mapping("populations", populations, min_items=2)
    means = {}
    for name, A in pops.items():
        M, _ = as_responses(A, f"populations[{name!r}]")
        means[name] = M[:, nonconstant_units(M)]
    if pairs is None:
        pairs = list(itertools.permutations(pops, 2))
    rows = []
    for src, tgt in pairs:
        fits = np.stack([training_fit(means[src], means[tgt], c, nonlinear_width=nonlinear_width, seed=seed)
                         for c in classes])
        rows.append(dict(source=src, target=tgt, **{c: float(f.mean()) for c, f in zip(classes, fits)},
                         nested=bool(np.all(np.diff(fits, axis=0) >= -1e-9))))
    return pd.DataFrame(rows)


def strictest_by_tolerance(table: pd.DataFrame, tolerances: Sequence[float], order: Sequence[str] = CLASSES,
                           stat: str = "score") -> pd.Series:
    """:func:`strictest_class` at each tolerance (index: tolerance)."""
    return pd.Series({float(t): strictest_class(table, tolerance=t, order=order, stat=stat) for t in tolerances},
                     name="strictest class").rename_axis("tolerance")


def class_scores(models: Mapping, animals: Mapping, cls: str, **options) -> pd.DataFrame:
    """Every model scored against every animal in both directions under one class.

    Forward: model → animal (the animal's units predicted from the model's); reverse:
    animal → model. With the animal → animal pairs as the reference (Thobani et al.
    2025: a brain-like model falls inside the animal-to-animal distribution).
    ``options`` go to :func:`transform_class_table`.

    Returns
    -------
    The :func:`transform_class_table` rows with ``kind`` (``"model→animal"``,
    ``"animal→model"`` or ``"animal→animal"``) and ``model`` (None for animal pairs).
    """
    models, animals = _mapping("models", models), _mapping("animals", animals, min_items=2)
    clash = set(models) & set(animals)
    if clash:
        raise ValueError(f"names used for both a model and an animal: {sorted(clash)}")
    pairs = ([(m, a) for m in models for a in animals] + [(a, m) for m in models for a in animals]
             + list(itertools.permutations(animals, 2)))
    tab = transform_class_table({**models, **animals}, pairs=pairs, classes=(cls,), **options)
    src_model, tgt_model = tab["source"].isin(list(models)), tab["target"].isin(list(models))
    tab["kind"] = np.where(src_model, "model→animal", np.where(tgt_model, "animal→model", "animal→animal"))
    tab["model"] = np.where(src_model, tab["source"], np.where(tgt_model, tab["target"], None))
    return tab
