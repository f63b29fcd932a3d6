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
# # Brains are symmetric: animal-to-animal predictivity
#
# **The claim.** One monkey's IT sites predict another's about as well in both
# directions, while networks and brains are strongly asymmetric {cite}`muzellec2026`. If
# that holds, animal-to-animal symmetry is the yardstick a good model should meet: a
# model that is "one more animal" should be as symmetric with a brain as two brains are
# with each other {cite}`thobani2025`. We test it with what is obtainable: one monkey's
# V4 recorded on two days {cite}`cowley2023`, and model-predicted V4 populations
# ("digital twins") of three monkeys — each comparison with equal noise and equal
# numbers of predictors in both directions, and every score beside its null.

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
# - Put the digital twins in spike-count units (an affine map per twin, fitted on its
#   neuron's recordings) and check that their simulated trials look like real V4
#   trials: reliabilities and the fraction of zero counts of session 210325.
# - Predict monkey PE's V4 on one day from the same array on another day, and back,
#   with **equal noise** on both sides (four-trial averages each, equal numbers of
#   sites), beside a real-data null in which the truth is symmetric by construction.
# - Score all six ordered pairs of three twin monkeys (WE, PE, RA), each score beside its
#   stimulus-permutation null, each asymmetry with a paired interval.
# - Score networks against the same twins with **equally many predictors both ways**
#   (the primary comparison), and the way the paper does (thousands of model units as
#   forward predictors), and ask whether model–animal asymmetry exceeds animal–animal.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from bothways import report
from bothways.analyses import symmetry as sym
from bothways.config import sizes
from bothways.data import digital_twins, load_cowley_session, load_images, sample_trials, trial_noise, twin_panel
from bothways.models import candidate_layers, model_label
from bothways.plotting import PALETTE, set_theme
from bothways.reliability import split_half_reliability
from bothways.simulate import add_trial_noise
from bothways.zoo import split_stimuli

set_theme()
S = sizes("symmetry", size)
fit = dict(n_folds=S.n_folds, device=device)
print(f"size={size!r}: {S.twins_per_monkey} twins per monkey, {S.n_object_images + S.n_natural_images} images, "
      f"{len(S.models)} networks, {S.n_permutations} permutations per score, {S.n_boot} bootstrap samples")

# %% [markdown]
# ## Twins in spike counts
#
# No image was shown to more than one monkey here, so across monkeys we use
# model-predicted V4: the dataset's authors fitted a small CNN ("digital twin") to each of
# 219 V4 neurons of monkeys WE, PE and RA {cite}`cowley2023`. **These are model
# predictions, not recordings**, and the twins share an architecture and a training
# recipe, which may make them more alike than three real monkeys are.
#
# A twin outputs a standardised number (mean about −0.3, at or below zero on most
# images), not spikes. Drawing trials around that number with the mean–variance law of
# real trials clips most of them to exactly zero. So each twin is first mapped to its
# neuron's spike counts by an affine map fitted on the neuron's own recorded session
# (`bothways.data.twin_scales`): the mapped twin has the neuron's
# mean and its *signal* spread (the spread of the repeat averages minus the part trial
# noise contributes). The twins of monkey RA have no recordings here: they get a
# **pooled** map, the median mean and signal spread of the 51 neurons recorded in RA's
# session 210621. Trials are then integer counts with the mean–variance law of session
# 210325's real trials.

# %%
images = np.concatenate([load_images(210325)[:S.n_object_images],
                         load_images(S.natural_session)[:S.n_natural_images]])
panel_opts = dict(n_per_monkey=S.twins_per_monkey, repeats=S.repeats, seed=seed, device=device)
panel = twin_panel(images, units="counts", fit_images=S.fit_images, **panel_opts)


def model_scale_trials(rec):
    """The same twins on their own output scale, with continuous trials (the old way)."""
    raw = np.concatenate([digital_twins(s, neurons=list(g["neuron"]))(images[obj], device=device)
                          for s, g in rec.neurons.groupby("session", sort=False)], axis=1)
    return sample_trials(raw, trial_noise(), S.repeats, seed)


scales = pd.concat([p.info["scales"] for p in panel.values()], ignore_index=True)
recorded = load_cowley_session(210325, images=False).trials[:S.n_object_images]
obj = slice(0, S.n_object_images)  # 210325's own images


def trial_stats(name, T):
    """Mean count, fraction of exact zeros and split-half reliabilities of (stimuli, neurons, repeats)."""
    v = T[~np.isnan(T)]
    rel = split_half_reliability(T, n_splits=5, seed=seed)
    return dict(population=name, mean=float(v.mean()), zeros=100 * float((v == 0).mean()),
                median_reliability=float(np.nanmedian(rel)), rel=rel)


