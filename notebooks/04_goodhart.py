# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Goodhart's law for neural regressions
#
# **The claim.** A forward predictivity score is a target that can be hit without
# becoming more brain-like. The spectral theory of regression shows what the score is
# made of — how a representation spreads its variance over directions (spectral bias)
# and how much of the neurons' variance lies along its leading ones (task alignment)
# {cite}`canatar2023` — and so how it can be moved: by adding random dimensions, or by
# choosing the ridge penalty or the layer on the scored data. Other measures —
# reverse EV, RSA, CKA, shape distances, CCA, unit matching — have been said to rank
# the same models differently {cite}`schaeffer2024,muzellec2026,thobani2025`; we
# measure each beside its chance level and report how far their rankings agree.

# %% tags=["parameters"]
size = "ci"  # "ci": minutes on 2 CPU cores; "full": the publication run
seed = 0
device = None  # None: CUDA if available, else CPU

# %% tags=["hide-output"]
# On Colab only: install the book's library (elsewhere `make book` has installed it).
if "google.colab" in str(get_ipython()):
    # %pip install -q "bothways[all] @ git+https://github.com/both-ways-book/both-ways@main#subdirectory=lib"

# %% [markdown]
# ## What we will do
#
# - Decompose the forward score of the zoo of {doc}`03_dimensionality` on real V4
#   recordings into spectral bias and task alignment; follow the error modes of the
#   theory (their radius and dimension) and the learning curves of every
#   representation; and test, on a Gaussian population with the same spectrum, where
#   the theory and the measurement part ways.
# - Raise scores without making any model more brain-like — random ReLU features of
#   pixels, ridge penalty chosen on the test folds, layer chosen on the scored images —
#   and count each inflation in EV points.
# - Score the same models with eight measures, each beside its stimulus-shuffle null,
#   and see how far the rankings agree; then compare models with digital-twin animals
#   under the strictest of four nested mapping classes that maps the animals onto each
#   other {cite}`thobani2025`, and see how that choice depends on the tolerance and on
#   trial noise.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from scipy.stats import ortho_group, spearmanr

from bothways import report
from bothways.analyses import goodhart as gh
from bothways.config import sizes
from bothways.data import load_cowley_session, twin_panel
from bothways.metrics import linear_cka, matching_cv, rank_agreement
from bothways.plotting import PALETTE, paired_scatter, set_theme

set_theme()
S = sizes("goodhart", size)
rng = np.random.default_rng(seed)
n_reps = sum(len(v) for v in S.representations.values())
print(f"size={size!r}: {S.n_stimuli} images, {n_reps} representations, n_splits={S.n_splits}")

# %% [markdown]
# ## The data: V4, and the zoo of chapter 3
#
# The recordings are session 210325 of Cowley et al. {cite}`cowley2023`: 50 sites in
# area **V4** of monkey PE (not IT, the area the papers under discussion use), 640
# images of objects on natural backgrounds, 6–10 repeats each. We use the same images
# (a seeded subset at `size="ci"`) and the same network layers as
# {doc}`01_asymmetry` and {doc}`03_dimensionality`, so their features come from the
# disk cache.

# %%
rec = load_cowley_session(210325)
keep = np.sort(np.random.default_rng(seed).choice(rec.n_stimuli, S.n_stimuli, replace=False))
images, trials = rec.images[keep], rec.trials[keep]
feats = gh.load_representations(S.representations, images, device=device)
print(f"V4: {trials.shape[0]} images x {trials.shape[1]} sites x up to {trials.shape[2]} repeats")
pd.Series({k: v.shape[1] for k, v in feats.items()}, name="units")

# %% [markdown]
# ## What a forward score is made of
#
# For every representation we compute the usual score (median noise-corrected EV of the
# 50 sites, ridge penalty chosen inside the training folds) and, beside it, the
# quantities of the spectral theory {cite}`canatar2023`: the eigenvalues λᵢ of the
# representation (over images) and the weights Wᵢ of the neurons' variance on its
# eigenvectors. The theory predicts the ridge error from these two lists alone.

# %%
prof = gh.spectral_profile(feats, trials, p_fraction=S.p_fraction, n_trials=S.n_trials, seed=seed,
                           n_folds=S.n_folds, n_splits=S.n_splits, device=device)
summary = prof.summary
summary[["n_units", "measured_ev", "pr", "top_eigen_fraction", "top_weight", "theory_all", "measured_all",
         "radius", "dimension"]].round(3)

# %% mystnb={"figure": {"caption": "Spectral bias and task alignment of every representation on the V4 images. Left: eigenvalues of the representation (fraction of its variance per mode, log-log). Right: cumulative fraction of the V4 sites' variance that lies along the first k modes. Colour: median forward EV (purple = lowest, yellow = highest).", "name": "fig-goodhart-spectra"}}
order = summary["measured_ev"].sort_values().index
colors = dict(zip(order, sns.color_palette("viridis", len(order))))
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4))
for name in order:
    c = prof.curves[prof.curves.representation == name]
    ax1.plot(c["mode"], c["eigenvalue"], color=colors[name], lw=1.5)
    ax2.plot(c["mode"], c["cumulative_weight"], color=colors[name], lw=1.5,
             label=f"{name} ({summary.loc[name, 'measured_ev']:.0f} %)")
ax1.set(xscale="log", yscale="log", xlabel="mode i", ylabel=r"$\lambda_i / \sum_j \lambda_j$ (spectral bias)")
ax2.set(xscale="log", xlabel="mode k", ylabel=r"$\sum_{i \leq k} W_i$ (task alignment)")
ax2.legend(fontsize=7, title="median forward EV", title_fontsize=8, loc="upper left")
plt.show()

# %% [markdown]
# Across representations, which summary tracks the score? (Spearman ρ across the
# representations; with a dozen of them, only large values mean much.)

# %%
rho = summary.drop(columns=["p"]).corr(method="spearman")["measured_ev"].drop("measured_ev")
rho.rename("Spearman ρ with median forward EV").round(2).to_frame()

# %% [markdown]
# ### The error modes and learning curves of every representation
#
# The theory splits the error over modes: W̃ᵢ(p) = Eᵢ(p)·Wᵢ, the part of the neurons'
# variance along mode i that `p` training images leave unlearned. Its radius R and
# dimension D (E_g = R·√D) say whether a representation errs in a few large modes or in
# many small ones {cite}`canatar2023`. We compute them, and the theory's and the
# measured learning curves, for every representation with the ridge penalty its score
# chose; beside D, its chance level: D of the same neurons with their images shuffled
# (a target with no stimulus structure). With P images, D cannot exceed P − 1.

