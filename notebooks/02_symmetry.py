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
# directions (median EV 35 % one way, 43 % the other), while networks and brains are
# strongly asymmetric {cite}`muzellec2026`. If that holds, animal-to-animal symmetry is
# the yardstick a good model should meet: a model that is "one more animal" should be
# as symmetric with a brain as two brains are with each other {cite}`thobani2025`.
# We test it with what is obtainable: one monkey's V4 recorded on two days
# {cite}`cowley2023`, and model-predicted V4 populations ("digital twins") of three
# monkeys.

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
# - Predict monkey PE's V4 on one day from the same array on another day, and back, on
#   the images both sessions showed — saying exactly which noise ceiling each
#   direction can and cannot use.
# - Build model-predicted V4 populations of three monkeys (WE, PE, RA) from the
#   digital twins of Cowley et al., with trial noise calibrated on real single trials,
#   and score all six ordered pairs.
# - Score networks against the same twin populations the way chapter 1 scores them
#   against V4, and put the model–animal asymmetry next to the animal–animal one.

# %%
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns

from bothways.analyses import symmetry as sym
from bothways.config import sizes
from bothways.data import load_images, twin_panel
from bothways.models import candidate_layers, model_label
from bothways.plotting import PALETTE, paired_scatter, set_theme
from bothways.zoo import split_stimuli

set_theme()
S = sizes("symmetry", size)
print(f"size={size!r}: {S.twins_per_monkey} twins per monkey, "
      f"{S.n_object_images + S.n_natural_images} images, {len(S.models)} networks, n_splits={S.n_splits}")

# %% [markdown]
# ## The same monkey on two days (real V4)
#
# Sessions 210322 and 210325 record monkey PE's V4 array on two days; 600 images
# appear in both (matched by their pixels). Session 210325 has single trials, so its
# split-half reliability is known. Session 210322 comes only as averages over about
# four repeats: **no ceiling can be computed for it**, so the library treats it as
# noiseless. That makes each direction *one-sided*: 210322 → 210325 corrects for the
# target's noise only; 210325 → 210322 corrects for the predictors' noise only. Both
# are lower bounds of the fully corrected EV (the missing reliability is at most 1),
# and raw r² is shown beside them. Both sides predict from 50 sites (210322's 59 are
# subsampled) so that neither direction has more predictors.

# %%
pair = sym.session_pair(210322, 210325, n_stimuli=S.n_real_stimuli, seed=seed)
real = sym.pairwise_predictivity(pair.populations, n_source=50, n_splits=S.n_splits, seed=seed,
                                 n_boot=S.n_boot, n_folds=S.n_folds, device=device)
print(f"{len(pair.images)} shared images; {pair.name_a}: {pair.a.shape} (averages), "
      f"{pair.name_b}: {pair.b.shape} (trials)")
real.table[["source", "target", "correction", "median_ev", "ci_low", "ci_high", "median_r2",
            "median_target_reliability", "median_prediction_reliability"]].round(2)

# %% mystnb={"figure": {"caption": "Same monkey, two days (real V4, session 210322 \u2194 210325). Per-neuron raw r\u00b2 (light) and one-sided noise-corrected EV (dark) in each direction; bars: medians. Grey lines: the paper's monkey\u2192monkey medians in IT (35.3 % and 43.2 %), drawn as context. The two directions correct different sides, so their difference is not a clean asymmetry.", "name": "fig-symmetry-real"}}
per_neuron = pd.concat([
    res.per_target.assign(direction=f"{src} → {tgt}", raw=100 * res.per_target["r2"])
    for (src, tgt), res in real.results.items()], ignore_index=True)
long = per_neuron.melt(id_vars="direction", value_vars=["raw", "ev"], var_name="measure", value_name="percent")
long["measure"] = long["measure"].map({"raw": "raw r²", "ev": "one-sided EV"})
fig, ax = plt.subplots(figsize=(7, 4))
sns.stripplot(data=long, x="direction", y="percent", hue="measure", dodge=True, alpha=0.6, size=4,
              palette=["#9ecae1", PALETTE["animal"]], ax=ax)
