"""Chapter 5 recipe: do regression scores see what makes grid cells grid cells?

The chapter scores every candidate model of a simulated MEC four ways — forward
regression under random and spatially blocked cross-validation, the grid criteria,
the topology of its dynamics and the dynamical similarity of its activity to the MEC's —
and computes its verdict from them. The steps:

- :func:`cv_folds` — random bin-wise K-fold, or spatially blocked folds
  (:func:`bothways.grid.spatial_folds`);
- :func:`forward_scores` — noise-corrected forward EV of every MEC neuron from each
  model's rate maps under each CV scheme (:func:`bothways.predictivity.predictivity`),
  with per-group medians (cell kind, module);
- :func:`paired_difference`, :func:`paired_table` and :func:`interpolation_difference` —
  model-vs-model EV differences neuron by neuron (same neurons, same folds), with a
  bootstrap interval over MEC neurons: the chapter's primary findings;
- :func:`rank_agreement` — the Spearman agreement between regression and the grid
  criteria across candidates, with a two-way (neurons × candidates) bootstrap interval
  and a permutation p-value;
- :func:`safe_verdict`, :func:`interval_word` and :func:`regression_verdict` — the
  verdict words (:mod:`bothways.report`), computed from those intervals;
- :func:`grid_key` and :func:`chapter_table` — one row per candidate with every score;
- :func:`torus_detection` — at which cell counts and noise levels a true torus is found;
- :func:`dsa_to_reference` — DSA distances of every candidate to the MEC, beside a null
  (the MEC with its time bins shuffled) and the self-rotation control.

Numerics live in :mod:`bothways.grid` (scores, folds, topology, dynamics) and the core
modules; this module combines them.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from bothways import grid, report
from bothways._validation import as_matrix, check_int, check_number
from bothways.dimensionality import participation_ratio
from bothways.predictivity import predictivity
from bothways.ridge import kfold_indices
from bothways.stats import bootstrap, percentile_interval, spearman_columns

__all__ = ["SCHEMES", "cv_folds", "forward_scores", "paired_difference", "paired_table",
           "interpolation_difference", "safe_verdict", "rank_agreement", "interval_word", "regression_verdict", "grid_key", "chapter_table", "torus_detection",
           "dsa_to_reference"]

#: Cross-validation schemes compared in chapter 5.
SCHEMES = ("random", "blocked")


def cv_folds(scheme: str, bin_centers, n_folds: int = 5, n_blocks: int = 4, box: float = 1.0, seed=0):
    """``(train, test)`` pairs over spatial bins: ``"random"`` (shuffled K-fold over bins)
    or ``"blocked"`` (held-out squares, :func:`bothways.grid.spatial_folds`)."""
    centers = np.asarray(bin_centers, float)
    if scheme == "random":
        return kfold_indices(len(centers), n_folds, seed)
    if scheme == "blocked":
        return grid.spatial_folds(centers, n_blocks, box)
    raise ValueError(f"scheme must be one of {SCHEMES}, got {scheme!r}")


def forward_scores(features: Mapping[str, np.ndarray], recordings, bin_centers, groups=None,
                   schemes: Sequence[str] = SCHEMES, n_folds: int = 5, n_blocks: int = 4, box: float = 1.0,
                   n_splits: int = 2, min_reliability: float = 0.3, prediction_reliability: str = "source",
                   seed=0, **ridge_options) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Noise-corrected forward EV of MEC neurons from each model, under each CV scheme.

    Parameters
    ----------
    features : name -> (bins, units) model rate maps on the regression bins.
    recordings : (bins, neurons, repeats) MEC rate maps (e.g. the two session halves).
    bin_centers : (bins, 2) centres of the regression bins (m), for blocked folds.
    groups : optional mapping column -> (neurons,) labels (e.g. ``kind``, ``module``)
        copied into the per-neuron table.
    min_reliability : neurons whose split-half rate-map reliability does not exceed this
        get NaN EV (head-direction and speed cells have nearly flat rate maps); they are
        left out of medians and counted in ``n_valid``.
    prediction_reliability : the ceiling's prediction reliability, passed to
        :func:`~bothways.predictivity.predictivity`. Pinned here to ``"source"`` (1 for a
        model source: the ceiling is the neuron's split-half reliability alone), the
        setting chapter 5's controls and numbers were checked with, so that a change of
        the library default does not silently change them.
    n_splits, seed, ridge_options : passed to :func:`~bothways.predictivity.predictivity`
        (alpha per neuron chosen inside the training folds).

    EV is *signed*: ``ev = sign(r) · 100 r² / ceiling``. Under blocked folds a model that
    cannot predict a neuron returns roughly the training-fold mean, which is
    anti-correlated with the held-out block's mean (the block is missing from it); r²
    alone would score that as explained variance.

    Returns
    -------
    summary : one row per (model, scheme): ``median_ev`` (%), ``median_r``, ``n_valid``,
        ``participation_ratio`` and ``n_units``.
    per_neuron : long table (model, scheme, neuron, r, ev, and the ``groups`` columns).
    """
    rec = np.asarray(recordings, float)
    centers = as_matrix(bin_centers, "bin_centers", what="(bins, 2)")
    if centers.shape != (rec.shape[0], 2):
        raise ValueError(f"bin_centers must be ({rec.shape[0]}, 2) to match recordings, got {centers.shape}")
    groups = {k: np.asarray(v) for k, v in (groups or {}).items()}
    for k, v in groups.items():
        if v.shape != (rec.shape[1],):
            raise ValueError(f"groups[{k!r}] must have one label per neuron ({rec.shape[1]}), got {v.shape}")
    folds = {s: cv_folds(s, centers, n_folds, n_blocks, box, seed) for s in schemes}
    rows, long = [], []
    for name, X in features.items():
        X = np.asarray(X, float)
        pr = participation_ratio(X)
        for scheme, f in folds.items():
            res = predictivity(X, rec, n_splits=n_splits, seed=seed, folds=f, n_boot=0, progress=False,
                               min_reliability=min_reliability, warn=False,  # NaN EVs: counted in n_valid
                               prediction_reliability=prediction_reliability, **ridge_options)
            r = res.per_target.r.to_numpy()
            ev = np.sign(r) * res.per_target.ev.to_numpy()
            rows.append(dict(model=name, scheme=scheme, median_ev=float(np.nanmedian(ev)),
                             median_r=float(np.nanmedian(r)), n_valid=int(np.isfinite(ev).sum()),
                             participation_ratio=pr, n_units=X.shape[1]))
            long.append(pd.DataFrame(dict(model=name, scheme=scheme, neuron=np.arange(len(r)), r=r, ev=ev,
                                          **groups)))
    return pd.DataFrame(rows), pd.concat(long, ignore_index=True)


