"""Chapter 2 recipe: is animal-to-animal predictivity symmetric, and model-to-animal not?

Muzellec & Kar (2026) report monkey→monkey median EV of 35.3 % and 43.2 % in the two
directions and call it symmetric, against forward ≈ 50 % / reverse 5–21 % for networks.
This module provides the steps chapter 2 takes with what is obtainable here:

- :func:`session_pair` — two real recording sessions on their shared images (the same
  monkey on two days, Cowley et al. 2023), each side as trials where they exist and as
  repeat averages where they do not;
- the model-predicted populations of several monkeys on one shared image set come
  from :func:`bothways.data.twin_panel` (the digital twins of Cowley et al. 2023 with
  trial noise drawn from the mean–variance law of real single trials);
- :func:`pairwise_predictivity` — every ordered pair of populations scored with
  :func:`bothways.predictivity.predictivity`, saying for each which side carries the
  noise correction;
- :func:`direction_matrix`, :func:`symmetry_table`, :func:`asymmetry_indices` — the
  source × target matrix, the two directions of each pair side by side, and one table
  of asymmetry indices for animal–animal and model–animal pairs.

Model–animal scores come from :func:`bothways.zoo.score_zoo`, so both
chapters score models the same way.

The controlled comparisons (issue 14):

- :func:`equal_noise_pair` — the same monkey on two days with equal noise on both
  sides (210325 reduced to random 4-trial averages like 210322, :func:`reduce_trials`)
  and equal neuron counts: raw r² both ways, a paired bootstrap interval of the
  difference; :func:`exchangeable_null` — its real-data null (one session split into
  two exchangeable groups with disjoint trials, :func:`disjoint_averages`), and
  :func:`one_sided_null`, the same null for the one-sided design it replaces;
  :func:`equivalence_verdict` — "symmetric within a margin" from two interval verdicts;
- :func:`score`, :func:`bootstrap_medians` — predictivity runs kept so that several
  can be resampled on the same stimuli (paired intervals for any difference);
- :func:`matched_model_runs`, :func:`twin_gaps` — model ↔ animal with equally many
  predictors both ways, and every animal–animal and model–animal asymmetry with a
  paired interval and a verdict.
"""
from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bothways._validation import as_trials, check_int, responses_of
from bothways.data.recording import Recording
from bothways.predictivity import predictivity

__all__ = ["PAPER_MONKEY_TO_MONKEY", "PAPER_RELATIVE_DIFFERENCE", "TWIN_MONKEYS", "SessionPair", "PairwiseResult",
           "ModelAnimalResult", "Scored", "EqualNoiseResult",
           "session_pair", "pairwise_predictivity", "score_models_against",
           "direction_matrix", "symmetry_table", "asymmetry_indices", "correction_label",
           "score", "bootstrap_medians", "contrast", "equivalence_verdict", "reduce_trials", "disjoint_averages",
           "equal_noise_pair", "exchangeable_null", "one_sided_null", "matched_model_runs", "twin_gaps"]

#: Monkey→monkey median EV (%) in the two directions, macaque IT, Muzellec & Kar 2026.
PAPER_MONKEY_TO_MONKEY = (35.3, 43.2)
#: The paper's monkey→monkey difference relative to the mean of its two directions (%):
#: 100 · (43.2 − 35.3) / 39.25 ≈ 20.1. With equal noise on both sides the two
#: directions share one ceiling, so a relative difference of raw r² is comparable to it.
PAPER_RELATIVE_DIFFERENCE = 100 * (PAPER_MONKEY_TO_MONKEY[1] - PAPER_MONKEY_TO_MONKEY[0]) / np.mean(PAPER_MONKEY_TO_MONKEY)
#: Monkeys with digital twins (Cowley et al. 2023).
TWIN_MONKEYS = ("WE", "PE", "RA")


@dataclass(frozen=True, eq=False)
class SessionPair:
    """Two sessions restricted to the images they share.

    ``a`` and ``b``: each session as a :class:`~bothways.data.recording.Recording` on
    the shared stimuli, in the same order (single trials where the session has them,
    else only its trial averages); ``images``: (shared stimuli, 112, 112, 3) uint8;
    ``index_a``/``index_b``: the shared images' positions in each session.
    ``name_a``/``name_b`` label the sides ("210322 (PE)").
    """

    name_a: str
    name_b: str
    a: Recording = field(repr=False)
    b: Recording = field(repr=False)
    index_a: np.ndarray = field(repr=False)
    index_b: np.ndarray = field(repr=False)

    @property
    def images(self) -> np.ndarray:
        return self.a.images

    @property
    def populations(self) -> dict:
        """``{name_a: a, name_b: b}``, ready for :func:`pairwise_predictivity`."""
        return {self.name_a: self.a, self.name_b: self.b}


@dataclass(frozen=True, eq=False)
class PairwiseResult:
    """Result of :func:`pairwise_predictivity`.

    ``table``: one row per ordered pair (``source``, ``target``) with ``direction``,
    ``correction`` (which side's noise is corrected, :func:`correction_label`),
    ``median_ev``, ``mean_ev``, ``ci_low``/``ci_high`` (bootstrap CI of the median EV),
    ``median_r2``/``mean_r2`` (raw held-out r² ×100, uncorrected),
    ``median_target_reliability``, ``median_prediction_reliability``, ``n_source``,
    ``n_targets``, ``n_nan``. EV in %. ``results``: ``(source, target)`` ->
    :class:`~bothways.predictivity.PredictivityResult`.
    """

    table: pd.DataFrame
    results: dict = field(repr=False)