calibration = [trial_stats("210325, recorded", recorded)]
calibration += [trial_stats(f"twins in counts ({m})", p.trials[obj]) for m, p in panel.items()]
calibration += [trial_stats("twins, model scale (all)", np.concatenate([model_scale_trials(p) for p in panel.values()],
                                                                        axis=1))]
calib = pd.DataFrame(calibration).set_index("population")
display(scales[["session", "neuron", "monkey", "fit", "offset", "scale", "target_mean", "target_signal_sd"]].round(2))
calib.drop(columns="rel").round(2)

# %% mystnb={"figure": {"caption": "Simulated trials against real ones, on the 160 object images of session 210325. Left: split-half reliability of each neuron (real 210325 neurons, twins mapped to spike counts per monkey, and the twins on their own output scale). Right: the fraction of trials that are exactly zero. RA's twins use a pooled map (no recordings of their neurons here).", "name": "fig-symmetry-calibration"}}
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw=dict(width_ratios=(2, 1), wspace=0.35))
colors = ["black"] + [PALETTE["animal"]] * len(panel) + [PALETTE["reference"]]
jitter = np.random.default_rng(seed)
for i, (rel, color) in enumerate(zip(calib["rel"], colors)):
    rel = np.asarray(rel)[np.isfinite(rel)]
    ax.scatter(rel, i + jitter.uniform(-0.2, 0.2, rel.size), s=14, alpha=0.7, color=color)
    ax.vlines(np.median(rel), i - 0.3, i + 0.3, color=color, lw=2.5)
ax.set(yticks=range(len(calib)), yticklabels=calib.index, xlabel="split-half reliability (Spearman–Brown)")
ax.invert_yaxis()
ax2.barh(range(len(calib)), calib["zeros"], color=colors)
ax2.set(yticks=range(len(calib)), yticklabels=[], xlabel="trials that are exactly 0 (%)")
ax2.invert_yaxis()
plt.show()

# %% [markdown]
# ## The same monkey on two days, with equal noise (real V4)
#
# Sessions 210322 and 210325 record monkey PE's V4 array on two days; 600 images
# appear in both (matched by their pixels). 210322 comes only as averages over four
# repeats, 210325 as single trials (six to ten per image). If each direction corrected
# the side it can, the two directions would correct different sides and their difference
# would be set partly by the design (measured below on a symmetric truth). So we make the two sides alike instead: **210325 is reduced to
# averages of four random trials per image** (the same four for all its sites), both
# sides are subsampled to the same number of sites, and each direction is scored by raw
# held-out r² — no ceiling on either side, the same noise on both. Each of several draws
# takes new trials and sites; the interval of the difference resamples stimuli (paired
# across directions), sites and draws. Beside it, two nulls: a stimulus-permutation null
# of each score, and a **real-data null of the difference** — 210325 split into two
# random halves of its sites, each given averages of disjoint trials, which are
# exchangeable, so their truth is symmetric.

# %%
pair = sym.session_pair(210322, 210325, n_stimuli=S.n_real_stimuli, seed=seed)
equal = sym.equal_noise_pair(pair.a, pair.b, pair.name_a, pair.name_b, n_trials=S.n_trials, n_draws=S.n_draws,
                             n_boot=S.n_boot, seed=seed, n_permutations=S.n_permutations, **fit)
half = pair.b.n_neurons // 2
equal_half = sym.equal_noise_pair(pair.a, pair.b, pair.name_a, pair.name_b, n_trials=S.n_trials, n_neurons=half,
                                  n_draws=S.n_draws, n_boot=S.n_boot, seed=seed, **fit)
null = sym.exchangeable_null(pair.b.trials, n_neurons=half, n_trials=S.n_trials, n_null=S.n_null, seed=seed, **fit)
# the same null for the one-sided design (one side averages, the other trials, each direction
# correcting the side it can): what that design gives with a symmetric truth
one_sided = sym.one_sided_null(pair.b.trials, n_neurons=half, n_trials=S.n_trials, n_null=S.n_null, seed=seed,
                               n_splits=S.n_splits, **fit)
null_r2 = [np.mean([np.nanmedian(equal.scored[d][k].result.per_target["ev_null_mean"]) for d in equal.scored])
           for k in (0, 1)]
# what can be said about 210322's reliability: a held-out r² is at most the target's reliability
# (times the prediction's), so r² from 210325 bounds each 210322 site from below; 210325's own
# four-trial averages give a plug-in value for the same array
lower_322 = np.nanmedian(np.concatenate([equal.scored[d][1].result.per_target["r2"] for d in equal.scored]))
four = sym.reduce_trials(pair.b.trials, S.n_trials, seed=seed, average=False)
rel_four_325 = float(np.nanmedian(split_half_reliability(four, n_splits=10, seed=seed)))
equal.table.assign(null_median_r2=null_r2).round(2)

