"""Chapter recipe: what the brain-predictable ("common") units of a network do, and how
reverse predictivity varies across networks.

Muzellec & Kar (2026) report that the units of a network that the brain predicts well
are behaviourally relevant and shared across species and models, while the "unique"
ones are not; and that across 39 networks reverse predictivity is unrelated to forward
predictivity and falls with ImageNet accuracy. This recipe asks the same questions of
real V4 recordings, a small zoo, CIFAR-10 images and the digital twins of three monkeys:

- :func:`score_zoo` (and :func:`score_network` for one network) — chapter 1's
  procedure for every network, run as sweeps (:mod:`bothways.sweep`, one content-keyed
  store): pick a layer on selection images (forward r²), score forward and reverse EV
  on the held-out images, and label every sampled unit "common" or "unique" relative
  to a per-unit stimulus-permutation null (the numbers of :func:`reverse_units`, the
  call the positive control uses);
- :func:`unit_sets`, :func:`decode_sets`, :func:`twin_observers` — matched-size
  common, unique and random unit sets, their CIFAR-10 decoders, and decoders of twin
  populations (model-predicted V4, not primate behaviour);
- :func:`behaviour_analysis` — accuracies, paired accuracy differences and i1
  consistencies between every relevant pair of observers, grouped for the claims;
- :func:`zoo_table`, :func:`zoo_correlations`, :func:`model_to_model` — the across-model
  questions;
- :func:`verdict`, :func:`power_statement`, :func:`correlation_sentence`,
  :func:`sign_phrase` — the words the chapter glues, decided by intervals.

Numerics live in :mod:`bothways.behaviour`, :mod:`bothways.predictivity` and
:mod:`bothways.ridge`; this module only combines them.
"""
from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from bothways import behaviour as beh
from bothways import report
from bothways.predictivity import predictivity
from bothways.stats import nonconstant_units

__all__ = ["PAPER", "IMAGENET_TOP1", "IMAGENET_TOP1_SOURCE", "CIFAR_REPORTED", "NetworkScores",
           "BehaviourResult", "CPU_BATCH", "resolve_model", "layer_features", "model_label", "family", "reverse_units",
           "score_network", "score_zoo", "unit_sets", "decode_sets", "twin_observers", "behaviour_analysis",
           "zoo_table", "zoo_correlations", "model_to_model", "verdict", "matched_k", "power_statement",
           "correlation_sentence", "sign_phrase", "NOT_CONTRADICTED", "CONTRADICTED", "NOT_ASSESSED"]

#: Published numbers (Muzellec & Kar 2026, IT, 39 networks): Spearman ρ between forward
#: and reverse EV across networks; the number of networks; adversarially robust beat
#: standard weights in 12 of 12 architecture × monkey pairs.
PAPER = {"forward_reverse_rho": -0.33, "n_networks": 39, "robust_wins": 12, "robust_pairs": 12}

#: ImageNet top-1 (FP32) of the EfficientNet-Lite checkpoints, from the table of the
#: official implementation that the ``efficientnet-lite-pytorch`` package documentation
#: names as the source of its converted weights (the package does not re-evaluate them).
IMAGENET_TOP1 = {"efficientnet-lite0": 75.1, "efficientnet-lite1": 76.7, "efficientnet-lite2": 77.6}
IMAGENET_TOP1_SOURCE = ("tensorflow/tpu, models/official/efficientnet/lite/README.md (FP32 accuracy), "
                        "linked from the PyPI page of efficientnet-lite-pytorch 0.1.0")

#: CIFAR-10 test accuracy reported for the ResNets' weights on the original test set
#: (akamaster/pytorch_resnet_cifar10; He et al. 2016 report 91.25 / 92.49 / 92.83 / 93.03).
CIFAR_REPORTED = {"resnet20-cifar10": 91.8, "resnet32-cifar10": 92.6, "resnet44-cifar10": 93.1,
                  "resnet56-cifar10": 93.4}


# --------------------------------------------------------------------------- models
def resolve_model(model, seed: int = 0):
    """A :class:`bothways.models.ZooModel` from a spec or a ready model.

    ``model``: a zoo name (:func:`bothways.models.list_models`), ``"<name>/untrained"``
    (random weights from ``seed``), or a ``ZooModel`` — the hook for networks outside the
    zoo (e.g. adversarially robust weights): wrap any ``torch.nn.Module`` with its
    preprocessing and candidate layers, ``ZooModel(name, module.eval(), Preprocess(224,
    IMAGENET_MEAN, IMAGENET_STD), v4_layers, it_layers, weights, pretrained=True)``,
    and every function of this recipe treats it like a zoo member.
    """
    from bothways.models import ZooModel, load_model

    if isinstance(model, ZooModel):
        return model
    if not isinstance(model, str) or not model:
        raise TypeError(f"model must be a zoo spec or a ZooModel, got {type(model).__name__}")
    return load_model(model, seed=seed)