# %%
ps = [int(round(f * S.n_stimuli)) for f in S.curve_fractions]
geo = gh.geometry(feats, trials, ps, summary["alpha"].to_dict(), n_trials=S.n_trials, seed=seed, device=device)
p_mid = int(round(S.p_fraction * S.n_stimuli))
at_mid = geo.curves[geo.curves.p == p_mid].set_index("representation")
at_mid[["radius", "dimension", "null_dimension", "n_modes", "theory_all", "measured_all"]].round(3)

# %% mystnb={"figure": {"caption": "Canatar et al.'s geometry for every representation. Left: learning curves, normalised error over all images against the training fraction (lines: theory; dots: measured ridge, mean over random training sets). Middle: radius against dimension of the error modes at half of the images used for training; open circles: the same neurons with their images shuffled (chance), dashed line: the ceiling P \u2212 1. Right: error modes of the best and the worst representation (by forward EV) at three training sizes. Colour as in the spectra figure.", "name": "fig-goodhart-geometry"}}
fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(14, 4))
for name in order:
    c = geo.curves[geo.curves.representation == name]
    ax1.plot(c.p_fraction, c.theory_all, color=colors[name], lw=1.2)
    ax1.plot(c.p_fraction, c.measured_all, "o", color=colors[name], ms=3)
    ax2.plot(at_mid.loc[name, "dimension"], at_mid.loc[name, "radius"], "o", color=colors[name], ms=7)
    ax2.plot(at_mid.loc[name, "null_dimension"], at_mid.loc[name, "radius"], "o", mfc="none", color=colors[name],
             ms=7)
ax2.axvline(S.n_stimuli - 1, ls="--", color=PALETTE["reference"], lw=1)
ax1.set(xlabel="training fraction p / P", ylabel="normalised error (all images)")
ax2.set(xlabel=r"error-mode dimension $D_{em}$", ylabel=r"error-mode radius $R_{em}$")
best, worst = summary["measured_ev"].idxmax(), summary["measured_ev"].idxmin()
for name, ls in ((best, "-"), (worst, ":")):
    for p_, shade in zip(ps[1::2], (0.3, 0.6, 0.9)):
        m = geo.modes[(geo.modes.representation == name) & (geo.modes.p == p_)]
        ax3.plot(m["mode"], m["error_mode"], ls=ls, color=plt.cm.Greys(shade), lw=1.2,
                 label=f"{'best' if name == best else 'worst'}, p/P = {p_ / S.n_stimuli:.2f}")
ax3.set(xscale="log", yscale="log", xlabel="mode i", ylabel=r"error mode $\tilde W_i(p)$", ylim=(1e-6, None))
ax3.legend(fontsize=7)
fig.tight_layout()
plt.show()

# %% [markdown]
# Why would D be so similar across representations? E_g = R·√D, and D counts the modes
# over which the unlearned variance is spread. If most of the neurons' variance lies
# outside the top modes of *every* representation, then at any `p` the unlearned
# variance is spread over nearly all of the P − p modes that p images cannot learn,
# whatever the representation — and D measures the number of images as much as the
# representation. The shuffle null (flat weights) and the ceiling P − 1 in the table
# above are the yardsticks; trial noise, spread over all modes too, is the other
# candidate, and split halves measure how much of the trial-averaged variance it is.
#
# ### Does the theory describe what ridge does? A Gaussian test
#
# The theory predicts the error of ridge with a given penalty trained on `p` random
# images, counted over **all** images (training ones included). Measured that way,
# ridge and the theory part as `p` grows (left panel of the geometry figure). If they
# do, is that a failure of the theory, or of applying an
# infinite-population theory to a pool of a few hundred images from which the
# training images are drawn *without* replacement? We test it on a Gaussian
# population with the same eigenvalues and weights as the best layer: the theory's
# assumptions hold there, and we can measure both the population error on fresh
# samples and the same finite-pool procedure as on the real images.

# %%
pool = gh.finite_pool_check(feats[best], trials, ps, alpha=summary.loc[best, "alpha"], n_trials=max(S.n_trials, 6),
                            n_test=S.surrogate_test, seed=seed, device=device)
pool.round(3)

# %% mystnb={"figure": {"caption": "Relative gap between measured ridge error and the spectral theory for the best layer, by training fraction (0 = agreement; negative = ridge does better than predicted). Filled dots: real images, error over all images against the theory on their spectrum. Squares: Gaussian population with the same eigenvalues and weights, error on fresh samples. Open dots: a pool of P Gaussian samples treated as the real images are (theory on the pool's own spectrum, ridge trained on p of the pool, error over the pool). The shaded region p/P > 0.5 is where this book does not convert the theory into a held-out error (the conversion divides by P \u2212 p).", "name": "fig-goodhart-pool"}}
gap = pool.assign(real_gap=pool.measured_all / pool.theory - 1, pool_gap=pool.pool_all / pool.pool_theory - 1,
                  surrogate_gap=pool.surrogate / pool.theory - 1)
fig, ax = plt.subplots(figsize=(6, 4))
ax.axvspan(0.5, 1.0, color=PALETTE["reference"], alpha=0.12, lw=0)
ax.axhline(0, color="black", lw=0.8)
ax.plot(gap.p_fraction, 100 * gap.real_gap, "o-", color=PALETTE["forward"], label="real images")
ax.plot(gap.p_fraction, 100 * gap.surrogate_gap, "s-", color=PALETTE["reverse"], label="Gaussian, fresh samples")
ax.plot(gap.p_fraction, 100 * gap.pool_gap, "o--", mfc="none", color=PALETTE["reverse"], label="Gaussian, pool of P")
ax.set(xlabel="training fraction p / P", ylabel="measured / theory − 1 (%)", xlim=(0, 1), title=best)
ax.legend(fontsize=8)
plt.show()

# %%
gap[["p_fraction", "real_gap", "pool_gap", "surrogate_gap"]].round(3)

# %% [markdown]
# **Noise in a neural predictor.** In the reverse direction the predictors are the
# neurons, and they are noisy. The theory can be applied to the noisy trial averages as
# they are — but the book's reverse score divides by a prediction reliability to
# estimate what a *noise-free* population would do, and nothing in the theory speaks to
# that. We average the same neurons over 2, 4 or all of their repeats and let them
# predict the best layer's units.