def _ev_matrix(per_neuron, scheme, models, neurons=None):
    """(neurons, models) EV matrix of one scheme; rows restricted to ``neurons`` (bool)."""
    pn = per_neuron[per_neuron.scheme == scheme]
    M = pn.pivot(index="neuron", columns="model", values="ev")[list(models)]
    if neurons is not None:
        M = M[np.asarray(neurons, bool)[M.index.to_numpy()]]
    return M.to_numpy()


def _check_boot(n_boot, ci):
    check_int(n_boot, "n_boot", minimum=100)
    check_number(ci, "ci", low=0.0, high=1.0, low_open=True, high_open=True)


def paired_difference(per_neuron: pd.DataFrame, a: str, b: str, scheme: str, neurons=None,
                      n_boot: int = 1000, ci: float = 0.95, seed=0) -> dict:
    """Median over neurons of EV(a) − EV(b) (percentage points) with a bootstrap interval.

    Neurons with a finite EV under both models are resampled with replacement
    (:func:`bothways.stats.bootstrap`, percentile interval, ``n_boot`` resamples).
    ``neurons`` (bool per neuron) restricts the comparison (e.g. grid cells only).
    Returns ``estimate, low, high, n``.
    """
    _check_boot(n_boot, ci)
    M = _ev_matrix(per_neuron, scheme, [a, b], neurons)
    d = (M[:, 0] - M[:, 1])[np.isfinite(M).all(1)]
    if len(d) < 3:
        raise ValueError(f"only {len(d)} neurons with finite EV under both {a!r} and {b!r}")
    iv = bootstrap(np.median, d, n_boot=n_boot, level=ci, seed=seed)
    return dict(estimate=iv.estimate, low=iv.low, high=iv.high, n=iv.n)


def paired_table(per_neuron: pd.DataFrame, pairs: Sequence[tuple[str, str]], schemes: Sequence[str] = SCHEMES,
                 neurons=None, n_boot: int = 1000, ci: float = 0.95, seed=0) -> pd.DataFrame:
    """:func:`paired_difference` for several ``(a, b)`` pairs under each scheme, with verdicts.

    Every row compares two models on the same neurons and the same folds. ``verdict``
    is :func:`bothways.report.verdict` of the claim "``a`` explains more than ``b``"
    (``expected_sign=+1``, :func:`safe_verdict`). Returns one row per (pair, scheme):
    ``a, b, scheme, estimate, low, high, n, verdict``.
    """
    rows = []
    for a, b in pairs:
        for s in schemes:
            d = paired_difference(per_neuron, a, b, s, neurons=neurons, n_boot=n_boot, ci=ci, seed=seed)
            rows.append(dict(a=a, b=b, scheme=s, **d,
                             verdict=safe_verdict(d["estimate"], d["low"], d["high"], expected_sign=+1)))
    return pd.DataFrame(rows)


