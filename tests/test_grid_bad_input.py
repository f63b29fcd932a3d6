"""Bad input at the public entry points of bothways.grid and the chapter 5 recipe: a
clear error naming the argument and the problem (the grid rows of the inventory in
tests/test_bad_input.py)."""
import numpy as np
import pandas as pd
import pytest

from bothways import grid
from bothways.analyses import grid_cells as recipe

RNG = np.random.default_rng(0)
MAP = RNG.random((12, 12))
POS = RNG.random((40, 2))
ACT = RNG.random((200, 6))
PER = pd.DataFrame([dict(model=m, scheme=s, neuron=i, ev=RNG.normal(10 * k, 1))
                    for s in recipe.SCHEMES for k, m in enumerate("abc") for i in range(10)])


def _with(a, value, idx=(0, 0)):
    a = np.array(a, dtype=float)
    a[idx] = value
    return a


CASES = [
    ("gridness: inf", lambda: grid.gridness(_with(MAP, np.inf)), ValueError, "rate_maps.*inf"),
    ("gridness: 1-D", lambda: grid.gridness(MAP[0]), ValueError, "2-D"),
    ("grid_scores: strings", lambda: grid.grid_scores(np.full((6, 6, 2), "a"), 0.05), TypeError, "rate_maps"),
    ("grid_scores: bin_size 0", lambda: grid.grid_scores(MAP[..., None], 0.0), ValueError, "bin_size"),
    ("grid_properties: bin_size NaN", lambda: grid.grid_properties(MAP, np.nan), ValueError, "bin_size"),
    ("gridness_test: tiny map", lambda: grid.gridness_test(MAP[:3, :3], 0.05), ValueError, "5x5"),
    ("spatial_folds: inf", lambda: grid.spatial_folds(_with(POS, np.inf)), ValueError, "positions.*inf"),
    ("spatial_folds: 3 columns", lambda: grid.spatial_folds(RNG.random((10, 3))), ValueError, "positions"),
    ("spatial_folds: bool n_blocks", lambda: grid.spatial_folds(POS, True), ValueError, "n_blocks"),
    ("spatial_folds: box -1", lambda: grid.spatial_folds(POS, 4, box=-1.0), ValueError, "box"),
    ("time_binned: inf", lambda: grid.time_binned(_with(ACT, np.inf), 0.02), ValueError, "signal.*inf"),
    ("time_binned: dt 0", lambda: grid.time_binned(ACT, 0.0), ValueError, "dt"),
    ("time_binned: too few bins", lambda: grid.time_binned(ACT[:20], 0.02, 0.1), ValueError, "time bins"),
    ("population_topology: NaN", lambda: grid.population_topology(_with(ACT, np.nan)), ValueError, "NaN"),
    ("population_topology: null", lambda: grid.population_topology(ACT, null="random"), ValueError, "null"),
    ("rate_maps: lengths", lambda: grid.rate_maps(POS, ACT), ValueError, "pos must be"),
    ("random_walks: n_steps 0", lambda: grid.random_walks(2, 0), ValueError, "n_steps"),
    ("random_walks: box 0", lambda: grid.random_walks(2, 5, box=0.0), ValueError, "box"),
    ("simulate_mec: conjunctive 2", lambda: grid.simulate_mec((5,), conjunctive=2.0), ValueError, "conjunctive"),
    ("simulate_mec: ellipticity -1", lambda: grid.simulate_mec((5,), ellipticity=-1.0), ValueError, "ellipticity"),
    ("grid_pattern: stretch 0", lambda: grid.grid_pattern(POS, 0.3, 0.0, [0, 0], stretch=0.0), ValueError, "stretch"),
    ("AttractorNetwork: n 4", lambda: grid.AttractorNetwork(n=4), ValueError, "n must"),
    ("AttractorNetwork: dt > tau/2", lambda: grid.AttractorNetwork(dt=0.02, tau=0.02), ValueError, "dt"),
    ("AttractorNetwork.run: NaN velocity",
     lambda: grid.AttractorNetwork(n=8).run(np.full((3, 2), np.nan), np.zeros((4, 8, 8))), ValueError, "velocity"),
    ("calibrate_gain: period -1", lambda: grid.calibrate_gain(grid.AttractorNetwork(n=8), -1.0), ValueError, "period"),
    ("delay_embed: n_delays 0", lambda: grid.delay_embed(ACT, 0), ValueError, "n_delays"),
    ("havok_dmd: rank too high", lambda: grid.havok_dmd(ACT, 2, 50), ValueError, "rank"),
    ("dsa: inf", lambda: grid.dsa(_with(ACT, np.inf), ACT), ValueError, "X.*inf"),
    ("procrustes: shapes", lambda: grid.procrustes_vector_fields(np.eye(3), np.eye(4)), ValueError, "square"),
    ("procrustes: zero", lambda: grid.procrustes_vector_fields(np.zeros((3, 3)), np.eye(3)), ValueError, "non-zero"),
    ("train_path_integrator: speed_scale 0",
     lambda: grid.train_path_integrator(n_steps=0, speed_scale=0.0), ValueError, "speed_scale"),
    ("cv_folds: scheme", lambda: recipe.cv_folds("loo", POS), ValueError, "scheme"),
    ("interval_word: reversed", lambda: recipe.interval_word(1.0, 0.0, "+", "-", "0"), ValueError, "interval"),
    ("safe_verdict: NaN", lambda: recipe.safe_verdict(np.nan, 0.0, 1.0, expected_sign=1), ValueError, "estimate"),
    ("rank_agreement: NaN key", lambda: recipe.rank_agreement(PER, dict(a=1.0, b=np.nan, c=2.0), "random"),
     ValueError, "non-finite"),
    ("rank_agreement: n_perm 10", lambda: recipe.rank_agreement(PER, dict(a=1.0, b=2.0, c=3.0), "random", n_perm=10),
     ValueError, "n_perm"),
    ("rank_agreement: too few neurons",
     lambda: recipe.rank_agreement(PER[PER.neuron < 2], dict(a=1.0, b=2.0, c=3.0), "random"), ValueError, "neurons"),
    ("interpolation_difference: no neurons",
     lambda: recipe.interpolation_difference(PER, "a", "b", neurons=np.zeros(10, bool)), ValueError, "neurons"),
]


@pytest.mark.parametrize("call,exc,match", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_named(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