# %%
units = gh.unit_sample(feats[best], S.reverse_units, seed=seed)
noise = gh.predictor_noise(trials, feats[best][:, units], repeats=S.noise_repeats, p_fraction=S.p_fraction,
                           n_trials=S.n_trials, seed=seed, n_folds=S.n_folds, n_splits=S.n_splits, device=device)
noise.round(3)

# %% [markdown]
# Fewer repeats make the neurons noisier: the raw r² and the prediction reliability
# fall, the theory (fed the noisy averages) follows the raw error, and the
# noise-corrected EV is what the correction claims to keep constant. How constant it
# stays is the test of a correction the theory cannot vouch for.

# %% [markdown]
# ## Raising the score without becoming more brain-like
#
# ### Random features: dimensions without learning
#
# A random ReLU expansion of pixels builds thousands of units, each a fixed random
# function of the image. It learns nothing and, as a fixed function of the pixels, it
# cannot know anything about the images that the pixels do not.

# %%
px = next(k for k in feats if k.startswith("pixels"))
expansion = gh.expansion_sweep(feats[px], trials, S.widths, seed=seed, n_splits=S.n_splits, max_units=S.max_units,
                               device=device)
expansion.round(2)

# %% mystnb={"figure": {"caption": "Random ReLU features of pixels, by width (0 = the pixels themselves). Left: effective dimensionality (participation ratio). Right: median forward EV (neurons predicted from the features) and median reverse EV (feature units predicted from the neurons). Nothing is learned at any width.", "name": "fig-goodhart-expansion"}}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.6))
x = np.arange(len(expansion))
labels = ["pixels" if w == 0 else f"{w}" for w in expansion.width]
ax1.bar(x, expansion.pr, color=PALETTE["reference"])
ax1.set(xticks=x, xticklabels=labels, xlabel="random ReLU units", ylabel="participation ratio")
ax2.plot(x, expansion.forward_ev, "o-", color=PALETTE["forward"], label="forward")
ax2.plot(x, expansion.reverse_ev, "o-", color=PALETTE["reverse"], label="reverse")
ax2.set(xticks=x, xticklabels=labels, xlabel="random ReLU units", ylabel="median EV (%)")
ax2.legend()
plt.show()

# %% [markdown]
# ### Choosing the ridge penalty on the test folds
#
# The honest score chooses each neuron's penalty inside the training folds. Keeping,
# for each neuron, the penalty that gives the best held-out correlation — or one
# penalty for all neurons, the best on average — uses the test folds twice.

# %%
alpha_inf = {name: gh.alpha_inflation(feats[name], trials, n_folds=S.n_folds, seed=seed, n_splits=S.n_splits,
                                      device=device) for name in (best, px)}
pd.DataFrame({k: v.summary for k, v in alpha_inf.items()}).T[
    ["mean_ev_nested", "mean_ev_test_alpha", "mean_ev_shared_test_alpha", "inflation_per_target",
     "inflation_shared"]].round(2)

# %% mystnb={"figure": {"caption": "Per-neuron EV of the best layer with the ridge penalty chosen inside the training folds (honest) and on the test folds (each neuron its own best penalty). Points above the diagonal are inflated.", "name": "fig-goodhart-alpha"}}
pt = alpha_inf[best].per_target
fig = paired_scatter(pt["ev_nested"], pt["ev_test_alpha"], xlabel="EV, penalty chosen in training folds (%)",
                     ylabel="EV, penalty chosen on test folds (%)", color=PALETTE["forward"])
fig.axes[0].set_title(best)
plt.show()

# %% [markdown]
# ### Choosing the layer on the scored images
#
# Chapter 1 picks each network's layer on images it never scores. Here we repeat the
# choice on random halves of the images: the honest score picks the layer on one half
# and scores it on the other; the optimistic one picks it on the half it scores — for
# the whole population, or for each neuron separately.

# %%
from bothways.models import model_label

layer_inf = {}
for spec in S.layer_models:
    layers = {k: v for k, v in feats.items() if k.split(":")[0] == model_label(spec)}
    layer_inf[model_label(spec)] = gh.layer_inflation(layers, trials, n_repeats=S.layer_splits, seed=seed,
                                                      n_folds=S.n_folds // 2, n_splits=S.n_splits, device=device)
pd.DataFrame({m: r.summary for m, r in layer_inf.items()}).T.round(2)

# %% mystnb={"figure": {"caption": "Layer choice on random halves of the images. For each network, median EV on the scored half of the layer chosen on the other half (honest) and of the layer chosen on the scored half itself (optimistic), for the whole population and with each neuron's own best layer. Bars: mean over splits.", "name": "fig-goodhart-layers"}}
rows = [dict(model=m, choice=c, ev=r.summary[k]) for m, r in layer_inf.items()
        for c, k in [("population, honest", "honest_ev"), ("population, optimistic", "optimistic_ev"),
                     ("per neuron, honest", "per_neuron_honest_ev"),
                     ("per neuron, optimistic", "per_neuron_optimistic_ev")]]
fig, ax = plt.subplots(figsize=(7, 3.6))
sns.barplot(pd.DataFrame(rows), x="model", y="ev", hue="choice", ax=ax,
            palette=["#9ecae1", "#3182bd", "#fcae91", "#de2d26"])
ax.set(xlabel="", ylabel="median EV on scored half (%)")
ax.legend(fontsize=8, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.12))
plt.show()

# %% [markdown]
# ### The inflations side by side
#
# Each row is one way to raise a score that changes nothing about how brain-like the
# representation is, in EV points (differences of median EV for the random features and
# the layer choice, of mean EV for the ridge penalty, whose per-neuron gains are what
# the median hides).

# %%
first, last = expansion.iloc[0], expansion.iloc[-1]
widest = int(last.width)
trained_best = summary.loc[[k for k in summary.index if "untrained" not in k and not k.startswith(("pixels", "random"))],
                           "measured_ev"]
inflation = pd.DataFrame([
    dict(how=f"random ReLU features of pixels ({widest} units)", ev_points=last.forward_ev - first.forward_ev),
    dict(how="ridge penalty chosen on test folds, per neuron (best layer)",
         ev_points=alpha_inf[best].summary["inflation_per_target"]),
    dict(how="ridge penalty chosen on test folds, one for all (best layer)",
         ev_points=alpha_inf[best].summary["inflation_shared"]),
    *[dict(how=f"layer chosen on scored images, population ({m})", ev_points=r.summary["inflation"])
      for m, r in layer_inf.items()],
    *[dict(how=f"layer chosen on scored images, per neuron ({m})", ev_points=r.summary["per_neuron_inflation"])
      for m, r in layer_inf.items()],
]).set_index("how")
inflation.round(2)