def _key(model) -> str:
    return model if isinstance(model, str) else model.name


#: Images per forward pass on a CPU. Large batches make every activation tensor bigger
#: than the allocator's reuse threshold, so each batch is fresh memory from the kernel:
#: measured here, EfficientNet-Lite0 on 128 V4 images spent 5.4 s in page faults at 64
#: images per batch and 0.01 s at 4, for the same 2 s of computation.
CPU_BATCH = 4


def layer_features(model, images, layer: str, device=None) -> np.ndarray:
    """(stimuli, units) activations of one layer (:func:`bothways.models.extract_features`,
    disk-cached), in batches of :data:`CPU_BATCH` images on a CPU and 64 elsewhere."""
    from bothways.config import get_device
    from bothways.models import extract_features

    batch = CPU_BATCH if get_device(device).type == "cpu" else 64
    return extract_features(resolve_model(model), images, layer, batch_size=batch, device=device,
                            progress=False).values


def model_label(model) -> str:
    """Short figure label: ``"ResNet-20"``, ``"Lite0 (untrained)"`` for zoo specs
    (:func:`bothways.models.model_label`); a ``ZooModel``'s or any other name as it is."""
    from bothways.models import list_models, model_label as zoo_label

    key = _key(model)
    return zoo_label(key) if key.partition("/")[0] in list_models() else key


def family(model) -> str:
    """Architecture family of a spec: ``"ResNet"``, ``"Lite"``, or the name itself."""
    key = _key(model)
    if key.startswith("resnet"):
        return "ResNet"
    if key.startswith("efficientnet-lite"):
        return "Lite"
    return key.partition("/")[0]


# --------------------------------------------------------------------------- V4 scoring
@dataclass(frozen=True, eq=False)
class NetworkScores:
    """Result of :func:`score_network`.

    model, layer : the network (spec or name) and its chosen layer.
    layer_scores : candidate layers with ``median_r2`` (%) on the selection images
        (:func:`bothways.zoo.select_layer`; NaN when there was a single candidate).
    forward, reverse : summary dicts of :func:`bothways.predictivity.predictivity`
        (EV in %); ``reverse`` also holds the null's ``null_mean_ev``,
        ``mean_ev_signed`` and ``n_above_null``.
    units : one row per sampled unit: ``unit`` (column of the layer), ``ev``,
        ``ev_signed``, ``r``, ``ev_null_mean``, ``p_value``, ``label``.
    n_units : units in the chosen layer; ``n_constant`` : of them constant on the
        held-out images (not scored).
    trained : the network carries learned weights (``ZooModel.pretrained``; False for
        untrained twins and baselines).
    """

    model: str
    layer: str
    layer_scores: pd.DataFrame
    forward: dict
    reverse: dict
    units: pd.DataFrame = field(repr=False)
    n_units: int = 0
    n_constant: int = 0
    trained: bool = True

    def counts(self) -> dict:
        """Units per label."""
        return self.units["label"].value_counts().to_dict()


def reverse_units(trials, features, max_units: int | None = 500, n_permutations: int = 19, alpha: float = 0.05,
                  top: float = 0.2, n_splits: int = 5, n_folds: int = 5, seed: int = 0, **options) -> tuple:
    """Reverse EV of (a sample of) every unit, its permutation null, and its label.

    ``trials`` (stimuli, neurons, repeats) predict each non-constant column of
    ``features`` (stimuli, units) with :func:`bothways.predictivity.predictivity`
    (book default: per-target ridge alpha, split-half reliabilities), with
    ``n_permutations`` stimulus permutations refitted with the same folds and ceilings
    (a per-unit null and p-value); :func:`bothways.predictivity.label_units`
    (``rule="null"``, ``correction="none"``) labels units common (top ``top`` by EV
    and above the null at ``alpha``) or unique (not distinguishable from it). No
    multiple-comparison correction: at ``size="ci"`` the smallest p-value is 0.05
    (19 permutations), so a Benjamini–Hochberg correction over hundreds of units could
    pass none; "unique" units are the ones that fail even the uncorrected test. With
    ``max_units`` the units are a seeded random sample (an unbiased estimate of the
    layer's mean), drawn as a sweep cell draws it (``numpy.random.default_rng([seed,
    7])``, :mod:`bothways.sweep.compute`). Returns ``(units table, summary dict)``;
    the summary's ``n_above_null`` counts p ≤ ``alpha``.
    """
    from bothways.predictivity import label_units

    X = np.asarray(features, dtype=np.float64)
    units = nonconstant_units(X)
    if units.size == 0:
        raise ValueError("every unit of features is constant over the stimuli")
    if max_units is not None and units.size > int(max_units):
        units = np.sort(np.random.default_rng([int(seed), 7]).choice(units, int(max_units), replace=False))
    kw = dict(n_splits=n_splits, n_folds=n_folds, seed=seed, n_boot=0, match_to=None, n_permutations=n_permutations)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # undefined EVs are counted in the summary
        res = predictivity(trials, X[:, units], **kw, **options)
    table = _units_table(units, res.per_target, alpha, top)
    return table, _null_summary(res.summary, table, alpha)


