"""One seaborn theme for the whole book, and small figure helpers that return a Figure.

Plotting never computes results: every helper takes numbers that the library has
already produced and only draws them.
"""
from __future__ import annotations

import numpy as np

#: Colours used consistently across chapters.
PALETTE = {
    "forward": "#1f77b4",   # model -> brain
    "reverse": "#d62728",   # brain -> model
    "animal": "#2ca02c",    # brain -> brain
    "reference": "#7f7f7f", # published numbers, drawn as context
}


def set_theme(context: str = "notebook") -> None:
    """Apply the book's theme (seaborn ``ticks`` style, colour-blind palette).

    Call once at the top of a chapter.
    """
    import matplotlib as mpl
    import seaborn as sns

    sns.set_theme(context=context, style="ticks", palette="colorblind")
    mpl.rcParams.update({
        "figure.dpi": 110,
        "savefig.dpi": 150,
        "figure.figsize": (6.4, 4.2),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titleweight": "bold",
        "legend.frameon": False,
    })


def paired_scatter(x, y, labels=None, *, xlabel: str, ylabel: str, ax=None,
                   diagonal: bool = True, color=None, annotate: bool = True):
    """Scatter ``y`` against ``x`` (one point per item) with an identity line.

    Used for forward-vs-reverse and direction-by-direction comparisons. Returns the
    Figure. ``labels`` (optional) names the points.
    """
    import matplotlib.pyplot as plt

    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same shape, got {x.shape} and {y.shape}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(5, 5))
    else:
        fig = ax.figure
    ax.scatter(x, y, s=40, color=color, edgecolor="white", linewidth=0.5, zorder=3)
    if labels is not None and annotate:
        for xi, yi, lab in zip(x, y, labels):
            ax.annotate(str(lab), (xi, yi), xytext=(4, 4), textcoords="offset points", fontsize=8)
    if diagonal:
        finite = np.isfinite(np.concatenate([x, y]))
        vals = np.concatenate([x, y])[finite]
        lo, hi = (float(vals.min()), float(vals.max())) if vals.size else (0.0, 1.0)
        pad = 0.05 * (hi - lo or 1.0)
        ax.plot([lo - pad, hi + pad], [lo - pad, hi + pad], ls="--", color=PALETTE["reference"],
                lw=1, zorder=1, label="identity")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig
