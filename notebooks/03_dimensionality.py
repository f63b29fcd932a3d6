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
# {cite}`elmoznino2024`; other groups relate encoding scores to log dimensionality in
# auditory and language models {cite}`tuckute2023,cheng2024`. We measure both on real
# V4 recordings, then run the test a correlation across networks cannot: hold one layer
# fixed, change only its spectrum — every transform estimated on images the regression
# is not tested on — and watch what each direction does.

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
# - Fit each score against log dimensionality with intervals from resampling
#   **networks** (the layers of one network are not independent of each other), and
#   put our Spearman correlations beside the published +0.37 and −0.40.
# - Hold one layer fixed and change only its eigenvalues (power laws, truncation,
#   whitening, and its own eigenvalues in reverse order), with the ridge penalty tuned
#   and fixed at the published value, and set the spectral theory's prediction beside
#   each measurement. Every transform is estimated on training images only.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from bothways import report
from bothways.analyses import dimensionality_sweep as ds
from bothways.config import sizes
from bothways.data import load_cowley_session, load_images
from bothways.dimensionality import SpectralTransform, eigenspectrum, powerlaw_exponent, powerlaw_pr
from bothways.models import extract_features, get_model
from bothways.plotting import PALETTE, set_theme
from bothways.stats import bootstrap, paired_difference

set_theme()
S = sizes("dimensionality", size)
score = dict(n_splits=S.n_splits, n_folds=S.n_folds, max_reverse_units=S.max_reverse_units)
S

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
pd.Series({"test images": images.shape[0], "V4 sites": trials.shape[1], "max repeats": trials.shape[2],
           "reference images (pooled PR)": reference.shape[0]})

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
# whitened version (all directions equal) — each estimated on the training images of
# every fold and applied to the held-out ones.

# %%
controls = dict(model=S.control_model, layer=S.control_layer, expansions=S.expansions,
                truncations=S.truncations, whiten=True)
table = ds.sweep_zoo(images, trials, models=S.models, untrained=S.untrained, baselines=S.baselines,
                     reference_images=reference, controls=controls, seed=seed, device=device,
                     progress=False, **score)
networks = table[table.group != "set by us"].copy()
networks["network"] = networks.model  # untrained networks carry their own name
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

# %% [markdown]
# The two variants are different measurements: one sees every spatial position of a
# layer on the very images it will be scored on, the other one number per channel on
# other images. Where they disagree, a correlation "with dimensionality" depends on
# which one a paper chose, so we report both.
#
# ## Scores against log dimensionality
#
# We fit each score against `log10 PR` across the network layers (the "set by us"
# networks are drawn but not fitted). The 95 % intervals come from resampling
# **networks** with replacement, each with all its layers: a network's layers share
# its architecture and training, so resampling layers as if they were independent
# would give intervals that are too narrow. With a handful of networks at
# `size="ci"`, the intervals are wide.

# %%
fits = {s: ds.fit_log_pr(networks.pr_test, networks[s], n_boot=S.n_boot, seed=seed, groups=networks.network)
        for s in ("forward_ev", "reverse_ev", "forward_r2")}
ds.fit_table(networks, n_boot=S.n_boot, seed=seed, groups="network").round(3)

# %% mystnb={"figure": {"caption": "Forward EV (V4 sites predicted from the layer, left) and reverse EV (layer units predicted from the V4 sites, right) against the participation ratio of the layer on the test images. Each point is one layer; filled: network layers (fitted), hollow diamonds: networks whose dimensionality we set (not fitted). Line: least-squares fit on log10 PR; band: 95 % bootstrap interval over networks.", "name": "fig-dimensionality-scatter"}}
fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharex=True)
for ax, direction in zip(axes, ("forward", "reverse")):
    col, fit, colour = f"{direction}_ev", fits[f"{direction}_ev"], PALETTE[direction]
    ax.fill_between(fit.grid, fit.band_low, fit.band_high, color=colour, alpha=0.15, lw=0)
    ax.plot(fit.grid, fit.line, color=colour, lw=2)
    for group, rows in table.groupby("group"):
        hollow = group == "set by us"
        ax.scatter(rows.pr_test, rows[col], marker=markers[group], s=45, label=group,
                   facecolor="none" if hollow else colour, edgecolor=colour)
    ax.set(xscale="log", xlabel="participation ratio (test images, un-pooled)",
           ylabel=f"{direction} EV (%)", title=f"{direction}: slope {fit.slope:+.1f} % per decade")
