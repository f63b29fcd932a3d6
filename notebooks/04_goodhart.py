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
# {cite}`canatar2023` — and so how it can be moved: by adding random dimensions, by
# choosing the ridge penalty or the layer on the scored data, or by changing the
# measure, since forward EV, reverse EV, RSA, CKA, shape distances and unit matching
# rank the same models differently {cite}`schaeffer2024,muzellec2026,thobani2025`.

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
#   recordings into spectral bias and task alignment, and find where the theory and the
#   measurement part ways (finite numbers of images; trial noise in neural predictors).
# - Raise scores without making any model more brain-like — random ReLU features of
#   pixels, ridge penalty chosen on the test folds, layer chosen on the scored images —
#   and count each inflation in EV points.
# - Rank the same models with six measures and see how far the rankings agree; then
#   compare models with digital-twin animals under the strictest mapping that maps the
#   animals onto each other {cite}`thobani2025`.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from bothways.analyses import goodhart as gh
from bothways.config import sizes
from bothways.data import load_cowley_session, twin_panel
from bothways.metrics import rank_agreement
from bothways.plotting import PALETTE, paired_scatter, set_theme

set_theme()
S = sizes("goodhart", size)
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

# %% mystnb={"figure": {"caption": "Spectral bias and task alignment of every representation on the V4 images. Left: eigenvalues of the representation (fraction of its variance per mode, log-log). Right: cumulative fraction of the V4 sites' variance that lies along the first k modes. Colour: median forward EV (purple = lowest, yellow = highest). Good representations spread their variance over many modes and put the neurons' variance in the first ones.", "name": "fig-goodhart-spectra"}}
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
# The trained convolutional layers spread their variance over many more modes than the
# untrained layers, the pixels or their random projection (whose top ten modes carry
# most of the variance), and they put more of the neurons' variance into their leading
# modes. Across representations, which summary tracks the score?

# %%
rho = summary.drop(columns=["p"]).corr(method="spearman")["measured_ev"].drop("measured_ev")
rho.rename("Spearman ρ with median forward EV").round(2).to_frame()

# %% [markdown]
# ### Does the theory describe what ridge does?
#
# The theory predicts the error of ridge with a given penalty trained on `p` random
# images, counted over all images (training ones included), and the held-out error it
# implies. We fit exactly that (no intercept, as in the theory) on random training
# sets of half the images.

# %% mystnb={"figure": {"caption": "Theory against measurement for every representation, half of the images used for training. Circles: error over all images (what the theory predicts); crosses: error on the held-out half. 1 = predicting the mean. Points on the dashed line would be perfect agreement.", "name": "fig-goodhart-theory"}}
fig, ax = plt.subplots(figsize=(5, 5))
ax.scatter(summary["theory_all"], summary["measured_all"], s=40, label="all images")
ax.scatter(summary["theory_heldout"], summary["measured_heldout"], s=40, marker="x", label="held-out images")
lo, hi = 0.3, 1.1
ax.plot([lo, hi], [lo, hi], ls="--", color=PALETTE["reference"], lw=1)
ax.set(xlim=(lo, hi), ylim=(lo, hi), xlabel="theory: normalised error", ylabel="measured: normalised error")
ax.legend()
plt.show()

# %%
err = summary.assign(all_gap=summary.measured_all / summary.theory_all - 1,
                     heldout_gap=summary.measured_heldout / summary.theory_heldout - 1)
print(f"all images:      measured/theory - 1 = {err.all_gap.median():+.1%} (median), "
      f"range {err.all_gap.min():+.1%} to {err.all_gap.max():+.1%}")
print(f"held-out images: measured/theory - 1 = {err.heldout_gap.median():+.1%} (median), "
      f"range {err.heldout_gap.min():+.1%} to {err.heldout_gap.max():+.1%}")

# %% [markdown]
# The theory gets the ordering right and the size roughly right, but it is
# pessimistic: ridge does better than predicted, and more so on held-out images.
# Two reasons, both outside the theory's assumptions.
#
# **Finite P.** The theory treats the images we have as the whole population, with
# training images drawn from it at random; real cross-validation draws *without*
# replacement from a few hundred images, and uses 90 % of them for training. The
# learning curve of the best layer shows the gap opening as the training fraction grows.