# %% mystnb={"figure": {"caption": "Same monkey, two days, equal noise (real V4, 210322 \u2194 210325, four-trial averages on both sides, equal site counts). Left: median raw held-out r\u00b2 in each direction with its 95 % interval; crosses: the same score with the stimuli permuted (null). Right: the difference 210322\u2192210325 minus 210325\u2192210322 at half the sites, against its real-data null (histogram: 210325 split into two exchangeable halves with disjoint trials; red outline: the same null scored the one-sided way, averages on one side and trials on the other, each direction corrected on the side it can, in points of one-sided EV); black: the real difference at the same size with its 95 % interval; grey: at all sites.", "name": "fig-symmetry-real"}}
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw=dict(wspace=0.3))
t = equal.table
labels = [f"{a} →\n{b}" for a, b in zip(t["source"], t["target"])]
ax.errorbar(range(2), t["median_r2"], yerr=[t["median_r2"] - t["ci_low"], t["ci_high"] - t["median_r2"]], fmt="o",
            color=PALETTE["animal"], capsize=4, label="median raw r²")
ax.scatter(range(2), null_r2, marker="x", s=60, color=PALETTE["reference"], label="stimulus-permutation null")
ax.set(xticks=range(2), xticklabels=labels, xlim=(-0.5, 1.5), ylabel="median held-out r² (%)")
ax.set_ylim(bottom=min(0, min(null_r2)) - 1)
ax.legend(fontsize=8)
bins = np.histogram_bin_edges(np.r_[null["difference"], one_sided["difference"]], bins=14)
counts_, _, _ = ax2.hist(null["difference"], bins=bins, color=PALETTE["reference"], alpha=0.5,
                         label=f"null, equal noise ({half} vs {half} sites)")
ax2.hist(one_sided["difference"], bins=bins, histtype="step", color=PALETTE["reverse"], lw=1.5,
         label="null, one-sided design (EV)")
for i, (res, color, lab) in enumerate(((equal_half, "black", f"real, {half} sites"),
                                       (equal, PALETTE["reference"], "real, all sites"))):
    d = res.difference
    ax2.errorbar(d["estimate"], counts_.max() + 0.6 + 0.6 * i, xerr=[[d["estimate"] - d["ci_low"]],
                 [d["ci_high"] - d["estimate"]]], fmt="o", color=color, capsize=4, label=lab)
ax2.axvline(0, color="black", ls=":", lw=1)
ax2.set(xlabel="a → b − b → a (points: raw r²; red outline: one-sided EV)", ylabel="null draws")
ax2.set_ylim(top=counts_.max() + 3.5)
ax2.legend(fontsize=7, loc="upper left", ncols=2)
plt.show()

# %% [markdown]
# ## Three monkeys, model-predicted
#
# The twins of the three monkeys see one image set (the object images of 210325 plus
# natural images); a quarter of the images is set aside for the networks' layer choice
# below and every score uses the rest. Each ordered pair is scored with noise-corrected
# EV (both sides have simulated trials, so both are corrected), beside its
# stimulus-permutation null (the source's rows permuted, same folds and ceilings).

# %%
split = split_stimuli(len(images), S.selection_fraction, seed=seed)
twins = {m: p.trials[split.held_out] for m, p in panel.items()}
score_opts = dict(n_splits=S.n_splits, seed=seed, n_boot=S.n_boot, n_permutations=S.n_permutations, **fit)
animal_runs = {(a, b): sym.score(twins[a], twins[b], f"{a} → {b}", **score_opts)
               for a in sym.TWIN_MONKEYS for b in sym.TWIN_MONKEYS if a != b}
animal_table = pd.DataFrame([dict(source=a, target=b, median_ev=s.median_ev, ci_low=s.result.summary["ci_low"],
                                  ci_high=s.result.summary["ci_high"],
                                  null_median_ev=float(np.nanmedian(s.result.per_target["ev_null_mean"])),
                                  n_above_null=s.result.summary["n_above_null"], n_targets=s.result.summary["n_targets"],
                                  median_r2=s.median_r2)
                             for (a, b), s in animal_runs.items()])
animal_table.round(1)

# %% mystnb={"figure": {"caption": "Animal-to-animal predictivity between model-predicted V4 populations (digital twins in spike counts) of three monkeys: median noise-corrected EV (%) of each target monkey's twins (columns) predicted from each source monkey's twins (rows), held-out images, equal numbers of twins per monkey; in brackets the median of the same score with the images permuted (null). A symmetric relation gives a symmetric matrix.", "name": "fig-symmetry-matrix"}}
matrix = sym.direction_matrix(animal_table, order=sym.TWIN_MONKEYS)
null_matrix = sym.direction_matrix(animal_table, stat="null_median_ev", order=sym.TWIN_MONKEYS)
annot = matrix.round(1).astype(str) + "\n(" + null_matrix.round(1).astype(str) + ")"
fig, ax = plt.subplots(figsize=(4.8, 4))
sns.heatmap(matrix, annot=annot.where(matrix.notna(), ""), fmt="", cmap="Greens", vmin=0,
            cbar_kws=dict(label="median EV (%)"), ax=ax)