axes[0].legend(fontsize=8)
plt.show()

# %% [markdown]
# The Spearman correlations across network layers, with intervals over networks,
# beside the published ones (39 ImageNet networks on IT; the paper's dimensionality is
# the `pr_test` variant):

# %%
spearman = ds.spearman_table(networks, n_boot=S.n_boot, seed=seed, groups="network")
spearman.round(2)

# %% [markdown]
# ## The causal test: change only the spectrum
#
# Correlations across networks mix everything that differs between networks:
# architecture, training, depth, the number of units. Here we hold one layer fixed —
# its units, its eigenvectors, its total variance — and change only its eigenvalues
# (`bothways.dimensionality.SpectralTransform`): power laws `λᵢ ∝ i^(−a)` (`a = 0` is
# whitening, larger `a` means fewer effective dimensions {cite}`stringer2019`),
# truncation to the top principal components, and the layer's own eigenvalues handed
# to its eigenvectors in **reverse order** (the participation ratio does not change at
# all). If dimensionality is what matters, the reversed layer scores like the
# original.
#
# **Where the transform is estimated.** A transform estimated on all images uses the
# test images: whitened on all `n` images, a layer's centred Gram becomes the centring
# projector, every test image is equally far from every training image, and held-out
# prediction falls to chance (the leak is reproduced below and in the tests). So every
# transform is estimated on the **training images of each fold** and applied to the
# held-out ones (`ds.transformed_scores`; a fitted transform refuses the images it was
# fitted on). A second consequence follows from the algebra of ridge regression: with
# a penalty much smaller than the eigenvalues (the published fixed α = 0.1 on raw
# features {cite}`muzellec2026`) and at least as many dimensions as training images,
# ridge is the minimum-norm interpolant, which is unchanged by any invertible
# rescaling of the training images' span. A transform estimated on the training
# images therefore *cannot* move a fixed-α score. To let the fixed-α sweep test
# anything, we also estimate each transform once on a **separate reference set** of
# images that are never scored (at `size="ci"` the other images of the same session;
# at `"full"` the natural images of session 210225), larger than the training set.
#
# We score every version twice: with the book's default (ridge penalty re-chosen per
# target inside the training folds) and with the fixed published penalty, because a
# re-tuned penalty can absorb what a fixed one cannot.

# %%
model = get_model(S.control_model)
base = extract_features(model, images, S.control_layer, device=device, progress=False).values
rest = np.setdiff1d(np.arange(rec.n_stimuli), keep)
ref_images = (rec.images[rest] if rest.size >= S.n_transform_reference
              else load_images(S.reference_session))[:S.n_transform_reference]
ref_features = extract_features(model, ref_images, S.control_layer, device=device, progress=False).values
natural = powerlaw_exponent(eigenspectrum(base))
transforms = ds.sweep_transforms(S.exponents, S.truncations)
sweep, scores = ds.spectrum_sweep(base, trials, transforms, seed=seed, device=device, progress=False, **score)
ref_sweep, ref_scores = ds.spectrum_sweep(base, trials, transforms, alphas={"fixed": ds.PUBLISHED_ALPHA},
                                          reference=ref_features, seed=seed, device=device, progress=False,
                                          **score)
sweep["fitted on"], ref_sweep["fitted on"] = "training images", "reference images"
both = pd.concat([sweep, ref_sweep], ignore_index=True)
both.pivot_table(index="transform", columns=["fitted on", "alpha"], sort=False,
                 values=["pr_test", "forward_ev", "reverse_ev"]).round(1)

