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
# # More dimensions, more forward, less reverse?
#
# **The claim.** Across 39 networks, layers with a higher effective dimensionality
# (the participation ratio of their responses) predict macaque IT better (Spearman
# +0.37) and are predicted worse from it (−0.40) {cite}`muzellec2026`, and encoding
# performance grows roughly linearly with the logarithm of dimensionality
# {cite}`elmoznino2024`. We measure both on real V4 recordings, then run the test a
# correlation across networks cannot: hold one layer fixed, change only its spectrum,
# and watch what each direction does.

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
# - Measure the effective dimensionality of every layer of a small zoo — trained
#   networks, untrained ones, pixel baselines, and networks whose dimensionality we set
#   ourselves — in both published ways, and score each layer forward (layer → V4) and
#   reverse (V4 → layer).
# - Fit each score against log dimensionality with bootstrap confidence intervals, and
#   put our Spearman correlations beside the published +0.37 and −0.40.
# - Hold one layer fixed and reshape only its eigenvalues (power laws, truncation,
#   whitening), keeping its eigenvectors: the causal test.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from bothways.analyses import dimensionality_sweep as ds
from bothways.config import sizes
from bothways.data import load_cowley_session, load_images
from bothways.dimensionality import eigenspectrum, powerlaw_exponent, powerlaw_pr
from bothways.models import extract_features, get_model
from bothways.plotting import PALETTE, set_theme

set_theme()
S = sizes("dimensionality", size)
score = dict(n_splits=S.n_splits, n_folds=S.n_folds, max_reverse_units=S.max_reverse_units)
print(f"size={size!r}: {S.n_stimuli} test images, {S.n_reference} reference images, "
      f"n_splits={S.n_splits}, reverse scored on <= {S.max_reverse_units} units per layer")

# %% [markdown]
# ## The recordings: V4, not IT
#
# The paper's IT recordings are not reachable from the machines that build this book.
# We use session 210325 of Cowley et al. {cite}`cowley2023`: 50 **V4** sites of one
# monkey, 640 images of objects on natural backgrounds (the family of stimuli the IT
# studies use), 6–10 repeats each. Every number below is a V4 number; the paper's IT
# numbers are context. At `size="ci"` we use the same random subset of images as
# {doc}`01_asymmetry` (so the features are already cached).
#
# The second published variant of dimensionality needs a *separate* image set. We take
# the natural images of another session of the same monkey (none of them is a test
# image) as a stand-in for the 10,000 ImageNet images of Elmoznino & Bonner.

# %%
rec = load_cowley_session(210325)
keep = np.sort(np.random.default_rng(seed).choice(rec.n_stimuli, S.n_stimuli, replace=False))
images, trials = rec.images[keep], rec.trials[keep]
reference = load_images(S.reference_session)[:S.n_reference]
print(f"test: {images.shape[0]} images x {trials.shape[1]} V4 sites x up to {trials.shape[2]} repeats")
print(f"reference: {reference.shape[0]} natural images of session {S.reference_session}")

# %% [markdown]
# ## Dimensionality, two ways, and both directions for every layer
#
# The participation ratio of a layer's responses, `PR = (Σλ)² / Σλ²` over the
# eigenvalues of their covariance {cite}`gao2017`, counts how many directions carry
# the variance: 1 if one does, `k` if `k` share it equally. The two papers compute it
# differently:
#
# - **Muzellec & Kar** (`pr_test`): on the test images, the layer un-pooled (every
#   unit at every position);
# - **Elmoznino & Bonner** (`pr_pooled`): on a separate set of natural images, after
#   global max pooling over space (one value per channel).
#
# For every layer we also score both directions with the book's default method:
# cross-validated ridge, noise-corrected explained variance (EV), median over the 50
# sites (forward) or over up to `max_reverse_units` randomly drawn units (reverse). The
# "set by us" rows are networks whose dimensionality we chose: random ReLU expansions
# of one layer (wider, more dimensions), its PCA truncations (fewer), and its
# whitened version (all directions equal).

# %%
controls = dict(model=S.control_model, layer=S.control_layer, expansions=S.expansions,
                truncations=S.truncations, whiten=True)
table = ds.sweep_zoo(images, trials, models=S.models, untrained=S.untrained, baselines=S.baselines,
                     reference_images=reference, controls=controls, seed=seed, device=device,
                     progress=False, **score)
networks = table[table.group != "set by us"]
table[["model", "layer", "group", "transform", "n_units", "pr_test", "pr_pooled", "forward_ev",
       "reverse_ev"]].round(1)