@dataclass(frozen=True, eq=False)
class ModelAnimalResult:
    """Result of :func:`score_models_against`.

    ``table``: one row per (``model``, ``animal``) with ``trained``, ``layer``,
    ``forward`` (model → animal), ``reverse`` (animal → model), ``asymmetry`` (forward −
    reverse) and, when requested, ``forward_matched`` (model → animal from random sets
    of as many model units as the animal has neurons, averaged over draws). EV in %,
    summarised by ``stat``. ``zoos``: animal -> :class:`~bothways.zoo.ZooResult`.
    """

    table: pd.DataFrame
    zoos: dict = field(repr=False)


def correction_label(source_noisy: bool, target_noisy: bool) -> str:
    """Which reliabilities enter the EV of a pair: a side without trials counts as noiseless.

    ``"both sides"``, ``"target only"`` (source has no trials: prediction reliability is
    taken as 1), ``"source only"`` (target has no trials: target reliability taken as 1)
    or ``"none"`` (raw r²).
    """
    return {(True, True): "both sides", (False, True): "target only",
            (True, False): "source only", (False, False): "none"}[(bool(source_noisy), bool(target_noisy))]


# --------------------------------------------------------------------------- populations
def session_pair(session_a=210322, session_b=210325, n_stimuli: int | None = None, seed=0) -> SessionPair:
    """Load two Cowley et al. (2023) sessions on the images they share.

    Images are matched by a hash of their pixels (:func:`bothways.data.shared_images`;
    210322 and 210325, monkey PE, share 600). Each side is a
    :class:`~bothways.data.recording.Recording` with single trials when the session
    has them (210325 only), else with its repeat averages alone: a side without trials
    can only be treated as noiseless, so its noise ceiling is not computed (see
    :func:`correction_label`). ``n_stimuli``: a seeded random subset of the shared
    images (default all), kept in their shared order.
    """
    from bothways.data import load_cowley_session, shared_images

    A, B = load_cowley_session(session_a), load_cowley_session(session_b)
    sh = shared_images(session_a, session_b)
    if len(sh) == 0:
        raise ValueError(f"sessions {session_a} and {session_b} share no images")
    keep = np.arange(len(sh))
    if n_stimuli is not None:
        n_stimuli = check_int(n_stimuli, "n_stimuli", minimum=1, maximum=len(sh))
        keep = np.sort(np.random.default_rng(seed).choice(len(sh), n_stimuli, replace=False))
    ia, ib = sh.index_a[keep], sh.index_b[keep]
    name = lambda r: f"{r.info['session']} ({r.info['monkey']})"  # noqa: E731
    return SessionPair(name(A), name(B), A.subset(stimuli=ia), B.subset(stimuli=ib), ia, ib)


# --------------------------------------------------------------------------- scoring
def pairwise_predictivity(populations: Mapping[str, np.ndarray], pairs: Sequence[tuple] | None = None,
                          n_source: int | None = None, n_splits: int = 5, seed=0, n_boot: int = 200,
                          **predictivity_options) -> PairwiseResult:
    """Score every ordered pair of populations in both directions.

    Parameters
    ----------
    populations : name -> :class:`~bothways.data.recording.Recording`, (stimuli,
        neurons, repeats) trials (noisy) or (stimuli, neurons) responses (taken as
        noiseless: no ceiling on that side; so is a Recording without single trials).
        The same stimuli in the same order everywhere.
    pairs : ``(source, target)`` names; default every ordered pair of distinct names.
    n_source : use a seeded random subset of this many neurons of every source (the
        same subset whenever that population is the source), so that sources of
        different sizes predict with equally many predictors. Default: all.
    n_splits, seed, n_boot, predictivity_options : passed to
        :func:`bothways.predictivity.predictivity` (method ``"default"`` unless given;
        ``"muzellec_kar"`` needs trials on the target side, as published).

    Returns
    -------
    :class:`PairwiseResult`.
    """
    names = list(populations)
    if len(names) < 2:
        raise ValueError("need at least two populations")
    arrays = {k: np.asarray(responses_of(v)) for k, v in populations.items()}
    n_stim = {k: a.shape[0] for k, a in arrays.items()}
    if len(set(n_stim.values())) != 1:
        raise ValueError(f"populations have different numbers of stimuli: {n_stim}")
    for k, a in arrays.items():
        if a.ndim not in (2, 3):
            raise ValueError(f"population {k!r} must be (stimuli, neurons) or (stimuli, neurons, repeats), "
                             f"got shape {a.shape}")
    if pairs is None:
        pairs = list(itertools.permutations(names, 2))
    bad = [p for p in pairs if len(p) != 2 or p[0] not in arrays or p[1] not in arrays or p[0] == p[1]]
    if bad:
        raise ValueError(f"pairs must be (source, target) of two different known names; bad: {bad}")
    cols = {}
    for i, k in enumerate(names):
        q = arrays[k].shape[1]
        if n_source is None:
            cols[k] = np.arange(q)
        else:
            if check_int(n_source, "n_source", minimum=1) > q:
                raise ValueError(f"n_source={n_source} but population {k!r} has {q} neurons")
            cols[k] = np.sort(np.random.default_rng([int(seed), 13, i]).choice(q, int(n_source), replace=False))
    rows, results = [], {}
    for src, tgt in pairs:
        S, T = arrays[src][:, cols[src]], arrays[tgt]
        res = predictivity(S, T, n_splits=n_splits, seed=seed, n_boot=n_boot, match_to=None,
                           **{"warn": False, "prediction_reliability": "source",  # the labels above
                              **predictivity_options})  # NaN EVs are counted in n_nan
        pt, s = res.per_target, res.summary
        rows.append(dict(source=src, target=tgt, direction=res.direction,
                         correction=correction_label(S.ndim == 3, T.ndim == 3),
                         median_ev=s["median_ev"], mean_ev=s["mean_ev"], ci_low=s["ci_low"], ci_high=s["ci_high"],
                         median_r2=float(np.nanmedian(100 * pt["r2"])), mean_r2=float(np.nanmean(100 * pt["r2"])),
                         median_target_reliability=float(np.nanmedian(pt["target_reliability"])),
                         median_prediction_reliability=float(np.nanmedian(pt["prediction_reliability"])),
                         n_source=S.shape[1], n_targets=s["n_targets"], n_nan=s["n_nan"]))
        results[(src, tgt)] = res
    return PairwiseResult(pd.DataFrame(rows), results)


