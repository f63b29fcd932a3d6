"""The ``bothways`` command line: score a network, run a declared sweep, report a store.

::

    bothways score --model efficientnet-lite0 --layers auto --data v4:210325 \\
                   --direction both --method default --out results/
    bothways sweep SWEEP.yaml [--executor dask --scheduler tcp://host:8786]
    bothways report results/
    bothways layers efficientnet-lite0

Every command is a thin layer over :mod:`bothways.sweep`: ``score`` declares a sweep
from its flags, ``sweep`` from a YAML file (:func:`bothways.sweep.load_config`), and
both write the same content-keyed store, so running a command again computes only the
cells that are missing. Bad input (an unknown model or layer, unreadable data,
images and recordings with different stimuli, an unreachable scheduler) stops with a
named error before any work starts; exit status 2. Cells that fail while running are
recorded in the store and listed; exit status 1.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

__all__ = ["main", "build_parser", "format_table", "report_figure"]

#: Defaults of ``bothways score``: a first look in a few minutes on a laptop CPU.
SCORE_DEFAULTS = dict(n_splits=5, n_boot=200, max_units=1000, n_folds=10)


def _csv(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def _add_run_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("running")
    g.add_argument("--executor", choices=("local", "dask"), default=None,
                   help="local: one process, in order (default); dask: a distributed.Client")
    g.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="a Dask scheduler address (tcp://host:8786; implies --executor dask); default with "
                        "--executor dask: start a LocalCluster on this machine")
    g.add_argument("--workers", type=int, default=None, metavar="N",
                   help="LocalCluster workers (default: one per GPU, else per core); implies --executor dask")
    g.add_argument("--device", default=None, help="cpu, cuda, cuda:1, mps (default: CUDA if available, else CPU)")
    g.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="with --scheduler: how long to try to reach it")
    g.add_argument("--timeout", type=float, default=None, metavar="SECONDS",
                   help="stop after this long (finished cells stay stored; run again to resume)")
    g.add_argument("--skip-failed", action="store_true", help="do not retry cells that failed before")
    g.add_argument("--quiet", action="store_true", help="no progress bars")


class _Defaults(argparse.ArgumentDefaultsHelpFormatter):
    """Show a flag's default only where it has one."""

    def _get_help_string(self, action):
        if action.default in (None, False) or "default" in (action.help or ""):
            return action.help
        return super()._get_help_string(action)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bothways", description="Score networks against brain recordings in both directions (forward: "
        "model units predict neurons; reverse: neurons predict model units), cached by content.",
        epilog="Run 'bothways COMMAND --help' for the options of one command.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("score", help="score one network, layer by layer, forward and reverse",
                       description="Score a network layer by layer against recordings and print forward and "
                       "reverse noise-corrected EV (%, median over targets, 95% bootstrap CI).",
                       formatter_class=_Defaults)
    s.add_argument("--model", action="append", required=True, metavar="SPEC",
                   help="a zoo name (efficientnet-lite0, resnet20-cifar10, pixels, ...), NAME/untrained, or "
                        "your own network as package.module:callable or file.py:callable (returning "
                        "(module, preprocess) or a ZooModel); repeat for several")
    s.add_argument("--layers", default="auto",
                   help="'auto' (the model's candidate layers) or a comma-separated list of module names")
    s.add_argument("--max-layers", type=int, default=None, metavar="K",
                   help="with --layers auto: at most K layers, evenly spaced over depth")
    s.add_argument("--data", action="append", required=True, metavar="SPEC",
                   help="v4:210325 (V4 session with single trials), twins:PE, npz:FILE.npz (arrays images, "
                        "trials), kar-it:FILE.h5,images=IMAGES.npy; repeat for several")
    s.add_argument("--direction", choices=("forward", "reverse", "both"), default="both",
                   help="forward: units predict neurons; reverse: neurons predict units")
    s.add_argument("--method", action="append", default=None, metavar="NAME",
                   help="default, muzellec_kar, fixed_alpha; repeat for several (default: default)")
    s.add_argument("--seed", action="append", type=int, default=None, help="repeat for several (default: 0)")
    s.add_argument("--out", default="results", help="the result store (a folder)")
    s.add_argument("--n-stimuli", type=int, default=None, metavar="N",
                   help="score a seeded random subset of N stimuli (faster; default: all)")
    s.add_argument("--max-units", type=int, default=SCORE_DEFAULTS["max_units"], metavar="N",
                   help="reverse: score a seeded sample of at most N units of each layer (0: all)")
    s.add_argument("--n-splits", type=int, default=SCORE_DEFAULTS["n_splits"],
                   help="split-half repetitions for the noise ceilings")
    s.add_argument("--n-boot", type=int, default=SCORE_DEFAULTS["n_boot"], help="bootstrap samples for the CIs")
    s.add_argument("--n-folds", type=int, default=SCORE_DEFAULTS["n_folds"], help="cross-validation folds")
    s.add_argument("--pool", choices=("avg", "max"), default=None,
                   help="pool each feature map over space (default: keep every unit)")
    _add_run_flags(s)

    w = sub.add_parser("sweep", help="run a sweep declared in a YAML file",
                       description="Run the grid of cells declared in a YAML file (keys: models, data, layers, "
                       "max_layers, directions, methods, seeds, options, pool, n_stimuli, store, run). Cells "
                       "already in the store are skipped.")
    w.add_argument("config", metavar="SWEEP.yaml")
    w.add_argument("--out", default=None, help="the result store (overrides 'store' in the file)")
    _add_run_flags(w)

    r = sub.add_parser("report", help="print the summary table of a store and draw a figure",
                       description="Print one row per (model, layer, data, method, seed) with forward and "
                       "reverse EV, and write a figure of EV against layer depth.")
    r.add_argument("store", metavar="RESULTS")
    r.add_argument("--figure", default=None, metavar="PATH", help="figure file (default RESULTS/report.png)")
    r.add_argument("--csv", default=None, metavar="PATH", help="also write the full summary table as CSV")
    r.add_argument("--stat", default="median_ev", choices=("median_ev", "mean_ev"),
                   help="the statistic over targets")

    la = sub.add_parser("layers", help="list a network's candidate layers and all its modules")
    la.add_argument("model", metavar="SPEC")
    return parser