def interpolation_difference(per_neuron: pd.DataFrame, a: str, b: str, neurons=None, n_boot: int = 1000,
                             ci: float = 0.95, seed=0) -> dict:
    """How much more ``a`` gains from random folds than ``b`` does, neuron by neuron.

    Per neuron: ``[EV_a(random) − EV_a(blocked)] − [EV_b(random) − EV_b(blocked)]``
    (EV points), the median over neurons with all four EVs finite, and a bootstrap
    interval over those neurons. Positive: ``a`` relies more on interpolating between
    neighbouring bins than ``b``. Returns ``estimate, low, high, n``.
    """
    _check_boot(n_boot, ci)
    R = _ev_matrix(per_neuron, "random", [a, b], neurons)
    B = _ev_matrix(per_neuron, "blocked", [a, b], neurons)
    d = (R[:, 0] - B[:, 0]) - (R[:, 1] - B[:, 1])
    d = d[np.isfinite(d)]
    if len(d) < 3:
        raise ValueError(f"only {len(d)} neurons with finite EV for {a!r} and {b!r} under both schemes")
    iv = bootstrap(np.median, d, n_boot=n_boot, level=ci, seed=seed)
    return dict(estimate=iv.estimate, low=iv.low, high=iv.high, n=iv.n)


def safe_verdict(estimate: float, low: float, high: float, *, expected_sign: int, null: float = 0.0) -> str:
    """:func:`bothways.report.verdict`, but ``"is not resolved"`` when a percentile interval
    excludes ``null`` on the other side of the estimate (a resampling distribution that
    disagrees with the estimate settles nothing)."""
    try:
        return report.verdict(estimate, low, high, expected_sign=expected_sign, null=null)
    except ValueError:
        if not all(np.isfinite([estimate, low, high])) or low > high:
            raise
        return report.UNRESOLVED


def rank_agreement(per_neuron: pd.DataFrame, key: Mapping[str, float], scheme: str, neurons=None,
                   n_boot: int = 1000, n_perm: int = 1000, ci: float = 0.95, seed=0) -> dict:
    """Spearman ρ between the models' median EV and their grid-criteria ``key``.

    ``key``: model -> grid score (higher = more grid-like, :func:`grid_key`). The
    point estimate is ``scipy.stats.spearmanr(median EV per model, key)`` over neurons
    with a finite EV under every model.

    Uncertainty comes from two sources, and the interval resamples both:

    - **two-way bootstrap** (``low``, ``high``): each of ``n_boot`` resamples draws the
      MEC neurons with replacement (the medians are recomputed) *and* the candidates
      with replacement (each keeps its key), so the interval also covers which models
      happen to be in the zoo. Resamples with fewer than 3 distinct candidates, or
      constant medians or keys, are left out (``n_boot_valid`` counts the rest);
    - ``neurons_low``, ``neurons_high``: the same with the candidates fixed (neurons
      only), to show how much of the width is over candidates. (On simulated zoos of 12
      candidates from a population with a known rank correlation, the two-way interval
      covers it about 95 % of the time, the neurons-only one about 30 %:
      ``tests/test_grid_recipe.py``);
    - **permutation p-value** (``p``, two-sided): the key is shuffled across candidates
      ``n_perm`` times (medians fixed); ``p = (1 + #{|ρ_perm| ≥ |ρ|}) / (1 + n_perm)``.

    Returns ``rho, low, high, neurons_low, neurons_high, p, n_models, n_neurons,
    n_boot_valid``.
    """
    _check_boot(n_boot, ci)
    check_int(n_perm, "n_perm", minimum=99)
    models = list(key)
    if len(models) < 3:
        raise ValueError(f"need at least 3 models to rank, got {len(models)}")
    k = np.array([key[m] for m in models], float)
    if not np.isfinite(k).all():
        raise ValueError(f"key holds non-finite values: {dict(zip(models, k))}")
    if np.ptp(k) == 0:
        raise ValueError("key is constant across models: nothing to rank")
    M = _ev_matrix(per_neuron, scheme, models, neurons)
    M = M[np.isfinite(M).all(1)]
    if len(M) < 3:
        raise ValueError(f"only {len(M)} neurons with finite EV under every model")
    med = np.median(M, 0)
    rho = float(stats.spearmanr(med, k).statistic)
    if not np.isfinite(rho):
        raise ValueError("the median EV is the same for every model: no rank correlation")
    rng = np.random.default_rng(seed)
    n, m = M.shape
    meds = np.stack([np.median(M[i], 0) for i in rng.integers(0, n, (n_boot, n))])
    pick = rng.integers(0, m, (n_boot, m))
    both = spearman_columns(np.take_along_axis(meds, pick, 1), k[pick], axis=1)
    distinct = np.array([len(np.unique(row)) for row in pick])
    both[distinct < 3] = np.nan
    fixed = spearman_columns(meds, np.broadcast_to(k, meds.shape), axis=1)
    perm = k[np.argsort(rng.random((int(n_perm), m)), axis=1)]
    null = spearman_columns(np.broadcast_to(med, perm.shape), perm, axis=1)
    p = (1 + np.sum(np.abs(null) >= abs(rho) - 1e-12)) / (1 + int(n_perm))
    low, high = percentile_interval(both, ci)
    n_low, n_high = percentile_interval(fixed, ci)
    return dict(rho=rho, low=low, high=high, neurons_low=n_low, neurons_high=n_high, p=float(p),
                n_models=m, n_neurons=n, n_boot_valid=int(np.isfinite(both).sum()))