# %% [markdown]
# And the gap that random and untrained features would have to close: the best trained
# layer against the best untrained, pixel and random-projection representation, per
# neuron (noise-corrected EV of each V4 site under both), with a bootstrap interval over
# sites.

# %%
baselines = summary.loc[[k for k in summary.index if k not in trained_best.index], "measured_ev"]
top, base = trained_best.idxmax(), baselines.idxmax()
diff = (prof.checks[top].result.per_target["ev"] - prof.checks[base].result.per_target["ev"]).dropna().to_numpy()
boot = np.array([np.median(rng.choice(diff, diff.size)) for _ in range(S.n_boot)])
gap_lo, gap_hi = report.percentile_interval(boot)
pd.DataFrame({"median EV (%)": [trained_best.max(), baselines.max()]}, index=[top, base]).round(1)

# %% [markdown]
# ## Methodological pluralism: eight measures, one zoo, each beside its chance level
#
# The same representations, the same 50 V4 sites, eight measures: forward and reverse
# EV {cite}`muzellec2026`, RSA {cite}`kriegeskorte2008`, debiased linear CKA
# {cite}`kornblith2019`, the normalised Bures similarity (cos θ of the angular
# Procrustes distance θ {cite}`williams2021`), SVCCA and PWCCA on ten principal
# components of each side, and one-to-one matching of neurons to a fixed number of
# units ({glue:text}`good_matching_units:d`, the width of the narrowest layer), fitted on
# training images and scored on held-out ones {cite}`khosla2023`.
# Larger always means "more similar". Some of these have a chance level far from 0 —
# biased CKA and in-sample matching of unrelated wide features grow with the width,
# canonical correlations are positive by construction — so every score sits beside the
# same measure with the neurons' images shuffled (the shapes, spectra and unit counts
# stay; only the stimulus correspondence goes). `bothways.metrics.similarity` knows the
# measures also by the names of the similarity-repository registry
# (`bothways.metrics.ALIASES`).

# %%
report.glue_number("good_matching_units", S.matching_units)
nulls = gh.metric_nulls(feats, trials, n_shuffles=S.n_shuffles, n_shuffles_ev=S.n_shuffles_ev, n_splits=S.n_splits,
                        seed=seed, max_units=S.max_units, n_folds=S.n_folds, matching_units=S.matching_units,
                        n_components=S.n_components, device=device)
table = nulls.pivot(index="model", columns="metric", values="score").loc[list(feats), list(gh.HIGHER_IS_BETTER)]
above = nulls.assign(above=nulls.score > nulls.null_high)
nulls.pivot(index="model", columns="metric", values="score").round(3).astype(str).add(" (") \
    .add(nulls.pivot(index="model", columns="metric", values="null_mean").round(3).astype(str)).add(")") \
    .loc[list(feats), list(gh.HIGHER_IS_BETTER)]

# %% mystnb={"figure": {"caption": "Left: every measure's score (dots) and its stimulus-shuffle null (grey bars: from the null's mean to its maximum), for every representation; EVs in units of 100 %. Right: Spearman rank correlation, across the representations, between the rankings the eight measures give. 1: identical rankings; negative: opposite rankings.", "name": "fig-goodhart-ranks"}}
fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 5), gridspec_kw={"width_ratios": [1.2, 1]})
metrics_order = list(gh.HIGHER_IS_BETTER)
for j, metric in enumerate(metrics_order):
    sub = nulls[nulls.metric == metric].set_index("model").loc[list(order)]
    scale = 100.0 if metric.endswith("_ev") else 1.0
    y = j + np.linspace(-0.3, 0.3, len(sub))
    ax1.hlines(y, sub.null_mean / scale, sub.null_high / scale, color="0.7", lw=3)
    ax1.scatter(sub.score / scale, y, c=[colors[n] for n in sub.index], s=18, zorder=3)
ax1.axvline(0, color=PALETTE["reference"], lw=0.8)
ax1.set(yticks=range(len(metrics_order)), yticklabels=metrics_order, xlabel="score (EV / 100)")
agree = rank_agreement(gh.oriented(table))
sns.heatmap(agree, vmin=-1, vmax=1, cmap="RdBu_r", annot=True, fmt=".2f", square=True, ax=ax2,
            cbar_kws={"label": "Spearman ρ"}, annot_kws={"fontsize": 7})
plt.show()

# %%
# Forward-vs-reverse and forward-vs-others agreement, with bootstrap intervals over representations
others = [c for c in metrics_order if c not in ("forward_ev", "reverse_ev")]
def _boot_rho(a, b):
    out = []
    for _ in range(S.n_boot):
        idx = rng.choice(len(table), len(table))
        if table[a].iloc[idx].nunique() > 2 and table[b].iloc[idx].nunique() > 2:
            out.append(spearmanr(table[a].iloc[idx], table[b].iloc[idx])[0])
    return report.percentile_interval(np.array(out))
fr_lo, fr_hi = _boot_rho("forward_ev", "reverse_ev")
rho_others = agree.loc["forward_ev", others]
pd.DataFrame({"ρ with forward EV": agree.loc["forward_ev"].drop("forward_ev")}).round(2)

# %% [markdown]
# ## Which mapping? The transform class of the animals
#
# Thobani et al. {cite}`thobani2025` propose to settle the choice of mapping with the
# animals themselves: take the *strictest* class of mappings that maps one animal onto
# another about as well as any looser class does, and compare models with animals under
# that class, in both directions. We have no second V4 monkey on these images, so we
# use the digital twins of three monkeys (WE, PE, RA): compact CNNs fitted to single V4
# neurons {cite}`cowley2023`, shown the same images. They are models of neurons, not
# recordings. The four classes nest by construction, strict to loose: a one-to-one
# permutation (each target unit copies one source unit), soft (each target unit a
# non-negative mixture of source units — it contains every permutation and every
# column of an optimal-transport plan), linear (ridge), and nonlinear (ridge on the
# source and random ReLU features of it, so that it contains every linear map). Every
# map is fitted on the training images of each fold. First: do the classes nest on the
# images they are fitted on?

