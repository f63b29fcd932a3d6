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

__all__ = ["PAPER_MONKEY_TO_MONKEY", "TWIN_MONKEYS", "SessionPair", "PairwiseResult", "ModelAnimalResult",
           "session_pair", "pairwise_predictivity", "score_models_against",
           "direction_matrix", "symmetry_table", "asymmetry_indices", "correction_label"]

#: Monkey→monkey median EV (%) in the two directions, macaque IT, Muzellec & Kar 2026.
PAPER_MONKEY_TO_MONKEY = (35.3, 43.2)
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