medians = long.groupby(["direction", "measure"], sort=False)["percent"].median()
for i, direction in enumerate(long["direction"].unique()):
    for dx, measure in zip((-0.2, 0.2), ("raw r²", "one-sided EV")):
        ax.hlines(medians[(direction, measure)], i + dx - 0.15, i + dx + 0.15, color="black", lw=2.5)
for ref in sym.PAPER_MONKEY_TO_MONKEY:
    ax.axhline(ref, color=PALETTE["reference"], ls=":", lw=1)
ax.set_xlabel("")
ax.set_ylabel("per neuron (%)")
ax.set_ylim(-5, 120)
ax.legend(title=None, fontsize=8)
plt.show()

# %% [markdown]
# ## Three monkeys, model-predicted
#
# No image was shown to more than one monkey here, so no real animal-to-animal
# comparison across monkeys is possible with these data. The dataset's authors fitted a
# small CNN to each of 219 V4 neurons of monkeys WE, PE and RA; each predicts its
# neuron's response to any image. We draw the same number of twins per monkey, show
# them one image set — object images of the 210325 family plus natural images — and
# draw trials around their predictions with the mean–variance law of the real 210325
# trials. **These are model-predicted responses, not recordings:** the twins share an
# architecture and a training recipe, which may make them more alike than three real
# monkeys are.

# %%
images = np.concatenate([load_images(210325)[:S.n_object_images],
                         load_images(S.natural_session)[:S.n_natural_images]])
panel = twin_panel(images, n_per_monkey=S.twins_per_monkey, repeats=S.repeats, seed=seed, device=device)
noise = next(iter(panel.values())).info["noise"]
print(f"{len(images)} images; trial noise: variance = {noise.a:.2f} · mean^{noise.b:.2f} "
      f"(fitted on {noise.n_pairs} image–neuron pairs of session 210325)")
split = split_stimuli(len(images), S.selection_fraction, seed=seed)
twins = {m: p.trials[split.held_out] for m, p in panel.items()}
animals = sym.pairwise_predictivity(twins, n_splits=S.n_splits, seed=seed, n_boot=S.n_boot, n_folds=S.n_folds,
                                    device=device)
matrix = sym.direction_matrix(animals.table, order=sym.TWIN_MONKEYS)
matrix.round(1)

# %% mystnb={"figure": {"caption": "Animal-to-animal predictivity between model-predicted V4 populations (digital twins) of three monkeys: median noise-corrected EV (%) of each target monkey's twins (columns) predicted from each source monkey's twins (rows), held-out images, equal numbers of twins per monkey. A symmetric relation gives a symmetric matrix.", "name": "fig-symmetry-matrix"}}
fig, ax = plt.subplots(figsize=(4.8, 4))
sns.heatmap(matrix, annot=True, fmt=".1f", cmap="Greens", vmin=0, cbar_kws=dict(label="median EV (%)"), ax=ax)
ax.set_xlabel("target monkey (predicted)")
ax.set_ylabel("source monkey (predictors)")
plt.show()

# %% [markdown]
# ## Models against the same animals
#
# Now the networks, chosen and scored exactly as in chapter 1 (layer chosen on the
# selection images for each monkey, scores on the held-out ones), against the same twin
# populations. Forward uses thousands of model units as predictors; reverse uses the
# monkey's few twins; animal-to-animal uses equally few twins on both sides. So we also
# report forward EV from random sets of as many model units as the monkey has twins.

# %%
models = sym.score_models_against(
    {m: panel[m].trials for m in sym.TWIN_MONKEYS}, S.models, images, split, matched_draws=S.n_splits,
    seed=seed, candidate_layers=lambda spec: candidate_layers(spec, S.max_layers), n_splits=S.n_splits,
    n_boot=S.n_boot, n_folds=S.n_folds, max_units=S.max_units, device=device)
labels = {m: model_label(m) for m in S.models}
model_table = models.table.assign(model=lambda d: d["model"].map(labels))
pairs = sym.symmetry_table(animals.table)
indices = sym.asymmetry_indices(pairs, model_table)
model_table.round(1)