def score_models_against(populations: Mapping[str, np.ndarray], models: Sequence[str], images, split,
                         stat: str = "median_ev", variant: str = "default", matched_draws: int = 0, seed=0,
                         **score_zoo_options) -> ModelAnimalResult:
    """Forward and reverse EV of every model against every animal, chosen and scored as in
    chapter 1 (:func:`bothways.zoo.score_zoo`, one call per animal: the
    layer is chosen on ``split.selection`` for each animal, scores use
    ``split.held_out``).

    Parameters
    ----------
    populations : animal -> :class:`~bothways.data.recording.Recording` or (stimuli,
        neurons, repeats) trials on ``images``.
    models : model specs (:func:`bothways.models.parse_model`).
    images, split : the stimuli and a :class:`~bothways.zoo.StimulusSplit`.
    stat, variant : which summary and analysis variant fill ``forward``/``reverse``.
    matched_draws : if > 0, also ``forward_matched``: forward EV from that many random
        sets of as many model units as the animal has neurons (drawn from the units the
        zoo sampled as reverse targets), so that both directions use equally many
        predictors (:func:`bothways.zoo.ev_vs_source_size`).
    **score_zoo_options : passed to ``score_zoo`` (``variants`` defaults to
        ``(variant,)``; ``n_splits``, ``n_boot``, ``max_units``, ``candidate_layers``,
        ``features_fn``, ``device``, ...).
    """
    from bothways import zoo as zoo_mod

    if not populations:
        raise ValueError("no populations")
    score_zoo_options.setdefault("variants", (variant,))
    rows, zoos = [], {}
    for animal, R in populations.items():
        R = as_trials(R, f"populations[{animal!r}]")
        zoo = zoo_mod.score_zoo(models, images, R, split, seed=seed, **score_zoo_options)
        tab = zoo_mod.forward_reverse_table(zoo.summary, variant, stat).reset_index()
        tab.insert(1, "animal", animal)
        if matched_draws:
            q = R.shape[1]
            matched = []
            for m in tab["model"]:
                X = zoo.features[m]
                if X.shape[1] < q:
                    matched.append(np.nan)
                    continue
                kw = {k: v for k, v in score_zoo_options.items() if k in ("n_folds", "device")}
                curve = zoo_mod.ev_vs_source_size(X, R[split.held_out], [q], n_draws=matched_draws, seed=seed,
                                              n_splits=score_zoo_options.get("n_splits", 5), **kw)
                matched.append(float(curve[stat].mean()))
            tab["forward_matched"] = matched
        rows.append(tab)
        zoos[animal] = zoo
    return ModelAnimalResult(pd.concat(rows, ignore_index=True), zoos)


# --------------------------------------------------------------------------- tables
def direction_matrix(table: pd.DataFrame, stat: str = "median_ev", order: Sequence[str] | None = None) -> pd.DataFrame:
    """Source × target matrix of ``stat`` (rows: source, columns: target; NaN diagonal)."""
    names = list(order) if order is not None else list(dict.fromkeys(list(table["source"]) + list(table["target"])))
    m = table.pivot(index="source", columns="target", values=stat)
    return m.reindex(index=names, columns=names)


def symmetry_table(table: pd.DataFrame, stat: str = "median_ev") -> pd.DataFrame:
    """The two directions of every unordered pair side by side.

    One row per pair ``a``–``b`` (``a`` first seen as a source) with ``a_to_b``,
    ``b_to_a``, ``difference = a_to_b − b_to_a`` and ``abs_difference``. Pairs scored
    in only one direction are left out.
    """
    v = {(r.source, r.target): getattr(r, stat) for r in table.itertuples()}
    rows, seen = [], set()
    for (a, b), ab in v.items():
        if (b, a) not in v or frozenset((a, b)) in seen:
            continue
        seen.add(frozenset((a, b)))
        ba = v[(b, a)]
        rows.append(dict(a=a, b=b, a_to_b=ab, b_to_a=ba, difference=ab - ba, abs_difference=abs(ab - ba)))
    return pd.DataFrame(rows, columns=["a", "b", "a_to_b", "b_to_a", "difference", "abs_difference"])


