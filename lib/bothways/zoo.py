"""Scoring representations against recordings: the protocol chapters 1, 2 and 4 share.

One representation, one zoo of networks, or a growing number of predictors, each
scored in both directions by :func:`bothways.predictivity.predictivity`:

- :func:`split_stimuli` and :func:`select_layer` — pick a network's layer by forward
  predictivity on a *selection* subset of stimuli, then score only on the rest, so the
  layer choice never sees the stimuli it is scored on (Schrimpf et al. 2018; Muzellec
  & Kar 2026 — done here on separate stimuli);
- :func:`score_both_ways` — forward and reverse EV of one representation under several
  analysis *variants* (:data:`VARIANTS`: the book's default, the published procedure,
  the default with the published fixed alpha), with unit-count matched summaries;
- :func:`score_zoo` — the two steps above for a list of networks of
  :mod:`bothways.models` (features are disk-cached there);
- :func:`forward_reverse_table` — one row per model, both directions side by side;
- :func:`ev_vs_source_size` — how EV grows with the number of predictors (neurons for
  reverse, units for forward).

This module sits above :mod:`bothways.predictivity` (scores) and
:mod:`bothways.models` (features), which is why it is neither of them: it fits no
regression itself (:func:`bothways.ridge.cv_ridge` does) and extracts no features
itself. Shapes follow the book: a model is ``(stimuli, units)``, recordings
``(stimuli, neurons, repeats)`` NaN-padded, or a
:class:`~bothways.data.recording.Recording`.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bothways._validation import as_responses, as_trials, check_index, check_int, responses_of
from bothways.config import MUZELLEC_KAR_ALPHA
from bothways.predictivity import predictivity
from bothways.stats import nonconstant_units

__all__ = ["VARIANTS", "StimulusSplit", "LayerChoice", "BothWaysScores", "ZooResult", "split_stimuli",
           "select_layer", "score_both_ways", "score_zoo", "forward_reverse_table", "ev_vs_source_size"]

#: Analysis variants compared in chapter 1: name -> keyword arguments for
#: :func:`bothways.predictivity.predictivity`.
VARIANTS = {
    "default": dict(method="default"),
    "fixed_alpha": dict(method="default", alphas=MUZELLEC_KAR_ALPHA),
    "muzellec_kar": dict(method="muzellec_kar"),
}


# --------------------------------------------------------------------------- results
@dataclass(frozen=True)
class StimulusSplit:
    """Disjoint stimulus indices: ``selection`` (choose the layer) and ``held_out`` (score)."""

    selection: np.ndarray
    held_out: np.ndarray


@dataclass(frozen=True, eq=False)
class LayerChoice:
    """Result of :func:`select_layer`.

    ``layer``: the chosen candidate. ``scores``: one row per candidate (index
    ``layer``) with ``n_units``, ``median_r2`` and ``mean_r2`` — the cross-validated
    squared Pearson r (×100, %) of each target, computed on the selection stimuli only.
    """

    layer: str
    scores: pd.DataFrame
    selection: np.ndarray = field(repr=False)


@dataclass(frozen=True, eq=False)
class BothWaysScores:
    """Result of :func:`score_both_ways`.

    summary : one row per (variant, direction) with ``mean_ev``, ``median_ev``,
        ``mad_ev``, ``ci_low``/``ci_high`` (bootstrap CI of the median),
        ``mean_ci_low``/``mean_ci_high``, the matched-count fields ``match_to``,
        ``mean_ev_matched``, ``median_ev_matched``, ``mean_ev_matched_sd``, and counts
        ``n_targets``, ``n_nan``. EV in %.
    forward : per neuron, one row per (variant, neuron): ``ev``, ``r2`` (×100),
        ``target_reliability``, ``prediction_reliability``, ``alpha`` (ridge penalty,
        median over folds).
    reverse : per scored model unit, one row per (variant, unit): ``unit`` (column of
        the given representation), ``ev``, ``r2`` (×100), ``prediction_reliability``,
        ``alpha``.
    units : indices of the representation's columns used as reverse targets.
    n_constant : columns left out of the reverse targets because they are constant over
        the stimuli (their EV is undefined).
    """

    summary: pd.DataFrame
    forward: pd.DataFrame = field(repr=False)
    reverse: pd.DataFrame = field(repr=False)
    units: np.ndarray = field(repr=False)
    n_constant: int = 0


@dataclass(frozen=True, eq=False)
class ZooResult:
    """Result of :func:`score_zoo`.

    summary : :attr:`BothWaysScores.summary` of every model, with columns ``model``,
        ``trained``, ``layer``, ``n_units`` (units in the chosen layer) first.
    layers : the candidate-layer scores of every model (``model``, ``layer``,
        ``n_units``, ``median_r2``, ``mean_r2``, ``chosen``).
    forward, reverse : per-neuron / per-unit tables of every model (column ``model``).
    features : model -> (held-out stimuli, scored units) float32 activations of the
        reverse targets (for looking at what drives a unit); ``units`` : model -> their
        column indices in the chosen layer.
    split : the :class:`StimulusSplit` used (indices into the given stimuli).
    """

    summary: pd.DataFrame
    layers: pd.DataFrame
    forward: pd.DataFrame = field(repr=False)
    reverse: pd.DataFrame = field(repr=False)
    features: dict = field(repr=False)
    units: dict = field(repr=False)
    split: StimulusSplit = field(repr=False)


# --------------------------------------------------------------------------- layer choice
def split_stimuli(n: int, selection_fraction: float = 0.25, seed=0) -> StimulusSplit:
    """Split ``n`` stimuli at random into a selection subset and a held-out rest.

    ``selection_fraction`` of the stimuli (rounded, at least 10 and leaving at least 10)
    go to ``selection``; both index arrays are sorted. Seeded by ``seed``.
    """
    n = check_int(n, "n", minimum=1)
    if not 0.0 < float(selection_fraction) < 1.0:
        raise ValueError(f"selection_fraction must lie in (0, 1), got {selection_fraction}")
    k = int(round(selection_fraction * n))
    if k < 10 or n - k < 10:
        raise ValueError(f"{n} stimuli with selection_fraction={selection_fraction} leave fewer than 10 "
                         "stimuli on one side of the split")
    perm = np.random.default_rng(seed).permutation(n)
    return StimulusSplit(np.sort(perm[:k]), np.sort(perm[k:]))


def select_layer(features, target, selection, layers: Sequence[str] | None = None, n_folds: int = 5,
                 seed=0, **ridge_options) -> LayerChoice:
    """Choose the layer whose features best predict ``target`` on the selection stimuli.

    For every candidate layer, cross-validated ridge (:func:`bothways.ridge.cv_ridge`,
    alpha chosen inside the training folds unless ``ridge_options`` fix it) predicts the
    trial-averaged target from the layer's features **using only the stimuli in
    ``selection``**; the criterion is the median over targets of the held-out squared
    Pearson r. No noise correction is needed to *rank* layers: every layer faces the
    same targets and so the same ceilings. Ties go to the earlier candidate. Scoring
    the chosen layer on the remaining stimuli then gives an unbiased estimate — the
    layer-selection step of Schrimpf et al. (2018) and Muzellec & Kar (2026), done on
    separate stimuli.

    Parameters
    ----------
    features : mapping layer -> (stimuli, units) array, or a callable ``layer ->
        (stimuli, units)`` (then ``layers`` is required). All stimuli, in the order of
        ``target``; only the ``selection`` rows are used.
    target : (stimuli, neurons) or recordings (stimuli, neurons, repeats).
    selection : indices of the selection stimuli (at least ``n_folds``).
    layers : candidate layer names (default: the mapping's keys, in order).
    n_folds, seed, ridge_options : passed to :func:`~bothways.ridge.cv_ridge`.
    """
    from bothways.ridge import cv_ridge

    if callable(features) and not isinstance(features, Mapping):
        if layers is None:
            raise ValueError("layers is required when features is a callable")
        get = features
    elif isinstance(features, Mapping):
        layers = list(features) if layers is None else list(layers)
        missing = [layer for layer in layers if layer not in features]
        if missing:
            raise ValueError(f"layers {missing} are not in features (known: {list(features)})")
        get = features.__getitem__
    else:
        raise TypeError("features must be a mapping layer -> array or a callable layer -> array")
    layers = list(layers)
    if not layers:
        raise ValueError("no candidate layers")
    T = as_responses(target, "target")[0]
    sel = check_index(selection, "selection", T.shape[0])
    if sel.size < max(n_folds, 3):
        raise ValueError(f"selection has {sel.size} stimuli; need at least n_folds={n_folds}")
    rows = []
    for layer in layers:
        X = np.asarray(get(layer))
        if X.ndim != 2 or X.shape[0] != T.shape[0]:
            raise ValueError(f"features of layer {layer!r} must be (stimuli={T.shape[0]}, units), "
                             f"got shape {X.shape}")
        res = cv_ridge(X[sel], T[sel], n_folds=n_folds, seed=seed, **ridge_options)
        r2 = 100.0 * res.r ** 2
        rows.append(dict(layer=layer, n_units=X.shape[1], median_r2=float(np.nanmedian(r2)),
                         mean_r2=float(np.nanmean(r2))))
    scores = pd.DataFrame(rows).set_index("layer")
    best = scores["median_r2"].to_numpy()
    if not np.isfinite(best).any():
        raise ValueError("no candidate layer gave a finite score (constant targets?)")
    chosen = layers[int(np.nanargmax(best))]
    return LayerChoice(chosen, scores, sel)


# --------------------------------------------------------------------------- scoring
def _summary_row(res, variant, direction):
    s = res.summary
    keys = ("mean_ev", "median_ev", "mad_ev", "ci_low", "ci_high", "mean_ci_low", "mean_ci_high",
            "match_to", "mean_ev_matched", "median_ev_matched", "mean_ev_matched_sd", "n_targets",
            "n_nan")
    return dict(variant=variant, direction=direction, **{k: s[k] for k in keys})


def score_both_ways(model, recordings, variants: Mapping[str, dict] | Sequence[str] = ("default",),
                    n_splits: int = 5, seed=0, max_units: int | None = None, match: bool = True,
                    n_boot: int = 200, **options) -> BothWaysScores:
    """Forward and reverse noise-corrected EV of one representation, in several variants.

    Forward: ``predictivity(model, recordings)`` (every neuron predicted from all units).
    Reverse: ``predictivity(recordings, model[:, units])`` (every scored unit predicted
    from all neurons). Muzellec & Kar (2026) average reverse EV over every unit of a
    layer; a random sample of units estimates that mean without bias, so with
    ``max_units`` the reverse targets are a seeded random sample of at most that many
    non-constant units (constant units have no defined EV and are counted in
    ``n_constant``, not scored). The same units serve every variant.

    Parameters
    ----------
    model : (stimuli, units) features, noiseless.
    recordings : (stimuli, neurons, repeats), NaN-padded.
    variants : names from :data:`VARIANTS`, or a mapping name -> keyword arguments for
        :func:`~bothways.predictivity.predictivity` (``method``, ``alphas``, ...).
    n_splits, seed, n_boot : passed to every :func:`~bothways.predictivity.predictivity`
        call (repetitions of the split halves; bootstrap samples for the CIs).
    max_units : cap on the reverse targets (``None``: all non-constant units).
    match : also summarise the reverse EV over random subsets of as many units as there
        are neurons (``match_to``; a new subset per repetition), for every variant.
    **options : further keyword arguments for every call (``device``, ``dtype``,
        ``n_folds``, ...); ``n_folds`` is ignored by ``method="muzellec_kar"``, whose
        ten seeded folds are part of the published procedure.

    Returns
    -------
    :class:`BothWaysScores`.
    """
    X = np.asarray(model)
    if X.ndim != 2:
        raise ValueError(f"model must be (stimuli, units), got shape {X.shape}")
    R = as_trials(recordings, "recordings")
    if X.shape[0] != R.shape[0]:
        raise ValueError(f"model and recordings have different numbers of stimuli: {X.shape[0]} vs {R.shape[0]}")
    if isinstance(variants, Mapping):
        variants = dict(variants)
    else:
        unknown = [v for v in variants if v not in VARIANTS]
        if unknown:
            raise ValueError(f"unknown variants {unknown}; known: {list(VARIANTS)} (or pass a mapping)")
        variants = {v: VARIANTS[v] for v in variants}
    if not variants:
        raise ValueError("no variants")
    units = nonconstant_units(X)
    n_constant = X.shape[1] - units.size
    if units.size == 0:
        raise ValueError("every model unit is constant over the stimuli")
    if max_units is not None and units.size > int(max_units):
        rng = np.random.default_rng([int(seed), 7])
        units = np.sort(rng.choice(units, int(max_units), replace=False))
    Xr = X[:, units]
    n_neurons = R.shape[1]
    rows, fwd, rev = [], [], []
    for name, kw in variants.items():
        kw = {**options, **kw}
        if kw.get("method") == "muzellec_kar":  # the published procedure fixes its own folds
            kw.pop("n_folds", None)
        f = predictivity(X, R, n_splits=n_splits, seed=seed, n_boot=n_boot, match_to=None, **kw)
        m = n_neurons if (match and Xr.shape[1] > n_neurons) else None
        r = predictivity(R, Xr, n_splits=n_splits, seed=seed, n_boot=n_boot, match_to=m, **kw)
        rows += [_summary_row(f, name, "forward"), _summary_row(r, name, "reverse")]
        pf, pr = f.per_target, r.per_target
        fwd.append(pd.DataFrame({"variant": name, "neuron": np.arange(n_neurons), "ev": pf["ev"].to_numpy(),
                                 "r2": 100 * pf["r2"].to_numpy(),
                                 "target_reliability": pf["target_reliability"].to_numpy(),
                                 "prediction_reliability": pf["prediction_reliability"].to_numpy(),
                                 "alpha": pf["alpha"].to_numpy()}))
        rev.append(pd.DataFrame({"variant": name, "unit": units, "ev": pr["ev"].to_numpy(),
                                 "r2": 100 * pr["r2"].to_numpy(),
                                 "prediction_reliability": pr["prediction_reliability"].to_numpy(),
                                 "alpha": pr["alpha"].to_numpy()}))
    return BothWaysScores(pd.DataFrame(rows), pd.concat(fwd, ignore_index=True),
                          pd.concat(rev, ignore_index=True), units, int(n_constant))


def score_zoo(models: Sequence[str], images, recordings, split: StimulusSplit,
              candidate_layers: Mapping[str, Sequence[str]] | Callable | None = None,
              variants=("default", "muzellec_kar"), n_splits: int = 5, seed=0,
              max_units: int | None = None, n_boot: int = 200, device=None,
              features_fn: Callable | None = None, progress: bool = False, **options) -> ZooResult:
    """Choose a layer for every model on ``split.selection``, then score it both ways on
    ``split.held_out`` (:func:`select_layer`, :func:`score_both_ways`).

    Parameters
    ----------
    models : model specs (:func:`bothways.models.parse_model`): names of :func:`bothways.models.list_models`,
        ``"<name>/untrained"`` for the same architecture with random weights.
    images : (stimuli, H, W, 3) uint8, the stimuli of ``recordings`` in order.
    recordings : (stimuli, neurons, repeats), NaN-padded.
    split : from :func:`split_stimuli`.
    candidate_layers : spec -> candidate layers (a mapping or a callable); default
        every candidate of the model (:func:`bothways.models.candidate_layers`). A model with a single
        candidate skips the selection step.
    features_fn : ``(spec, images, layer) -> (stimuli, units)``; default
        :func:`bothways.models.extract_features` (disk-cached, so a second run costs no
        forward passes).
    variants, n_splits, seed, max_units, n_boot, options : see :func:`score_both_ways`.
    device : for feature extraction and ridge.

    Returns
    -------
    :class:`ZooResult`; ``summary.trained`` is False for untrained networks and
    baselines.
    """
    from tqdm.auto import tqdm

    R = as_trials(recordings, "recordings")
    if len(images) != R.shape[0]:
        raise ValueError(f"{len(images)} images but {R.shape[0]} stimuli in recordings")
    sel = check_index(split.selection, "split.selection", R.shape[0])
    held = check_index(split.held_out, "split.held_out", R.shape[0])
    if np.intersect1d(sel, held).size:
        raise ValueError("split.selection and split.held_out overlap")
    from bothways.models import candidate_layers as all_candidate_layers
    from bothways.models import is_trained_name, load_model, parse_model

    if features_fn is None:
        from bothways.models import extract_features

        loaded = {}

        def features_fn(spec, imgs, layer):
            if spec not in loaded:
                loaded[spec] = load_model(spec, seed=0)
            return extract_features(loaded[spec], imgs, layer, device=device, progress=False).values

    layer_fn = all_candidate_layers if candidate_layers is None else candidate_layers
    summaries, layer_rows, fwd, rev, feats, units = [], [], [], [], {}, {}
    for spec in tqdm(list(models), desc="models", disable=not progress):
        name, pretrained = parse_model(spec)
        layers = list(layer_fn(spec) if callable(layer_fn) else layer_fn[spec])
        if len(layers) == 1:
            scores = pd.DataFrame({"n_units": [np.nan], "median_r2": [np.nan], "mean_r2": [np.nan]},
                                  index=pd.Index(layers, name="layer"))
            choice = LayerChoice(layers[0], scores, sel)
        else:
            choice = select_layer(lambda layer: features_fn(spec, images, layer), R, sel, layers=layers,
                                  seed=seed)
        X = np.asarray(features_fn(spec, images, choice.layer), dtype=np.float64)
        s = score_both_ways(X[held], R[held], variants=variants, n_splits=n_splits, seed=seed,
                            max_units=max_units, n_boot=n_boot, device=device, **options)
        trained = bool(pretrained and is_trained_name(name))
        summaries.append(s.summary.assign(model=spec, trained=trained, layer=choice.layer, n_units=X.shape[1],
                                          n_constant=s.n_constant))
        layer_rows.append(choice.scores.reset_index().assign(model=spec, chosen=lambda d: d.layer == choice.layer))
        fwd.append(s.forward.assign(model=spec))
        rev.append(s.reverse.assign(model=spec))
        feats[spec] = X[np.ix_(held, s.units)].astype(np.float32)
        units[spec] = s.units
    summary = pd.concat(summaries, ignore_index=True)
    first = ["model", "trained", "layer", "n_units"]
    summary = summary[first + [c for c in summary.columns if c not in first]]
    return ZooResult(summary, pd.concat(layer_rows, ignore_index=True), pd.concat(fwd, ignore_index=True),
                     pd.concat(rev, ignore_index=True), feats, units, split)


def forward_reverse_table(summary: pd.DataFrame, variant: str = "default", stat: str = "median_ev",
                          reverse_stat: str | None = None) -> pd.DataFrame:
    """One row per model: ``forward``, ``reverse`` and ``asymmetry = forward − reverse`` (EV %).

    ``summary`` is :attr:`ZooResult.summary` (or any table with ``model``, ``variant``,
    ``direction`` and the ``stat`` column); ``reverse_stat`` (default ``stat``) picks
    e.g. the matched-count summary for the reverse direction. Extra per-model columns
    (``trained``, ``layer``, ``n_units``) are kept.
    """
    reverse_stat = reverse_stat or stat
    d = summary[summary["variant"] == variant]
    if d.empty:
        raise ValueError(f"no rows for variant {variant!r}; known: {sorted(summary['variant'].unique())}")
    keep = [c for c in ("model", "trained", "layer", "n_units") if c in d.columns]
    f = d[d["direction"] == "forward"].set_index("model")[stat].rename("forward")
    r = d[d["direction"] == "reverse"].set_index("model")[reverse_stat].rename("reverse")
    meta = d.drop_duplicates("model")[keep].set_index("model")
    out = meta.join(f).join(r)
    out["asymmetry"] = out["forward"] - out["reverse"]
    return out


# --------------------------------------------------------------------------- predictor count
def ev_vs_source_size(source, target, counts: Sequence[int], n_draws: int = 5, seed=0,
                      stat: str = "mean_ev", **predictivity_options) -> pd.DataFrame:
    """EV as a function of how many source columns (neurons or units) predict the target.

    For every count ``k`` and draw, pick ``k`` source columns at random (seeded, without
    replacement, a new subset per draw) and run
    :func:`~bothways.predictivity.predictivity` from that subset to the whole target.
    With recordings as the source this is reverse EV against the number of recorded
    neurons (Muzellec & Kar report saturation near their 288 sites); with a model as the
    source it is forward EV against the number of model units.

    Returns a DataFrame with one row per (``n_source``, ``draw``): ``mean_ev``,
    ``median_ev``, ``n_nan``. A count equal to the number of source columns is drawn
    once (all subsets are the same).
    """
    S = np.asarray(responses_of(source))
    if S.ndim not in (2, 3):
        raise ValueError(f"source must be (stimuli, units) or (stimuli, neurons, repeats), got shape {S.shape}")
    n_src = S.shape[1]
    counts = [int(k) for k in counts]
    if not counts or min(counts) < 1 or max(counts) > n_src:
        raise ValueError(f"counts must lie in [1, {n_src}] (source columns), got {counts}")
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    opts = dict(n_boot=0, match_to=None, seed=seed, warn=False)  # NaN EVs are counted below
    opts.update(predictivity_options)
    rng = np.random.default_rng([int(seed), 11])
    rows = []
    for k in counts:
        for d in range(1 if k == n_src else int(n_draws)):
            cols = np.sort(rng.choice(n_src, k, replace=False))
            res = predictivity(S[:, cols], target, **opts)
            rows.append(dict(n_source=k, draw=d, mean_ev=res.summary["mean_ev"],
                             median_ev=res.summary["median_ev"], n_nan=res.summary["n_nan"]))
    return pd.DataFrame(rows)