def interval_word(low: float, high: float, positive: str, negative: str, neither: str) -> str:
    """``positive`` if the interval lies above 0, ``negative`` if below, else ``neither``."""
    if not (np.isfinite(low) and np.isfinite(high)) or low > high:
        raise ValueError(f"need a finite interval with low <= high, got ({low}, {high})")
    if low > 0:
        return positive
    if high < 0:
        return negative
    return neither


def regression_verdict(agreement: Mapping[str, dict]) -> dict:
    """Verdicts on two claims about regression and the grid criteria, per CV scheme.

    ``agreement``: scheme -> :func:`rank_agreement` result, for ``"random"`` and
    ``"blocked"``. Two claims, in :mod:`bothways.report` words:

    - ``follows_<scheme>``: "regression ranks the candidates as the grid criteria do"
      (ρ > 0) — :func:`bothways.report.verdict` of the two-way interval:
      ``"reproduces"``, ``"is reversed"`` or ``"is not resolved"``;
      ``follows`` combines the schemes (:func:`bothways.report.overall`);
    - ``independent_<scheme>``: "regression ranks them independently of the criteria"
      (ρ = 0). An interval that excludes 0 (either side) refutes it: ``"does not
      reproduce"``. An interval that contains 0 is absence of evidence, never evidence
      of independence: ``"is not resolved"``. ``claim`` (the chapter's claim under test,
      the independence) is ``"does not reproduce"`` if either scheme refutes it, else
      ``"is not resolved"``.

    Returns a dict with those keys.
    """
    out = {}
    for s in SCHEMES:
        a = agreement[s]
        out[f"follows_{s}"] = safe_verdict(a["rho"], a["low"], a["high"], expected_sign=+1)
        out[f"independent_{s}"] = (report.UNRESOLVED if out[f"follows_{s}"] == report.UNRESOLVED
                                   else report.NOT_REPRODUCED)
    out["follows"] = report.overall(out[f"follows_{s}"] for s in SCHEMES)
    out["claim"] = (report.NOT_REPRODUCED if report.NOT_REPRODUCED in [out[f"independent_{s}"] for s in SCHEMES]
                    else report.UNRESOLVED)
    return out


def grid_key(criteria) -> dict:
    """model -> grid score: criteria met (0–4) + fraction of grid units / 10 (tie-break)."""
    return {c.name: float(sum(c.passed.values()) + c.grid_fraction / 10) for c in criteria}