def asymmetry_indices(animal_pairs: pd.DataFrame, model_pairs: pd.DataFrame) -> pd.DataFrame:
    """One table of asymmetry indices for animal–animal and model–animal pairs.

    ``animal_pairs``: :func:`symmetry_table` output (the sign of ``a → b − b → a`` is
    arbitrary for two animals, so the index is its absolute value). ``model_pairs``:
    columns ``model``, ``animal``, ``forward``, ``reverse`` (e.g. from
    :func:`bothways.zoo.forward_reverse_table` per animal); the index is
    ``forward − reverse`` (model → animal minus animal → model), signed. Returns columns
    ``kind`` ("animal–animal" / "model–animal"), ``pair``, ``one_way``, ``other_way``,
    ``index`` (EV percentage points).
    """
    a = pd.DataFrame({"kind": "animal–animal", "pair": animal_pairs["a"] + " ↔ " + animal_pairs["b"],
                      "one_way": animal_pairs["a_to_b"], "other_way": animal_pairs["b_to_a"],
                      "index": animal_pairs["abs_difference"]})
    m = pd.DataFrame({"kind": "model–animal", "pair": model_pairs["model"] + " ↔ " + model_pairs["animal"],
                      "one_way": model_pairs["forward"], "other_way": model_pairs["reverse"],
                      "index": model_pairs["forward"] - model_pairs["reverse"]})
    return pd.concat([a, m], ignore_index=True)


# --------------------------------------------------------------------------- paired bootstrap
@dataclass(frozen=True, eq=False)
class Scored:
    """One predictivity run kept for resampling: ``result`` (the
    :class:`~bothways.predictivity.PredictivityResult`), ``target_mean`` (stimuli,
    targets) — the trial-averaged target it predicted — and ``label``."""

    result: object = field(repr=False)
    target_mean: np.ndarray = field(repr=False)
    label: str = ""

    @property
    def median_ev(self) -> float:
        return float(self.result.summary["median_ev"])

    @property
    def median_r2(self) -> float:
        return float(np.nanmedian(100 * self.result.per_target["r2"]))


def score(source, target, label: str = "", **predictivity_options) -> Scored:
    """:func:`bothways.predictivity.predictivity` of ``source`` → ``target``, kept as a
    :class:`Scored` so that :func:`bootstrap_medians` can resample it with others."""
    opts = {"warn": False, "match_to": None, **predictivity_options}
    res = predictivity(source, target, **opts)
    y = np.asarray(responses_of(target), dtype=np.float64)
    return Scored(res, np.nanmean(y, axis=2) if y.ndim == 3 else y, label)


def bootstrap_medians(scored: Mapping[str, Scored], n_boot: int = 200, seed=0, raw: bool = False,
                      targets: bool = True) -> pd.DataFrame:
    """Median EV (%) of every run on the *same* bootstrap resamples of the stimuli.

    Each resample draws stimuli with replacement (``numpy.random.default_rng(seed)``),
    recomputes every target's held-out Pearson r from the stored predictions on those
    stimuli and its EV with the run's own ceiling (``raw=True``: raw r² ×100, no
    ceiling); reliabilities stay at their point estimates, as in
    :func:`~bothways.predictivity.predictivity`. With ``targets`` (default) the targets
    of each run are resampled too (independently per run), so that the interval also
    carries which neurons happen to be recorded: two populations with a symmetric truth
    but few neurons differ by chance. Runs must share the stimuli. Because every column
    uses the same stimulus resamples, any difference of columns has a paired interval.
    Returns a DataFrame (n_boot rows, one column per key).
    """
    from bothways.stats import pearson_columns

    n_boot = check_int(n_boot, "n_boot", minimum=2)
    if not scored:
        raise ValueError("no runs to resample")
    n = {k: s.target_mean.shape[0] for k, s in scored.items()}
    if len(set(n.values())) != 1:
        raise ValueError(f"runs predict different numbers of stimuli: {n}")
    n = next(iter(n.values()))
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n, size=(n_boot, n))
    out = {}
    for k, s in scored.items():
        P, Y = np.asarray(s.result.predictions, dtype=np.float64), s.target_mean
        q = Y.shape[1]
        inv = np.ones(q) if raw else np.asarray(s.result.noise_ceiling.inverse, dtype=np.float64)
        cols = rng.integers(0, q, size=(n_boot, q)) if targets else np.broadcast_to(np.arange(q), (n_boot, q))
        vals = np.empty(n_boot)
        for b, i in enumerate(idx):
            ev = (100 * pearson_columns(P[i], Y[i]) ** 2 * inv)[cols[b]]
            vals[b] = np.nanmedian(ev) if np.isfinite(ev).any() else np.nan
        out[k] = vals
    return pd.DataFrame(out)


def contrast(estimate: float, samples, level: float = 0.95, expected_sign: int = +1) -> dict:
    """``estimate`` with the percentile interval of its bootstrap ``samples`` and the
    verdict word (:func:`bothways.report.verdict`, null 0): ``estimate``, ``ci_low``,
    ``ci_high``, ``verdict``."""
    from bothways import report
    from bothways.stats import percentile_interval

    lo, hi = percentile_interval(samples, level)
    return dict(estimate=float(estimate), ci_low=lo, ci_high=hi,
                verdict=report.verdict(estimate, min(lo, estimate), max(hi, estimate), expected_sign=expected_sign))