# %%
panel = twin_panel(images, n_per_monkey=S.twins_per_monkey, repeats=S.twin_repeats, seed=seed)
clean = {m: p.signal for m, p in panel.items()}
noisy = {m: p.trials for m, p in panel.items()}
few = {m: gh.repeat_subset(p.trials, S.few_repeats, seed=seed) for m, p in panel.items()}
nesting = gh.class_nesting(clean, nonlinear_width=S.nonlinear_width, seed=seed)
nesting.round(3)

# %% [markdown]
# Now held out, for noise-free twin predictions (as they are, and clipped at zero, which
# is what the simulated trials are drawn around) and for simulated trials (noise
# calibrated on real V4 trials) averaged over all of their repeats or over
# {glue:text}`good_few_repeats:d` of them (noise-corrected scores, as in the
# predictivity chapters).

# %%
import warnings

report.glue_number("good_few_repeats", S.few_repeats)
warnings.filterwarnings("ignore", message=r".*constant target", category=UserWarning)  # twins silent on a fold
class_tabs = {"noise-free": gh.transform_class_table(clean, classes=gh.CLASSES, seed=seed,
                                                     nonlinear_width=S.nonlinear_width)}
# what the simulated trials are drawn around: the prediction clipped at zero (rates are not negative)
class_tabs["noise-free, clipped"] = gh.transform_class_table({m: np.clip(v, 0, None) for m, v in clean.items()},
                                                             classes=gh.CLASSES, seed=seed,
                                                             nonlinear_width=S.nonlinear_width)
for label, pops in ((f"{S.twin_repeats} repeats", noisy), (f"{S.few_repeats} repeats", few)):
    class_tabs[label] = gh.transform_class_table(pops, classes=gh.CLASSES, seed=seed, nonlinear_width=S.nonlinear_width,
                                                 n_reliability_splits=S.reliability_splits)
class_means = pd.concat({k: t.groupby("cls")["score"].mean() for k, t in class_tabs.items()}, axis=1)
class_means = class_means.loc[list(gh.CLASSES)]
strictness = pd.concat({k: gh.strictest_by_tolerance(t, S.tolerances) for k, t in class_tabs.items()}, axis=1)
display(class_means.round(3))
strictness

# %% mystnb={"figure": {"caption": "Animal-to-animal scores (mean noise-corrected correlation of held-out predictions over target units) of the digital twins of three monkeys under each mapping class, one dot per ordered pair of monkeys, for noise-free predictions and simulated trials. Bars: means.", "name": "fig-goodhart-classes"}}
long = pd.concat([t.assign(noise=k) for k, t in class_tabs.items()], ignore_index=True)
fig, ax = plt.subplots(figsize=(7, 3.8))
sns.stripplot(long, x="cls", y="score", hue="noise", order=list(gh.CLASSES), dodge=True, size=6, ax=ax)
sns.barplot(long, x="cls", y="score", hue="noise", order=list(gh.CLASSES), errorbar=None, alpha=0.25, ax=ax,
            legend=False)
ax.set(xlabel="mapping class (strict → loose)", ylabel="animal → animal score (r)")
ax.legend(fontsize=8, title="twins", title_fontsize=8)
plt.show()

# %% [markdown]
# Now the models, under the class the noise-free animals chose at the chapter's
# tolerance ({glue:text}`good_tolerance:.2f` of the best class), both ways: model →
# animal (each twin predicted from the model's units) and animal → model (each model
# unit predicted from a monkey's twins). Models use a seeded sample of their units; a
# model that is like an animal should fall within the range of the animal → animal
# scores.

# %%
report.glue_number("good_tolerance", S.class_tolerance)
strict = gh.strictest_class(class_tabs["noise-free"], tolerance=S.class_tolerance)
best_per_model = summary["measured_ev"].groupby(lambda k: k.split(":")[0]).idxmax()
class_models = summary.loc[best_per_model.values, "measured_ev"].sort_values(ascending=False).index[:S.class_models]
models = {k: feats[k][:, gh.unit_sample(feats[k], S.model_units, seed=seed)] for k in class_models}
scores = gh.class_scores(models, clean, strict, seed=seed, nonlinear_width=S.nonlinear_width)
both = scores[scores.kind != "animal→animal"].pivot_table(index="model", columns="kind", values="score")
aa = scores.loc[scores.kind == "animal→animal", "score"]
both.round(3)

# %% mystnb={"figure": {"caption": "Models against noise-free digital twins under the strictest adequate mapping class, in both directions (mean over the three monkeys). The green band spans the animal-to-animal scores under the same class; a model inside it maps onto the animals as well as they map onto each other.", "name": "fig-goodhart-models-classes"}}
fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.axhspan(aa.min(), aa.max(), color=PALETTE["animal"], alpha=0.25, label="animal → animal")
x = np.arange(len(both))
ax.plot(x - 0.1, both["model→animal"], "o", color=PALETTE["forward"], ms=8, label="model → animal")
ax.plot(x + 0.1, both["animal→model"], "s", color=PALETTE["reverse"], ms=8, label="animal → model")
ax.set(xticks=x, ylabel=f"score under '{strict}' (r)", xlabel="")
ax.set_xticklabels(both.index, rotation=20, ha="right", fontsize=8)
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Controls
#
# Two checks run on every build through the same code paths as the findings. The
# positive control plants known answers: populations made from one another by a
# permutation, by non-negative mixtures and by a rotation must be assigned the
# permutation, soft and linear class, and the spectral theory must match ridge on a
# Gaussian population with the best layer's eigenvalues and weights wherever the book
# uses it (p/P ≤ 0.5). The negative control scores features that are independent of the
# neurons: debiased CKA and cross-validated matching must sit at 0, and every measure
# inside its shuffle null; and the classes must nest on their training images.

# %% tags=["controls", "hide-input"]
A = np.exp(rng.standard_normal((S.n_stimuli, 8)))
mix = np.abs(rng.standard_normal((8, 8))) * (rng.random((8, 8)) < 0.4) + np.eye(8)[rng.permutation(8)]
planted = {"A": A, "permuted": A[:, rng.permutation(8)] * 2 + 1, "mixed": A @ mix,
           "rotated": A @ ortho_group.rvs(8, random_state=seed)}
ptab = gh.transform_class_table(planted, pairs=[("A", k) for k in ("permuted", "mixed", "rotated")],
                                classes=gh.CLASSES, seed=seed, nonlinear_width=S.nonlinear_width)