def _units_table(units, per_target: pd.DataFrame, alpha: float, top: float) -> pd.DataFrame:
    from bothways.predictivity import label_units

    table = pd.DataFrame({"unit": np.asarray(units, dtype=np.int64),
                          **{c: per_target[c].to_numpy(dtype=np.float64)
                             for c in ("ev", "ev_signed", "r", "ev_null_mean", "p_value")}})
    table["label"] = label_units(table["ev"].to_numpy(), top, rule="null", p_value=table["p_value"].to_numpy(),
                                 correction="none", alpha=alpha)
    return table


def _null_summary(summary: Mapping, table: pd.DataFrame, alpha: float) -> dict:
    return {**summary, "n_above_null": int(np.sum(table["p_value"].to_numpy() <= alpha)), "alpha": float(alpha)}


def _trained(model) -> bool:
    if isinstance(model, str):
        return bool(resolve_model(model).pretrained)
    return bool(getattr(model, "pretrained", True))


def score_zoo(models, images, trials, split, layers: Mapping | None = None, max_units: int | None = 500,
              n_permutations: int = 19, alpha: float = 0.05, top: float = 0.2, n_splits: int = 5, n_folds: int = 5,
              seed: int = 0, device=None, store=None, data_name: str = "v4", executor: str = "local",
              progress: bool = False, **run_options) -> dict:
    """Chapter 1's procedure for every network of a zoo, with null-referenced unit labels,
    run as three :class:`bothways.sweep.Sweep` grids over one result store.

    1. *Selection* (``split.selection`` stimuli, forward, every candidate layer of every
       network with more than one): the layer with the highest median held-out 100 r²
       over neurons (:func:`bothways.sweep.best_layers` with ``"median_r2"``, the
       criterion of :func:`bothways.zoo.select_layer`).
    2. *Forward* (``split.held_out``, the chosen layers): every neuron predicted from
       the layer's units (:func:`bothways.predictivity.predictivity`, book default).
    3. *Reverse* (``split.held_out``, the chosen layers): a seeded sample of at most
       ``max_units`` non-constant units, each predicted from every neuron, with an
       ``n_permutations`` stimulus-permutation null per unit; units are labelled
       common / unique / middle / undefined by :func:`bothways.predictivity.label_units`
       (``rule="null"``, ``correction="none"``, ``alpha``, ``top``; see :func:`reverse_units`).

    The numbers are those of :func:`reverse_units` and of the direct calls (tested).
    Each cell is keyed by the content of its inputs (weights, layer, the hashes of the
    split's images and recordings, options, seed, code), so running again reads the
    store and a different split, sample or option computes new cells. ``store``: the
    store's folder (default ``$BOTHWAYS_CACHE/sweeps``); ``executor`` and
    ``run_options``: :func:`bothways.sweep.run` (``"dask"`` with a scheduler scores
    the networks in parallel; the results are identical).

    ``models``: zoo specs or ``ZooModel`` objects (the hook for networks outside the
    zoo, see :func:`resolve_model`); ``images`` (stimuli, H, W, 3) uint8; ``trials``
    (stimuli, neurons, repeats) or a :class:`bothways.data.Recording`; ``split``: a
    :class:`bothways.zoo.StimulusSplit`; ``layers``: model -> candidate layers
    (default, or None for a model: all its candidates). Returns ``{model:
    NetworkScores}`` in the order of ``models``. A cell that fails raises here.
    """
    from bothways import sweep
    from bothways._validation import responses_of

    named = {_key(m): m for m in models}
    if len(named) != len(models):
        raise ValueError("models: a network is listed twice")
    layers = dict(layers or {})
    data = sweep.DataSource.from_arrays(data_name, images, np.asarray(responses_of(trials), dtype=np.float64))
    selection, held_out = data.split(split)
    sources = {k: sweep.model_source(m if isinstance(m, str) else resolve_model(m), k) for k, m in named.items()}
    candidates = {k: tuple(layers[k]) if layers.get(k) is not None else src.layers for k, src in sources.items()}
    runs = dict(executor=executor, device=device, progress=progress, **run_options)

    def done(sw):
        sw.run(**runs)
        failed = sw.failures()
        if len(failed):
            raise RuntimeError("sweep cells failed: " + "; ".join(
                f"{r.model} {r.layer} {r.direction}: {r.error}: {r.message}" for r in failed.itertuples()))
        return sw

    multi = {k: src for k, src in sources.items() if len(candidates[k]) > 1}
    chosen, layer_scores = {}, {}
    if multi:
        pick = done(sweep.Sweep(multi, [selection], layers={k: list(candidates[k]) for k in multi},
                                directions=["forward"], seeds=[seed], store=store,
                                options=dict(n_splits=1, n_folds=n_folds, n_boot=0)))
        res = pick.results()
        chosen = sweep.best_layers(res, stat="median_r2")
        for k in multi:
            layer_scores[k] = (res[res["model"] == k].set_index("layer").loc[list(candidates[k]),
                                                                             ["n_units", "median_r2", "mean_r2"]])
    for k in sources:
        if k not in multi:
            chosen[k] = candidates[k][0]
            layer_scores[k] = pd.DataFrame({"median_r2": [np.nan]}, index=pd.Index([chosen[k]], name="layer"))
    fixed = {k: [chosen[k]] for k in sources}
    opts = dict(n_splits=n_splits, n_folds=n_folds, n_boot=0, match_to=None)
    fwd = done(sweep.Sweep(sources, [held_out], layers=fixed, directions=["forward"], seeds=[seed], store=store,
                           options=opts))
    rev = done(sweep.Sweep(sources, [held_out], layers=fixed, directions=["reverse"], seeds=[seed], store=store,
                           options=dict(opts, max_units=max_units, n_permutations=n_permutations)))
    f_rows, r_rows = fwd.results().set_index("model"), rev.results().set_index("model")
    targets = rev.results("targets")
    out = {}
    for k, model in named.items():
        t = targets[targets["model"] == k]
        units = _units_table(t["target"].to_numpy(), t, alpha, top)
        rev_summary = _null_summary(r_rows.loc[k].to_dict(), units, alpha)
        out[k] = NetworkScores(k, chosen[k], layer_scores[k], f_rows.loc[k].to_dict(), rev_summary, units,
                               int(rev_summary["n_units"]), int(rev_summary["n_constant_units"]), _trained(model))
    return out


