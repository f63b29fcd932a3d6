"""Tests for the chapter 5 recipe (bothways.analyses.grid_cells): both CV schemes on a
simulation with a known answer, bootstrap intervals against a direct computation, the
verdict words, the table, the torus-detection sweep and the DSA comparison."""
import numpy as np
import pandas as pd
import pytest

from bothways import grid
from bothways.analyses import grid_cells as gc


@pytest.fixture(scope="module")
def small_case():
    tr = grid.sargolini_trajectory()
    mec = grid.simulate_mec((15, 15), n_hd=0, n_border=0, n_speed=0, n_spatial=4, seed=0)
    spikes = grid.poisson_spikes(mec.rates(tr), tr.dt, seed=1)
    rec = grid.population_maps("mec", spikes / tr.dt, tr, n_bins=12, halves=True)
    feats = {name: grid.population_maps(name, grid.responses(m, tr), tr, n_bins=12).regression
             for name, m in {"exact": mec, "noise": grid.lowpass_noise_model(40, seed=2),
                             "relu": grid.random_relu_model(30, seed=0)}.items()}
    scores, per = gc.forward_scores(feats, rec.regression, rec.bin_centers,
                                    groups=dict(kind=mec.kind, module=mec.module), n_splits=1, seed=0)
    return mec, rec, feats, scores, per


def test_forward_scores_both_schemes(small_case):
    mec, rec, feats, scores, per = small_case
    s = scores.set_index(["model", "scheme"]).median_ev
    assert set(scores.scheme) == {"random", "blocked"} and len(scores) == 6
    for scheme in gc.SCHEMES:  # positive control: the generator beats a random basis
        assert s["exact", scheme] > s["relu", scheme] + 20
    # interpolation: smooth noise loses far more under blocked folds than the generator
    assert s["noise", "random"] - s["noise", "blocked"] > s["exact", "random"] - s["exact", "blocked"] + 10
    assert len(per) == 3 * 2 * mec.n_units and {"kind", "module"} <= set(per.columns)
    # signed EV: the sign of r carries over
    assert (np.sign(per.ev.dropna()) == np.sign(per.r[per.ev.notna()])).all()
    with pytest.raises(ValueError, match="bin_centers"):
        gc.forward_scores(feats, rec.regression, rec.bin_centers[:5])
    with pytest.raises(ValueError, match="groups"):
        gc.forward_scores(feats, rec.regression, rec.bin_centers, groups=dict(kind=mec.kind[:3]))
    with pytest.raises(ValueError, match="scheme"):
        gc.cv_folds("leave-one-out", rec.bin_centers)


def test_paired_difference_matches_a_direct_bootstrap(small_case):
    *_, per = small_case
    res = gc.paired_difference(per, "exact", "relu", "blocked", n_boot=500, seed=3)
    a = per.query("model == 'exact' and scheme == 'blocked'").set_index("neuron").ev
    b = per.query("model == 'relu' and scheme == 'blocked'").set_index("neuron").ev
    d = (a - b).dropna().to_numpy()
    rng = np.random.default_rng(3)
    boot = np.median(d[rng.integers(0, len(d), (500, len(d)))], axis=1)
    assert res["estimate"] == pytest.approx(np.median(d))
    assert (res["low"], res["high"]) == pytest.approx(tuple(np.quantile(boot, [0.025, 0.975])))
    assert res["low"] > 0 and res["n"] == len(d)
    with pytest.raises(ValueError, match="n_boot"):
        gc.paired_difference(per, "exact", "relu", "blocked", n_boot=10)


def _zoo(quality, n_neurons=60, noise=2.0, seed=0):
    """Per-neuron EV table: model i has EV quality[i] + Gaussian noise on every neuron."""
    rng = np.random.default_rng(seed)
    models = [f"m{i}" for i in range(len(quality))]
    rows = [dict(model=m, scheme=s, neuron=i, ev=q + rng.normal(0, noise))
            for s in gc.SCHEMES for m, q in zip(models, quality) for i in range(n_neurons)]
    return models, pd.DataFrame(rows)


def test_rank_agreement_point_estimate_is_scipy_spearman():
    from scipy import stats
    models, per = _zoo(np.linspace(10, 60, 8), noise=15.0)
    key = dict(zip(models, np.random.default_rng(1).permutation(8).astype(float)))
    res = gc.rank_agreement(per, key, "blocked", n_boot=200, n_perm=199)
    med = per[per.scheme == "blocked"].groupby("model").ev.median()[models]
    assert res["rho"] == pytest.approx(stats.spearmanr(med, [key[m] for m in models]).statistic)
    assert res["n_models"] == 8 and res["n_neurons"] == 60 and 100 < res["n_boot_valid"] <= 200
    assert 0 < res["p"] <= 1