def chapter_table(scores: pd.DataFrame, per_neuron: pd.DataFrame, criteria, dsa: pd.DataFrame | None = None,
                  grid_neurons=None) -> pd.DataFrame:
    """One row per candidate: regression under each scheme, grid criteria, topology, DSA.

    Columns: ``ev_<scheme>`` (median EV, all reliable neurons), ``ev_grid_<scheme>``
    (grid cells only, if ``grid_neurons`` — bool per neuron — is given),
    ``grid_fraction``, ``n_modules``, ``periods_cm``, ``mean_ratio``, ``betti``,
    ``topology_of``, ``n_criteria``, ``dsa`` (distance to the MEC, radians, if given).
    """
    wide = scores.pivot(index="model", columns="scheme", values="median_ev")
    t = pd.DataFrame({f"ev_{s}": wide[s] for s in wide.columns})
    if grid_neurons is not None:
        g = np.asarray(grid_neurons, bool)
        sub = per_neuron[g[per_neuron.neuron.to_numpy()]]
        med = sub.groupby(["model", "scheme"]).ev.median().unstack()
        for s in med.columns:
            t[f"ev_grid_{s}"] = med[s]
    crit = pd.DataFrame([c.summary for c in criteria]).set_index("model")
    cols = ["grid_fraction", "n_modules", "periods_cm", "mean_ratio", "betti", "topology_of", "n_criteria"]
    t = t.join(crit[cols], how="left")
    if dsa is not None:
        t = t.join(dsa.set_index("model")[["distance"]].rename(columns={"distance": "dsa"}), how="left")
    order = [m for m in scores.model.drop_duplicates() if m in t.index]
    return t.loc[order]


def torus_detection(traj, cell_counts: Sequence[int], noise_levels: Sequence[float], period: float = 0.42,
                    orientation: float = 0.3, peak=(5.0, 20.0), time_bin: float = 0.1,
                    time_smooth: float = 1.0, seed=0, **topology_kw) -> pd.DataFrame:
    """Is a true torus found? One ideal grid module, spiking along ``traj``, per case.

    For each cell count and noise level: ``n`` grid cells of one module (``period`` m,
    random phases, peak rates uniform in ``peak`` Hz), Poisson spikes, time-binned
    (:func:`bothways.grid.time_binned`), plus Gaussian noise of s.d. ``noise`` × each
    unit's s.d., then :func:`bothways.grid.population_topology` with the circular-shift
    null. Returns one row per case: ``n_cells, noise, betti, torus, h1_second`` (the
    second-longest H1 bar) and ``h1_threshold``.
    """
    rng = np.random.default_rng(seed)
    rows = []
    n_max = int(max(cell_counts))
    cells = grid.make_grid_cells([n_max], [period], [orientation], box=traj.box, peak=peak, seed=rng)
    spikes = grid.poisson_spikes(cells(traj.pos), traj.dt, seed=rng)
    binned = grid.time_binned(spikes / traj.dt, traj.dt, time_bin, time_smooth)
    kw = dict(null="circular") | topology_kw
    for n in cell_counts:
        for noise in noise_levels:
            A = binned[:, :int(n)]
            A = A[:, A.std(0) > 0]
            A = A + float(noise) * A.std(0) * rng.standard_normal(A.shape)
            t = grid.population_topology(A, seed=rng.integers(2**31), **kw)
            h1 = t.lifetimes[1]
            rows.append(dict(n_cells=int(n), noise=float(noise), betti=t.betti, torus=t.is_torus,
                             h1_second=float(h1[1]) if len(h1) > 1 else 0.0,
                             h1_threshold=float(t.thresholds[1])))
    return pd.DataFrame(rows)


def dsa_to_reference(activities: Mapping[str, np.ndarray], reference: str, n_null: int = 3,
                     seed=0, **dsa_kw) -> tuple[pd.DataFrame, dict]:
    """DSA distance of every system to ``reference``, a null, and the rotation control.

    ``activities``: name -> (time bins, units) activity on one time base (e.g.
    :func:`bothways.grid.time_binned` along the same trajectory). The null distances
    compare the reference with ``n_null`` copies whose time bins are put in a random
    order (the same for every unit): the same population states — the same geometry —
    with the temporal structure destroyed. The control compares the reference with
    itself under a random rotation of its units' coordinates (should be ≈ 0).

    Returns (table: model, distance; dict with ``null`` (array), ``rotation`` (float)).
    """
    if reference not in activities:
        raise KeyError(f"reference {reference!r} is not among the activities {list(activities)}")
    rng = np.random.default_rng(seed)
    R = np.asarray(activities[reference], float)
    rows = [dict(model=name, distance=grid.dsa(X, R, seed=seed, **dsa_kw).distance)
            for name, X in activities.items() if name != reference]
    null = [grid.dsa(R[rng.permutation(len(R))], R, seed=seed, **dsa_kw).distance for _ in range(int(n_null))]
    q, r = np.linalg.qr(rng.standard_normal((R.shape[1], R.shape[1])))
    rot = grid.dsa(R @ (q * np.sign(np.diag(r))), R, seed=seed, **dsa_kw).distance
    return pd.DataFrame(rows), dict(null=np.asarray(null), rotation=float(rot))