# %% mystnb={"figure": {"caption": "The two published measures of effective dimensionality for every network layer: participation ratio of the un-pooled layer on the test images (Muzellec & Kar) against that of the globally max-pooled layer on separate natural images (Elmoznino & Bonner). Both axes logarithmic.", "name": "fig-dimensionality-variants"}}
markers = {"trained": "o", "untrained": "s", "baseline": "^", "set by us": "D"}
fig, ax = plt.subplots(figsize=(5, 4.5))
for group, rows in networks.groupby("group"):
    ax.scatter(rows.pr_test, rows.pr_pooled, marker=markers[group], s=45, label=group,
               color=PALETTE["reference"] if group != "trained" else "black")
ax.set(xscale="log", yscale="log", xlabel="PR, test images, un-pooled (Muzellec & Kar)",
       ylabel="PR, natural images, max-pooled (Elmoznino & Bonner)")
ax.legend()
plt.show()

# %%
rho_variants = spearmanr(networks.pr_test, networks.pr_pooled)[0]
print(f"Spearman between the two PR variants across {len(networks)} network layers: {rho_variants:+.2f}")

# %% [markdown]
# The two variants are different measurements: one sees every spatial position of a
# layer on the very images it will be scored on, the other one number per channel on
# other images. Where they disagree, a correlation "with dimensionality" depends on
# which one a paper chose, so we report both.
#
# ## Scores against log dimensionality
#
# We fit each score against `log10 PR` across the network layers (the "set by us"
# networks are drawn but not fitted) and bootstrap the layers for 95 % confidence
# intervals.

# %%
fits = {(d, s): ds.fit_log_pr(networks[d], networks[s], n_boot=S.n_boot, seed=seed)
        for d in ("pr_test",) for s in ("forward_ev", "reverse_ev")}
ds.fit_table(networks, n_boot=S.n_boot, seed=seed).round(3)

# %% mystnb={"figure": {"caption": "Forward EV (V4 sites predicted from the layer, left) and reverse EV (layer units predicted from the V4 sites, right) against the participation ratio of the layer on the test images. Each point is one layer; filled: network layers (fitted), hollow diamonds: networks whose dimensionality we set (not fitted). Line: least-squares fit on log10 PR; band: 95 % bootstrap interval over layers.", "name": "fig-dimensionality-scatter"}}
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
for ax, direction in zip(axes, ("forward", "reverse")):
    col, fit, colour = f"{direction}_ev", fits[("pr_test", f"{direction}_ev")], PALETTE[direction]
    ax.fill_between(fit.grid, fit.band_low, fit.band_high, color=colour, alpha=0.15, lw=0)
    ax.plot(fit.grid, fit.line, color=colour, lw=2)
    for group, rows in table.groupby("group"):
        hollow = group == "set by us"
        ax.scatter(rows.pr_test, rows[col], marker=markers[group], s=45, label=group,
                   facecolor="none" if hollow else colour, edgecolor=colour)
    ax.set(xscale="log", xlabel="participation ratio (test images, un-pooled)",
           ylabel=f"{direction} EV (%)",
           title=f"{direction}: {fit.slope:+.1f} % per decade, ρ = {fit.spearman:+.2f}")
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# The Spearman correlations across network layers, with bootstrap intervals, beside
# the published ones (39 ImageNet networks on IT; the paper's dimensionality is the
# `pr_test` variant):

# %%
spearman = ds.spearman_table(networks, n_boot=S.n_boot, seed=seed)
spearman.round(2)

# %% [markdown]
# ## The causal test: change only the spectrum
#
# Correlations across networks mix everything that differs between networks:
# architecture, training, depth, the number of units. Here we hold one layer fixed —
# its units, its eigenvectors and their order, its total variance — and set its
# eigenvalues to power laws `λᵢ ∝ i^(−a)` (`bothways.dimensionality.reshape_spectrum`;
# `a = 0` is whitening, larger `a` means fewer effective dimensions
# {cite}`stringer2019`), then truncate it to its top principal components. Only the
# spectrum changes, so whatever changes in each direction is caused by the spectrum
# {cite}`canatar2023`. We score every version twice: with the book's default (ridge
# penalty re-chosen per target inside the training folds) and with the published
# procedure (a fixed penalty α = 0.1 on raw features {cite}`muzellec2026`), because a
# re-tuned penalty could absorb what a fixed one cannot.

# %%
base = extract_features(get_model(S.control_model), images, S.control_layer, device=device).values
natural = powerlaw_exponent(eigenspectrum(base))
methods = {"default": "book default (α tuned)", "muzellec_kar": "published (α = 0.1 fixed)"}
sweep = pd.concat([ds.spectrum_sweep(base, trials, exponents=S.exponents, truncations=S.truncations,
                                     seed=seed, device=device, method=m, progress=False, **score)
                   .assign(method=m)
                   for m in methods], ignore_index=True)