def test_rank_agreement_known_answer():
    # a key that truly determines the ranking: high agreement, small p, interval above 0
    quality = np.linspace(10, 60, 10)
    models, per = _zoo(quality)
    up = gc.rank_agreement(per, dict(zip(models, quality)), "random", n_boot=300, n_perm=999)
    assert up["rho"] == pytest.approx(1.0) and up["low"] > 0.5 and up["p"] < 0.01
    down = gc.rank_agreement(per, dict(zip(models, -quality)), "random", n_boot=300, n_perm=999)
    assert down["rho"] == pytest.approx(-1.0) and down["high"] < 0 and down["p"] < 0.01
    # a key only loosely tied to the ranking: resampling candidates widens the interval far
    # beyond what resampling neurons alone gives (neurons are many, candidates few)
    loose = dict(zip(models, quality + np.random.default_rng(4).normal(0, 20, 10)))
    res = gc.rank_agreement(per, loose, "random", n_boot=300, n_perm=199)
    assert res["high"] - res["low"] > 3 * (res["neurons_high"] - res["neurons_low"])
    # an unrelated key: the permutation p-value is roughly uniform over simulated zoos
    ps = []
    for rep in range(150):
        models, per = _zoo(np.random.default_rng(rep).uniform(10, 60, 8), n_neurons=20, seed=rep)
        key = dict(zip(models, np.random.default_rng(1000 + rep).normal(size=8)))
        ps.append(gc.rank_agreement(per, key, "random", n_boot=100, n_perm=199, seed=rep)["p"])
    ps = np.array(ps)
    assert 0.01 <= np.mean(ps < 0.1) <= 0.2 and 0.4 < np.median(ps) < 0.6
    from scipy import stats
    assert stats.kstest(ps, "uniform").pvalue > 0.01
    with pytest.raises(ValueError, match="3 models"):
        gc.rank_agreement(per, dict(m0=1, m1=2), "random")
    with pytest.raises(ValueError, match="constant"):
        gc.rank_agreement(per, dict.fromkeys(models, 1.0), "random")
    with pytest.raises(ValueError, match="n_perm"):
        gc.rank_agreement(per, key, "random", n_perm=5)


def test_rank_agreement_two_way_interval_covers_the_population_correlation():
    """Zoos of 12 candidates drawn from a population where quality and key have Pearson
    correlation 0.6 (population Spearman 6/π·asin(0.3) ≈ 0.58): the two-way interval
    covers it about 95 % of the time; resampling neurons alone answers another question
    (this zoo) and misses it most of the time."""
    r, m, n, reps = 0.6, 12, 20, 100
    true = 6 / np.pi * np.arcsin(r / 2)
    both = neurons = 0
    for rep in range(reps):
        rng = np.random.default_rng(rep)
        q, k = rng.multivariate_normal([0, 0], [[1, r], [r, 1]], m).T
        models = [f"m{i}" for i in range(m)]
        ev = 10 * q[None, :] + rng.normal(0, 5, (n, m))
        per = pd.DataFrame(dict(model=np.tile(models, n), scheme="random", neuron=np.repeat(np.arange(n), m),
                                ev=ev.ravel()))
        a = gc.rank_agreement(per, dict(zip(models, k)), "random", n_boot=200, n_perm=99, seed=rep)
        both += a["low"] <= true <= a["high"]
        neurons += a["neurons_low"] <= true <= a["neurons_high"]
    assert both / reps >= 0.88 and neurons / reps <= 0.6


def test_verdict_words_never_call_an_interval_containing_zero_independent():
    from bothways import report
    assert gc.interval_word(0.1, 0.5, "+", "-", "0") == "+"
    assert gc.interval_word(-0.5, -0.1, "+", "-", "0") == "-"
    assert gc.interval_word(-0.1, 0.5, "+", "-", "0") == "0"
    with pytest.raises(ValueError, match="interval"):
        gc.interval_word(0.5, 0.1, "+", "-", "0")
    pos, zero = dict(rho=0.4, low=0.2, high=0.6), dict(rho=0.1, low=-0.2, high=0.3)
    neg = dict(rho=-0.4, low=-0.6, high=-0.2)
    v = gc.regression_verdict(dict(random=zero, blocked=zero))
    assert v["claim"] == report.UNRESOLVED and v["follows"] == report.UNRESOLVED
    assert v["independent_random"] == report.UNRESOLVED  # absence of evidence, not independence
    v = gc.regression_verdict(dict(random=pos, blocked=pos))
    assert v["claim"] == report.NOT_REPRODUCED and v["follows"] == report.REPRODUCES
    v = gc.regression_verdict(dict(random=zero, blocked=pos))
    assert v == dict(follows_random=report.UNRESOLVED, independent_random=report.UNRESOLVED,
                     follows_blocked=report.REPRODUCES, independent_blocked=report.NOT_REPRODUCED,
                     follows=report.PARTLY, claim=report.NOT_REPRODUCED)
    v = gc.regression_verdict(dict(random=neg, blocked=zero))
    assert v["follows_random"] == report.REVERSED and v["claim"] == report.NOT_REPRODUCED
    every = {w for r in (pos, zero, neg) for b in (pos, zero, neg)
             for w in gc.regression_verdict(dict(random=r, blocked=b)).values()}
    assert every <= set(report.VERDICTS) and "independent" not in " ".join(every)
    # an estimate outside its own percentile interval settles nothing
    assert gc.safe_verdict(-0.1, 0.05, 0.5, expected_sign=+1) == report.UNRESOLVED
    assert gc.safe_verdict(0.3, 0.05, 0.5, expected_sign=+1) == report.REPRODUCES
    with pytest.raises(ValueError):
        gc.safe_verdict(0.3, 0.5, 0.05, expected_sign=+1)