def score_network(model, images, trials, split, layers: Sequence[str] | None = None,
                  max_units: int | None = 500, n_permutations: int = 19, alpha: float = 0.05, top: float = 0.2,
                  n_splits: int = 5, n_folds: int = 5, seed: int = 0, device=None, store=None) -> NetworkScores:
    """Chapter 1's procedure for one network, with null-referenced unit labels:
    :func:`score_zoo` of a zoo of one (``layers``: its candidate layers, default all)."""
    return score_zoo([model], images, trials, split, layers={_key(model): layers}, max_units=max_units,
                     n_permutations=n_permutations, alpha=alpha, top=top, n_splits=n_splits, n_folds=n_folds,
                     seed=seed, device=device, store=store)[_key(model)]


# --------------------------------------------------------------------------- behaviour
def matched_k(scores: Mapping, models: Sequence, k_max: int) -> int:
    """The largest set size every listed network can supply for common and for unique
    units, at most ``k_max`` (the same k for every network and set)."""
    counts = [min(scores[m].counts().get("common", 0), scores[m].counts().get("unique", 0)) for m in models]
    k = min([int(k_max), *counts])
    if k < 2:
        raise ValueError(f"too few common or unique units to compare (per network: {dict(zip(models, counts))})")
    return k


def unit_sets(units: pd.DataFrame, k: int, n_draws: int, seed: int = 0, stream: int = 0) -> dict:
    """Matched-size unit sets: ``{"common", "unique", "random"}`` -> (n_draws, k) layer
    columns, drawn from the units labelled common, the units labelled unique, and all
    scored units (the random-unit-set null), ``n_draws`` draws each, seeded by
    ``(seed, stream)`` (one stream per network)."""
    pools = {"common": units.loc[units["label"] == "common", "unit"].to_numpy(),
             "unique": units.loc[units["label"] == "unique", "unit"].to_numpy(),
             "random": units["unit"].to_numpy()}
    return {name: beh.unit_draws(pool, k, n_draws, seed=[int(seed), int(stream), i])
            for i, (name, pool) in enumerate(pools.items())}