# %% [markdown]
# The theory of {cite}`canatar2023` (`bothways.spectral.theory_error`) predicts the
# error of ridge regression from two things: the eigenvalues of the representation
# and how the neurons' variance falls on its eigenvectors (the weights). Each
# transform changes the eigenvalues and keeps the eigenvectors, hence the weights; we
# compute the theory for every transformed spectrum with the same weights and the
# same fixed α and put it beside the measured error over all images (training images
# included, which is what the theory predicts).

# %%
p_train = base.shape[0] * (S.n_folds - 1) / S.n_folds
theory = ds.theory_for_transforms(base, np.nanmean(trials, axis=2), transforms, p=p_train,
                                  alpha=ds.PUBLISHED_ALPHA)
fixed_fold = sweep[sweep.alpha == "fixed"].reset_index(drop=True)
theory = theory.assign(measured_training_fit=fixed_fold.error_all.to_numpy(),
                       measured_reference_fit=ref_sweep.error_all.to_numpy())
theory.round(3)

# %% mystnb={"figure": {"caption": "One layer, many spectra. Forward (blue) and reverse (red) EV against the participation ratio of the transformed layer on the test images, after setting its eigenvalues to power laws (circles, labelled with the exponent a; a = 0 is whitening), truncating it (open squares, labelled with the number of components kept) or reversing the order of its eigenvalues (crosses). Stars: the layer as it is. Left: penalty tuned, transforms fitted on the training images of each fold; middle: fixed published penalty, the same transforms (they cannot change a near-ridgeless fit); right: fixed penalty, transforms fitted once on separate reference images.", "name": "fig-dimensionality-causal"}}
panels = [("training images", "tuned", "α tuned, fitted on training images"),
          ("training images", "fixed", "α = 0.1, fitted on training images"),
          ("reference images", "fixed", "α = 0.1, fitted on reference images")]
fig, axes = plt.subplots(1, 3, figsize=(15, 4.5), sharey=True)
for ax, (where, alpha, title) in zip(axes, panels):
    rows = both[(both["fitted on"] == where) & (both.alpha == alpha)]
    power = rows[rows.kind.isin(["power law", "whiten"])].sort_values("parameter")
    trunc = rows[rows.kind == "truncate"]
    orig, rev = rows[rows["transform"] == "original"], rows[rows.reverse_order]
    for direction in ("forward", "reverse"):
        col, colour = f"{direction}_ev", PALETTE[direction]
        ax.plot(power.pr_test, power[col], "o-", color=colour, label=f"{direction}, power law")
        ax.plot(trunc.pr_test, trunc[col], "s--", color=colour, mfc="white", label=f"{direction}, truncation")
        ax.plot(rev.pr_test, rev[col], "X", ms=10, color=colour, label=f"{direction}, reversed order")
        ax.plot(orig.pr_test, orig[col], "*", ms=16, color=colour, mec="black")
        for _, row in pd.concat([power, trunc]).iterrows():
            ax.annotate(f"{row.parameter:g}", (row.pr_test, row[col]), xytext=(3, 4),
                        textcoords="offset points", fontsize=7, color=colour)
    ax.set(xscale="log", xlabel="participation ratio (test images)", title=title)
axes[0].set_ylabel("EV (%)")
axes[0].legend(fontsize=7)
plt.show()

# %% mystnb={"figure": {"caption": "Theory beside measurement, fixed penalty \u03b1 = 0.1. Normalised forward error over all images (1 = predicting the mean) against the participation ratio of each transformed spectrum: the spectral theory with the layer's own target weights (line and open markers), the measurement with transforms fitted on the training images of each fold (filled circles) and on separate reference images (filled triangles). Power laws joined by lines; squares: truncations; crosses: reversed eigenvalue order.", "name": "fig-dimensionality-theory"}}
fig, ax = plt.subplots(figsize=(6.5, 4.5))
kinds = np.array([t.kind for t in transforms])
power = np.flatnonzero(np.isin(kinds, ["power law", "whiten"]))
power = power[np.argsort(theory.pr.to_numpy()[power])]
trunc = np.flatnonzero(kinds == "truncate")
rev = np.flatnonzero([t.reverse_order for t in transforms])
series = (("theory_error", "black", "o", "theory (same weights)"),
          ("measured_training_fit", PALETTE["forward"], "o", "measured, fitted on training images"),
          ("measured_reference_fit", PALETTE["reverse"], "^", "measured, fitted on reference images"))