found = {k: gh.strictest_class(ptab[ptab.target == k], tolerance=S.class_tolerance)
         for k in ("permuted", "mixed", "rotated")}
within = pool[pool.p_fraction.between(0.1, 0.5)]
surrogate_err = float(np.max(np.abs(within.surrogate / within.theory - 1)))
indep = rng.standard_normal((S.n_stimuli, feats[best].shape[1]))
mean_v4 = np.nanmean(trials, axis=2)
null_cka, null_match = linear_cka(mean_v4, indep), matching_cv(mean_v4, indep, n_units=S.matching_units, seed=seed)
indep_nulls = gh.metric_nulls({"independent": indep}, trials, n_shuffles=S.n_shuffles, n_shuffles_ev=0, n_splits=1,
                              seed=seed, max_units=S.max_units, n_folds=S.n_folds, matching_units=S.matching_units,
                              n_components=S.n_components, device=device).set_index("metric")
cheap = [m for m in metrics_order if not m.endswith("_ev")]
spread = (indep_nulls.loc[cheap, "null_high"] - indep_nulls.loc[cheap, "null_mean"]).clip(lower=0.02)
outside = [m for m in cheap if abs(indep_nulls.loc[m, "score"] - indep_nulls.loc[m, "null_mean"]) > 3 * spread[m]]
display(pd.DataFrame({"planted": list(found), "strictest class found": list(found.values())}))
# positive control: the planted classes are recovered, and the theory matches the Gaussian surrogate
assert found == {"permuted": "permutation", "mixed": "soft", "rotated": "linear"}, f"planted classes: {found}"
assert surrogate_err < 0.15, f"theory vs Gaussian surrogate at p/P <= 0.5: max relative gap {surrogate_err:.3f}"
# negative control: independent features score at their null; the classes nest on training images
assert abs(null_cka) < 0.05 and abs(null_match) < 0.05, (
    f"independent features: CKA {null_cka:.3f}, matching {null_match:.3f}")
assert not outside, f"independent features outside their shuffle null: {outside}"
assert nesting["nested"].all(), "the transform classes do not nest on their training images"

# %%
# The findings, glued into the Markdown below (bothways.report).
r = rho
report.glue_number("good_n_reps", len(summary))
report.glue_number("good_n_images", S.n_stimuli)
for k in ("top_weight", "top_eigen_fraction", "pr", "theory_all", "radius", "dimension"):
    report.glue_number(f"good_rho_{k}", r[k])
report.glue_number("good_D_min", at_mid["dimension"].min())
report.glue_number("good_D_max", at_mid["dimension"].max())
report.glue_number("good_D_null_min", at_mid["null_dimension"].min())
report.glue_number("good_D_null_max", at_mid["null_dimension"].max())
report.glue_number("good_D_ceiling", S.n_stimuli - 1)
from bothways.reliability import split_halves

half_a, half_b = split_halves(trials, np.random.default_rng(seed))
half_a, half_b, centred = half_a - half_a.mean(0), half_b - half_b.mean(0), mean_v4 - mean_v4.mean(0)
report.glue_number("good_signal_fraction", np.sum(half_a * half_b) / np.sum(centred**2))
report.glue_number("good_R_min", at_mid["radius"].min())
report.glue_number("good_R_max", at_mid["radius"].max())
report.glue_number("good_top_weight_max", summary["top_weight"].max())
report.glue_number("good_p_mid", S.p_fraction)
half = gap[gap.p_fraction <= 0.5]
report.glue_number("good_real_gap_half", half.real_gap.iloc[-1] * 100)
report.glue_number("good_pool_gap_half", half.pool_gap.iloc[-1] * 100)
report.glue_number("good_sur_gap_max", surrogate_err * 100)
end = gap.iloc[-1]
report.glue_number("good_end_fraction", end.p_fraction)
report.glue_number("good_real_gap_end", end.real_gap * 100)
report.glue_number("good_pool_gap_end", end.pool_gap * 100)
report.glue_number("good_sur_gap_end", end.surrogate_gap * 100)
explained = abs(end.pool_gap - end.real_gap) < 0.5 * abs(end.real_gap)
report.glue_text("good_pool_explains", "accounts for" if explained else "does not account for")
report.glue_text("good_pool_reading", "the gap is what a finite pool does to the comparison, not a failure of the "
                 "theory" if explained else "the surrogate differs from the real images only in the distribution of "
                 "the features, so the gap comes from there — the real features are not Gaussian — and not from P")
report.glue_number("good_noise_ev_few", noise.median_ev.iloc[0])
report.glue_number("good_noise_ev_all", noise.median_ev.iloc[-1])
report.glue_number("good_noise_r2_few", noise.median_r2.iloc[0])
report.glue_number("good_noise_r2_all", noise.median_r2.iloc[-1])
report.glue_number("good_noise_few_k", int(noise.repeats.iloc[0]))
for how, key in zip(inflation.index[:3], ("expansion", "alpha_each", "alpha_one")):
    report.glue_number(f"good_infl_{key}", inflation.loc[how, "ev_points"])
report.glue_number("good_infl_layer_max", inflation.iloc[3:].ev_points.max())
report.glue_number("good_widest", widest)
report.glue_number("good_rev_first", first.reverse_ev)
report.glue_number("good_rev_last", last.reverse_ev)
a_diff = (pt["ev_test_alpha"] - pt["ev_nested"]).dropna().to_numpy()
a_boot = np.array([np.mean(rng.choice(a_diff, a_diff.size)) for _ in range(S.n_boot)])
a_lo, a_hi = report.percentile_interval(a_boot)
report.glue_interval("good_alpha_ci", a_diff.mean(), a_lo, a_hi, unit=" points", signed=True)
report.glue_text("good_alpha_verdict", report.verdict(a_diff.mean(), a_lo, a_hi, expected_sign=+1))
report.glue_text("good_top", top)
report.glue_text("good_base", base)
report.glue_number("good_top_ev", trained_best.max())
report.glue_number("good_base_ev", baselines.max())
report.glue_interval("good_gap_ci", np.median(diff), gap_lo, gap_hi, unit=" points", signed=True)
report.glue_text("good_gap_verdict", report.verdict(np.median(diff), gap_lo, gap_hi, expected_sign=+1))
n_above = above[~above.metric.str.endswith("_ev")].groupby("metric")["above"].sum()
report.glue_number("good_cheap_above_min", int(n_above.min()))
report.glue_text("good_cheap_above_least", n_above.idxmin())
report.glue_number("good_rho_fr", agree.loc["forward_ev", "reverse_ev"])
report.glue_interval("good_rho_fr_ci", agree.loc["forward_ev", "reverse_ev"], fr_lo, fr_hi, digits=2, signed=True)
report.glue_text("good_rho_fr_verdict", report.verdict(agree.loc["forward_ev", "reverse_ev"], fr_lo, fr_hi,
                                                       expected_sign=-1))