# %%
best = summary["measured_ev"].idxmax()
ps = [int(round(f * S.n_stimuli)) for f in S.curve_fractions]
lc = gh.learning_curves(feats[best], trials, ps, alpha=summary.loc[best, "alpha"], n_trials=S.n_trials, seed=seed,
                        device=device)
lc.round(3)

# %% mystnb={"figure": {"caption": "Learning curves of the best layer: normalised ridge error against the fraction of images used for training. Lines: spectral theory; dots: measured (mean over random training sets). Blue: error over all images; red: held-out images. The held-out prediction of the theory breaks down in the regime of 10-fold cross-validation (90 % training).", "name": "fig-goodhart-learning-curve"}}
fig, ax = plt.subplots(figsize=(6, 4))
ax.plot(lc.p_fraction, lc.theory_all, color=PALETTE["forward"], label="all images: theory")
ax.plot(lc.p_fraction, lc.measured_all, "o", color=PALETTE["forward"], label="all images: measured")
ax.plot(lc.p_fraction, lc.theory_heldout, color=PALETTE["reverse"], label="held-out: theory")
ax.plot(lc.p_fraction, lc.measured_heldout, "o", color=PALETTE["reverse"], label="held-out: measured")
ax.set(xlabel="training fraction p / P", ylabel="normalised error", ylim=(0, min(2.5, lc.theory_heldout.max() * 1.05)),
       title=best)
ax.legend(fontsize=8)
plt.show()

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
untrained = [k for k in feats if "untrained" in k]
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
# layer against the best untrained, pixel and random-projection representations.

# %%
baselines = summary.loc[[k for k in summary.index if k not in trained_best.index], "measured_ev"]
print(f"best trained layer: {trained_best.idxmax()} at {trained_best.max():.1f} % median EV")
for name, ev in baselines.sort_values(ascending=False).items():
    print(f"  {name:32s} {ev:5.1f} %  ({ev - trained_best.max():+.1f} points)")

# %% [markdown]
# On these images and sites, untrained and random features do **not** come close to
# the best trained layer in forward EV, unlike reports in which untrained networks
# reach much of a trained network's score. Each of the free inflations above is worth a
# point or two — small against that gap, but free, invisible in a published number, and
# additive. Random features are not harmless in the other direction either: they lower
# reverse EV sharply (the expansion figure), which is the asymmetry of
# {doc}`01_asymmetry` produced without any learning.

# %% [markdown]
# ## Methodological pluralism: six measures, one zoo
#
# The same representations, the same 50 V4 sites, six measures: forward and reverse
# EV {cite}`muzellec2026`, RSA {cite}`kriegeskorte2008`, linear CKA
# {cite}`kornblith2019`, Procrustes shape similarity {cite}`williams2021` and
# one-to-one matching of neurons to units {cite}`khosla2023`. Larger always means "more
# similar" (for Procrustes we report cos θ of the angular distance θ).

# %%
table = gh.metric_table(feats, trials, n_splits=S.n_splits, seed=seed, max_units=S.max_units, n_folds=S.n_folds,
                        device=device)
table.round(3)

# %% mystnb={"figure": {"caption": "Spearman rank correlation, across the representations of this chapter, between the model rankings given by six similarity measures against the same V4 sites. 1: identical rankings; negative: opposite rankings.", "name": "fig-goodhart-ranks"}}
agree = rank_agreement(gh.oriented(table))
fig, ax = plt.subplots(figsize=(5.5, 4.5))
sns.heatmap(agree, vmin=-1, vmax=1, cmap="RdBu_r", annot=True, fmt=".2f", square=True, ax=ax,
            cbar_kws={"label": "Spearman ρ"})
plt.show()