ax.set_xlabel("target monkey (predicted)")
ax.set_ylabel("source monkey (predictors)")
plt.show()

# %% [markdown]
# ## Models against the same animals
#
# Networks are chosen and scored as in chapter 1 (the layer is chosen on the selection
# images for each monkey, scores use the held-out ones). The paper compares forward
# predictivity from thousands of model units with reverse predictivity from a few
# hundred sites; two animals, by contrast, predict each other from equally few sites.
# The **primary comparison therefore gives both directions equally many predictors**:
# forward from as many random model units as the monkey has twins (several draws),
# reverse from the twins. The unmatched comparison (forward from every sampled unit) is
# shown beside it as what the paper reports. All differences share one bootstrap over
# the held-out images, so each has a paired interval; a model–animal asymmetry
# "exceeds every animal–animal one" when forward − reverse minus the largest animal
# |a → b − b → a| is above 0.

# %%
zoo = sym.score_models_against(
    {m: panel[m].trials for m in sym.TWIN_MONKEYS}, S.models, images, split, seed=seed,
    candidate_layers=lambda spec: candidate_layers(spec, S.max_layers), n_splits=S.n_splits,
    n_boot=S.n_boot, max_units=S.max_units, **fit)
features = {(mod, m): zoo.zoos[m].features[mod] for m in sym.TWIN_MONKEYS for mod in S.models}
model_runs = sym.matched_model_runs(features, twins, n_draws=S.matched_draws, **{**score_opts, "n_boot": 0})
animal_gaps, model_gaps = sym.twin_gaps(animal_runs, model_runs, n_boot=S.n_boot, seed=seed)
model_gaps["model"] = model_gaps["model"].map(model_label)
model_gaps["forward_null"] = [np.mean([np.nanmedian(s.result.per_target["ev_null_mean"]) for s in r["forward"]])
                              for r in model_runs.values()]
model_gaps["reverse_null"] = [np.nanmedian(r["reverse"].result.per_target["ev_null_mean"])
                              for r in model_runs.values()]
display(animal_gaps.round(1))
model_gaps[["model", "animal", "forward", "forward_null", "reverse", "reverse_null", "gap", "gap_low", "gap_high",
            "forward_all", "gap_all", "excess", "excess_low", "excess_high", "verdict"]].round(1)

# %% mystnb={"figure": {"caption": "Asymmetry of every pair, with paired 95 % intervals (bootstrap over held-out images and targets). Green: animal \u2194 animal, a\u2192b \u2212 b\u2192a (twins). Blue: model \u2194 animal, forward \u2212 reverse with equally many predictors both ways (filled) and with every sampled model unit as forward predictors (open, the paper's comparison). The dotted line is the null of a difference (0); dashed: the largest animal\u2013animal |difference|. Right: the matched scores themselves, each beside its stimulus-permutation null (crosses).", "name": "fig-symmetry-index"}}
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(12, 4.8), gridspec_kw=dict(width_ratios=(3, 2), wspace=0.3))
ya = np.arange(len(animal_gaps))
ax.errorbar(animal_gaps["difference"], ya, xerr=[animal_gaps["difference"] - animal_gaps["ci_low"],
                                                 animal_gaps["ci_high"] - animal_gaps["difference"]],
            fmt="o", color=PALETTE["animal"], capsize=3, label="animal ↔ animal (twins)")
ym = len(animal_gaps) + np.arange(len(model_gaps))
ax.errorbar(model_gaps["gap"], ym - 0.15, xerr=[model_gaps["gap"] - model_gaps["gap_low"],
                                                model_gaps["gap_high"] - model_gaps["gap"]],
            fmt="o", color=PALETTE["forward"], capsize=3, label="model ↔ animal, matched predictors")
ax.errorbar(model_gaps["gap_all"], ym + 0.15, xerr=[model_gaps["gap_all"] - model_gaps["gap_all_low"],
                                                    model_gaps["gap_all_high"] - model_gaps["gap_all"]],
            fmt="o", mfc="white", color=PALETTE["forward"], capsize=3, label="model ↔ animal, all units (paper)")
ax.axvline(0, color="black", ls=":", lw=1)
ax.axvline(animal_gaps["abs_difference"].max(), color=PALETTE["animal"], ls="--", lw=1)
ax.set_yticks(np.r_[ya, ym], list(animal_gaps["a"] + " ↔ " + animal_gaps["b"]) +
              list(model_gaps["model"] + " ↔ " + model_gaps["animal"]), fontsize=8)