# --------------------------------------------------------------------------- tables
def _fmt(v, lo=math.nan, hi=math.nan) -> str:
    if v is None or not math.isfinite(float(v)):
        return "-"
    ci = f" [{lo:.1f}, {hi:.1f}]" if lo is not None and math.isfinite(float(lo)) else ""
    return f"{v:.1f}{ci}"


def format_table(summary, stat: str = "median_ev") -> str:
    """Forward and reverse EV (%) per (model, layer, data, method, seed) as text.

    ``summary``: rows of :meth:`bothways.sweep.Sweep.results` or
    :meth:`bothways.sweep.Store.summary`. Columns: ``forward`` and ``reverse`` EV with
    the bootstrap CI of the median (``stat="median_ev"``) or of the mean, and
    ``reverse (matched)``: the reverse mean over unit subsets as large as the neuron count.
    """
    import pandas as pd

    if summary.empty:
        return "(no finished cells)"
    lo, hi = ("ci_low", "ci_high") if stat == "median_ev" else ("mean_ci_low", "mean_ci_high")
    rows = []
    keys = ["model", "data", "method", "seed", "depth", "layer"]
    for k, g in summary.sort_values(keys).groupby(keys, sort=False):
        row = dict(zip(keys, k))
        for direction in ("forward", "reverse"):
            d = g[g["direction"] == direction]
            row[direction] = _fmt(d[stat].iloc[0], d[lo].iloc[0], d[hi].iloc[0]) if len(d) else ""
            if direction == "reverse" and len(d) and "mean_ev_matched" in d:
                row["reverse (matched)"] = _fmt(d["mean_ev_matched"].iloc[0])
        rows.append(row)
    t = pd.DataFrame(rows).drop(columns=["depth"])
    label = "median" if stat == "median_ev" else "mean"
    head = f"EV % ({label} over targets, 95% bootstrap CI over stimuli)"
    return head + "\n" + t.to_string(index=False)