# %% mystnb={"figure": {"caption": "Left: the two directions of every pair \u2014 animal \u2194 animal (green: a\u2192b against b\u2192a, twins), model \u2194 animal (blue circles: forward against reverse; filled: trained networks) and the same with forward computed from as many random model units as the monkey has twins (blue triangles). Right: the asymmetry index of each pair (EV points; for two animals the absolute difference, whose sign is arbitrary; for a model, forward \u2212 reverse), with the real same-monkey pair's differences in raw r\u00b2 (grey diamond) and in one-sided EV (open diamond).", "name": "fig-symmetry-index"}}
fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.6), gridspec_kw=dict(wspace=0.3))
paired_scatter(pairs["a_to_b"], pairs["b_to_a"], pairs["a"] + "↔" + pairs["b"], ax=ax, color=PALETTE["animal"],
               xlabel="one direction: a → b, or model → animal (%)",
               ylabel="other direction: b → a, or animal → model (%)")
ax.scatter(model_table["forward"], model_table["reverse"], s=40, edgecolor=PALETTE["forward"],
           color=[PALETTE["forward"] if t else "white" for t in model_table["trained"]], zorder=3,
           label="model ↔ animal")
ax.scatter(model_table["forward_matched"], model_table["reverse"], s=45, marker="^", color=PALETTE["forward"],
           alpha=0.6, zorder=3, label="model ↔ animal, matched predictors")
ax.scatter([], [], s=40, color=PALETTE["animal"], label="animal ↔ animal (twins)")
ax.legend(fontsize=8, loc="upper left")
ax.set_xlim(left=0)
ax.set_ylim(bottom=0)
real_pair = sym.symmetry_table(real.table)
sns.stripplot(data=indices, x="kind", y="index", hue="kind", size=7, jitter=0.15, ax=ax2,
              palette=[PALETTE["animal"], PALETTE["forward"]])
real_raw = sym.symmetry_table(real.table, stat="median_r2")
ax2.scatter([0] * len(real_pair), real_raw["abs_difference"], marker="D", s=60, color=PALETTE["reference"],
            zorder=4, label="same monkey, two days (real, raw r²)")
ax2.scatter([0] * len(real_pair), real_pair["abs_difference"], marker="D", s=60, facecolor="white",
            edgecolor=PALETTE["reference"], zorder=4, label="same monkey, two days (real, one-sided EV)")
ax2.axhline(abs(np.diff(sym.PAPER_MONKEY_TO_MONKEY)[0]), color=PALETTE["reference"], ls=":", lw=1,
            label="paper: |35.3 − 43.2|, IT")
ax2.set_xlabel("")
ax2.set_ylabel("asymmetry (EV points)")
ax2.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## What we found

# %%
ta = animals.table
md = model_table.groupby("trained")[["forward", "reverse", "forward_matched", "asymmetry"]].median()
animal_abs = pairs["abs_difference"]
trained_asym = model_table.loc[model_table["trained"], "asymmetry"]
r = real.table.set_index("source")
print(f"Real V4, same monkey two days ({len(pair.images)} images, 50 predictor sites each way):")
for src, row in r.iterrows():
    print(f"  {src} → {row.target}: raw r² {row.median_r2:.1f} %, one-sided EV {row.median_ev:.1f} % "
          f"[{row.ci_low:.1f}, {row.ci_high:.1f}] ({row.correction})")
print(f"  difference between the directions: raw r² {abs(r['median_r2'].iloc[0] - r['median_r2'].iloc[1]):.1f} "
      f"points, one-sided EV {abs(r['median_ev'].iloc[0] - r['median_ev'].iloc[1]):.1f} points")
print(f"Paper, IT monkey → monkey: {sym.PAPER_MONKEY_TO_MONKEY[0]} % and {sym.PAPER_MONKEY_TO_MONKEY[1]} % "
      f"(difference {abs(np.diff(sym.PAPER_MONKEY_TO_MONKEY)[0]):.1f} points).")