# %% [markdown]
# Here forward EV, CKA, Procrustes, RSA and matching broadly agree: they all reward
# representations whose leading dimensions carry the neurons' variance. Reverse EV
# ranks the zoo roughly the other way round: the representations with few effective dimensions
# (pixels, untrained layers) are the easiest for 50 neurons to predict. "Which model is
# most brain-like?" has no answer until the measure is chosen, and the measure encodes
# what "like" should mean {cite}`schaeffer2024`.
#
# ## Which mapping? The transform class of the animals
#
# Thobani et al. {cite}`thobani2025` propose to settle the choice of mapping with the
# animals themselves: take the *strictest* class of mappings that maps one animal onto
# another about as well as any looser class does, and compare models with animals under
# that class, in both directions. We have no second V4 monkey on these images, so we
# use the digital twins of three monkeys (WE, PE, RA): compact CNNs fitted to single V4
# neurons {cite}`cowley2023`, shown the same images. They are models of neurons, not
# recordings. Classes, strict to loose: permutation (each target unit copies one source
# unit), soft matching (optimal transport), linear (ridge), and a nonlinear class
# (ridge on random ReLU features of the source). We first use the twins' noise-free
# predictions, then their simulated trials (noise calibrated on real V4 trials).

# %%
panel = twin_panel(images, n_per_monkey=S.twins_per_monkey, repeats=S.twin_repeats, seed=seed)
clean = {m: p.signal for m, p in panel.items()}
noisy = {m: p.trials for m, p in panel.items()}
classes_clean = gh.transform_class_table(clean, classes=gh.CLASSES, seed=seed, nonlinear_width=S.nonlinear_width)
classes_noisy = gh.transform_class_table(noisy, classes=("permutation", "linear"), seed=seed,
                                         n_reliability_splits=S.reliability_splits)
strict = gh.strictest_class(classes_clean, tolerance=S.class_tolerance)
strict_noisy = gh.strictest_class(classes_noisy, tolerance=S.class_tolerance)
pd.concat({"noise-free twins": classes_clean.groupby("cls")["score"].mean(),
           "twins with trial noise": classes_noisy.groupby("cls")["score"].mean()}, axis=1).loc[
    [c for c in gh.CLASSES]].round(3)

# %% mystnb={"figure": {"caption": "Animal-to-animal scores (mean noise-corrected correlation of held-out predictions over target units) of the digital twins of three monkeys under each mapping class, one dot per ordered pair of monkeys. Noise-free twin predictions.", "name": "fig-goodhart-classes"}}
fig, ax = plt.subplots(figsize=(6, 3.6))
sns.stripplot(classes_clean, x="cls", y="score", order=list(gh.CLASSES), size=7, color=PALETTE["animal"], ax=ax)
means = classes_clean.groupby("cls")["score"].mean().reindex(gh.CLASSES)
ax.hlines(means, np.arange(4) - 0.3, np.arange(4) + 0.3, color="black", lw=2)
ax.set(xlabel="mapping class (strict → loose)", ylabel="animal → animal score (r)")
plt.show()

# %%
print(f"strictest class within {S.class_tolerance:.0%} of the best, noise-free twins: {strict}")
print(f"the same with simulated trial noise (permutation vs linear only): {strict_noisy}")

# %% [markdown]
# Now the models, under the class the animals chose, both ways: model → animal (each
# twin predicted from the model's units) and animal → model (each model unit predicted
# from a monkey's twins). Models use a seeded sample of their units; a model that is
# like an animal should fall within the range of the animal → animal scores.

# %%
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
# ## What we found
#
# All numbers below are printed by the code above (V4, session 210325, `size` as set at
# the top).

# %%
r = rho.round(2)
print(f"Spectral decomposition ({len(summary)} representations, {S.n_stimuli} images):")
print(f"  Spearman rho of median forward EV with task alignment (top-10 target weight): {r['top_weight']:+.2f}; "
      f"with spectral bias (top-10 eigenvalue fraction): {r['top_eigen_fraction']:+.2f}; "
      f"with participation ratio: {r['pr']:+.2f}; with theory error: {r['theory_all']:+.2f}")
print(f"  theory vs measured error at p/P = {S.p_fraction}: all images {err.all_gap.median():+.1%}, "
      f"held-out {err.heldout_gap.median():+.1%} (median relative gap)")
end = lc.iloc[-1]
print(f"  at p/P = {end.p_fraction:.2f} the theory's held-out error is {end.theory_heldout:.2f}, measured "
      f"{end.measured_heldout:.2f}")
