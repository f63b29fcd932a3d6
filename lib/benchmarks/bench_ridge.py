"""Benchmark of bothways.ridge against scikit-learn and himalaya (a script, not a test).

One run prints a table (and writes it as markdown with ``--out``): on the same seeded
data and the same 5 folds, 10 alphas (absolute grid, identical for every method),

- bothways ``cv_ridge`` (exact LOO selection per target in each training fold; float64
  and float32), ``cv_ridge(inner="gcv")``, and ``alpha_path`` (held-out R² of every
  alpha, the optimistic path);
- scikit-learn ``Ridge(alpha)`` refit per fold and alpha (held-out R² of every alpha:
  the reference of ``alpha_path``);
- scikit-learn ``RidgeCV(alphas, alpha_per_target=True)`` per fold (the reference of
  ``cv_ridge``: same LOO criterion);
- himalaya per fold (numpy backend, float64): ``solve_ridge_cv_svd`` when features <
  training stimuli, else ``solve_kernel_ridge_cv_eigenvalues`` on the linear kernel
  (its own inner 5-fold CV, so its alphas — and R² — differ from the LOO methods).

Columns: wall and CPU time, speed-up over the sklearn loop and over sklearn RidgeCV
(from wall time and from CPU time: on a shared machine the CPU-time ratio is the
steadier one for single-threaded rows), peak memory
of numpy allocations (``tracemalloc``), max |ΔR²| against the reference named in the
row, and for bothways the achieved GFLOP/s (operation count of the algorithm, with
``eigh`` counted as 10/3 k³) against a large matmul measured in the same run.

Shapes: 2560 stimuli, 168 "neurons"; forward = features (512 / 4096 / 25088) → neurons;
reverse = neurons → features as targets. Threads: ``--threads 1,2`` runs every case
single-threaded and with one BLAS thread per core (``threadpoolctl``; ``--threads``).

    python lib/benchmarks/bench_ridge.py            # full (several minutes)
    python lib/benchmarks/bench_ridge.py --quick    # 512 and 4096, 1 thread, fewer methods
"""
from __future__ import annotations

import argparse
import gc
import os
import platform
import time
import tracemalloc
import warnings

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from bothways.ridge import alpha_path, cv_ridge, kfold_indices

N_STIMULI, N_NEURONS, N_FOLDS = int(os.environ.get("BENCH_N", 2560)), 168, 5
ALPHAS = np.logspace(-1, 5, 10)


def make_data(p, seed=0):
    """Seeded model features (ReLU of a power-law latent) and noisy 'neurons'."""
    rng = np.random.default_rng(seed)
    n_lat = 200
    Z = rng.standard_normal((N_STIMULI, n_lat)) * np.arange(1, n_lat + 1) ** -0.5
    F = np.maximum(Z @ rng.standard_normal((n_lat, p)) + 0.3 * rng.standard_normal((N_STIMULI, p)), 0)
    N = Z[:, :50] @ rng.standard_normal((50, N_NEURONS)) + 0.5 * rng.standard_normal((N_STIMULI, N_NEURONS))
    return F, N


def r2_pooled(Y, P):
    return 1 - ((Y - P) ** 2).sum(0) / ((Y - Y.mean(0)) ** 2).sum(0)


# ---------------------------------------------------------------- methods
def sk_loop(X, Y, folds):
    """Held-out R² of every alpha: Ridge refit per fold and alpha."""
    from sklearn.linear_model import Ridge

    sse = np.zeros((len(ALPHAS), Y.shape[1]))
    for tr, te in folds:
        for a, alpha in enumerate(ALPHAS):
            P = Ridge(alpha=alpha).fit(X[tr], Y[tr]).predict(X[te])
            sse[a] += ((Y[te] - P) ** 2).sum(0)
    return 1 - sse / ((Y - Y.mean(0)) ** 2).sum(0)


def sk_ridgecv(X, Y, folds):
    from sklearn.linear_model import RidgeCV

    P = np.empty_like(Y)
    for tr, te in folds:
        P[te] = RidgeCV(alphas=ALPHAS, alpha_per_target=True).fit(X[tr], Y[tr]).predict(X[te])
    return r2_pooled(Y, P)