for column, colour, marker, label in series:
    y = theory[column].to_numpy()
    hollow = "white" if column == "theory_error" else colour
    ax.plot(theory.pr.to_numpy()[power], y[power], marker=marker, color=colour, mfc=hollow, label=label)
    ax.plot(theory.pr.to_numpy()[trunc], y[trunc], "s", color=colour, mfc=hollow, ls="none")
    ax.plot(theory.pr.to_numpy()[rev], y[rev], "X", ms=10, color=colour, ls="none")
ax.set(xscale="log", xlabel="participation ratio of the spectrum", ylabel="normalised error, all images")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## The leak, reproduced
#
# The earlier version of this chapter estimated every transform on all images. Here is
# what that does to the whitened layer, next to the same whitening estimated on the
# training images of each fold.

# %%
leaky = SpectralTransform("whiten").fit(base).train_coordinates()  # every image in the fit: the leak
leak = ds.score_representation(leaky, trials, **score)
fold_white = scores[[t.label for t in transforms].index("whitened")]
leak_paired = ds.transformed_scores(leaky, trials, n_splits=S.n_splits, n_folds=S.n_folds, seed=seed,
                                    reverse=False, device=device)
pd.DataFrame({"whitened on all images": [leak["forward_ev"], leak["reverse_ev"]],
              "whitened on training images": [np.median(fold_white.forward_ev), np.median(fold_white.reverse_ev)],
              "the layer as it is": [sweep.forward_ev.iloc[0], sweep.reverse_ev.iloc[0]]},
             index=["forward EV (%)", "reverse EV (%)"]).round(1)

# %% [markdown]
# ## Controls
#
# The same code on a simulated layer whose answer we planted
# (`ds.planted_population`): a power-law representation whose top ten directions
# carry every neuron's signal, with Poisson-like trial noise. Reversing its eigenvalue
# order moves the variance away from the signal, so the sweep must find a large order
# effect (positive control), and the theory must predict the measured error of the
# layer as it is (positive control). Features independent of the neurons must score
# no higher than the planted layer with its stimuli shuffled (the null of this
# pipeline, a few percent: held-out predictions pooled over folds correlate with the
# fold means by chance), whitened or not, and whitening on all images must bring a
# layer that predicts well down to that null (negative controls).

# %% tags=["controls", "hide-input"]
Xp, trials_p, _ = ds.planted_population(n_stimuli=S.n_stimuli, n_units=S.planted_units,
                                        n_neurons=S.planted_neurons, seed=seed)
ctl = dict(n_splits=S.n_splits, n_folds=S.n_folds, seed=seed, reverse=False, device=device)
p_orig = ds.transformed_scores(Xp, trials_p, **ctl)
p_rev = ds.transformed_scores(Xp, trials_p, SpectralTransform(reverse_order=True), **ctl)
order_p = paired_difference(p_orig.forward_ev, p_rev.forward_ev, statistic=np.median, n_boot=S.n_boot, seed=seed)
order_p_verdict = report.verdict(order_p.estimate, order_p.low, order_p.high, expected_sign=+1)
p_fixed = ds.transformed_scores(Xp, trials_p, alpha=ds.PUBLISHED_ALPHA, **ctl)
p_theory = ds.theory_for_transforms(Xp, np.nanmean(trials_p, axis=2), [SpectralTransform()], p=p_train,
                                    alpha=ds.PUBLISHED_ALPHA).theory_error.iloc[0]