def decode_sets(features, labels, sets: Mapping, n_folds: int = 3, n_seeds: int = 20, seed: int = 0,
                C: float = 1.0) -> dict:
    """Decoders of every draw of every unit set: ``{(set, draw): Decoding}``. All use the
    same fold seeds, so differences between sets are differences of units, not of folds."""
    X = np.asarray(features)
    return {(name, d): beh.decode(X[:, cols], labels, n_folds=n_folds, n_seeds=n_seeds, seed=seed, C=C)
            for name, draws in sets.items() for d, cols in enumerate(draws)}


def twin_observers(images, twins_per_monkey: int | None = None, seed: int = 0, device=None) -> dict:
    """Model-predicted V4 responses of each monkey's digital twins to ``images``.

    ``images``: uint8 (stimuli, H, W, 3), resized to the twins' 112 × 112 here. For each
    monkey (WE, PE, RA; :data:`bothways.data.twins.MONKEY_TWIN_SESSIONS`) a seeded random
    subset of ``twins_per_monkey`` twins (all when None) is run (outputs cached on
    disk). Returns ``{monkey: (stimuli, twins)}``. These are models of V4 neurons fitted
    to natural images, not recordings and not primate behaviour.
    """
    from bothways.data.twins import MONKEY_TWIN_SESSIONS, TWIN_SESSIONS, digital_twins
    from bothways.models import resize_images

    small = resize_images(images, 112)
    rng = np.random.default_rng([int(seed), 9])
    out = {}
    for monkey, sessions in MONKEY_TWIN_SESSIONS.items():
        pool = [(s, k) for s in sessions for k in range(TWIN_SESSIONS[s])]
        pick = pool if twins_per_monkey is None or twins_per_monkey >= len(pool) else \
            [pool[i] for i in np.sort(rng.choice(len(pool), int(twins_per_monkey), replace=False))]
        cols = [digital_twins(s, [k for ss, k in pick if ss == s])(small, device=device, progress=False)
                for s in sessions if any(ss == s for ss, _ in pick)]
        out[monkey] = np.hstack(cols).astype(np.float64)
    return out


@dataclass(frozen=True, eq=False)
class BehaviourResult:
    """Result of :func:`behaviour_analysis`.

    decodings : observer name -> :class:`bothways.behaviour.Decoding`. Network observers
        are named ``"<network>|<set>|<draw>"``, twin observers ``"twin|<monkey>"``,
        baseline observers ``"base|<name>|<draw>"``.
    accuracy : one row per (network, set): ``accuracy`` (mean over draws), ``sd``
        (over draws) and, for common and random, the paired difference to unique
        (``diff_vs_unique``, ``ci_low``, ``ci_high``) with a bootstrap over images;
        rows ``network="all networks"`` pool every network and draw (per-image
        accuracies averaged); rows ``set="twins"`` hold each twin observer and rows
        ``set="baseline"`` each baseline (mean and sd over its draws).
    consistency : :class:`bothways.behaviour.ConsistencyBootstrap` over ``pairs``.
    groups : group name -> boolean mask over the pairs: ``"models: <set>"`` (networks
        with each other), ``"twins: <set>"`` (networks with twin observers),
        ``"baselines: <set>"`` (networks with baseline observers), ``"twins: twin-twin"``.
    summary : one row per group: ``estimate``, ``ci_low``, ``ci_high``, ``n_pairs``, ``n_nan``.
    differences : one row per comparison (``"models: common - unique"``, ...):
        ``estimate``, ``ci_low``, ``ci_high`` (paired over the same image resamples).
    """

    decodings: dict = field(repr=False)
    accuracy: pd.DataFrame
    consistency: beh.ConsistencyBootstrap = field(repr=False)
    groups: dict = field(repr=False)
    summary: pd.DataFrame
    differences: pd.DataFrame

    def matrix(self, draw: int = 0) -> pd.DataFrame:
        """Observer × observer corrected consistency for one draw (symmetric; NaN diagonal)."""
        t = self.consistency.table
        keep = t["a"].str.endswith(f"|{draw}") | t["a"].str.startswith("twin|")
        keep &= t["b"].str.endswith(f"|{draw}") | t["b"].str.startswith("twin|")  # baselines end in |draw
        t = t[keep]
        names = list(dict.fromkeys([*t["a"], *t["b"]]))
        M = pd.DataFrame(np.nan, index=names, columns=names)
        for a, b, c in zip(t["a"], t["b"], t["consistency"]):
            M.loc[a, b] = M.loc[b, a] = c
        return M


SETS = ("common", "unique", "random")