ax.set_xlabel("asymmetry (EV points)")
ax.legend(fontsize=8, loc="lower right")
xm = np.arange(len(model_gaps))
ax2.scatter(xm - 0.12, model_gaps["forward"], color=PALETTE["forward"], label="forward, matched")
ax2.scatter(xm + 0.12, model_gaps["reverse"], color=PALETTE["reverse"], label="reverse")
ax2.scatter(xm - 0.12, model_gaps["forward_null"], marker="x", color=PALETTE["reference"], label="null")
ax2.scatter(xm + 0.12, model_gaps["reverse_null"], marker="x", color=PALETTE["reference"])
ax2.set_xticks(xm, model_gaps["model"].str.slice(0, 12) + "\n" + model_gaps["animal"], fontsize=7, rotation=90)
ax2.set_ylabel("median EV (%)")
ax2.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## Controls
#
# The same code paths on simulated populations with known answers. Positive controls:
# two populations that read the same latent factors (a symmetric truth) must come out
# symmetric under the equal-noise design, and a population with private factors must
# come out asymmetric in the planted direction; a "model" that holds every latent factor
# and more must be more asymmetric with an animal than the two animals are with each
# other. Negative control: image-independent "model" units must score at their
# permutation null and never count as more asymmetric than the animals.

# %% tags=["controls", "hide-input"]
rng = np.random.default_rng(seed + 101)
Z = rng.standard_normal((240, 12))
W = {"A": np.r_[rng.standard_normal((6, 20)), np.zeros((6, 20))],
     "B": np.r_[rng.standard_normal((6, 20)), np.zeros((6, 20))], "C": rng.standard_normal((12, 20))}
sim = {k: add_trial_noise(5 + Z @ w / np.sqrt((w ** 2).sum(0)), 8, 0.5, seed=rng)[0] for k, w in W.items()}
c_sym = sym.equal_noise_pair(sim["A"], sim["B"], "A", "B", n_draws=3, n_boot=S.n_boot, seed=seed, **fit)
c_planted = sym.equal_noise_pair(sim["C"], sim["A"], "C", "A", n_draws=3, n_boot=S.n_boot, seed=seed, **fit)
c_opts = dict(n_splits=2, seed=seed, n_boot=0, n_permutations=S.n_permutations, **fit)
c_runs = {(a, b): sym.score(sim[a], sim[b], **c_opts) for a, b in (("A", "B"), ("B", "A"))}
c_models = sym.matched_model_runs({("latents", "A"): np.c_[Z, rng.standard_normal((240, 30))],
                                   ("noise", "A"): rng.standard_normal((240, 40))}, {"A": sim["A"]}, n_draws=2,
                                  **c_opts)
_, c_gaps = sym.twin_gaps(c_runs, c_models, n_boot=S.n_boot, seed=seed)
c_gaps = c_gaps.set_index("model")
c_noise = c_models[("noise", "A")]["forward"][0].result.summary
display(pd.DataFrame({"control": ["symmetric truth, equal noise", "planted asymmetry, equal noise",
                                  "latent model vs animal (excess)", "noise model vs animal (excess)"],
                      "estimate": [c_sym.difference["estimate"], c_planted.difference["estimate"],
                                   c_gaps.loc["latents", "excess"], c_gaps.loc["noise", "excess"]],
                      "verdict": [c_sym.difference["verdict"], c_planted.difference["verdict"],
                                  c_gaps.loc["latents", "verdict"], c_gaps.loc["noise", "verdict"]]}).round(1))
assert c_sym.difference["verdict"] == report.UNRESOLVED, \
    f"positive control: a symmetric truth came out asymmetric: {c_sym.difference}"
assert c_planted.difference["verdict"] == report.REPRODUCES and c_planted.difference["ci_low"] > 10, \
    f"positive control: the planted asymmetry C -> A > A -> C was missed: {c_planted.difference}"
assert c_gaps.loc["latents", "verdict"] == report.REPRODUCES, \
    f"positive control: a model holding every latent is not more asymmetric than the animals: {c_gaps.loc['latents']}"
assert c_gaps.loc["noise", "verdict"] != report.REPRODUCES, \
    "negative control: image-independent units count as more asymmetric than the animals"
# p <= 0.05 for 1 target in 20 by chance; 5 or more of 20 has probability below 0.001
assert c_noise["n_above_null"] <= 0.25 * c_noise["n_targets"] and abs(c_noise["median_ev"] - c_noise["null_mean_ev"]) < 5, \
    f"negative control: image-independent units score above their permutation null: {c_noise}"

# %% tags=["remove-output"]
# The findings, glued into the Markdown below (bothways.report).
cal = calib.drop(columns="rel")
report.glue_number("sym_zeros_real", cal.loc["210325, recorded", "zeros"])
report.glue_number("sym_zeros_model", cal.loc["twins, model scale (all)", "zeros"])
counts_rows = cal.index.str.startswith("twins in counts")
report.glue_text("sym_zeros_counts", ", ".join(f"{r.split('(')[1][:-1]} {v:.1f} %"
                                                for r, v in cal.loc[counts_rows, "zeros"].items()))