agreeing, other = rho_others[rho_others >= 0.5], rho_others[rho_others < 0.5]
report.glue_text("good_agreeing", ", ".join(f"{m} ({v:+.2f})" for m, v in agreeing.sort_values().items()) or "none")
report.glue_text("good_disagreeing", ", ".join(f"{m} ({v:+.2f})" for m, v in other.sort_values().items()) or "none")
cm = class_means["noise-free"]
report.glue_text("good_class_means", ", ".join(f"{c} {cm[c]:.2f}" for c in gh.CLASSES))
report.glue_text("good_nested", "nest" if nesting["nested"].all() else "do not nest")
report.glue_text("good_strict", strict)
for label, key in ((f"{S.twin_repeats} repeats", "noisy"), (f"{S.few_repeats} repeats", "few")):
    report.glue_text(f"good_strict_{key}", strictness.loc[S.class_tolerance, label])
noisy_lin = class_means.loc["linear"]
report.glue_number("good_lin_clean", noisy_lin["noise-free"])
report.glue_number("good_lin_clipped", noisy_lin["noise-free, clipped"])
report.glue_text("good_strict_clipped", strictness.loc[S.class_tolerance, "noise-free, clipped"])
report.glue_number("good_lin_noisy", noisy_lin[f"{S.twin_repeats} repeats"])
report.glue_number("good_lin_few", noisy_lin[f"{S.few_repeats} repeats"])
from bothways.reliability import split_half_reliability

twin_r2, twin_r2_clip, twin_rel = [], [], []
for p_ in panel.values():
    avg, clipped = np.nanmean(p_.trials, axis=2), np.clip(p_.signal, 0, None)
    ok = (np.ptp(avg, axis=0) > 0) & (np.ptp(clipped, axis=0) > 0)
    twin_r2 += [np.corrcoef(avg[:, j], p_.signal[:, j])[0, 1] ** 2 for j in np.flatnonzero(ok)]
    twin_r2_clip += [np.corrcoef(avg[:, j], clipped[:, j])[0, 1] ** 2 for j in np.flatnonzero(ok)]
    twin_rel += list(split_half_reliability(p_.trials[:, ok], n_splits=S.reliability_splits, seed=seed))
report.glue_number("good_twin_signal_r2", np.nanmedian(twin_r2))
report.glue_number("good_twin_clipped_r2", np.nanmedian(twin_r2_clip))
report.glue_number("good_twin_split_half", np.nanmedian(twin_rel))
report.glue_text("good_strict_by_tol", "; ".join(
    f"{t:.2f}: " + ", ".join(f"{strictness.loc[t, c]} ({c})" for c in strictness.columns) for t in strictness.index))
report.glue_number("good_twin_repeats", S.twin_repeats)
inside = (both["model→animal"] >= aa.min()) & (both["model→animal"] <= aa.max())
report.glue_number("good_inside", int(inside.sum()))
report.glue_number("good_n_class_models", len(both))
report.glue_number("good_aa_min", aa.min())
report.glue_number("good_aa_max", aa.max())