def _pairs(networks, monkeys, baselines, n_draws):
    pairs, kinds = [], []
    for s in SETS:
        for (a, b), d in itertools.product(itertools.combinations(networks, 2), range(n_draws)):
            pairs.append((f"{a}|{s}|{d}", f"{b}|{s}|{d}"))
            kinds.append(f"models: {s}")
        for net, d, m in itertools.product(networks, range(n_draws), monkeys):
            pairs.append((f"{net}|{s}|{d}", f"twin|{m}"))
            kinds.append(f"twins: {s}")
        for net, d, b in itertools.product(networks, range(n_draws), baselines):
            pairs.append((f"{net}|{s}|{d}", f"base|{b}|{d}"))
            kinds.append(f"baselines: {s}")
    for a, b in itertools.combinations(monkeys, 2):
        pairs.append((f"twin|{a}", f"twin|{b}"))
        kinds.append("twins: twin-twin")
    return pairs, np.array(kinds)


def behaviour_analysis(features: Mapping, units: Mapping, labels, twins: Mapping | None = None, k: int = 30,
                       n_draws: int = 3, n_seeds: int = 20, n_folds: int = 3, C: float = 1.0, n_splits: int = 10,
                       n_boot: int = 1000, seed: int = 0, ci: float = 0.95,
                       baselines: Mapping | None = None) -> BehaviourResult:
    """Decode the class from matched common, unique and random unit sets of every
    network and from every twin population, then compare accuracies and i1 consistency.

    Parameters
    ----------
    features : network -> (images, layer units) activations on the decoding images.
    units : network -> the units table of :func:`reverse_units` (its ``unit`` column
        indexes the columns of ``features[network]``).
    labels : (images,) class labels of the decoding images.
    twins : monkey -> (images, twins) responses (or any other proxy observer); may be empty.
    baselines : name -> (images, columns) features of a reference without units to
        label, e.g. raw pixels: decoded from ``n_draws`` random draws of ``k`` columns
        (observers ``"base|<name>|<draw>"``) and compared with every set, to ask
        whether an agreement is low-level.
    k, n_draws : units per set and random draws per set (the same for every network).
    n_seeds, n_folds, C : decoders (:func:`bothways.behaviour.decode`).
    n_splits, n_boot, seed, ci : reliabilities and the shared bootstrap over images.
    """
    twins, baselines = dict(twins or {}), dict(baselines or {})
    nets = list(features)
    if len(nets) < 2:
        raise ValueError("need at least two networks to compare behaviour across models")
    missing = [n for n in nets if n not in units]
    if missing:
        raise ValueError(f"no unit table for {missing}")
    dec = {}
    for i, net in enumerate(nets):
        sets = unit_sets(units[net], k, n_draws, seed=seed, stream=i)
        for (s, d), v in decode_sets(features[net], labels, sets, n_folds, n_seeds, seed, C).items():
            dec[f"{net}|{s}|{d}"] = v
    for monkey, resp in twins.items():
        dec[f"twin|{monkey}"] = beh.decode(resp, labels, n_folds=n_folds, n_seeds=n_seeds, seed=seed, C=C)
    for j, (name, X) in enumerate(baselines.items()):
        X = np.asarray(X)
        pool = nonconstant_units(X)
        for d, cols in enumerate(beh.unit_draws(pool, min(k, pool.size), n_draws, seed=[int(seed), 100 + j])):
            dec[f"base|{name}|{d}"] = beh.decode(X[:, cols], labels, n_folds=n_folds, n_seeds=n_seeds, seed=seed, C=C)
    rows = []
    for net in nets:
        draws = {s: [dec[f"{net}|{s}|{d}"] for d in range(n_draws)] for s in SETS}
        for s in SETS:
            accs = [d.accuracy for d in draws[s]]
            row = dict(network=net, set=s, accuracy=float(np.mean(accs)),
                       sd=float(np.std(accs, ddof=1)) if n_draws > 1 else np.nan)
            if s != "unique":
                row.update(zip(("diff_vs_unique", "ci_low", "ci_high"),
                               beh.accuracy_difference(draws[s], draws["unique"], n_boot, seed, ci)))
            rows.append(row)
    everywhere = {s: [dec[f"{net}|{s}|{d}"] for net in nets for d in range(n_draws)] for s in SETS}
    for s in ("common", "random"):
        rows.append(dict(network="all networks", set=s, accuracy=float(np.mean([d.accuracy for d in everywhere[s]])),
                         **dict(zip(("diff_vs_unique", "ci_low", "ci_high"),
                                    beh.accuracy_difference(everywhere[s], everywhere["unique"], n_boot, seed, ci)))))
    rows.append(dict(network="all networks", set="unique",
                     accuracy=float(np.mean([d.accuracy for d in everywhere["unique"]]))))
    for monkey in twins:
        rows.append(dict(network=f"twin|{monkey}", set="twins", accuracy=dec[f"twin|{monkey}"].accuracy))
    for name in baselines:
        accs = [dec[f"base|{name}|{d}"].accuracy for d in range(n_draws)]
        rows.append(dict(network=f"base|{name}", set="baseline", accuracy=float(np.mean(accs)),
                         sd=float(np.std(accs, ddof=1)) if n_draws > 1 else np.nan))
    pairs, kinds = _pairs(nets, list(twins), list(baselines), n_draws)
    cons = beh.consistency_bootstrap(dec, labels, pairs, n_splits=n_splits, n_boot=n_boot, seed=seed, ci=ci)
    groups = {g: kinds == g for g in dict.fromkeys(kinds)}
    summary = pd.DataFrame([dict(group=g, **dict(zip(("estimate", "ci_low", "ci_high", "n_nan"), cons.group(m))),
                                 n_pairs=int(m.sum())) for g, m in groups.items()]).set_index("group")
    comps = []
    for where in ("models", "twins", "baselines"):
        for other in ("unique", "random"):
            a, b = f"{where}: common", f"{where}: {other}"
            if a in groups and b in groups:
                comps.append(dict(comparison=f"{where}: common - {other}",
                                  **dict(zip(("estimate", "ci_low", "ci_high"), cons.difference(groups[a], groups[b])))))
    return BehaviourResult(dec, pd.DataFrame(rows), cons, groups, summary,
                           pd.DataFrame(comps).set_index("comparison") if comps else pd.DataFrame())