report.glue_text("sym_rel_counts", ", ".join(f"{r.split('(')[1][:-1]} {v:.2f}"
                                              for r, v in cal.loc[counts_rows, "median_reliability"].items()))
report.glue_number("sym_rel_real", cal.loc["210325, recorded", "median_reliability"])
report.glue_number("sym_rel_model", cal.loc["twins, model scale (all)", "median_reliability"])
ta = equal.table
report.glue_interval("sym_real_ab", ta["median_r2"][0], ta["ci_low"][0], ta["ci_high"][0], unit=" %")
report.glue_interval("sym_real_ba", ta["median_r2"][1], ta["ci_low"][1], ta["ci_high"][1], unit=" %")
report.glue_number("sym_real_null_ab", null_r2[0])
report.glue_number("sym_real_null_ba", null_r2[1])
report.glue_number("sym_real_sites", int(ta["n_source"][0]))
d, rel = equal.difference, equal.relative
report.glue_interval("sym_real_diff", d["estimate"], d["ci_low"], d["ci_high"], unit=" points", signed=True)
report.glue_interval("sym_real_rel", rel["estimate"], rel["ci_low"], rel["ci_high"], unit=" %", signed=True)
report.glue_number("sym_paper_rel", sym.PAPER_RELATIVE_DIFFERENCE)
report.glue_text("sym_real_equiv", sym.equivalence_verdict(rel["estimate"], rel["ci_low"], rel["ci_high"],
                                                           sym.PAPER_RELATIVE_DIFFERENCE))
report.glue_text("sym_real_resolved", "excludes 0" if d["verdict"] != report.UNRESOLVED else "contains 0")
dh = equal_half.difference
report.glue_number("sym_half_sites", int(half))
report.glue_interval("sym_half_diff", dh["estimate"], dh["ci_low"], dh["ci_high"], unit=" points", signed=True)
report.glue_text("sym_half_resolved", "excludes 0" if dh["verdict"] != report.UNRESOLVED else "contains 0")
null_lo, null_hi = np.percentile(null["difference"], [2.5, 97.5])
report.glue_interval("sym_null", null["difference"].mean(), null_lo, null_hi, unit=" points", signed=True)
report.glue_number("sym_null_n", len(null))
os_lo, os_hi = np.percentile(one_sided["difference"], [2.5, 97.5])
report.glue_interval("sym_onesided", one_sided["difference"].mean(), os_lo, os_hi, unit=" points", signed=True)
report.glue_text("sym_onesided_vs", "further from 0 than" if abs(one_sided["difference"].mean()) >
                 abs(null["difference"].mean()) else "no further from 0 than")
report.glue_number("sym_null_p", (1 + (null["difference"].abs() >= abs(dh["estimate"])).sum()) / (1 + len(null)))
report.glue_number("sym_rel322_lower", lower_322)
report.glue_number("sym_rel325_four", rel_four_325)
report.glue_number("sym_twins", int(S.twins_per_monkey))
report.glue_number("sym_twin_min", animal_table["median_ev"].min())
report.glue_number("sym_twin_max", animal_table["median_ev"].max())
report.glue_number("sym_twin_null_max", animal_table["null_median_ev"].max())
report.glue_text("sym_twin_above", f"{int(animal_table['n_above_null'].sum())} of {int(animal_table['n_targets'].sum())}")
n_res = int(((animal_gaps["ci_low"] > 0) | (animal_gaps["ci_high"] < 0)).sum())
report.glue_text("sym_twin_resolved", f"{n_res} of {len(animal_gaps)}")
report.glue_number("sym_twin_maxgap", animal_gaps["abs_difference"].max())
widest = animal_gaps.assign(w=animal_gaps["ci_high"] - animal_gaps["ci_low"])["w"]
report.glue_number("sym_twin_ci_width", widest.median())
gap_verdicts = [report.verdict(g, min(lo, g), max(hi, g), expected_sign=+1)
                for g, lo, hi in zip(model_gaps["gap"], model_gaps["gap_low"], model_gaps["gap_high"])]
all_verdicts = [report.verdict(g, min(lo, g), max(hi, g), expected_sign=+1)
                for g, lo, hi in zip(model_gaps["gap_all"], model_gaps["gap_all_low"], model_gaps["gap_all_high"])]