print(f"Twins ({S.twins_per_monkey} per monkey, {len(split.held_out)} held-out images): animal → animal median EV "
      f"{ta['median_ev'].min():.1f}-{ta['median_ev'].max():.1f} %; |a→b − b→a| at most {animal_abs.max():.1f} points.")
print(f"Trained networks vs twins: forward {md.loc[True, 'forward']:.1f} %, reverse {md.loc[True, 'reverse']:.1f} %, "
      f"forward from {S.twins_per_monkey} random units {md.loc[True, 'forward_matched']:.1f} % (medians over pairs); "
      f"forward − reverse {trained_asym.min():.1f} to {trained_asym.max():.1f} points.")
matched_asym = (model_table["forward_matched"] - model_table["reverse"])[model_table["trained"]]
print(f"Model–animal asymmetry exceeds every animal–animal asymmetry for "
      f"{int((trained_asym > animal_abs.max()).sum())} of {len(trained_asym)} trained model–monkey pairs; "
      f"with matched predictor counts, for {int((matched_asym > animal_abs.max()).sum())} of {len(matched_asym)} "
      f"(matched forward − reverse {matched_asym.min():.1f} to {matched_asym.max():.1f} points).")

# %% [markdown]
# **How to read it.** The real pair is the only real animal-to-animal comparison here,
# and it is the *same* animal: how much of V4 is stable from one day to the next. Its
# two directions correct different sides, so the difference between them mixes any true
# asymmetry with the unknown reliability of 210322; the raw r² values, which are
# uncorrected on both sides, are the cleaner comparison of the two directions. Among the
# twin populations, the animal-to-animal matrix and its differences say how symmetric
# model-predicted monkeys are; the model rows say whether networks are as symmetric with
# those monkeys as the monkeys are with each other. The matched-predictor forward score
# shows how much of the model–animal gap comes from counting predictors rather than
# from what the representations contain.
#
# **What would change our mind.** If raw r² were strongly asymmetric between the two
# days, "brains are symmetric" would fail even within one animal. If twin populations of
# different monkeys were much *less* alike than the two days of one monkey, the twins
# would be a poor stand-in for real animal-to-animal comparisons. If models with
# matched predictor counts were as asymmetric as with all their units, the asymmetry
# would be about representations and not about counts.
#
# **Limits.** V4, not IT. The real pair is one monkey on two days, with no ceiling on
# one side; the three-monkey comparison uses model-predicted responses, whose trial
# noise is simulated from one session's mean–variance law; twins per monkey are few at
# `size="ci"` (all 33 of the smallest monkey at `size="full"`), and EV from few
# predictors is low in every direction. The paper's IT comparison has hundreds of sites
# per monkey. `size="ci"` takes about a minute on 2 CPU cores (twins and features are
# cached on disk, so a second run takes seconds); `size="full"` (33 twins per monkey,
# 1240 images, 6 networks) takes roughly an hour and a half on 2 CPU cores, an estimate
# from timing its parts.
#
# ## Exercises
#
# **1 (checkable).** From `animals.table`, which ordered pair of monkeys has the
# largest median EV, and what is it (%)?

# %% tags=["remove-cell", "exercise-key"]
EXPECTED_BEST_PAIR_EV = float(animals.table["median_ev"].max())

# %%
from bothways.exercises import check_number

my_answer = None  # your answer (%)
check_number(my_answer, EXPECTED_BEST_PAIR_EV, tol=0.1, hint="Sort animals.table by median_ev.");

# %% tags=["solution", "hide-cell"]
top = animals.table.sort_values("median_ev").iloc[-1]
my_answer = top["median_ev"]
print(top["source"], "→", top["target"])
check_number(my_answer, EXPECTED_BEST_PAIR_EV, tol=0.1);

# %% [markdown]
# **2 (open).** Session 210322 has no trials, but its *neurons* may include some of the
# same electrodes as 210325. Propose a way to bound the reliability of 210322 from the
# data here (hint: how well does each 210322 neuron predict its best-matching 210325
# neuron?), and say what assumption your bound needs.
#
# **3 (open).** Increase `S.twins_per_monkey` (at most 33). Which numbers grow, and
# does the animal–animal matrix become more or less symmetric?