Xn = np.random.default_rng(seed + 1).standard_normal(Xp.shape)  # independent of the neurons
null_plain = np.median(ds.transformed_scores(Xn, trials_p, **ctl).forward_ev)
null_white = np.median(ds.transformed_scores(Xn, trials_p, SpectralTransform("whiten"), **ctl).forward_ev)
shuffled = trials_p[np.random.default_rng(seed + 2).permutation(S.n_stimuli)]  # stimuli shuffled
null_shuffle = np.median(ds.transformed_scores(Xp, shuffled, **ctl).forward_ev)
p_leak = np.median(ds.transformed_scores(SpectralTransform("whiten").fit(Xp).train_coordinates(), trials_p,
                                         **ctl).forward_ev)
p_white = np.median(ds.transformed_scores(Xp, trials_p, SpectralTransform("whiten"), **ctl).forward_ev)
display(pd.Series({"planted: forward EV, as it is": np.median(p_orig.forward_ev),
                   "planted: forward EV, reversed order": np.median(p_rev.forward_ev),
                   "planted: error, measured (α = 0.1)": p_fixed.error_all, "planted: error, theory": p_theory,
                   "independent features: forward EV": null_plain, "independent, whitened": null_white,
                   "planted, stimuli shuffled (the null)": null_shuffle,
                   "planted, whitened on all images": p_leak, "planted, whitened on training images": p_white}
                  ).round(3).to_frame("value"))
assert order_p_verdict == report.REPRODUCES and order_p.estimate > 20, \
    f"positive control: the planted order effect {order_p_verdict} ({order_p.estimate:.1f} points)"
assert abs(p_fixed.error_all - p_theory) < 0.05, \
    f"positive control: theory {p_theory:.3f} vs measured error {p_fixed.error_all:.3f}"
assert max(null_plain, null_white) < null_shuffle + 2, \
    f"negative control: independent features score {null_plain:.1f} % / {null_white:.1f} % (whitened), " \
    f"above the stimulus-shuffle null {null_shuffle:.1f} %"
assert p_leak < null_shuffle + 2 and p_white > p_leak + 20, \
    f"negative control: whitening on all images gives {p_leak:.1f} %, on training images {p_white:.1f} %"

# %%
# The findings, glued into the Markdown below (bothways.report; see "How to fork a chapter").
def glue_ci(key, interval, **kw):
    report.glue_interval(key, interval.estimate, interval.low, interval.high, **kw)


def median_slope(pr):
    """Slope of the median EV over targets against log10 PR: a statistic of (targets, transforms)."""
    x = np.log10(np.asarray(pr, dtype=float))
    return lambda M: np.polyfit(x, np.nanmedian(M, axis=0), 1)[0]


rho = spearman[spearman.dimensionality == "pr_test"].set_index("score")
verdicts = {}
for s, sign in (("forward_ev", +1), ("reverse_ev", -1)):
    r = rho.loc[s]
    verdicts[s] = report.verdict(r.rho, r.ci_low, r.ci_high, expected_sign=sign)
    report.glue_interval(f"dim_rho_{s}", r.rho, r.ci_low, r.ci_high, digits=2, signed=True)
    report.glue_text(f"dim_rho_{s}_verdict", verdicts[s])
r2fit = fits["forward_r2"]
report.glue_interval("dim_r2_slope", r2fit.slope, *r2fit.slope_ci, digits=3, signed=True)
report.glue_text("dim_r2_verdict", report.verdict(r2fit.slope, *r2fit.slope_ci, expected_sign=+1))
report.glue_text("dim_across_overall", report.overall(verdicts.values()))
report.glue_number("dim_n_networks", int(networks.network.nunique()))
report.glue_number("dim_n_layers", len(networks))
fwd_fit = fits["forward_ev"]
report.glue_interval("dim_across_slope", fwd_fit.slope, *fwd_fit.slope_ci, signed=True, unit=" points")