report.glue_text("sym_matched_verdict", report.overall(gap_verdicts))
report.glue_text("sym_all_verdict", report.overall(all_verdicts))
report.glue_text("sym_matched_count", f"{gap_verdicts.count(report.REPRODUCES)} of {len(gap_verdicts)}")
report.glue_text("sym_all_count", f"{all_verdicts.count(report.REPRODUCES)} of {len(all_verdicts)}")
report.glue_text("sym_excess_verdict", report.overall(model_gaps["verdict"]))
report.glue_text("sym_excess_all_verdict", report.overall(model_gaps["verdict_all"]))
report.glue_text("sym_excess_count", f"{int((model_gaps['excess'] > 0).sum())} of {len(model_gaps)}")
report.glue_text("sym_excess_all_count", f"{int((model_gaps['excess_all'] > 0).sum())} of {len(model_gaps)}")
report.glue_text("sym_matched_gaps", f"{model_gaps['gap'].min():+.1f} to {model_gaps['gap'].max():+.1f}")
report.glue_text("sym_all_gaps", f"{model_gaps['gap_all'].min():+.1f} to {model_gaps['gap_all'].max():+.1f}")
report.glue_number("sym_fwd_matched", model_gaps["forward"].median())
report.glue_number("sym_fwd_all", model_gaps["forward_all"].median())
report.glue_number("sym_rev", model_gaps["reverse"].median())
report.glue_number("sym_fwd_null", model_gaps["forward_null"].median())
report.glue_number("sym_rev_null", model_gaps["reverse_null"].median())
report.glue_number("sym_predictors", int(S.twins_per_monkey))


def above_null(runs):
    """'k of n' targets whose score beats its permutation null (p ≤ 0.05, uncorrected)."""
    k = sum(int(r.result.summary["n_above_null"]) for r in runs)
    return f"{k} of {sum(int(r.result.summary['n_targets']) for r in runs)}"


report.glue_text("sym_fwd_above", above_null([s for r in model_runs.values() for s in r["forward"]]))
report.glue_text("sym_rev_above", above_null([r["reverse"] for r in model_runs.values()]))
report.glue_number("sym_trials", int(S.n_trials))
report.glue_number("sym_paper_ab", sym.PAPER_MONKEY_TO_MONKEY[0])
report.glue_number("sym_paper_ba", sym.PAPER_MONKEY_TO_MONKEY[1])