# %% [markdown]
# ## What we found
#
# **What a score is made of** ({glue:text}`good_n_reps:d` representations,
# {glue:text}`good_n_images:d` V4 images). Across representations, median forward EV
# has a Spearman ρ of {glue:text}`good_rho_top_weight:+.2f` with task alignment (the
# neurons' variance on the top ten modes), {glue:text}`good_rho_top_eigen_fraction:+.2f`
# with spectral bias (the variance on the top ten eigenvalues),
# {glue:text}`good_rho_pr:+.2f` with the participation ratio and
# {glue:text}`good_rho_theory_all:+.2f` with the theory's error. The error modes at
# p/P = {glue:text}`good_p_mid:.2f` have a radius of {glue:text}`good_R_min:.3f` to
# {glue:text}`good_R_max:.3f` (ρ with EV {glue:text}`good_rho_radius:+.2f`) and a
# dimension of {glue:text}`good_D_min:.0f` to {glue:text}`good_D_max:.0f` for every
# representation, against {glue:text}`good_D_null_min:.0f` to
# {glue:text}`good_D_null_max:.0f` for images shuffled and a ceiling of
# {glue:text}`good_D_ceiling:d`: at most {glue:text}`good_top_weight_max:.2f` of the V4
# variance lies on any representation's top ten modes, so the unlearned variance is
# spread over nearly all the modes that p images leave, and D mostly counts those. Trial
# noise is not the main reason: split halves put {glue:text}`good_signal_fraction:.2f` of
# the trial-averaged variance in the signal.
#
# **Theory and measurement.** Measured over all images, the best layer's ridge error
# differs from the theory's by {glue:text}`good_real_gap_half:+.1f` % at p/P = 0.5 and by
# {glue:text}`good_real_gap_end:+.1f` % at p/P = {glue:text}`good_end_fraction:.2f`
# (negative: ridge does better). On a Gaussian population with the same eigenvalues and
# weights, the theory matches ridge on fresh samples (largest gap
# {glue:text}`good_sur_gap_max:.1f` % for p/P ≤ 0.5, {glue:text}`good_sur_gap_end:+.1f` %
# at the largest p), and a pool of P Gaussian samples treated like the real images
# gives {glue:text}`good_pool_gap_half:+.1f` % and {glue:text}`good_pool_gap_end:+.1f` %:
# a finite pool {glue:md}`good_pool_explains` the real gap; {glue:md}`good_pool_reading`.
# Held-out errors from the theory are given for p/P ≤ 0.5 only.
# Averaging the neurons over {glue:text}`good_noise_few_k:d` repeats instead of all
# moves their raw reverse r² from {glue:text}`good_noise_r2_all:.1f` % to
# {glue:text}`good_noise_r2_few:.1f` % and the noise-corrected EV from
# {glue:text}`good_noise_ev_all:.1f` % to {glue:text}`good_noise_ev_few:.1f` %.
#
# **Free inflations.** Choosing each neuron's ridge penalty on the test folds raises the
# mean EV of the best layer by {glue:md}`good_alpha_ci` (the inflation
# {glue:md}`good_alpha_verdict`); one shared penalty chosen that way gives
# {glue:text}`good_infl_alpha_one:+.2f` points; {glue:text}`good_widest:d` random ReLU
# features of pixels give {glue:text}`good_infl_expansion:+.2f` points of median
# forward EV (reverse EV {glue:text}`good_rev_first:.1f` % →
# {glue:text}`good_rev_last:.1f` %); choosing the layer on the scored images gives at
# most {glue:text}`good_infl_layer_max:+.2f` points. That the best trained layer beats
# every untrained and random baseline {glue:md}`good_gap_verdict`: the best trained
# layer ({glue:text}`good_top`, {glue:text}`good_top_ev:.1f` %) minus the best baseline
# ({glue:text}`good_base`, {glue:text}`good_base_ev:.1f` %) is {glue:md}`good_gap_ci`
# per site (median, 95 % bootstrap interval over sites) — far more than any of the free
# inflations.
#
# **Eight measures.** Every measure other than the EVs scores each representation
# above its shuffle null for at least {glue:text}`good_cheap_above_min:d` of the
# {glue:text}`good_n_reps:d` representations (fewest: {glue:text}`good_cheap_above_least`).
# Across the representations, forward EV's ranking agrees (Spearman ρ ≥ 0.5) with
# {glue:md}`good_agreeing`, and less or not with {glue:md}`good_disagreeing`. Forward
# against reverse EV has ρ = {glue:md}`good_rho_fr_ci` (bootstrap over representations):
# the disagreement Muzellec & Kar report {glue:md}`good_rho_fr_verdict`.
#
# **Transform classes.** On their training images the four classes
# {glue:md}`good_nested` for every pair of twin populations. Held out, noise-free twins
# score {glue:md}`good_class_means` (mean r over pairs); the strictest class within
# {glue:text}`good_tolerance:.2f` of the best is **{glue:md}`good_strict`** for
# noise-free twins, **{glue:md}`good_strict_clipped`** for their predictions clipped at
# zero, **{glue:md}`good_strict_noisy`** with {glue:text}`good_twin_repeats:d`
# simulated repeats and **{glue:md}`good_strict_few`** with
# {glue:text}`good_few_repeats:d`. By tolerance: {glue:md}`good_strict_by_tol`. The
# noise correction does not recover the noise-free scores (linear:
# {glue:text}`good_lin_clean:.2f` noise-free, {glue:text}`good_lin_clipped:.2f` clipped,
# {glue:text}`good_lin_noisy:.2f` and
# {glue:text}`good_lin_few:.2f` corrected from trials), so with trial noise the choice
# of class reflects the noise as much as the animals. One reason is visible in the
# twins themselves: their trial average shares a median r² of
# {glue:text}`good_twin_signal_r2:.2f` with their noise-free prediction, while split
# halves estimate its reliability at {glue:text}`good_twin_split_half:.2f`. The trials are
# drawn around the prediction clipped at zero (rates are not negative), a distortion all
# repeats share and split halves count as signal; against the clipped prediction the
# trial average's r² is {glue:text}`good_twin_clipped_r2:.2f`. Under the
# noise-free choice, {glue:text}`good_inside:d` of {glue:text}`good_n_class_models:d`
# models fall inside the animal → animal range ({glue:text}`good_aa_min:.2f` to
# {glue:text}`good_aa_max:.2f`) in the model → animal direction.

# %% [markdown]
# Context from the papers: Canatar et al. {cite}`canatar2023` decompose the neural
# predictivity of many networks on macaque V4 and IT data into the eigenspectrum, the
# neurons' alignment with it and the geometry of the error modes, and show that
# similar scores can come from different combinations of them; Muzellec & Kar
# {cite}`muzellec2026` report a rank correlation of −0.33 between forward and reverse EV
# across 39 networks on IT. Elmoznino & Bonner {cite}`elmoznino2024` report that
# encoding performance rises with effective dimensionality; random ReLU features show
# what dimensionality bought without learning buys.
#
# **What would change our mind.** If untrained or random features matched the trained
# layers' forward EV on these images, the forward score would carry no information
# about training at all. If the spectral summaries stopped tracking the score on
# another data set (IT, more images), the decomposition would be a description of this
# zoo rather than an explanation. The strictest adequate class is a function of the
# tolerance and of the trial noise (the table above); a verdict that holds at one
# tolerance only is a statement about the tolerance.
#
# **Limits.** V4, not IT, and one monkey with 50 sites; at `size="ci"` a subset of the
# images and few shuffles, so every number is noisy (rerun with `size="full"`). The
# "animals" of the transform-class section are digital twins — CNN models of neurons of
# three monkeys, fitted on other images — so animal-to-animal agreement is partly
# agreement between models; their trial noise is simulated. The nonlinear class is
# random ReLU features beside the source, followed by ridge, not a learned network. The
# spectral theory is asymptotic; the ridge penalty it is given is the median each
# representation's score chose (inside its training folds). The soft class here is a
# non-negative mixture, not Khosla & Williams' optimal-transport plan, whose exact
# optimum with equal unit counts is a permutation.
#
# ## Exercises
#
# **1 (checkable).** The error modes of the theory have a radius R and a dimension D,
# and the theory's error is E_g = R·√D. Compute E_g of the best layer (`best`) from the
# `radius` and `dimension` columns of `summary`, and check it against the theory.

# %% tags=["remove-cell", "exercise-key"]
EXPECTED_EG = float(summary.loc[best, "theory_all"])

# %%
from bothways.exercises import check_number

answer = None  # your answer: E_g of the best layer from its radius and dimension
check_number(answer, EXPECTED_EG, rtol=1e-3, hint="Multiply the radius by the square root of the dimension.");

# %% tags=["solution", "hide-cell"]
answer = summary.loc[best, "radius"] * np.sqrt(summary.loc[best, "dimension"])
check_number(answer, EXPECTED_EG, rtol=1e-3)

# %% [markdown]
# **2 (open).** Design a transformation of a trained layer that raises its *reverse* EV
# without making it more brain-like. (Hint: what did the random ReLU expansion do to
# reverse EV, and why? What happens to a layer's reverse EV if you keep only its top
# principal components?) Which of the eight measures would your transformation leave
# unchanged, and which would its shuffle null move?