def himalaya_cv(X, Y, folds):
    from himalaya.backend import set_backend
    from himalaya.kernel_ridge import solve_kernel_ridge_cv_eigenvalues
    from himalaya.ridge import solve_ridge_cv_svd

    set_backend("numpy")
    P = np.empty_like(Y)
    for tr, te in folds:
        mx, my = X[tr].mean(0), Y[tr].mean(0)
        Xtr, Xte, Ytr = X[tr] - mx, X[te] - mx, Y[tr] - my
        if X.shape[1] < len(tr):
            _, w, _ = solve_ridge_cv_svd(Xtr, Ytr, alphas=ALPHAS, cv=5)
            P[te] = Xte @ np.asarray(w) + my
        else:
            _, dual, _ = solve_kernel_ridge_cv_eigenvalues(Xtr @ Xtr.T, Ytr, alphas=ALPHAS, cv=5)
            P[te] = (Xte @ Xtr.T) @ np.asarray(dual) + my
    return r2_pooled(Y, P)


def bw_cv(dtype, inner="loo"):
    def run(X, Y, folds):
        return cv_ridge(X, Y, alphas=ALPHAS, folds=folds, device="cpu", dtype=dtype,
                        inner=inner, progress=False).r2
    return run


def bw_path(X, Y, folds):
    return alpha_path(X, Y, alphas=ALPHAS, folds=folds, device="cpu", progress=False).r2_per_alpha


def bothways_flops(n, p, t, folds, itemsize, inner, path):
    """Operation count of the bothways algorithm (multiply-add = 2 flops)."""
    a = len(ALPHAS)
    m = max(len(tr) for tr, _ in folds)
    dual = p >= m
    flops = n * n * p if dual else n * p * p + 2 * n * p * t           # Gram (syrk), XᵀY
    for tr, te in folds:
        m, nt = len(tr), len(te)
        k = min(m, p)
        flops += 10 / 3 * k ** 3 + 2 * nt * m * k + 2 * k * k * t       # eigh, A, B
        if not dual:
            flops += nt * p * p + 2 * nt * p * t + 2 * m * p * p        # test block, U
        if path:
            flops += 2 * a * (nt * m * t if dual else p * p * t) + (0 if dual else 2 * p * p * t)
        elif inner == "loo":
            flops += 2 * a * m * k * t + 2 * nt * k * t
            if not dual and t > 2 * p:
                flops += 2 * a * m * p * p + 2 * a * p * p * t
        else:
            flops += 2 * a * k * t + 2 * nt * k * t
    return flops


def gemm_rate(dtype, size=2048):
    rng = np.random.default_rng(0)
    A = rng.standard_normal((size, size)).astype(dtype)
    B = rng.standard_normal((size, size)).astype(dtype)
    A @ B
    best = min(_timed(lambda: A @ B)[0] for _ in range(3))
    return 2 * size ** 3 / best / 1e9


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def measure(fn, *args):
    """Wall time, CPU time of this process (all threads), peak traced MiB, output."""
    gc.collect()
    tracemalloc.start()
    try:
        c0 = time.process_time()
        dt, out = _timed(lambda: fn(*args))
        cpu = time.process_time() - c0
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return dt, cpu, peak / 2**20, out