# %% [markdown]
# ## What we found
#
# **Twins in spike counts.** On the twins' own output scale, {glue:text}`sym_zeros_model:.1f` %
# of the simulated trials were exactly zero (recorded 210325: {glue:text}`sym_zeros_real:.1f` %)
# and the median reliability was {glue:text}`sym_rel_model:.2f` (recorded:
# {glue:text}`sym_rel_real:.2f`). Mapped to spike counts, the fractions of zeros are
# {glue:md}`sym_zeros_counts` and the median reliabilities {glue:md}`sym_rel_counts`
# (RA's twins with the pooled map).
#
# **The same monkey on two days, equal noise (real V4).** With
# {glue:text}`sym_real_sites:d` sites and {glue:text}`sym_trials:d`-trial averages on
# both sides, 210322 → 210325 has median raw r² {glue:md}`sym_real_ab` (permutation null
# {glue:text}`sym_real_null_ab:.1f` %) and 210325 → 210322 {glue:md}`sym_real_ba` (null
# {glue:text}`sym_real_null_ba:.1f` %). The difference is {glue:md}`sym_real_diff`; its
# interval {glue:md}`sym_real_resolved`. Relative to the mean of the two directions it
# is {glue:md}`sym_real_rel`. The paper's two monkeys differ by
# {glue:text}`sym_paper_rel:.1f` % of their mean ({glue:text}`sym_paper_ab:.1f` % against
# {glue:text}`sym_paper_ba:.1f` %, EV corrected on both sides); with equal noise on both
# sides the two directions share one ceiling, which cancels from this ratio, so this is
# the like-for-like comparison. Symmetry within the paper's own tolerance
# {glue:md}`sym_real_equiv` ("is reversed" would mean asymmetric beyond it). At
# {glue:text}`sym_half_sites:d` sites per side the difference is {glue:md}`sym_half_diff`
# (interval {glue:md}`sym_half_resolved`), while the real-data null at that size — 210325
# split into exchangeable halves, {glue:text}`sym_null_n:d` splits, a symmetric truth —
# gives {glue:md}`sym_null` (mean [2.5th, 97.5th percentile]); a null difference at least
# as large as the real one has p = {glue:text}`sym_null_p:.2f`. Scored the one-sided way
# instead (averages on one side, trials on the other), the same symmetric null gives
# {glue:md}`sym_onesided` (one-sided EV; mean [2.5th, 97.5th percentile]), a mean
# {glue:md}`sym_onesided_vs` the equal-noise null's. Session 210322's reliability is not
# known; what the data say is that its median site is at least
# {glue:text}`sym_rel322_lower:.2f` reliable (a held-out r² from 210325 cannot exceed it),
# and that 210325's own {glue:text}`sym_trials:d`-trial averages on the same array have a
# median reliability of {glue:text}`sym_rel325_four:.2f`.
#
# **Three twin monkeys.** Animal → animal median EV ranges from
# {glue:text}`sym_twin_min:.1f` % to {glue:text}`sym_twin_max:.1f` % (permutation nulls
# at most {glue:text}`sym_twin_null_max:.1f` %; {glue:md}`sym_twin_above` twin targets
# above their null). In {glue:md}`sym_twin_resolved` animal pairs the interval of
# a → b − b → a excludes 0; the largest |a → b − b → a| is
# {glue:text}`sym_twin_maxgap:.1f` points, and the intervals are a median
# {glue:text}`sym_twin_ci_width:.1f` points wide: with {glue:text}`sym_twins:d` twins per
# monkey a median over so few targets is a noisy number.
#
# **Models against the twins.** With {glue:text}`sym_predictors:d` predictors both ways
# (the primary comparison), forward median EV is {glue:text}`sym_fwd_matched:.1f` % (null
# {glue:text}`sym_fwd_null:.1f` %; {glue:md}`sym_fwd_above` twin targets above their null,
# over all draws) and reverse {glue:text}`sym_rev:.1f` % (null
# {glue:text}`sym_rev_null:.1f` %; {glue:md}`sym_rev_above` model units above their null);
# forward − reverse runs from {glue:md}`sym_matched_gaps`
# points, and the asymmetry forward > reverse {glue:md}`sym_matched_verdict`
# ({glue:md}`sym_matched_count` model–monkey pairs resolved). With every sampled unit as a
# forward predictor (the paper's comparison), forward is {glue:text}`sym_fwd_all:.1f` %,
# forward − reverse runs from {glue:md}`sym_all_gaps` points, and the asymmetry
# {glue:md}`sym_all_verdict` ({glue:md}`sym_all_count`). "Model–animal asymmetry larger
# than every animal–animal asymmetry": with matched predictors it
# {glue:md}`sym_excess_verdict` (point estimate above in {glue:md}`sym_excess_count`
# pairs); unmatched it {glue:md}`sym_excess_all_verdict` ({glue:md}`sym_excess_all_count`).
#
# **In short.** In real V4 — one monkey on two days, the only real animal-to-animal
# comparison here — symmetry within the paper's tolerance {glue:md}`sym_real_equiv` and
# the difference between the directions {glue:md}`sym_real_resolved`. The paper's
# contrast between symmetric brains and asymmetric models, tested on model-predicted
# monkeys with matched predictor counts, {glue:md}`sym_excess_verdict`.
#
# **How to read it.** The equal-noise design is what makes the two directions of the real
# pair comparable: both sides are four-trial averages of equally many sites, so a
# symmetric truth gives equal raw r² in expectation, and the real-data null checks that
# the design, run on two halves of one session, is centred on zero. Raw r² understates
# EV on both sides alike, so the *relative* difference is the number to put next to the
# paper's. The twins answer a different question — how symmetric model-predicted monkeys
# are — and their matched comparison asks how much of the model–animal gap is the count
# of predictors rather than the content of the representations. Two cautions. With few
# predictors both directions sit close to their permutation nulls, so a small matched gap
# is partly a floor effect. And "larger than every animal–animal asymmetry" compares a
# model gap with the *largest* of three noisy animal differences, which is biased upwards:
# a demanding test for the models, most of all when twins per monkey are few.
#
# **What would change our mind.** An equal-noise difference whose interval lies outside
# the paper's tolerance would say the same V4 array is not symmetric with itself across
# days. Twin pairs far less alike than the two days of one monkey would make the twins a
# poor stand-in for real animals. A matched-predictor model gap well above every animal
# gap would put the asymmetry in the representations rather than in the counting.
#
# **Limits.** V4, not IT. The real pair is one monkey on two days; 210322's reliability is
# only bounded. The three-monkey comparison uses model-predicted responses with simulated
# trial noise; RA's twins are mapped to counts with a pooled fit; twins per monkey are few
# at `size="ci"` (33 at `size="full"`), so the animal–animal intervals are wide. The
# paper's IT comparison has hundreds of sites per monkey.
#
# ## Exercises
#
# **1 (checkable).** From `animal_table`, which ordered pair of twin monkeys has the
# largest median EV, and what is it (%)?

# %% tags=["remove-cell", "exercise-key"]
EXPECTED_BEST_PAIR_EV = float(animal_table["median_ev"].max())

# %%
from bothways.exercises import check_number

my_answer = None  # your answer (%)
check_number(my_answer, EXPECTED_BEST_PAIR_EV, tol=0.1, hint="Sort animal_table by median_ev.");

# %% tags=["solution", "hide-cell"]
top = animal_table.sort_values("median_ev").iloc[-1]
my_answer = top["median_ev"]
print(top["source"], "→", top["target"])
check_number(my_answer, EXPECTED_BEST_PAIR_EV, tol=0.1);

# %% [markdown]
# **2 (open).** Rerun `sym.equal_noise_pair` with `n_trials=2` (and the null with the
# same). Do both directions fall by the same amount? What does that say about comparing
# a four-repeat session with an eight-repeat one without equalising?
#
# **3 (open).** Increase `S.twins_per_monkey` (at most 33). Which intervals shrink, and
# does the matched-predictor verdict change?