print(f"{S.control_model} {S.control_layer}: {base.shape[1]} units, rank {int(sweep['rank'].iloc[0])}, "
      f"its own spectrum decays as i^-{natural.exponent:.2f} (R² {natural.r2:.2f} in log-log)")
sweep.pivot(index=["transform", "parameter"], columns="method",
            values=["pr_test", "forward_ev", "reverse_ev"]).round(1)

# %% mystnb={"figure": {"caption": "One layer, many spectra. Forward (blue) and reverse (red) EV against the participation ratio after setting the layer's eigenvalues to power laws (circles, labelled with the exponent a; a = 0 is whitening) or truncating it to its top principal components (open squares, labelled with the number kept). Stars: the layer as it is. The eigenvectors never change. Left: the book's default regression; right: the published one.", "name": "fig-dimensionality-causal"}}
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
for ax, (method, title) in zip(axes, methods.items()):
    rows = sweep[sweep.method == method]
    power, trunc, orig = (rows[rows["transform"] == t] for t in ("power law", "PCA truncation", "original"))
    for direction in ("forward", "reverse"):
        col, colour = f"{direction}_ev", PALETTE[direction]
        ax.plot(power.pr_test, power[col], "o-", color=colour, label=f"{direction}, power law")
        ax.plot(trunc.pr_test, trunc[col], "s--", color=colour, mfc="white", label=f"{direction}, truncation")
        ax.plot(orig.pr_test, orig[col], "*", ms=16, color=colour, mec="black")
        for _, row in pd.concat([power, trunc]).iterrows():
            ax.annotate(f"{row.parameter:g}", (row.pr_test, row[col]), xytext=(3, 4),
                        textcoords="offset points", fontsize=7, color=colour)
    ax.set(xscale="log", xlabel="participation ratio (test images)", title=title)
axes[0].set_ylabel("EV (%)")
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# ## What we found

# %%
for row in spearman.itertuples():
    print(f"Spearman({row.dimensionality}, {row.score:10s}) = {row.rho:+.2f} "
          f"[{row.ci_low:+.2f}, {row.ci_high:+.2f}], n = {row.n}   (paper, IT: {row.paper:+.2f})")
trained = ds.spearman_table(networks[networks.group == "trained"], dims=("pr_test",), n_boot=S.n_boot, seed=seed)
for row in trained.itertuples():
    print(f"  trained layers only: Spearman(pr_test, {row.score}) = {row.rho:+.2f} "
          f"[{row.ci_low:+.2f}, {row.ci_high:+.2f}], n = {row.n}")
r2fit = ds.fit_log_pr(networks.pr_test, networks.forward_r2, n_boot=S.n_boot, seed=seed)
print(f"test R² = {r2fit.slope:.3f} [{r2fit.slope_ci[0]:.3f}, {r2fit.slope_ci[1]:.3f}] x log10 PR "
      f"+ {r2fit.intercept:.3f} [{r2fit.intercept_ci[0]:.3f}, {r2fit.intercept_ci[1]:.3f}]; "
      f"R² of the fit {r2fit.r2:.2f} [{r2fit.r2_ci[0]:.2f}, {r2fit.r2_ci[1]:.2f}]")
default = sweep[sweep.method == "default"]
power = default[default["transform"] == "power law"]
steep = power[power.parameter > 0]
o = default.iloc[0]
print(f"causal sweep (book default): the layer as it is: PR {o.pr_test:.0f}, forward {o.forward_ev:.1f} %, "
      f"reverse {o.reverse_ev:.1f} %")
print(f"  power laws a = {steep.parameter.min():g}..{steep.parameter.max():g}: PR {steep.pr_test.max():.0f} -> "
      f"{steep.pr_test.min():.1f}, forward {steep.forward_ev.min():.1f}-{steep.forward_ev.max():.1f} %, "
      f"reverse {steep.reverse_ev.iloc[0]:.1f} -> {steep.reverse_ev.iloc[-1]:.1f} %")
print(f"  whitened (a = 0): PR {power.pr_test.iloc[0]:.0f}, forward {power.forward_ev.iloc[0]:.1f} %, "
      f"reverse {power.reverse_ev.iloc[0]:.1f} %")
