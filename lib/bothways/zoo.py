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
  reverse, units for forward);
- :func:`paired_gap` — forward and reverse at *equal* predictor counts (random model
  units vs the recorded neurons), each beside its permutation null (:class:`Score`),
  with a paired bootstrap interval of the gap (:class:`Gap`);
- :func:`predictor_curve` — forward EV against the number of model units used, with
  intervals and nulls.

This module sits above :mod:`bothways.predictivity` (scores) and
:mod:`bothways.models` (features), which is why it is neither of them: it fits no
regression itself (:func:`bothways.ridge.cv_ridge` does) and extracts no features
itself. Shapes follow the book: a model is ``(stimuli, units)``, recordings
``(stimuli, neurons, repeats)`` NaN-padded, or a
:class:`~bothways.data.recording.Recording`.
"""
from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bothways._validation import as_responses, as_trials, check_index, check_int, responses_of
from bothways.config import MUZELLEC_KAR_ALPHA
from bothways.predictivity import predictivity
from bothways.stats import nonconstant_units

__all__ = ["VARIANTS", "StimulusSplit", "LayerChoice", "BothWaysScores", "ZooResult", "split_stimuli",
           "select_layer", "score_both_ways", "score_zoo", "forward_reverse_table", "ev_vs_source_size",
           "Score", "Gap", "paired_gap", "PredictorCurve", "predictor_curve"]

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


# --------------------------------------------------------------------------- matched predictor counts
@dataclass(frozen=True, eq=False)
class Score:
    """One direction's score at a fixed number of predictors (:func:`paired_gap`).

    direction : ``"forward"`` or ``"reverse"``. ``n_predictors``: predictor columns per
    fit (model units for forward, neurons for reverse); ``n_targets``, ``n_draws``
    (random predictor subsets, averaged).
    mean_ev, ci_low, ci_high : the mean EV (%) over targets (``statistic`` of
        :func:`paired_gap`), averaged over draws, and its percentile-bootstrap interval
        (stimuli, targets and draws resampled).
    mean_ev_signed : the same with the signed EV (``sign(r)·EV``).
    null_mean_ev, null_high : the mean over permutations of the score refitted with the
        source's stimuli permuted, and the 95th percentile of those permuted scores
        (``NaN`` without permutations); ``p_value``: ``(1 + #{null ≥ score})/(K + 1)``.
    n_above_null : targets (summed over draws) with a permutation p-value ≤ 0.05,
        Benjamini–Hochberg corrected within each draw; ``frac_above_null`` the fraction.
    samples : (n_boot,) bootstrap values; ``null_samples`` (K,) permuted scores.
    results : the :class:`~bothways.predictivity.PredictivityResult` of every draw.
    predictors : (n_draws, n_predictors) the predictor columns of every draw.
    """

    direction: str
    n_predictors: int
    n_targets: int
    n_draws: int
    mean_ev: float
    ci_low: float
    ci_high: float
    mean_ev_signed: float
    null_mean_ev: float
    null_high: float
    p_value: float
    n_above_null: float
    frac_above_null: float
    samples: np.ndarray = field(repr=False)
    null_samples: np.ndarray | None = field(default=None, repr=False)
    results: tuple = field(default=(), repr=False)
    predictors: np.ndarray | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        """The scalar fields, for a table row."""
        keys = ("direction", "n_predictors", "n_targets", "n_draws", "mean_ev", "ci_low", "ci_high",
                "mean_ev_signed", "null_mean_ev", "null_high", "p_value", "n_above_null", "frac_above_null")
        return {k: getattr(self, k) for k in keys}


@dataclass(frozen=True, eq=False)
class Gap:
    """Forward − reverse at equal predictor counts (:func:`paired_gap`).

    ``forward``, ``reverse``: the two :class:`Score`; ``estimate`` = forward.mean_ev −
    reverse.mean_ev (points of EV), ``ci_low``/``ci_high`` its paired bootstrap interval
    (the same stimulus resamples in both directions), ``samples`` the bootstrap values.
    """

    forward: Score
    reverse: Score
    estimate: float
    ci_low: float
    ci_high: float
    level: float
    samples: np.ndarray = field(repr=False)

    @property
    def n_predictors(self) -> int:
        return self.forward.n_predictors

    def as_dict(self) -> dict:
        return dict(n_predictors=self.n_predictors, forward=self.forward.mean_ev, forward_low=self.forward.ci_low,
                    forward_high=self.forward.ci_high, forward_null=self.forward.null_mean_ev,
                    reverse=self.reverse.mean_ev, reverse_low=self.reverse.ci_low,
                    reverse_high=self.reverse.ci_high, reverse_null=self.reverse.null_mean_ev,
                    gap=self.estimate, gap_low=self.ci_low, gap_high=self.ci_high)


_STATISTICS = ("ev", "ev_signed")


def _boot_means(results, targets, weights, draw_idx, target_rng, signed):
    """(n_boot,) mean EV over resampled targets and draws, stimuli weighted by ``weights``.

    ``results``: one PredictivityResult per draw (same stimuli), ``targets`` the
    trial-averaged (stimuli, targets) each predicted; predictions and
    ceilings are held fixed (as in :func:`~bothways.predictivity.predictivity`'s
    bootstrap); ``weights`` (n_boot, stimuli) resampling weights summing to 1;
    ``draw_idx`` (n_boot, n_draws) the draws of each resample."""
    B = weights.shape[0]
    per_draw = []
    for res, Y in zip(results, targets):
        inv = res.noise_ceiling.inverse
        ok = np.isfinite(inv)
        P = np.asarray(res.predictions, dtype=np.float64)[:, ok]
        T = np.asarray(Y, dtype=np.float64)[:, ok]
        P = P - P.mean(axis=0)
        T = T - T.mean(axis=0)
        mp, my = weights @ P, weights @ T
        sxy = weights @ (P * T) - mp * my
        sxx = weights @ (P * P) - mp ** 2
        syy = weights @ (T * T) - my ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            r = sxy / np.sqrt(sxx * syy)
        ev = 100.0 * r ** 2 * inv[ok]
        if signed:
            ev = np.sign(r) * ev
        q = ev.shape[1]
        t = target_rng.integers(0, q, size=(B, q))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            per_draw.append(np.nanmean(np.take_along_axis(ev, t, axis=1), axis=1))
    per_draw = np.stack(per_draw, axis=1)  # (B, n_draws)
    return np.take_along_axis(per_draw, draw_idx, axis=1).mean(axis=1)


def _score(direction, results, cols, boot, signed, level):
    from bothways.stats import centred_interval

    col = "ev_signed" if signed else "ev"
    means = np.array([np.nanmean(r.per_target[col]) for r in results])
    signed_means = np.array([np.nanmean(r.per_target["ev_signed"]) for r in results])
    est = float(means.mean())
    lo, hi = centred_interval(est, boot, level)
    null = None
    null_mean = null_high = p = n_above = frac = np.nan
    if results[0].null_r is not None:
        from bothways.stats import benjamini_hochberg

        per = []
        for r in results:
            ev = r.null_ev
            per.append(np.nanmean(np.sign(r.null_r) * ev if signed else ev, axis=1))
        null = np.mean(per, axis=0)
        null_mean, null_high = float(null.mean()), float(np.percentile(null, 95))
        p = float((1 + np.sum(null >= est)) / (null.size + 1))
        n_above, total = 0, 0
        for r in results:
            pv = r.per_target["p_value"].to_numpy()
            ok = np.isfinite(pv)
            n_above += int(np.sum(benjamini_hochberg(pv[ok]) <= 0.05)) if ok.any() else 0
            total += pv.size
        frac = n_above / total
    return Score(direction, int(cols.shape[1]), int(results[0].per_target.shape[0]), len(results), est,
                 float(lo), float(hi), float(signed_means.mean()), null_mean, null_high, p, n_above, frac,
                 boot, null, tuple(results), cols)


def _draw_columns(n_avail, k, n_draws, rng, pool=None):
    pool = np.arange(n_avail) if pool is None else np.asarray(pool)
    if k == pool.size:
        return pool[None, :].copy()
    return np.stack([np.sort(rng.choice(pool, k, replace=False)) for _ in range(n_draws)])


def _forward_draws(X, R, cols, opts):
    """One forward fit per set of model-unit columns; -> (results, trial-averaged targets)."""
    Rm = _mean_of(R)
    return [predictivity(X[:, c], R, **opts) for c in cols], [Rm] * len(cols)


def _mean_of(A):
    A = np.asarray(A, dtype=np.float64)
    if A.ndim == 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(A, axis=2)
    return A


def paired_gap(model, recordings, n_predictors: int | None = None, n_draws: int = 5, max_units: int = 1000,
               seed=0, n_boot: int = 1000, level: float = 0.95, n_permutations: int = 0,
               statistic: str = "ev", **predictivity_options) -> Gap:
    """Forward and reverse EV at **equal predictor counts**, with a paired bootstrap CI
    of their difference.

    Forward predictivity uses every unit of a layer (thousands) to predict each of a
    few dozen neurons; reverse uses the neurons to predict each unit. Part of any
    forward–reverse gap is then the number of predictors, not the representations.
    Here both directions use ``n_predictors`` predictors (default: the number of
    neurons):

    - forward: ``n_draws`` random sets of ``n_predictors`` non-constant model units →
      every neuron (:func:`~bothways.predictivity.predictivity`, the default
      ceilings);
    - reverse: ``n_predictors`` neurons (all of them by default; else ``n_draws``
      random sets) → a seeded random sample of at most ``max_units`` non-constant
      units (a random sample estimates the mean over all units without bias).

    The score of a direction is the mean EV over targets averaged over draws
    (``statistic="ev"``: the paper's r²-based EV; ``"ev_signed"``: ``sign(r)·EV``).
    The interval comes from one bootstrap shared by both directions: each resample
    draws the stimuli with replacement (the *same* stimuli for forward and reverse:
    held-out predictions and ceilings fixed, r recomputed), the targets of each
    direction with replacement, and the draws with replacement; the gap's interval is
    the percentile interval of the paired differences, centred on the estimate
    (:func:`~bothways.stats.centred_interval`: a resample's r² is biased upward near
    0, so the plain percentile interval of a small EV can miss the EV itself).

    Parameters
    ----------
    model : (stimuli, units) features, noiseless.
    recordings : (stimuli, neurons, repeats), NaN-padded (or a Recording).
    n_predictors : predictors per fit in both directions (≤ neurons, ≤ units).
    n_draws, max_units, seed : random predictor subsets; cap on reverse targets.
    n_boot, level : bootstrap resamples and interval level.
    n_permutations : K stimulus permutations per fit for each direction's null
        (:class:`Score` ``null_mean_ev``, ``p_value``, ``n_above_null``).
    **predictivity_options : passed to every
        :func:`~bothways.predictivity.predictivity` call (``n_splits``, ``n_folds``,
        ``device``, ``method``, ...).

    Returns
    -------
    :class:`Gap`.
    """
    from bothways._validation import check_choice, check_number
    from bothways.stats import centred_interval

    check_choice(statistic, "statistic", _STATISTICS)
    level = check_number(level, "level", low=0.0, high=1.0, low_open=True, high_open=True)
    X = np.asarray(responses_of(model), dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"model must be (stimuli, units), got shape {X.shape}")
    R = as_trials(recordings, "recordings")
    if X.shape[0] != R.shape[0]:
        raise ValueError(f"model and recordings have different numbers of stimuli: {X.shape[0]} vs {R.shape[0]}")
    n, q = R.shape[0], R.shape[1]
    units = nonconstant_units(X)
    k = q if n_predictors is None else check_int(n_predictors, "n_predictors", minimum=2, maximum=q)
    if units.size < max(k, 2):
        raise ValueError(f"the model has {units.size} non-constant units; need at least n_predictors={k}")
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    n_boot = check_int(n_boot, "n_boot", minimum=2)
    max_units = check_int(max_units, "max_units", minimum=1)
    rng = np.random.default_rng([int(seed), 17])
    fwd_cols = _draw_columns(X.shape[1], k, n_draws, rng, pool=units)
    rev_cols = _draw_columns(q, k, n_draws, rng)
    targets = units if units.size <= max_units else np.sort(rng.choice(units, max_units, replace=False))
    opts = dict(seed=seed, n_boot=0, match_to=None, n_permutations=n_permutations, warn=False)
    opts.update(predictivity_options)
    fwd, fwd_t = _forward_draws(X, R, fwd_cols, opts)
    rev = [predictivity(R[:, c], X[:, targets], **opts) for c in rev_cols]
    brng = np.random.default_rng([int(seed), 19])
    W = brng.multinomial(n, np.full(n, 1.0 / n), size=n_boot) / n
    signed = statistic == "ev_signed"
    bf = _boot_means(fwd, fwd_t, W, brng.integers(0, len(fwd), (n_boot, len(fwd))), brng, signed)
    br = _boot_means(rev, [X[:, targets]] * len(rev), W, brng.integers(0, len(rev), (n_boot, len(rev))), brng,
                     signed)
    f, r = _score("forward", fwd, fwd_cols, bf, signed, level), _score("reverse", rev, rev_cols, br, signed, level)
    d = bf - br
    lo, hi = centred_interval(f.mean_ev - r.mean_ev, d, level)
    return Gap(f, r, f.mean_ev - r.mean_ev, float(lo), float(hi), float(level), d)


@dataclass(frozen=True, eq=False)
class PredictorCurve:
    """Forward EV against the number of model units used as predictors (:func:`predictor_curve`).

    ``summary``: one row per count (``n_predictors``, ``mean_ev``, ``ci_low``,
    ``ci_high``, ``null_mean_ev``, ``n_draws``); ``draws``: one row per (count, draw)
    with that draw's ``mean_ev`` and ``null_mean_ev``.
    """

    summary: pd.DataFrame
    draws: pd.DataFrame


def predictor_curve(model, recordings, counts: Sequence[int], n_draws: int = 5, seed=0, n_boot: int = 1000,
                    level: float = 0.95, n_permutations: int = 0, statistic: str = "ev",
                    **predictivity_options) -> PredictorCurve:
    """Forward EV (mean over neurons) as a function of how many model units predict.

    For every count, ``n_draws`` random sets of that many non-constant units predict
    every neuron (:func:`~bothways.predictivity.predictivity`); the point is the mean
    over draws and the interval a percentile bootstrap over stimuli, neurons and draws
    (as in :func:`paired_gap`). With ``n_permutations`` each fit also gets its
    stimulus-permutation null (``null_mean_ev``). A count equal to the number of
    non-constant units is drawn once.
    """
    from bothways._validation import check_choice
    from bothways.stats import centred_interval

    check_choice(statistic, "statistic", _STATISTICS)
    X = np.asarray(responses_of(model), dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"model must be (stimuli, units), got shape {X.shape}")
    R = as_trials(recordings, "recordings")
    if X.shape[0] != R.shape[0]:
        raise ValueError(f"model and recordings have different numbers of stimuli: {X.shape[0]} vs {R.shape[0]}")
    units = nonconstant_units(X)
    counts = [int(c) for c in counts]
    if not counts or min(counts) < 1 or max(counts) > units.size:
        raise ValueError(f"counts must lie in [1, {units.size}] (non-constant units), got {counts}")
    n_draws, n_boot = check_int(n_draws, "n_draws", minimum=1), check_int(n_boot, "n_boot", minimum=2)
    n = R.shape[0]
    rng = np.random.default_rng([int(seed), 23])
    brng = np.random.default_rng([int(seed), 29])
    W = brng.multinomial(n, np.full(n, 1.0 / n), size=n_boot) / n
    opts = dict(seed=seed, n_boot=0, match_to=None, n_permutations=n_permutations, warn=False)
    opts.update(predictivity_options)
    signed = statistic == "ev_signed"
    col = "ev_signed" if signed else "ev"
    rows, draws = [], []
    for c in counts:
        cols = _draw_columns(X.shape[1], c, n_draws, rng, pool=units)
        res, tgt = _forward_draws(X, R, cols, opts)
        boot = _boot_means(res, tgt, W, brng.integers(0, len(res), (n_boot, len(res))), brng, signed)
        means = [float(np.nanmean(r.per_target[col])) for r in res]
        lo, hi = centred_interval(np.mean(means), boot, level)
        nulls = [float(np.nanmean(np.sign(r.null_r) * r.null_ev if signed else r.null_ev))
                 if r.null_r is not None else np.nan for r in res]
        draws += [dict(n_predictors=c, draw=i, mean_ev=m, null_mean_ev=z) for i, (m, z) in enumerate(zip(means, nulls))]
        rows.append(dict(n_predictors=c, mean_ev=float(np.mean(means)), ci_low=float(lo), ci_high=float(hi),
                         null_mean_ev=float(np.mean(nulls)), n_draws=len(res)))
    return PredictorCurve(pd.DataFrame(rows), pd.DataFrame(draws))