labels = [t.label for t in transforms]
power_idx = [i for i, t in enumerate(transforms) if t.kind == "power law"]  # exponent > 0
runs = {("tuned", "training"): scores[:len(transforms)], ("fixed", "training"): scores[len(transforms):],
        ("fixed", "reference"): ref_scores}
for (alpha, where), sc in runs.items():
    pr = [sc[i].pr_test for i in power_idx]
    for direction, sign in (("forward", +1), ("reverse", -1)):
        M = np.column_stack([getattr(sc[i], f"{direction}_ev") for i in power_idx])
        iv = bootstrap(median_slope(pr), M, n_boot=S.n_boot, seed=seed)
        report.glue_number(f"dim_{alpha}_{where}_{direction}_spread", float(np.ptp(np.nanmedian(M, axis=0))))
        report.glue_text(f"dim_{alpha}_{where}_{direction}_verdict",
                         report.verdict(iv.estimate, iv.low, iv.high, expected_sign=sign))
        glue_ci(f"dim_{alpha}_{where}_{direction}_slope", iv, signed=True, digits=2, unit=" points per decade")
    fwd = [np.median(sc[i].forward_ev) for i in power_idx]
    report.glue_number(f"dim_{alpha}_{where}_fwd_min", min(fwd))
    report.glue_number(f"dim_{alpha}_{where}_fwd_max", max(fwd))
    o, rv = sc[0], sc[labels.index("original, reversed order")]
    order = paired_difference(o.forward_ev, rv.forward_ev, statistic=np.median, n_boot=S.n_boot, seed=seed)
    glue_ci(f"dim_{alpha}_{where}_order", order, signed=True, unit=" points")
    report.glue_text(f"dim_{alpha}_{where}_order_word", "changes forward EV" if order.low > 0 or order.high < 0
                     else "leaves forward EV within its interval")
    report.glue_number(f"dim_{alpha}_{where}_fwd_orig", np.median(o.forward_ev))
    report.glue_number(f"dim_{alpha}_{where}_fwd_rev", np.median(rv.forward_ev))
    trunc5 = sc[labels.index(f"PCA truncation {min(S.truncations)}")]
    report.glue_number(f"dim_{alpha}_{where}_fwd_trunc", np.median(trunc5.forward_ev))
report.glue_number("dim_trunc_k", int(min(S.truncations)))
report.glue_number("dim_pr_min", float(min(scores[i].pr_test for i in power_idx)))
report.glue_number("dim_pr_orig", float(scores[0].pr_test))
report.glue_number("dim_rank", int(sweep["rank"].iloc[0]))
report.glue_number("dim_pr_max", float(max(scores[i].pr_test for i in power_idx)))
report.glue_number("dim_ref_images", int(ref_features.shape[0]))

white_gap = paired_difference(fold_white.forward_ev, leak_paired.forward_ev, statistic=np.median,
                              n_boot=S.n_boot, seed=seed)
report.glue_number("dim_leak_fwd", leak["forward_ev"])
report.glue_number("dim_white_fwd", np.median(fold_white.forward_ev))
glue_ci("dim_leak_gap", white_gap, signed=True, unit=" points")

th = theory.set_index("transform")
for name, label in (("orig", "original"), ("rev", "original, reversed order"),
                    ("steep", f"power law {max(S.exponents):g}")):
    report.glue_number(f"dim_theory_{name}", th.loc[label, "theory_error"])
    report.glue_number(f"dim_meas_train_{name}", th.loc[label, "measured_training_fit"])
    report.glue_number(f"dim_meas_ref_{name}", th.loc[label, "measured_reference_fit"])
report.glue_number("dim_steep", float(max(S.exponents)))
report.glue_number("dim_theory_rho", float(spearmanr(theory.theory_error, theory.measured_reference_fit)[0]))
report.glue_number("dim_ctl_order", order_p.estimate)
report.glue_number("dim_ctl_null", null_plain)
report.glue_number("dim_ctl_shuffle", null_shuffle)
report.glue_number("dim_natural_exponent", natural.exponent)

