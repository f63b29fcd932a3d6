"""Benchmark of a whole reverse analysis: bothways ``predictivity`` vs reverse-pred 0.1.8.

A script, not a test. One run prints a table (and writes it as markdown with
``--out``): the real V4 session 210325 of Cowley et al. (640 images × 50 sites × up
to 10 repeats, NaN-padded) predicts ``--units`` synthetic model units (a seeded ReLU
of random mixtures of the standardised site means plus private noise), with
``--reps`` split-half repetitions, single-threaded BLAS (``threadpoolctl``), rows run
one after another in one process:

- **reverse-pred 0.1.8** ``compute_monkey_to_model`` (the authors' library: per
  repetition one full fit and two half fits, 10 folds, scikit-learn ``Ridge(0.1)``);
  skipped with a note if ``reverse_pred`` is not installed
  (``pip install "bothways[bench]"``);
- **bothways default** (exact LOO): alpha chosen per target by exact leave-one-out
  inside each training fold over the 25-value relative grid;
- **bothways default with** ``inner="gcv"`` (generalised cross-validation);
- **bothways published** (``method="muzellec_kar"``), with and without the bootstrap.

Every bothways row includes what ``predictivity`` does by default (1000-sample
bootstrap over stimuli of the median and mean EV, matched target counts); reverse-pred
computes no interval. Columns: wall time, speed-up over reverse-pred, peak memory of
numpy allocations (``tracemalloc``, started per row) and the process's maximum resident
set so far (``ru_maxrss``), mean EV, max |ΔEV| per target and |Δ mean EV| against the
reference named in ``vs``, and the counted arithmetic (2 flops per multiply-add of
the algorithm's GEMMs, per CPU second) as a share of a float64 2048² matmul measured in
the same run (per CPU second too). On a shared machine the CPU-time ratio (the process is
single-threaded) is the steadier one.

For the published method the reference is reverse-pred itself: its splits are drawn
from an unseeded generator, so EVs differ by split noise; the deterministic part (the
full-source predictions, same folds and alpha) is compared as max |Δ prediction|.

    python lib/benchmarks/bench_predictivity.py                      # 4000 units, 20 reps
    python lib/benchmarks/bench_predictivity.py --units 100000 --reps 2 --only gcv,published
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import resource
import tempfile
import time
import tracemalloc
import warnings

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

ROWS = ("reverse_pred", "loo", "gcv", "published", "published_noboot")


def make_units(trials, t, seed=0):
    """(stimuli, t) synthetic model units predicted in part by the recorded sites."""
    rng = np.random.default_rng(seed)
    Z = np.nanmean(trials, axis=2)
    Z = (Z - Z.mean(0)) / Z.std(0)
    W = rng.standard_normal((Z.shape[1], t)) / np.sqrt(Z.shape[1])
    U = np.maximum(Z @ W + 0.7 * rng.standard_normal((Z.shape[0], t)), 0)
    return U + 0.01 * rng.standard_normal(U.shape)      # no constant columns


def gemm_rate(size=2048):
    """float64 matmul rate per CPU second (flop/s)."""
    a = np.random.default_rng(0).standard_normal((size, size))
    a @ a
    c0 = time.process_time()
    for _ in range(3):
        a @ a
    return 3 * 2 * size ** 3 / (time.process_time() - c0)


# ---------------------------------------------------------------- the ridge engine alone
ENGINE_SHAPE = dict(n=1200, p=100, t=3000, n_folds=5)
ENGINE_ALPHAS = np.logspace(-1, 5, 10)


def engine_table():
    """Reverse-direction ridge engine vs scikit-learn refitted per fold and alpha.

    Same seeded data, folds and 10 absolute alphas. Rows: the scikit-learn ``Ridge``
    loop (held-out R² of every alpha); bothways ``cv_ridge`` at default settings (exact
    LOO, reference: ``RidgeCV(alpha_per_target=True)`` per fold, the same criterion),
    with ``inner="gcv"``, and ``alpha_path`` (reference: the loop). Times are CPU
    seconds of this single-threaded process.
    """
    from sklearn.linear_model import Ridge, RidgeCV

    from bothways.ridge import alpha_path, cv_ridge, kfold_indices

    sh = ENGINE_SHAPE
    rng = np.random.default_rng(1)
    X = rng.standard_normal((sh["n"], sh["p"])) @ np.diag(np.arange(1, sh["p"] + 1) ** -0.5)
    Y = np.maximum(X @ rng.standard_normal((sh["p"], sh["t"])) + rng.standard_normal((sh["n"], sh["t"])), 0)
    Y += 0.01 * rng.standard_normal(Y.shape)
    folds = kfold_indices(sh["n"], sh["n_folds"], 0)
    sst = ((Y - Y.mean(0)) ** 2).sum(0)

    def loop():
        sse = np.zeros((len(ENGINE_ALPHAS), Y.shape[1]))
        for tr, te in folds:
            for a, alpha in enumerate(ENGINE_ALPHAS):
                sse[a] += ((Y[te] - Ridge(alpha=alpha).fit(X[tr], Y[tr]).predict(X[te])) ** 2).sum(0)
        return 1 - sse / sst

    def ridgecv():
        P = np.empty_like(Y)
        for tr, te in folds:
            P[te] = RidgeCV(alphas=ENGINE_ALPHAS, alpha_per_target=True).fit(X[tr], Y[tr]).predict(X[te])
        return 1 - ((Y - P) ** 2).sum(0) / sst

    def timed(f):
        gc.collect()
        c0 = time.process_time()
        out = f()
        return out, time.process_time() - c0

    r2_loop, t_loop = timed(loop)
    r2_rcv, t_rcv = timed(ridgecv)
    rows = [("scikit-learn `Ridge` per fold and alpha (the loop)", t_loop, "", ""),
            ("scikit-learn `RidgeCV(alpha_per_target=True)` per fold", t_rcv, "", "")]
    res, t = timed(lambda: cv_ridge(X, Y, alphas=ENGINE_ALPHAS, folds=folds))
    rows.append(("bothways `cv_ridge`, default (exact LOO)", t, np.max(np.abs(res.r2 - r2_rcv)), "RidgeCV"))
    res, t = timed(lambda: cv_ridge(X, Y, alphas=ENGINE_ALPHAS, folds=folds, inner="gcv"))
    rows.append(("bothways `cv_ridge(inner=\"gcv\")`", t, np.max(np.abs(res.r2 - r2_rcv)), "RidgeCV*"))
    res, t = timed(lambda: alpha_path(X, Y, alphas=ENGINE_ALPHAS, folds=folds))
    rows.append(("bothways `alpha_path` (every alpha)", t, np.max(np.abs(res.r2_per_alpha - r2_loop)), "loop"))
    lines = [f"Ridge engine, reverse direction: {sh['n']} stimuli, {sh['p']} predictors, {sh['t']} targets, "
             f"{sh['n_folds']} folds, {len(ENGINE_ALPHAS)} alphas, float64, 1 BLAS thread.", "",
             "| method | CPU s | × vs loop | × vs RidgeCV | max abs ΔR² | vs |", "|---|---:|---:|---:|---:|---|"]
    for name, t, d, vs in rows:
        dd = f"{d:.1e}" if vs else ""
        lines.append(f"| {name} | {t:.2f} | {t_loop / t:.1f} | {t_rcv / t:.1f} | {dd} | {vs} |")
    return "\n".join(lines)


def flops(n, p, t, reps, inner, n_alpha=25, n_folds=10, n_boot=1000):
    """Counted flops of one bothways reverse analysis (GEMMs only)."""
    n_te = n / n_folds
    m = n - n_te
    per_fold = 2 * p * n_te * t + 2 * p * p * t + 2 * n_te * p * t     # XᵀY_test, Vᵀ·, predictions
    if inner == "gcv":
        per_fold += 2 * n_alpha * p * t
    elif inner == "loo":
        per_fold += 2 * n_alpha * p * m * t + 2 * n_alpha * p * p * t
    per_fit = 2 * p * n * t + n_folds * per_fold
    return (1 + 2 * reps) * per_fit + 5 * 2 * n_boot * n * t


def run_row(name, trials, U, reps, tmp):
    from bothways.predictivity import predictivity

    gc.collect()
    tracemalloc.start()
    t0, c0 = time.perf_counter(), time.process_time()
    out = {}
    if name == "reverse_pred":
        from reverse_pred.monkey_to_model import compute_monkey_to_model

        compute_monkey_to_model(U, trials, tmp, reps=reps, save_preds=True)
        out["ev"] = np.load(os.path.join(tmp, "reverse_ev.npy"))
        out["pred"] = np.load(os.path.join(tmp, "reverse_ev_preds.npy"), mmap_mode="r")[0]
    else:
        kw = {"loo": {}, "gcv": dict(inner="gcv"), "published": dict(method="muzellec_kar"),
              "published_noboot": dict(method="muzellec_kar", n_boot=0)}[name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = predictivity(trials, U, n_splits=reps, warn=False, progress=False, **kw)
        out["ev"] = res.per_target["ev"].to_numpy()
        out["pred"] = res.predictions
        out["summary"] = res.summary
    out["wall"], out["cpu"] = time.perf_counter() - t0, time.process_time() - c0
    out["peak"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    out["rss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    return out


LABELS = {"reverse_pred": "reverse-pred 0.1.8 `compute_monkey_to_model`",
          "loo": "bothways default (exact LOO)",
          "gcv": "bothways default with `inner=\"gcv\"`",
          "published": "bothways `method=\"muzellec_kar\"`",
          "published_noboot": "bothways `method=\"muzellec_kar\"`, `n_boot=0`"}
INNER = {"loo": "loo", "gcv": "gcv", "published": "fixed", "published_noboot": "fixed"}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=4000)
    ap.add_argument("--reps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", default=",".join(ROWS), help="comma-separated rows: " + ",".join(ROWS))
    ap.add_argument("--engine", action="store_true", help="also time the ridge engine alone")
    ap.add_argument("--out", default=None, help="also write the markdown table here")
    args = ap.parse_args(argv)
    import torch  # noqa: F401  (imported once, before timing: get_device looks for CUDA)

    from bothways.data import load_cowley_session

    trials = load_cowley_session(210325, images=False).trials
    U = make_units(trials, args.units)
    rows = [r for r in args.only.split(",") if r]
    unknown = sorted(set(rows) - set(ROWS))
    if unknown:
        ap.error(f"unknown rows {unknown}; choose from {ROWS}")
    if "reverse_pred" in rows:
        try:
            import reverse_pred  # noqa: F401
        except ImportError:
            print("reverse-pred not installed (pip install 'bothways[bench]'): row skipped")
            rows.remove("reverse_pred")
    n, p, t = trials.shape[0], trials.shape[1], U.shape[1]
    load0 = os.getloadavg()[0]
    res = {}
    with threadpool_limits(args.threads), tempfile.TemporaryDirectory() as tmp:
        rate = gemm_rate()
        for name in rows:
            res[name] = run_row(name, trials, U, args.reps, tmp)
            res[name]["load"] = os.getloadavg()[0]
            print(f"{name}: {res[name]['wall']:.2f} s wall, {res[name]['cpu']:.2f} s CPU", flush=True)
    blas = ", ".join(f"{i['internal_api']} {i.get('architecture', '')}" for i in threadpool_info()
                     if i["user_api"] == "blas")
    head = (f"Reverse analysis: V4 session 210325 ({n} images × {p} sites) → {t} synthetic units, "
            f"{args.reps} repetitions, {args.threads} BLAS thread(s); {platform.machine()}, "
            f"{os.cpu_count()} CPUs; BLAS: {blas}; "
            f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; float64 GEMM "
            f"{rate / 1e9:.0f} GFLOP/s; load average at start {load0:.1f}.")
    lines = ["| row | wall s | CPU s | × vs reverse-pred (wall / CPU) | peak numpy MiB | max RSS MiB | mean EV | "
             "max abs ΔEV per target | abs Δ mean EV | vs | GFLOP/s (% of matmul) | load |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|"]
    ref_t, ref_c = (res.get("reverse_pred", {}).get(k) for k in ("wall", "cpu"))
    for name in rows:
        r = res[name]
        ratio = f"{ref_t / r['wall']:.1f} / {ref_c / r['cpu']:.1f}" if ref_t else "not run"
        mean = float(np.nanmean(r["ev"]))
        vs, dmax, dmean = "", "", ""
        ref = "loo" if name == "gcv" else "reverse_pred" if name.startswith("published") else None
        if ref in res:
            a, b = r["ev"], res[ref]["ev"]
            ok = np.isfinite(a) & np.isfinite(b)
            dmax = f"{np.max(np.abs(a[ok] - b[ok])):.2f}"
            dmean = f"{abs(mean - float(np.nanmean(b))):.2f}"
            vs = "exact LOO" if ref == "loo" else "reverse-pred (split noise)"
            if ref == "reverse_pred":
                dp = np.max(np.abs(np.asarray(r["pred"]) - np.asarray(res[ref]["pred"])))
                vs += f"; max abs Δ prediction {dp:.1e}"
        gf = ""
        if name != "reverse_pred":
            boot = 0 if name == "published_noboot" else 1000
            f = flops(n, p, t, args.reps, INNER[name], n_alpha=1 if INNER[name] == "fixed" else 25,
                      n_boot=boot)
            gf = f"{f / r['cpu'] / 1e9:.0f} ({100 * f / r['cpu'] / rate:.0f} %)"
        lines.append(f"| {LABELS[name]} | {r['wall']:.2f} | {r['cpu']:.2f} | {ratio} | {r['peak']:.0f} | {r['rss']:.0f} | "
                     f"{mean:.2f} | {dmax} | {dmean} | {vs} | {gf} | {r['load']:.1f} |")
    text = head + "\n\n" + "\n".join(lines)
    if args.engine:
        with threadpool_limits(args.threads):
            text += "\n\n" + engine_table()
    print(text)
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(text + "\n")


if __name__ == "__main__":
    main()