# --------------------------------------------------------------------------- across models
def zoo_table(scores: Mapping, cifar_accuracy: Mapping | None = None) -> pd.DataFrame:
    """One row per network: ``label``, ``family``, ``trained``, ``layer``, ``n_units``,
    ``forward_ev`` (mean over neurons) and ``reverse_ev`` (mean over sampled units; means
    in both directions, as the paper summarises), ``reverse_ev_signed``, ``null_mean_ev``,
    ``n_scored`` (sampled units) and label counts, and
    ``accuracy`` with ``accuracy_kind``: measured CIFAR-10 accuracy (%) for CIFAR
    networks, the documented ImageNet top-1 for the Lite networks
    (:data:`IMAGENET_TOP1`), NaN otherwise."""
    cifar_accuracy = dict(cifar_accuracy or {})
    rows = []
    for key, s in scores.items():
        c = s.counts()
        name = key.partition("/")[0]
        trained = s.trained
        if trained and key in cifar_accuracy:
            acc, kind = 100 * float(cifar_accuracy[key]), "CIFAR-10 (JPEG subset, measured)"
        elif trained and name in IMAGENET_TOP1:
            acc, kind = IMAGENET_TOP1[name], "ImageNet top-1 (documented)"
        else:
            acc, kind = np.nan, ""
        rows.append(dict(model=key, label=model_label(key), family=family(key), trained=trained, layer=s.layer,
                         n_units=s.n_units, forward_ev=s.forward["mean_ev"], reverse_ev=s.reverse["mean_ev"],
                         reverse_ev_signed=s.reverse["mean_ev_signed"], null_mean_ev=s.reverse["null_mean_ev"],
                         n_scored=len(s.units), n_common=c.get("common", 0), n_unique=c.get("unique", 0),
                         accuracy=acc,
                         accuracy_kind=kind))
    return pd.DataFrame(rows).set_index("model")


def zoo_correlations(table: pd.DataFrame, n_boot: int = 2000, seed: int = 0, level: float = 0.95) -> dict:
    """Across trained networks: ``"forward_reverse"`` (Spearman of forward vs reverse EV,
    bootstrap over networks) and ``"accuracy_reverse"`` (reverse EV vs accuracy *within*
    family — ImageNet and CIFAR accuracies are not on one scale — so ranks are taken and
    centred per family). Values are :class:`bothways.behaviour.RankCorrelation`, or None
    when fewer than 3 networks (with accuracies) inform them."""
    t = table[table["trained"]]
    out = {"forward_reverse": None, "accuracy_reverse": None}
    if len(t) >= 3:
        out["forward_reverse"] = beh.rank_correlation(t["forward_ev"], t["reverse_ev"], n_boot=n_boot, seed=seed,
                                                      level=level)
    a = t.dropna(subset=["accuracy"])
    informative = a.groupby("family").filter(lambda g: len(g) > 1)
    if len(informative) >= 3:
        out["accuracy_reverse"] = beh.rank_correlation(informative["accuracy"], informative["reverse_ev"],
                                                       groups=informative["family"], n_boot=n_boot, seed=seed,
                                                       level=level)
    return out