def test_paired_table_and_interpolation_difference(small_case):
    from bothways import report
    *_, per = small_case
    t = gc.paired_table(per, [("exact", "relu"), ("relu", "exact")], n_boot=200, seed=1)
    assert len(t) == 4 and set(t.scheme) == set(gc.SCHEMES)
    assert (t[t.a == "exact"].verdict == report.REPRODUCES).all()
    assert (t[t.a == "relu"].verdict == report.REVERSED).all()
    d = gc.paired_difference(per, "exact", "relu", "random", n_boot=200, seed=1)
    row = t[(t.a == "exact") & (t.scheme == "random")].iloc[0]
    assert (row.estimate, row.low, row.high) == pytest.approx((d["estimate"], d["low"], d["high"]))
    # smooth noise gains more from random folds than the generator does (interpolation)
    gain = gc.interpolation_difference(per, "noise", "exact", n_boot=200)
    e = {(m, s): per[(per.model == m) & (per.scheme == s)].set_index("neuron").ev
         for m in ("noise", "exact") for s in gc.SCHEMES}
    direct = ((e["noise", "random"] - e["noise", "blocked"]) - (e["exact", "random"] - e["exact", "blocked"]))
    assert gain["estimate"] == pytest.approx(np.median(direct.dropna())) and gain["low"] > 0
    with pytest.raises(ValueError, match="neurons"):
        gc.interpolation_difference(per, "noise", "exact", neurons=np.zeros(per.neuron.max() + 1, bool))


def test_grid_key_and_chapter_table(small_case):
    mec, rec, feats, scores, per = small_case
    tr = grid.sargolini_trajectory()
    maps = {n: grid.rate_maps(tr.pos, grid.responses(m, tr), n_bins=20, smooth=1.0)
            for n, m in {"exact": mec, "noise": grid.lowpass_noise_model(40, seed=2)}.items()}
    crits = [grid.grid_criteria(n, m, None, n_null=100) for n, m in maps.items()]
    key = gc.grid_key(crits)
    assert key["exact"] > key["noise"] and 2 <= key["exact"] <= 4.1
    dsa = pd.DataFrame(dict(model=["exact", "noise"], distance=[0.1, 0.5]))
    t = gc.chapter_table(scores[scores.model != "relu"], per, crits, dsa, grid_neurons=mec.kind == "grid")
    assert list(t.index) == ["exact", "noise"]
    assert {"ev_random", "ev_blocked", "ev_grid_random", "ev_grid_blocked", "n_criteria", "dsa"} <= set(t.columns)
    assert t.loc["exact", "ev_blocked"] == pytest.approx(
        scores.set_index(["model", "scheme"]).median_ev["exact", "blocked"])


def test_torus_detection_finds_a_clean_torus_and_loses_a_noisy_one():
    tr = grid.sargolini_trajectory()
    sweep = gc.torus_detection(tr, [120], [0.0, 3.0], peak=(20.0, 40.0), seed=0, n_points=120)
    assert list(sweep.columns[:4]) == ["n_cells", "noise", "betti", "torus"]
    assert sweep.torus.tolist() == [True, False]


def test_dsa_to_reference_null_and_rotation(rng):
    t = np.arange(3000) * 0.1
    ref = np.c_[np.sin(t), np.cos(t), np.sin(0.3 * t), np.cos(0.3 * t)] @ rng.standard_normal((4, 12))
    ref += 0.05 * rng.standard_normal(ref.shape)
    same = ref @ np.linalg.qr(rng.standard_normal((12, 12)))[0] + 0.05 * rng.standard_normal(ref.shape)
    other = rng.standard_normal((3000, 12)).cumsum(0)
    table, extra = gc.dsa_to_reference(dict(ref=ref, same=same, other=other), "ref", n_null=2,
                                       n_delays=3, rank=6, n_pca=6)
    d = table.set_index("model").distance
    assert extra["rotation"] < 0.02 and d["same"] < d["other"] and len(extra["null"]) == 2
    assert d["same"] < extra["null"].min()  # shuffling time destroys the dynamics
    with pytest.raises(KeyError):
        gc.dsa_to_reference(dict(ref=ref), "mec")