def equivalence_verdict(estimate: float, low: float, high: float, margin: float) -> str:
    """Is an effect within ``±margin`` of 0 (a two one-sided interval test)?

    ``"reproduces"`` (symmetric within the margin) when ``[low, high]`` lies inside
    ``(−margin, +margin)``; ``"is reversed"`` (asymmetric beyond it) when the interval
    lies entirely outside it; ``"is not resolved"`` otherwise. Built from two calls of
    :func:`bothways.report.verdict`.
    """
    from bothways import report

    if not margin > 0:
        raise ValueError(f"margin must be positive, got {margin}")
    below = report.verdict(estimate, low, high, expected_sign=-1, null=margin)   # high < +margin
    above = report.verdict(estimate, low, high, expected_sign=+1, null=-margin)  # low > −margin
    if below == report.REPRODUCES and above == report.REPRODUCES:
        return report.REPRODUCES
    if report.REVERSED in (below, above):
        return report.REVERSED
    return report.UNRESOLVED


# --------------------------------------------------------------------------- equal noise, one monkey
def reduce_trials(trials, n_trials: int, seed=0, average: bool = True) -> np.ndarray:
    """(stimuli, neurons, repeats) -> (stimuli, neurons) averages of ``n_trials`` random trials.

    For every stimulus the same ``n_trials`` presentations are averaged for every neuron
    (as a session that showed the image ``n_trials`` times would), drawn from the
    presentations valid for all neurons. Raises if a stimulus has fewer.
    ``average=False`` returns the drawn trials, (stimuli, neurons, n_trials).
    """
    T = as_trials(trials, "trials")
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    valid = ~np.isnan(T).any(axis=1)  # (stimuli, repeats)
    few = np.flatnonzero(valid.sum(1) < n_trials)
    if few.size:
        raise ValueError(f"{few.size} stimuli have fewer than n_trials={n_trials} trials valid for every neuron "
                         f"(e.g. stimulus {few[0]})")
    rng = np.random.default_rng(seed)
    out = np.empty(T.shape[:2] + (n_trials,))
    for i in range(T.shape[0]):
        out[i] = T[i][:, rng.choice(np.flatnonzero(valid[i]), n_trials, replace=False)]
    return out.mean(axis=2) if average else out