# %% [markdown]
# ## What we found
#
# **Across network layers** ({glue:text}`dim_n_layers:d` layers of
# {glue:text}`dim_n_networks:d` networks, intervals over networks), the positive
# correlation of dimensionality with forward EV {glue:md}`dim_rho_forward_ev_verdict`
# (Spearman {glue:md}`dim_rho_forward_ev`; IT, paper: +0.37) and the negative one with
# reverse EV {glue:md}`dim_rho_reverse_ev_verdict` (Spearman {glue:md}`dim_rho_reverse_ev`;
# paper: −0.40): together, the across-network claim {glue:md}`dim_across_overall` on V4.
# Forward EV changes by {glue:md}`dim_across_slope` per decade of PR. The straight line
# of test R² in log PR of Elmoznino & Bonner {glue:md}`dim_r2_verdict` (slope
# {glue:md}`dim_r2_slope` per decade).
#
# **Within one layer, penalty tuned, transforms estimated on the training images.**
# Over power laws (exponent > 0) that take the PR of the layer on the test images from
# {glue:text}`dim_pr_max:.0f` to {glue:text}`dim_pr_min:.1f` (as it is:
# {glue:text}`dim_pr_orig:.0f`), forward EV stays between
# {glue:text}`dim_tuned_training_fwd_min:.1f` % and
# {glue:text}`dim_tuned_training_fwd_max:.1f` %: "more dimensions, more forward"
# {glue:md}`dim_tuned_training_forward_verdict` here (slope
# {glue:md}`dim_tuned_training_forward_slope`, intervals over neurons). Reverse EV
# rises as the spectrum steepens: "more dimensions, less reverse"
# {glue:md}`dim_tuned_training_reverse_verdict` (slope
# {glue:md}`dim_tuned_training_reverse_slope`) — each unit's variance moves into the top
# directions, which the V4 sites predict best. Truncation to
# {glue:text}`dim_trunc_k:d` components, which removes directions instead of
# reweighting them, gives {glue:text}`dim_tuned_training_fwd_trunc:.1f` %.
#
# **The order of the eigenvalues matters more than their spread.** Handing the layer's
# own eigenvalues to its eigenvectors in reverse order leaves the participation ratio
# of the fitted images unchanged and {glue:md}`dim_tuned_training_order_word`: from
# {glue:text}`dim_tuned_training_fwd_orig:.1f` % to
# {glue:text}`dim_tuned_training_fwd_rev:.1f` %, a difference of
# {glue:md}`dim_tuned_training_order`. With the fixed penalty, fitted on reference
# images, the difference is {glue:md}`dim_fixed_reference_order`. A single number for
# the spread of the eigenvalues cannot say which directions carry the variance; what
# predicts the neurons is whether the large eigenvalues sit on the directions the
# neurons use.
#
# **With the published fixed penalty.** Transforms estimated on the training images
# move forward EV by at most {glue:text}`dim_fixed_training_forward_spread:.2f` points
# over all power laws (tested this way the claim {glue:md}`dim_fixed_training_forward_verdict`,
# slope {glue:md}`dim_fixed_training_forward_slope`): with α = 0.1 and a layer of rank
# {glue:text}`dim_rank:d`, ridge is nearly the minimum-norm interpolant, which no
# rescaling of the training span can change. Estimated instead on
# {glue:text}`dim_ref_images:d` reference images, forward EV lies between
# {glue:text}`dim_fixed_reference_fwd_min:.1f` % and
# {glue:text}`dim_fixed_reference_fwd_max:.1f` % over the power laws: "more dimensions,
# more forward" {glue:md}`dim_fixed_reference_forward_verdict` (slope
# {glue:md}`dim_fixed_reference_forward_slope`), against
# {glue:text}`dim_fixed_reference_fwd_orig:.1f` % for the layer as it is. The earlier
# version of this chapter, which estimated the transforms on all images, found a
# spectrum effect at fixed α; with the test images out of every fit, that effect is
# not what we measure.
#
# **Theory beside measurement** (fixed α). For the layer as it is the theory predicts
# a normalised error of {glue:text}`dim_theory_orig:.3f` over all images and we measure
# {glue:text}`dim_meas_train_orig:.3f`. For the reshaped spectra, with the weights held
# fixed, the theory predicts {glue:text}`dim_theory_steep:.3f` at exponent
# {glue:text}`dim_steep:g` and {glue:text}`dim_theory_rev:.3f` for the reversed order;
# measured with reference-fitted transforms: {glue:text}`dim_meas_ref_steep:.3f` and
# {glue:text}`dim_meas_ref_rev:.3f` (with training-fitted ones
# {glue:text}`dim_meas_train_steep:.3f` and {glue:text}`dim_meas_train_rev:.3f`). Across
# all transforms the rank correlation of theory and reference-fitted measurement is
# {glue:text}`dim_theory_rho:+.2f`. The theory describes a representation whose
# *population* spectrum is reshaped on fixed eigenvectors; a transform estimated on a
# finite image set changes the held-out images only through their projection on that
# set's span, so the two need not agree, and where they differ the figure shows by how
# much.
#
# **The leak.** Whitened on all images (test images in the fit), the layer's forward EV
# is {glue:text}`dim_leak_fwd:.1f` %; whitened on the training images of each fold it is
# {glue:text}`dim_white_fwd:.1f` % (difference {glue:md}`dim_leak_gap`). The controls
# above check, on every build, that the sweep recovers a planted order effect
# ({glue:text}`dim_ctl_order:.1f` points), that the theory predicts a planted layer's
# error, that independent features score at the stimulus-shuffle null
# ({glue:text}`dim_ctl_null:.1f` % against {glue:text}`dim_ctl_shuffle:.1f` %), and that
# the leak brings a planted layer down to that null too.
#
# **What would change our mind.** If forward EV rose with PR when only the eigenvalues
# of a layer change on a larger zoo, on IT, or with another regression, the spectrum
# itself would be doing the forward work. If reversing the eigenvalue order did not
# move the scores, the participation ratio would be a sufficient summary.
#
# **Limits.** V4, not IT; one monkey and 50 sites. At `size="ci"` a few hundred
# images, a dozen layers from a handful of networks (so the across-network intervals
# are wide), and 100 reference images for the pooled variant (the paper used 10,000
# ImageNet images). Reverse EV is estimated from a random subset of each layer's units,
# and both directions are summarised with medians (the paper averages). The "set by
# us" networks and the causal sweep are built on one layer of one network (its own
# spectrum decays as `i^−a` with `a` = {glue:text}`dim_natural_exponent:.2f`), so they
# need not generalise to every layer. The published claims use all-image (leaky)
# transforms nowhere; the leak concerned this book's own earlier causal test.
#
# ## Exercises
#
# **1 (checkable).** The power-law reshaping sets the eigenvalues to `λᵢ ∝ i^(−a)`
# for `i = 1 … r`. Without running any regression, what participation ratio does
# `a = 1` give for the rank `r` of the fitted layer? (`r` is the `rank` column of the
# sweep table.)

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
# **2 (open).** Show, with three lines of algebra, that the minimum-norm interpolant
# `ŷ(x) = k(x)ᵀ K⁻¹ y` is unchanged when the training rows' coordinates are rescaled
# by any invertible diagonal matrix `D` within their own span (`K = C D² Cᵀ`,
# `k(x) = C D² c(x)`), and check it numerically with
# `ds.transformed_scores(base, trials, SpectralTransform("power law", exponent=3.0), alpha=1e-6)`.
# Why does the argument fail once the transform is estimated on more images than the
# regression is trained on?
#
# **3 (open).** The reversed order is one permutation of the eigenvalues. Hand them
# out in a random order instead (a `SpectralTransform` fitted on the training images
# gives you `new_s`; permute it and use `refit`). Where between the original and the
# reversed layer does a random order land, and what does the spectral theory say?