# ---------------------------------------------------------------- main
def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="features 512 and 4096, one thread, no himalaya/GCV rows (about a minute)")
    ap.add_argument("--threads", default=None,
                    help="comma-separated BLAS thread counts, 'all' = every core "
                         "(default: 1,all; with --quick: 1)")
    ap.add_argument("--features", default=None, help="comma-separated feature counts (overrides)")
    ap.add_argument("--out", default=None, help="also write the table as markdown here")
    args = ap.parse_args(argv)
    feats = [512, 4096] if args.quick else [512, 4096, 25088]
    if args.features:
        feats = [int(f) for f in args.features.split(",")]
    spec = args.threads or ("1" if args.quick else "1,all")
    threads = [os.cpu_count() if x == "all" else int(x) for x in spec.split(",")]
    folds = kfold_indices(N_STIMULI, N_FOLDS, seed=0)
    methods = [
        ("bothways cv_ridge f64 (LOO)", bw_cv("float64"), "ridgecv"),
        ("bothways cv_ridge f32 (LOO)", bw_cv("float32"), "ridgecv"),
        ("bothways cv_ridge f64 (GCV)", bw_cv("float64", "gcv"), "ridgecv*"),
        ("bothways alpha_path f64", bw_path, "loop"),
        ("sklearn Ridge loop (fold × alpha)", sk_loop, None),
        ("sklearn RidgeCV per fold", sk_ridgecv, None),
        ("himalaya per fold (inner 5-fold)", himalaya_cv, "ridgecv*"),
    ]
    if args.quick:
        methods = [mt for mt in methods if "GCV" not in mt[0] and "himalaya" not in mt[0]]
    blas = sorted({f"{i['internal_api']} {i.get('architecture', '')}".strip() for i in threadpool_info()})
    header = (f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs; "
              f"BLAS: {', '.join(blas)}; OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; "
              f"load average at start: {os.getloadavg()[0]:.1f}")
    print(header, flush=True)
    Xw, Yw = make_data(64)  # warm-up: imports and first-call costs stay out of the table
    for _, fn, _ in methods:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fn(Xw[:200], Yw[:200], kfold_indices(200, N_FOLDS, seed=0))
    rows = []
    for nt in threads:
        with threadpool_limits(nt):
            peak = {dt: gemm_rate(dt) for dt in (np.float64, np.float32)}
            print(f"threads={nt}: matmul 2048² f64 {peak[np.float64]:.0f} GFLOP/s, "
                  f"f32 {peak[np.float32]:.0f} GFLOP/s", flush=True)
            for p in feats:
                F, N = make_data(p)
                for direction, (X, Y) in (("forward", (F, N)), ("reverse", (N, F))):
                    res = {}
                    for name, fn, ref in methods:
                        with warnings.catch_warnings():
                            warnings.simplefilter("ignore")
                            load = os.getloadavg()[0]
                            sec, cpu, mib, out = measure(fn, X, Y, folds)
                        res[name] = (sec, cpu, mib, out, ref, load)
                        print(f"  {direction:7s} p={p:5d} t={nt} {name:36s} {sec:8.2f} s wall "
                              f"{cpu:8.2f} s CPU {mib:8.0f} MiB load {load:4.1f}", flush=True)
                    loop = res["sklearn Ridge loop (fold × alpha)"]
                    rcv = res["sklearn RidgeCV per fold"]
                    for name, (sec, cpu, mib, out, ref, load) in res.items():
                        if ref == "loop":
                            delta = np.nanmax(np.abs(out - loop[3]))
                        elif ref in ("ridgecv", "ridgecv*"):
                            delta = np.nanmax(np.abs(out - rcv[3]))
                        else:
                            delta = np.nan
                        gf = ""
                        if name.startswith("bothways"):
                            item = 4 if "f32" in name else 8
                            fl = bothways_flops(N_STIMULI, X.shape[1], Y.shape[1], folds, item,
                                                "gcv" if "GCV" in name else "loo", "path" in name)
                            rate = fl / sec / 1e9
                            gf = f"{rate:.0f} ({100 * rate / peak[np.float32 if item == 4 else np.float64]:.0f} %)"
                        rows.append((direction, p, nt, name, sec, cpu, loop[0] / sec, loop[1] / cpu,
                                     rcv[0] / sec, rcv[1] / cpu, mib, delta, ref or "", gf, load))
    lines = [
        "| direction | features | threads | method | wall s | CPU s | × vs loop (wall/CPU) "
        "| × vs RidgeCV (wall/CPU) | peak MiB | max abs ΔR² | vs | GFLOP/s (% of matmul) | load |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for d, p, nt, name, sec, cpu, xlw, xlc, xrw, xrc, mib, delta, ref, gf, load in rows:
        ds = "" if np.isnan(delta) else f"{delta:.1e}"
        lines.append(f"| {d} | {p} | {nt} | {name} | {sec:.2f} | {cpu:.2f} | {xlw:.1f} / {xlc:.1f} "
                     f"| {xrw:.1f} / {xrc:.1f} | {mib:.0f} | {ds} | {ref} | {gf} | {load:.1f} |")
    table = "\n".join(lines)
    print()
    print(header)
    print(table)
    print("\nCPU s: CPU time of this process over all its threads (less sensitive to other "
          "processes than wall time; with several threads it is the total work, not the speed). "
          "GFLOP/s from wall time. load: 1-min load average when the row started.")
    print("`vs`: reference of the ΔR² column — loop: sklearn Ridge refit per fold and alpha "
          "(every alpha); ridgecv: sklearn RidgeCV per fold (same LOO alphas); ridgecv*: a "
          "different inner criterion, so ΔR² is a difference of methods, not an error.")
    if args.out:
        with open(args.out, "w") as fh:
            fh.write(header + "\n\n" + table + "\n")
    return rows


if __name__ == "__main__":
    main()