print(f"  reverse EV from {int(noise.repeats.min())} repeats vs all: {noise.median_ev.iloc[0]:.1f} vs "
      f"{noise.median_ev.iloc[-1]:.1f} %; raw r2 {noise.median_r2.iloc[0]:.2f} vs {noise.median_r2.iloc[-1]:.2f} %")
print("Inflations (EV points):")
for how, row in inflation.iterrows():
    print(f"  {how}: {row.ev_points:+.2f}")
print(f"  participation ratio of pixels {first.pr:.1f} -> {last.pr:.1f} with {widest} random ReLU units; "
      f"reverse EV {first.reverse_ev:.1f} -> {last.reverse_ev:.1f} %")
print(f"Best trained layer {trained_best.max():.1f} % vs best baseline/untrained {baselines.max():.1f} %")
print(f"Rank agreement: forward vs reverse EV rho = {agree.loc['forward_ev', 'reverse_ev']:+.2f} "
      f"(Muzellec & Kar: -0.33 across 39 networks on IT); forward vs RSA {agree.loc['forward_ev', 'rsa']:+.2f}, "
      f"vs CKA {agree.loc['forward_ev', 'cka']:+.2f}")
cm = classes_clean.groupby("cls")["score"].mean()
print(f"Transform class (noise-free twins, mean r): " + ", ".join(f"{c} {cm[c]:.2f}" for c in gh.CLASSES))
print(f"  strictest adequate class: noise-free twins = {strict}; with trial noise = {strict_noisy}")
inside = (both["model→animal"] >= aa.min()) & (both["model→animal"] <= aa.max())
print(f"  models inside the animal range (model -> animal): {int(inside.sum())} of {len(both)}; "
      f"animal -> animal range {aa.min():.2f}-{aa.max():.2f}")

# %% [markdown]
# Context from the papers: Canatar et al. {cite}`canatar2023` decompose the neural
# predictivity of many networks on macaque V4 and IT data into the same two factors
# (the eigenspectrum and the neurons' alignment with it) and the geometry of the error
# modes, and show that similar scores can come from different combinations of them; Muzellec & Kar {cite}`muzellec2026` report a rank correlation of
# −0.33 between forward and reverse EV across 39 networks on IT. Elmoznino & Bonner
# {cite}`elmoznino2024` report that encoding performance rises with effective
# dimensionality; in our zoo the participation ratio and the score move together too —
# and random ReLU features show that dimensionality bought without learning buys little
# score.
#
# **What would change our mind.** If untrained or random features matched the trained
# layers' forward EV on these images, the forward score would carry no information
# about training at all; here they stay far below, so the score is *movable* (by the
# inflations above), not *meaningless*. If the spectral summaries stopped tracking the
# score on another data set (IT, more images), the decomposition would be a description
# of this zoo rather than an explanation. If the strictest adequate class changed with
# more twins or more images (as it does when trial noise is added), the transform-class
# verdict would be a statement about our sample size, not about the animals.
#
# **Limits.** V4, not IT, and one monkey with 50 sites; at `size="ci"` a subset of the
# images, so every number is noisy (rerun with `size="full"`). The "animals" of the
# transform-class section are digital twins — CNN models of neurons of three monkeys,
# fitted on other images — so animal-to-animal agreement is partly agreement between
# models; their trial noise is simulated. The nonlinear class is random ReLU features
# followed by ridge, not a learned network: with a few hundred images and eight to
# thirty-three twins per monkey, a trained nonlinear map would overfit, and the random
# version gains little or nothing over the linear one (printed above), so the data do
# not call for a looser class than linear. The spectral theory is asymptotic
# and treats the images as the population; we do not apply finite-size corrections.
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
print(f"R = {summary.loc[best, 'radius']:.4f}, D = {summary.loc[best, 'dimension']:.1f}: many small error modes, "
      "not a few large ones")

# %% [markdown]
# **2 (open).** Design a transformation of a trained layer that raises its *reverse* EV
# without making it more brain-like. (Hint: what did the random ReLU expansion do to
# reverse EV, and why? What happens to a layer's reverse EV if you keep only its top
# principal components?) Which of the six measures in the heatmap would your
# transformation leave unchanged?