def report_figure(summary, path, stat: str = "median_ev"):
    """EV against layer depth, forward (solid) and reverse (dashed), one line per model,
    one panel per (data, method); the bootstrap CIs as vertical lines (a percentile CI of
    a median need not contain the point estimate). Writes ``path``, returns the Figure."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import numpy as np

    from bothways.plotting import set_theme

    set_theme()
    lo, hi = ("ci_low", "ci_high") if stat == "median_ev" else ("mean_ci_low", "mean_ci_high")
    panels = list(summary.groupby(["data", "method"], sort=True))
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
    for ax, ((data, method), d) in zip(axes[0], panels):
        one = d["model"].nunique() == 1
        for i, (model, m) in enumerate(d.groupby("model", sort=True)):
            depths = np.sort(m["depth"].unique())
            rank = {v: j for j, v in enumerate(depths)}
            scale = 1.0 if one else max(len(depths) - 1, 1)  # several models: relative depth 0..1
            for direction, style in (("forward", "-o"), ("reverse", "--s")):
                g = m[m["direction"] == direction].groupby("depth").mean(numeric_only=True).reset_index()
                if g.empty:
                    continue
                x = np.array([rank[v] for v in g["depth"]]) / scale
                ax.plot(x, g[stat], style, color=f"C{i % 10}", label=f"{model} {direction}")
                ax.vlines(x, g[lo], g[hi], color=f"C{i % 10}", lw=1.2, alpha=0.7)  # a CI need not contain the point
            if one:
                ax.set_xticks(range(len(depths)))
                ax.set_xticklabels(m.sort_values("depth")["layer"].unique(), rotation=30, ha="right", fontsize=8)
        ax.set_title(f"{data} · {method}", fontsize=10)
        ax.set_xlabel("layer (early to late)" if one else "relative depth of the scored layers (0: first, 1: last)")
        ax.set_ylabel(f"{'median' if stat == 'median_ev' else 'mean'} EV over targets (%)")
        ax.axhline(0, color="0.6", lw=0.8)
    axes[0][-1].legend(fontsize=7, frameon=False, loc="best")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------- commands
def _run(sw, args, settings=None) -> int:
    from bothways.sweep import run

    settings = dict(settings or {})
    for name, flag in (("executor", args.executor), ("scheduler", args.scheduler), ("n_workers", args.workers),
                       ("device", args.device), ("timeout", args.timeout),
                       ("connect_timeout", args.connect_timeout if args.scheduler else None)):
        if flag is not None:
            settings[name] = flag
    if args.skip_failed:
        settings["retry_failed"] = False
    settings.setdefault("progress", not args.quiet)
    executor = settings.pop("executor", "dask" if ("scheduler" in settings or "n_workers" in settings) else "local")
    print(f"{sw}", flush=True)
    report = run(sw, executor, **settings)
    print(report, flush=True)
    print(format_table(sw.results()))
    failures = sw.failures()
    if not failures.empty:
        print(f"\n{len(failures)} cell(s) failed (details in {sw.store.failed}):", file=sys.stderr)
        for _, f in failures.iterrows():
            print(f"  {f['model']} {f['layer']} {f['data']} {f['direction']} {f['method']} seed {f['seed']}: "
                  f"{f['error']}: {f['message']}", file=sys.stderr)
        return 1
    return 0


def _score(args) -> int:
    from bothways.sweep import Sweep

    options = dict(n_splits=args.n_splits, n_boot=args.n_boot, n_folds=args.n_folds,
                   max_units=args.max_units or None)
    directions = ("forward", "reverse") if args.direction == "both" else (args.direction,)
    layers = "auto" if args.layers == "auto" else _csv(args.layers)
    sw = Sweep(args.model, args.data, layers=layers, max_layers=args.max_layers, directions=directions,
               methods=args.method or ["default"], seeds=args.seed or [0], options=options, pool=args.pool,
               n_stimuli=args.n_stimuli, store=args.out)
    return _run(sw, args)


def _sweep(args) -> int:
    from bothways.sweep import load_config

    sw, settings = load_config(args.config)
    if args.out is not None:
        sw.store = type(sw.store)(args.out)
    return _run(sw, args, settings)


def _report(args) -> int:
    from bothways.sweep import Store

    store = Store(args.store)
    if not store.cells.is_dir():
        raise FileNotFoundError(f"{store.root} is not a result store (it has no cells/ folder)")
    summary = store.summary()
    print(format_table(summary, args.stat))
    failures = store.failures()
    if not failures.empty:
        print(f"\n{len(failures)} failed cell(s) recorded in {store.failed}")
    if not summary.empty:
        fig_path = Path(args.figure) if args.figure else store.root / "report.png"
        report_figure(summary, fig_path, args.stat)
        print(f"\nfigure: {fig_path}")
        if args.csv:
            summary.to_csv(args.csv, index=False)
            print(f"table: {args.csv}")
    return 0


def _layers(args) -> int:
    from bothways.sweep import model_source

    src = model_source(args.model)
    print(f"{src.name}: candidate layers (--layers auto): {', '.join(src.layers)}")
    print("all modules:")
    for name, mod in src.module.named_modules():
        if name:
            print(f"  {name}  ({type(mod).__name__})")
    return 0


COMMANDS = {"score": _score, "sweep": _sweep, "report": _report, "layers": _layers}


def main(argv=None) -> int:
    """Entry point of the ``bothways`` console script; returns the exit status."""
    from bothways.sweep import CorruptCellError, SchedulerError, SweepInputError, SweepTimeout

    args = build_parser().parse_args(argv)
    t0 = time.perf_counter()
    try:
        code = COMMANDS[args.command](args)
    except (SweepInputError, SchedulerError, SweepTimeout, CorruptCellError, FileNotFoundError, ImportError) as err:
        print(f"bothways {args.command}: error: {type(err).__name__}: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"\nbothways {args.command}: interrupted; finished cells are stored, run again to resume",
              file=sys.stderr)
        return 130
    if args.command in ("score", "sweep"):
        print(f"done in {time.perf_counter() - t0:.1f} s")
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