def disjoint_averages(trials, n_trials: int, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Two (stimuli, neurons) averages of the same trials array from *disjoint* trials:
    per stimulus ``k = min(n_trials, valid // 2)`` presentations each, so that the two
    share no trial noise and carry equal noise (for :func:`exchangeable_null`)."""
    T = as_trials(trials, "trials")
    n_trials = check_int(n_trials, "n_trials", minimum=1)
    valid = ~np.isnan(T).any(axis=1)
    if (valid.sum(1) < 2).any():
        raise ValueError("every stimulus needs at least 2 trials valid for every neuron")
    rng = np.random.default_rng(seed)
    a, b = np.empty(T.shape[:2]), np.empty(T.shape[:2])
    for i in range(T.shape[0]):
        ok = rng.permutation(np.flatnonzero(valid[i]))
        k = min(n_trials, ok.size // 2)
        a[i], b[i] = T[i][:, ok[:k]].mean(axis=1), T[i][:, ok[k:2 * k]].mean(axis=1)
    return a, b


@dataclass(frozen=True, eq=False)
class EqualNoiseResult:
    """Result of :func:`equal_noise_pair`.

    ``table``: one row per direction (``source``, ``target``, ``median_r2`` — median raw
    held-out r² ×100 averaged over draws —, ``ci_low``/``ci_high``, ``n_source``,
    ``n_targets``). ``difference``: dict (``estimate``, ``ci_low``, ``ci_high``,
    ``verdict``) of a→b − b→a (points of raw r²; ``verdict`` is ``"reproduces"`` when
    the interval excludes 0 on the side of the estimate, else ``"is not resolved"``:
    no direction is claimed); ``relative``: the same for the
    difference divided by the mean of the two directions (%, comparable across
    ceilings: with equal noise on both sides both directions share one ceiling, which
    cancels). ``draws``: per draw the two medians; ``samples``: bootstrap samples of
    (a_to_b, b_to_a, difference, relative); ``scored``: draw -> (a→b, b→a)
    :class:`Scored`.
    """

    name_a: str
    name_b: str
    table: pd.DataFrame
    difference: dict
    relative: dict
    draws: pd.DataFrame = field(repr=False)
    samples: pd.DataFrame = field(repr=False)
    scored: dict = field(repr=False)


def _as_averages(x, n_trials, n_keep, rng, name):
    x = np.asarray(responses_of(x), dtype=np.float64)
    if x.ndim == 3:
        x = reduce_trials(x, n_trials, rng)
    elif x.ndim != 2:
        raise ValueError(f"{name} must be (stimuli, neurons) averages or (stimuli, neurons, repeats) trials, "
                         f"got shape {x.shape}")
    cols = np.sort(rng.choice(x.shape[1], n_keep, replace=False))
    return x[:, cols]


def equal_noise_pair(a, b, name_a: str = "a", name_b: str = "b", n_trials: int = 4, n_neurons: int | None = None,
                     n_draws: int = 5, n_boot: int = 200, seed=0, **predictivity_options) -> EqualNoiseResult:
    """Two populations compared both ways with equal noise and equal counts: raw r².

    A side given as trials (stimuli, neurons, repeats) is reduced to averages of
    ``n_trials`` random trials per stimulus (:func:`reduce_trials`); a side given as
    averages (stimuli, neurons) is taken as it is (it should already average
    ``n_trials`` repeats, e.g. session 210322's four). Both sides are then subsampled to
    ``n_neurons`` neurons (default: the smaller count), so each direction has as many
    predictors as targets and the same counts as the other. Neither side has trials
    left, so no ceiling enters: the score is raw held-out r² both ways, and with equal
    noise a symmetric truth gives equal r² in expectation. Each of ``n_draws`` draws
    takes new trials and neurons; the difference a→b − b→a is averaged over draws, and
    its interval comes from a two-stage bootstrap: :func:`bootstrap_medians` (the same
    stimulus resamples for both directions and every draw), then the draws resampled
    with replacement. ``predictivity_options`` go to every call
    (``n_folds``, ``device``, ...).
    """
    A0, B0 = np.asarray(responses_of(a)), np.asarray(responses_of(b))
    if A0.shape[0] != B0.shape[0]:
        raise ValueError(f"a and b have different numbers of stimuli: {A0.shape[0]} vs {B0.shape[0]}")
    q = min(A0.shape[1], B0.shape[1])
    n_neurons = q if n_neurons is None else check_int(n_neurons, "n_neurons", minimum=2, maximum=q)
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    rng = np.random.default_rng([int(seed), 17])
    scored, rows, keys = {}, [], {}
    for d in range(n_draws):
        A, B = _as_averages(A0, n_trials, n_neurons, rng, "a"), _as_averages(B0, n_trials, n_neurons, rng, "b")
        ab = score(A, B, f"{name_a} → {name_b}", seed=seed + d, n_splits=1, n_boot=0, **predictivity_options)
        ba = score(B, A, f"{name_b} → {name_a}", seed=seed + d, n_splits=1, n_boot=0, **predictivity_options)
        scored[d] = (ab, ba)
        keys[(d, 0)], keys[(d, 1)] = ab, ba
        rows.append(dict(draw=d, a_to_b=ab.median_r2, b_to_a=ba.median_r2))
    draws = pd.DataFrame(rows)
    boot = bootstrap_medians({f"{d}_{k}": s for (d, k), s in keys.items()}, n_boot=n_boot, seed=[int(seed), 19],
                             raw=True)
    # two stages: stimuli (the same resample for every run), then the draws themselves, so
    # that the interval also carries which trials and neurons were drawn
    pick = np.random.default_rng([int(seed), 31]).integers(0, n_draws, size=(len(boot), n_draws))
    ab_all = boot[[f"{d}_0" for d in range(n_draws)]].to_numpy()
    ba_all = boot[[f"{d}_1" for d in range(n_draws)]].to_numpy()
    rows_i = np.arange(len(boot))[:, None]
    s_ab = pd.Series(ab_all[rows_i, pick].mean(axis=1)) if n_draws > 1 else pd.Series(ab_all[:, 0])
    s_ba = pd.Series(ba_all[rows_i, pick].mean(axis=1)) if n_draws > 1 else pd.Series(ba_all[:, 0])
    est_ab, est_ba = draws["a_to_b"].mean(), draws["b_to_a"].mean()
    samples = pd.DataFrame({"a_to_b": s_ab, "b_to_a": s_ba, "difference": s_ab - s_ba,
                            "relative": 100 * (s_ab - s_ba) / ((s_ab + s_ba) / 2)})
    from bothways.stats import percentile_interval

    table = pd.DataFrame([
        dict(source=name_a, target=name_b, median_r2=est_ab, **dict(zip(("ci_low", "ci_high"),
             percentile_interval(s_ab))), n_source=n_neurons, n_targets=n_neurons),
        dict(source=name_b, target=name_a, median_r2=est_ba, **dict(zip(("ci_low", "ci_high"),
             percentile_interval(s_ba))), n_source=n_neurons, n_targets=n_neurons)])
    diff = est_ab - est_ba
    return EqualNoiseResult(name_a, name_b, table, contrast(diff, samples["difference"], expected_sign=1 if diff >= 0
                                                            else -1),
                            contrast(100 * diff / ((est_ab + est_ba) / 2), samples["relative"],
                                     expected_sign=1 if diff >= 0 else -1),
                            draws, samples, scored)


def exchangeable_null(trials, n_neurons: int | None = None, n_trials: int = 4, n_null: int = 20, seed=0,
                      **predictivity_options) -> pd.DataFrame:
    """The real-data null of :func:`equal_noise_pair`: one session split in two.

    Each of ``n_null`` draws splits the neurons of ``trials`` (stimuli, neurons,
    repeats) at random into two groups of ``n_neurons`` (default: half of them), gives
    the groups averages of disjoint trials (:func:`disjoint_averages`: equal noise, no
    shared trial noise) and scores both ways with raw r². The two groups are
    exchangeable, so the truth is symmetric and the differences show what the design
    gives by chance. Returns one row per draw: ``a_to_b``, ``b_to_a``, ``difference``
    (points of raw r²), ``relative`` (%).
    """
    T = as_trials(trials, "trials")
    q = T.shape[1]
    n_neurons = q // 2 if n_neurons is None else check_int(n_neurons, "n_neurons", minimum=2, maximum=q // 2)
    n_null = check_int(n_null, "n_null", minimum=1)
    rng = np.random.default_rng([int(seed), 23])
    rows = []
    for d in range(n_null):
        perm = rng.permutation(q)
        ga, gb = np.sort(perm[:n_neurons]), np.sort(perm[n_neurons:2 * n_neurons])
        a, b = disjoint_averages(T, n_trials, rng)
        A, B = a[:, ga], b[:, gb]
        ab = score(A, B, seed=seed + d, n_splits=1, n_boot=0, **predictivity_options).median_r2
        ba = score(B, A, seed=seed + d, n_splits=1, n_boot=0, **predictivity_options).median_r2
        rows.append(dict(draw=d, a_to_b=ab, b_to_a=ba, difference=ab - ba, relative=100 * (ab - ba) / ((ab + ba) / 2)))
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- animals and models, matched
def matched_model_runs(features, populations: Mapping[str, np.ndarray], n_units: int | None = None,
                       n_draws: int = 3, seed=0, all_units: bool = True, **predictivity_options) -> dict:
    """Model ↔ animal with equally many predictors both ways, kept for resampling.

    ``features``: ``{(model, animal): (stimuli, units)}`` (e.g. the held-out activations
    of the units a :class:`~bothways.zoo.ZooResult` scored, ``zoo.features[model]``);
    ``populations``: animal -> trials on the same stimuli. Forward (model → animal)
    uses ``n_units`` random model units (default: as many as the animal has neurons),
    a new set in each of ``n_draws`` draws; reverse (animal → model) uses the animal's
    neurons to predict every given unit. With ``all_units`` also ``"forward_all"``:
    forward from every given unit (the unmatched comparison the paper makes). Returns
    ``{(model, animal): {"forward": [Scored per draw], "reverse": Scored,
    "forward_all": Scored}}``.
    """
    n_draws = check_int(n_draws, "n_draws", minimum=1)
    opts = {"n_boot": 0, **predictivity_options, "seed": seed}  # intervals come from twin_gaps
    out = {}
    for i, ((model, animal), X) in enumerate(features.items()):
        X = np.asarray(X, dtype=np.float64)
        R = as_trials(populations[animal], f"populations[{animal!r}]")
        k = R.shape[1] if n_units is None else check_int(n_units, "n_units", minimum=1)
        if k > X.shape[1]:
            raise ValueError(f"{model!r} has {X.shape[1]} units, fewer than n_units={k}")
        rng = np.random.default_rng([int(seed), 29, i])
        fwd = [score(X[:, np.sort(rng.choice(X.shape[1], k, replace=False))], R, f"{model} → {animal}", **opts)
               for _ in range(n_draws)]
        rev = score(R, X, f"{animal} → {model}", **opts)
        out[(model, animal)] = {"forward": fwd, "reverse": rev}
        if all_units:
            out[(model, animal)]["forward_all"] = score(X, R, f"{model} (all) → {animal}", **opts)
    return out


def twin_gaps(animal_runs: Mapping[tuple, Scored], model_runs: Mapping[tuple, dict] | None = None,
              n_boot: int = 200, seed=0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Paired intervals for every animal–animal and model–animal asymmetry.

    ``animal_runs``: ``{(source, target): Scored}`` over ordered pairs of animals;
    ``model_runs``: from :func:`matched_model_runs`. All runs must predict the same
    stimuli: one :func:`bootstrap_medians` call resamples them together, so every
    difference below has a paired 95 % interval.

    Returns ``(animals, models)``. ``animals``: one row per unordered pair (``a``, ``b``,
    ``a_to_b``, ``b_to_a``, ``difference`` = a→b − b→a with ``ci_low``/``ci_high``,
    ``abs_difference``). ``models``: one row per (``model``, ``animal``) with
    ``forward`` (matched, mean over draws), ``reverse``, ``gap`` = forward − reverse
    with ``gap_low``/``gap_high``, ``excess`` = gap − the largest animal–animal
    |difference| (in the same resample) with ``excess_low``/``excess_high`` and
    ``verdict`` of "the model–animal asymmetry exceeds every animal–animal one"
    (:func:`bothways.report.verdict`, expected sign +1); where the runs have
    ``forward_all``, the same for the unmatched forward score: ``forward_all``,
    ``gap_all`` (``gap_all_low``/``gap_all_high``), ``excess_all`` (with its interval)
    and ``verdict_all``. EV in %. The largest of several noisy |differences| is biased
    upwards, which makes ``excess`` a demanding test for models.
    """
    from bothways import report
    from bothways.stats import percentile_interval

    model_runs = model_runs or {}
    flat = {f"A{i}": s for i, s in enumerate(animal_runs.values())}
    akeys = dict(zip(animal_runs, flat))
    for j, (key, runs) in enumerate(model_runs.items()):
        for d, s in enumerate(runs["forward"]):
            flat[f"F{j}_{d}"] = s
        flat[f"R{j}"] = runs["reverse"]
        if "forward_all" in runs:
            flat[f"U{j}"] = runs["forward_all"]
    boot = bootstrap_medians(flat, n_boot=n_boot, seed=seed)
    rows, seen, abs_boot = [], set(), []
    for (a, b), k in akeys.items():
        if (b, a) not in akeys or frozenset((a, b)) in seen:
            continue
        seen.add(frozenset((a, b)))
        k2 = akeys[(b, a)]
        est = animal_runs[(a, b)].median_ev - animal_runs[(b, a)].median_ev
        samp = boot[k] - boot[k2]
        lo, hi = percentile_interval(samp)
        abs_boot.append(samp.abs())
        rows.append(dict(a=a, b=b, a_to_b=animal_runs[(a, b)].median_ev, b_to_a=animal_runs[(b, a)].median_ev,
                         difference=est, ci_low=lo, ci_high=hi, abs_difference=abs(est)))
    animals = pd.DataFrame(rows, columns=["a", "b", "a_to_b", "b_to_a", "difference", "ci_low", "ci_high",
                                          "abs_difference"])
    max_abs = animals["abs_difference"].max() if len(animals) else np.nan
    max_abs_boot = pd.concat(abs_boot, axis=1).max(axis=1) if abs_boot else None
    mrows = []
    for j, ((model, animal), runs) in enumerate(model_runs.items()):
        nd = len(runs["forward"])
        f_est = float(np.mean([s.median_ev for s in runs["forward"]]))
        r_est = runs["reverse"].median_ev
        f_boot = boot[[f"F{j}_{d}" for d in range(nd)]].mean(axis=1)
        gap_boot = f_boot - boot[f"R{j}"]
        glo, ghi = percentile_interval(gap_boot)
        row = dict(model=model, animal=animal, forward=f_est, reverse=r_est, gap=f_est - r_est,
                   gap_low=glo, gap_high=ghi)
        if max_abs_boot is not None:
            ex = f_est - r_est - max_abs
            elo, ehi = percentile_interval(gap_boot - max_abs_boot)
            row.update(excess=ex, excess_low=elo, excess_high=ehi,
                       verdict=report.verdict(ex, min(elo, ex), max(ehi, ex), expected_sign=+1))
        if "forward_all" in runs:
            u_est = runs["forward_all"].median_ev
            u_boot = boot[f"U{j}"] - boot[f"R{j}"]
            ulo, uhi = percentile_interval(u_boot)
            row.update(forward_all=u_est, gap_all=u_est - r_est, gap_all_low=ulo, gap_all_high=uhi)
            if max_abs_boot is not None:
                ex = u_est - r_est - max_abs
                elo, ehi = percentile_interval(u_boot - max_abs_boot)
                row.update(excess_all=ex, excess_all_low=elo, excess_all_high=ehi,
                           verdict_all=report.verdict(ex, min(elo, ex), max(ehi, ex), expected_sign=+1))
        mrows.append(row)
    return animals, pd.DataFrame(mrows)


def one_sided_null(trials, n_neurons: int | None = None, n_trials: int = 4, n_null: int = 10, seed=0,
                   **predictivity_options) -> pd.DataFrame:
    """The same real-data null for the *one-sided* design that :func:`equal_noise_pair` replaces.

    Each draw splits the neurons of ``trials`` into two random groups of ``n_neurons``
    (default: half); group a keeps only averages of ``min(n_trials, valid − 2)`` random
    trials per stimulus (like a session published as averages), group b keeps the other
    trials as single trials. Scored as :func:`pairwise_predictivity` scores a session
    pair, a → b corrects the target's noise only and b → a the predictors' only. The
    groups are exchangeable, so any systematic difference is made by the design.
    Returns one row per draw: ``a_to_b``, ``b_to_a`` (median one-sided EV, %),
    ``difference``.
    """
    T = as_trials(trials, "trials")
    q = T.shape[1]
    n_neurons = q // 2 if n_neurons is None else check_int(n_neurons, "n_neurons", minimum=2, maximum=q // 2)
    n_null = check_int(n_null, "n_null", minimum=1)
    valid = ~np.isnan(T).any(axis=1)
    if (valid.sum(1) < 3).any():
        raise ValueError("every stimulus needs at least 3 trials valid for every neuron")
    rng = np.random.default_rng([int(seed), 37])
    rows = []
    for d in range(n_null):
        perm = rng.permutation(q)
        ga, gb = np.sort(perm[:n_neurons]), np.sort(perm[n_neurons:2 * n_neurons])
        avg = np.empty((T.shape[0], n_neurons))
        rest = np.full((T.shape[0], n_neurons, T.shape[2]), np.nan)
        for i in range(T.shape[0]):
            ok = rng.permutation(np.flatnonzero(valid[i]))
            k = min(n_trials, ok.size - 2)
            avg[i] = T[i][np.ix_(ga, ok[:k])].mean(axis=1)
            rest[i, :, :ok.size - k] = T[i][np.ix_(gb, ok[k:])]
        res = pairwise_predictivity({"a": avg, "b": rest}, seed=seed + d, n_boot=0, **predictivity_options)
        t = res.table.set_index("source")["median_ev"]
        rows.append(dict(draw=d, a_to_b=t["a"], b_to_a=t["b"], difference=t["a"] - t["b"]))
    return pd.DataFrame(rows)