def model_to_model(features: Mapping, max_units: int | None = 200, n_predictors: int | None = None,
                   n_folds: int = 5, seed: int = 0, device=None) -> pd.DataFrame:
    """Model-to-model predictivity both ways within a set of networks (e.g. one family).

    ``features``: network -> (stimuli, units) on the same stimuli. For every ordered pair
    (source, target), the source's units — all of them, or a seeded random
    ``n_predictors`` of them (e.g. as many as there are recorded neurons, to compare
    like with like with reverse predictivity) — predict a seeded sample of at most
    ``max_units`` non-constant target units (:func:`bothways.predictivity.predictivity`,
    noiseless on both sides, so EV = 100 r²). Returns a source × target table of the
    mean EV (%), NaN on the diagonal.
    """
    names = list(features)
    M = pd.DataFrame(np.nan, index=pd.Index(names, name="source"), columns=pd.Index(names, name="target"))
    for a, b in itertools.permutations(names, 2):
        Y = np.asarray(features[b], dtype=np.float64)
        cols = nonconstant_units(Y)
        if max_units is not None and cols.size > int(max_units):
            cols = np.sort(np.random.default_rng([int(seed), 10]).choice(cols, int(max_units), replace=False))
        X = np.asarray(features[a], dtype=np.float64)
        if n_predictors is not None and X.shape[1] > int(n_predictors):
            src = nonconstant_units(X)
            X = X[:, np.sort(np.random.default_rng([int(seed), 11]).choice(src, min(int(n_predictors), src.size),
                                                                           replace=False))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            res = predictivity(X, Y[:, cols], n_splits=1, n_folds=n_folds, seed=seed, n_boot=0, match_to=None,
                               device=device)
        M.loc[a, b] = res.summary["mean_ev"]
    return M


# --------------------------------------------------------------------------- verdicts
#: The verdict of a claim of *no* relation whose interval contains 0, and of one whose
#: interval excludes it.
NOT_CONTRADICTED, CONTRADICTED = "is not contradicted", report.NOT_REPRODUCED
#: The verdict when a number is missing (too few items, no defined estimate).
NOT_ASSESSED = "cannot be assessed"


def verdict(estimate, low, high, expected: int) -> str:
    """The verdict words for a claim, decided by an interval.

    ``expected`` = +1 or −1 (the claim's direction): :func:`bothways.report.verdict`
    ("reproduces" / "is reversed" / "is not resolved"). ``expected`` = 0 (a claim of
    *no* relation, e.g. "uncorrelated"): "is not contradicted" when the interval
    contains 0, "does not reproduce" when it excludes it. A NaN anywhere: "cannot be
    assessed".
    """
    if expected not in (-1, 0, 1) or isinstance(expected, bool):
        raise ValueError(f"expected must be -1, 0 or +1, got {expected!r}")
    vals = [float(v) for v in (estimate, low, high)]
    if any(math.isnan(v) for v in vals):
        return NOT_ASSESSED
    if expected:
        return report.verdict(*vals, expected_sign=expected)
    if vals[1] > vals[2]:
        raise ValueError(f"low ({low}) must not exceed high ({high})")
    return CONTRADICTED if (vals[1] > 0 or vals[2] < 0) else NOT_CONTRADICTED


def power_statement(rc, what: str = "networks") -> str:
    """One sentence on what a correlation over so few items can resolve (from
    :attr:`bothways.behaviour.RankCorrelation.critical`)."""
    if rc is None:
        return f"Fewer than 3 {what} inform this correlation, so it is not computed."
    level = f"p ≤ {1 - rc.level:.2f}"
    if not np.isfinite(rc.critical):
        return f"With {rc.n} {what}, no rank correlation at all can reach {level}: this test has no power here."
    return (f"With {rc.n} {what}, a rank correlation must reach |ρ| ≥ {rc.critical:.2f} to be told from 0 "
            f"at {level}; smaller ones, whatever their sign, are not evidence either way.")


def correlation_sentence(rc, what: str) -> str:
    """``"ρ = -0.60 [-1.00, 1.00] over 5 networks (permutation p = 0.35)"`` for prose, or
    a sentence saying why there is no number."""
    if rc is None:
        return f"not computed ({what}: fewer than 3 informative networks)"
    if not np.isfinite(rc.rho):
        return f"undefined ({what}: a score is constant over the networks)"
    ci = f"[{rc.ci_low:.2f}, {rc.ci_high:.2f}]" if np.isfinite(rc.ci_low) else "[no interval]"
    return f"ρ = {rc.rho:.2f} {ci} over {rc.n} {what} (permutation p = {rc.p_value:.2f})"


def sign_phrase(estimate, low, high) -> str:
    """``"is positive"`` / ``"is negative"`` / ``"is not distinguishable from 0"``, by the
    interval (for differences that are not a paper's claim)."""
    word = verdict(estimate, low, high, +1)
    return {report.REPRODUCES: "is positive", report.REVERSED: "is negative"}.get(word, "is not distinguishable from 0")