published = sweep[(sweep.method == "muzellec_kar") & (sweep["transform"] == "power law") & (sweep.parameter > 0)]
print(f"  published procedure, same power laws: forward {published.forward_ev.min():.1f}-"
      f"{published.forward_ev.max():.1f} %, reverse {published.reverse_ev.iloc[0]:.1f} -> "
      f"{published.reverse_ev.iloc[-1]:.1f} %")
print(f"  across network layers, forward EV changes by {fits[('pr_test', 'forward_ev')].slope:+.1f} % "
      f"per decade of PR")

# %% [markdown]
# Three findings, of different strength.
#
# 1. **Across layers, the published signs.** Dimensionality correlates positively with
#    forward EV and negatively with reverse EV, with both variants of PR, as reported
#    for IT (+0.37 and −0.40). In our small zoo the correlations are stronger than the
#    paper's, and much of their strength comes from the contrast between trained
#    layers and the untrained networks and pixel baselines (low PR, low forward, high
#    reverse); the trained-only numbers above, on few layers, are the fairer
#    comparison with a zoo of 39 trained networks.
# 2. **A straight line in log PR** describes test R² across layers, with the slope and
#    intercept printed above and intervals that a dozen layers leave wide. It is a
#    description: the networks whose dimensionality we set (hollow diamonds) need not
#    fall on it.
# 3. **Within one layer, the spectrum causes the reverse effect, not the forward
#    one.** Steepening the spectrum (fewer effective dimensions) raises reverse EV
#    steadily: each unit's variance concentrates in the top directions, which the V4
#    sites predict best. Forward EV hardly moves while PR changes by two orders of
#    magnitude — not at all with the book's regression, by a few points with the
#    published fixed penalty, far less than the across-network slope would predict —
#    and collapses only when the layer is whitened: with as many dimensions
#    as images, a whitened layer puts every test image equally far from every other,
#    which leaves nothing for a linear read-out to generalise from. PCA truncation, which removes directions rather than reweighting
#    them, lowers forward EV. So "more dimensions, less reverse" is a mechanical
#    consequence of how reverse EV averages over units; "more dimensions, more
#    forward" is not caused by the spectrum of a layer, and must come from *what* the
#    extra dimensions of better networks carry.
#
# **What would change our mind.** If forward EV rose with PR when only the eigenvalues
# of a layer change (on IT, with a larger zoo, or with another regression), the
# spectrum itself would be doing the forward work. If reverse EV did not fall when the
# spectrum flattens, the negative correlation across networks would have to come from
# something else that differs between networks.
#
# **Limits.** V4, not IT; one monkey and 50 sites. At `size="ci"` a few hundred
# images, a dozen layers from two architectures and pixel baselines, and 100 reference
# images for the pooled variant (the paper used 10,000 ImageNet images). Reverse EV is
# estimated from a random subset of each layer's units, and we summarise both
# directions with medians (the paper averages). The "set by us" networks and the
# causal sweep are all built on one layer of one network, so they are not independent
# of each other and need not generalise to every layer.
#
# ## Exercises
#
# **1 (checkable).** The power-law reshaping sets the eigenvalues to `λᵢ ∝ i^(−a)`
# for `i = 1 … r`. Without running any regression, what participation ratio does
# `a = 1` give for the rank `r` of our layer? (`r` is printed above the sweep table.)

# %% tags=["remove-cell", "exercise-key"]
EXPECTED_PR = powerlaw_pr(1.0, int(sweep["rank"].iloc[0]))

# %%
from bothways.exercises import check_number

r = int(sweep["rank"].iloc[0])
my_answer = None  # your answer: the PR of λᵢ ∝ 1/i, i = 1..r
check_number(my_answer, EXPECTED_PR, rtol=0.01, hint="PR = (Σλ)² / Σλ²; here Σλ is a harmonic sum.");

# %% tags=["solution", "hide-cell"]
i = np.arange(1, r + 1)
my_answer = (1 / i).sum() ** 2 / (1 / i ** 2).sum()  # ≈ (ln r + 0.577)² / (π²/6)
check_number(my_answer, EXPECTED_PR, rtol=0.01);

# %% [markdown]
# **2 (open).** The sweep kept the eigenvectors *and their order*: the direction with
# the most variance stayed the one with the most. Keep the eigenvalues of the original
# layer but hand them to the eigenvectors in reverse order (`bothways.dimensionality.modes(base)` gives you
# `U`, `s` and `coords`; build new singular values and score them with
# `ds.score_representation(m, trials, s=...)` — note that `s` is matched to the
# eigenvectors by position). The participation ratio is unchanged. What happens to
# each direction, and what does that say about "dimensionality" as an explanation?
# (Chapter 4 answers with the spectral theory of {cite}`canatar2023`.)
