"""Tests of bothways.sweep: content keys, the Parquet store, resume, failures, executors."""
import json
import os
import textwrap

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import torch
from torch import nn

import bothways.models as bm
from bothways import sweep
from bothways.predictivity import predictivity
from bothways.sweep import compute, executors, inputs

PROVENANCE = ("wall_s", "features_s", "features_from_cache", "worker", "host", "pid", "started_at", "warnings")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("BOTHWAYS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(inputs, "_LOADED", {})


@pytest.fixture
def syn():
    """48 stimuli of 16 x 16 pixels; 6 neurons x 4 repeats driven by the pixels plus noise."""
    rng = np.random.default_rng(7)
    images = rng.integers(0, 256, size=(48, 16, 16, 3), dtype=np.uint8)
    drive = images.reshape(48, -1)[:, :6].astype(float) / 64.0
    trials = drive[:, :, None] + rng.normal(size=(48, 6, 4))
    trials[0, 0, 3] = np.nan  # a missing repeat
    return images, trials


OPTS = dict(n_splits=2, n_boot=20, n_folds=4, max_units=25)


def make(syn, store, **kw):
    args = dict(models=["pixels", "random-projection"], data={"syn": syn}, methods=["default", "muzellec_kar"],
                options=OPTS, store=store)
    args.update(kw)
    return sweep.Sweep(**args)


def values(frame):
    """A results table without the columns that describe how a run went (times, hosts)."""
    drop = [c for c in frame.columns if c in PROVENANCE or c.startswith("version_")]
    return frame.drop(columns=drop).reset_index(drop=True)


# --------------------------------------------------------------------------- keys
def test_grid_and_keys_follow_content_not_labels(syn, tmp_path):
    sw = make(syn, tmp_path / "s")
    assert len(sw) == 2 * 1 * 2 * 2  # models x layers (one each) x directions x methods
    assert len({c.key for c in sw.cells}) == len(sw)
    # the same content under other labels has the same keys
    other = sweep.Sweep({"P": "pixels", "R": "random-projection"}, {"renamed": syn}, methods=["default", "muzellec_kar"],
                        options=OPTS, store=tmp_path / "s")
    assert [c.key for c in other.cells] == [c.key for c in sw.cells]
    base = {c.key for c in make(syn, tmp_path / "s", models=["pixels"]).cells}
    images, trials = syn
    changed = {
        "trials": dict(data={"syn": (images, trials + 1e-9)}),
        "images": dict(data={"syn": (images[::-1].copy(), trials)}),
        "seed": dict(seeds=[1]),
        "options": dict(options=dict(OPTS, n_splits=3)),
        "pool": dict(pool="avg"),
    }
    for what, kw in changed.items():
        keys = {c.key for c in make(syn, tmp_path / "s", models=["pixels"], **kw).cells}
        assert not keys & base, f"changing the {what} must change every key"


def test_key_changes_with_weights_architecture_and_code(syn, tmp_path, monkeypatch):
    a = sweep.model_source(bm.get_model("resnet20-cifar10", pretrained=False, seed=0))
    b = sweep.model_source(bm.get_model("resnet20-cifar10", pretrained=False, seed=1))
    assert a.weights != b.weights and a.architecture == b.architecture
    ka = {c.key for c in make(syn, tmp_path, models=[a], layers=["layer1"]).cells}
    kb = {c.key for c in make(syn, tmp_path, models=[b], layers=["layer1"]).cells}
    assert not ka & kb
    monkeypatch.setattr(compute, "code_fingerprint", lambda: "other code")
    monkeypatch.setattr(sweep.core, "code_fingerprint", lambda: "other code")
    kc = {c.key for c in make(syn, tmp_path, models=[a], layers=["layer1"]).cells}
    assert not ka & kc


def test_preprocessing_without_cache_id_is_fingerprinted():
    net = nn.Sequential(nn.Flatten())
    half = inputs.model_source((net, lambda im: torch.as_tensor(im, dtype=torch.float32) / 2))
    third = inputs.model_source((net, lambda im: torch.as_tensor(im, dtype=torch.float32) / 3))
    assert half.preprocess_id.startswith("fingerprint:") and half.preprocess_id != third.preprocess_id
    assert half.preprocess.cache_id == half.preprocess_id  # the feature cache keys by it too

    def only_112(images):
        if np.asarray(images).shape[1:3] != (112, 112):
            raise ValueError("112 x 112 images only")
        return torch.as_tensor(images, dtype=torch.float32)

    with pytest.warns(UserWarning, match="give it a cache_id"):
        picky = inputs.model_source((net, only_112))
    assert picky.preprocess_id.startswith("source:")


def test_methods_fix_their_options(syn, tmp_path):
    sw = make(syn, tmp_path, models=["pixels"], methods=["default", "muzellec_kar", "fixed_alpha"],
              options=dict(OPTS, alphas=[1.0, 10.0], prediction_reliability="either"))
    kw = {c.method: c.kwargs for c in sw.cells}
    assert kw["default"]["alphas"] == [1.0, 10.0] and kw["default"]["prediction_reliability"] == "either"
    assert "alphas" not in kw["muzellec_kar"] and "n_folds" not in kw["muzellec_kar"]
    assert kw["fixed_alpha"]["alphas"] == 0.1 and kw["muzellec_kar"]["n_splits"] == 2


# --------------------------------------------------------------------------- running
def test_cells_equal_direct_predictivity(syn, tmp_path):
    """Independent reference: each cell is exactly predictivity() on the layer's features."""
    images, trials = syn
    sw = make(syn, tmp_path / "s", models=["pixels"], methods=["default"])
    rep = sw.run(progress=False)
    assert rep.computed == len(sw) == 2 and rep.failed == 0
    X = bm.extract_features(bm.get_model("pixels"), images, "pixels", cache=False).values.astype(np.float64)
    kw = dict(method="default", n_splits=2, n_boot=20, n_folds=4, seed=0)
    targets = sw.results("targets")
    fwd = targets[targets.direction == "forward"].reset_index(drop=True)
    ref = predictivity(X, trials, **kw)
    np.testing.assert_array_equal(fwd["ev"], ref.per_target["ev"])
    np.testing.assert_array_equal(fwd["target"], np.arange(6))
    # reverse: a seeded sample of 25 non-constant units
    rev = targets[targets.direction == "reverse"].reset_index(drop=True)
    units = np.sort(np.random.default_rng([0, 7]).choice(X.shape[1], 25, replace=False))
    np.testing.assert_array_equal(rev["target"], units)
    ref = predictivity(trials, X[:, units], match_to=6, **kw)
    np.testing.assert_array_equal(rev["ev"], ref.per_target["ev"])
    summary = sw.results()
    assert list(summary.columns[:8]) == ["model", "layer", "depth", "data", "direction", "method", "seed", "key"]
    rsum = summary[summary.direction == "reverse"].iloc[0]
    assert rsum["median_ev"] == ref.summary["median_ev"] and rsum["mean_ev_matched"] == ref.summary["mean_ev_matched"]
    assert rsum["median_r2"] == pytest.approx(100 * np.nanmedian(ref.per_target["r2"]), rel=1e-12)
    assert {"device", "dtype", "wall_s", "version_torch", "version_bothways"} <= set(summary.columns)
    assert (summary["dtype"] == "float64").all() and (summary["device"] == "cpu").all()


def test_rerun_skips_and_one_deleted_file_recomputes_only_that_cell(syn, tmp_path):
    sw = make(syn, tmp_path / "s")
    first = sw.run(progress=False)
    assert first.computed == 8
    again = make(syn, tmp_path / "s").run(progress=False)
    assert (again.computed, again.from_store) == (0, 8)
    gone = sw.cells[3].key
    sw.store.path(gone).unlink()
    third = sw.run(progress=False)
    assert third.computed_keys == (gone,) and third.from_store == 7
    assert len(sw.results()) == 8


def test_features_extracted_once_per_model_layer_and_images(syn, tmp_path, monkeypatch):
    calls = []
    real = bm.extract_features
    monkeypatch.setattr(bm, "extract_features", lambda *a, **k: calls.append(a[2]) or real(*a, **k))
    sw = make(syn, tmp_path / "s", seeds=[0, 1])
    sw.run(progress=False)
    assert len(sw) == 16 and len(calls) == 2  # one per (model, layer), shared by 8 cells each


def test_interrupted_sweep_resumes(syn, tmp_path, monkeypatch):
    sw = make(syn, tmp_path / "s")
    real, seen = executors.run_group, []

    def flaky(group, *a, **k):
        if seen:
            raise KeyboardInterrupt
        seen.append(group)
        return real(group, *a, **k)

    monkeypatch.setattr(executors, "run_group", flaky)
    with pytest.raises(KeyboardInterrupt):
        sw.run(progress=False)
    assert (sw.status()["status"] == "done").sum() == 4  # the first group's cells
    monkeypatch.setattr(executors, "run_group", real)
    rep = sw.run(progress=False)
    assert (rep.computed, rep.from_store) == (4, 4)


def test_failing_cell_is_recorded_and_the_others_go_on(syn, tmp_path):
    methods = {"default": dict(method="default"), "bad": dict(method="default", n_folds=1000)}
    sw = make(syn, tmp_path / "s", methods=methods)
    rep = sw.run(progress=False)
    assert (rep.computed, rep.failed) == (4, 4)
    fails = sw.failures()
    assert set(fails["method"]) == {"bad"} and (fails["error"] == "ValueError").all()
    assert fails["message"].str.contains("more folds").all() and fails["traceback"].str.contains("predictivity").all()
    assert set(sw.results()["method"]) == {"default"}
    assert set(sw.status()["status"]) == {"done", "failed"}
    assert sw.run(progress=False, retry_failed=False).computed == 0
    assert sw.run(progress=False).failed == 4  # retried, fails again


def test_failed_feature_extraction_fails_its_group_only(syn, tmp_path):
    def build_broken():
        class Broken(nn.Module):
            def __init__(self):
                super().__init__()
                self.a = nn.Flatten()

            def forward(self, x):
                raise RuntimeError("boom")

        return Broken(), bm.Preprocess(16)

    sw = make(syn, tmp_path / "s", models={"ok": "pixels", "broken": build_broken()}, layers={"ok": "auto",
              "broken": ["a"]}, methods=["default"])
    rep = sw.run(progress=False)
    assert (rep.computed, rep.failed) == (2, 2)
    assert set(sw.failures()["model"]) == {"broken"}


def test_a_zoo_loop_as_two_sweeps_equals_the_chapter_recipe(syn, tmp_path):
    """Chapter 1's loop (choose a layer on selection stimuli, score it both ways on the
    rest) written as two sweeps gives the numbers of its recipe (an independent path)."""
    from bothways import zoo as asym
    images, trials = syn
    model = bm.get_model("resnet20-cifar10", pretrained=False, seed=0)
    layers = ["layer1", "layer2", "layer3"]
    split = asym.split_stimuli(len(images), 0.3, seed=0)
    data = sweep.data_source(syn, "syn")
    opts = dict(n_splits=2, n_boot=20, n_folds=4)
    pick = sweep.Sweep({"net": model}, {"selection": data.take(split.selection)}, layers=layers,
                       directions=["forward"], options=dict(n_folds=4, n_splits=1, n_boot=0), store=tmp_path / "s")
    pick.run(progress=False)
    best = sweep.best_layers(pick.results(), stat="median_r2")
    feats = {layer: bm.extract_features(model, images, layer).values for layer in layers}
    choice = asym.select_layer(feats, trials, split.selection, layers=layers, n_folds=4, seed=0)
    assert best == {"net": choice.layer}
    zoo = sweep.Sweep({"net": model}, {"held out": data.take(split.held_out)}, layers=[choice.layer],
                      methods=["default", "muzellec_kar"], options=dict(opts, max_units=30), store=tmp_path / "s")
    zoo.run(progress=False)
    ours = zoo.results().set_index(["method", "direction"])
    X = feats[choice.layer][split.held_out]
    ref = asym.score_both_ways(X, trials[split.held_out], variants=["default", "muzellec_kar"], max_units=30,
                               n_splits=2, n_boot=20, n_folds=4).summary.set_index(["variant", "direction"])
    for col in ("median_ev", "mean_ev", "ci_low", "ci_high", "mean_ev_matched"):
        np.testing.assert_allclose(ours[col].to_numpy(dtype=float), ref.loc[ours.index, col].to_numpy(dtype=float),
                                   rtol=1e-12, err_msg=col)


# --------------------------------------------------------------------------- the store
def test_store_round_trip_and_verification(syn, tmp_path):
    sw = make(syn, tmp_path / "s", models=["pixels"], methods=["default"])
    sw.run(progress=False)
    key = sw.cells[0].key
    rec = sw.store.read(key)
    assert rec.key == key and rec.cell["model"] == "pixels" and rec.summary["n_targets"] == 6
    assert sweep.store.identity_key(rec.identity) == key
    path = sw.store.path(key)
    good = path.read_bytes()

    path.write_bytes(good[: len(good) // 2])  # truncated
    assert sw.store.status(key) == "corrupt"
    with pytest.raises(sweep.CorruptCellError, match="unreadable"):
        sw.store.read(key)

    other = sw.cells[1].key  # a valid file under another cell's name
    path.write_bytes(good)
    sw.store.path(other).write_bytes(good)
    with pytest.raises(sweep.CorruptCellError, match="records key"):
        sw.store.read(other)

    table = pq.read_table(path)  # values changed after writing, metadata kept
    df = table.to_pandas()
    df.loc[0, "ev"] += 1.0
    import pyarrow as pa

    pq.write_table(pa.Table.from_pandas(df, preserve_index=False).replace_schema_metadata(table.schema.metadata), path)
    with pytest.raises(sweep.CorruptCellError, match="checksum"):
        sw.store.read(key)


def test_corrupted_cell_is_quarantined_and_recomputed(syn, tmp_path):
    sw = make(syn, tmp_path / "s")
    sw.run(progress=False)
    before = values(sw.results())
    key = sw.cells[2].key
    raw = bytearray(sw.store.path(key).read_bytes())
    raw[len(raw) // 3] ^= 0xFF  # one flipped byte inside the data pages
    sw.store.path(key).write_bytes(bytes(raw))
    with pytest.warns(UserWarning, match="failed verification"):
        rep = sw.run(progress=False)
    assert rep.computed_keys == (key,) and rep.corrupt_keys == (key,)
    assert len(list(sw.store.quarantine.iterdir())) == 1
    pd.testing.assert_frame_equal(values(sw.results()), before)


def test_nothing_half_written_takes_a_results_name(syn, tmp_path, monkeypatch):
    sw = make(syn, tmp_path / "s", models=["pixels"], methods=["default"])

    def dies_midway(table, where, **kw):
        with open(where, "wb") as f:
            f.write(b"PAR1 partial")
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", dies_midway)
    with pytest.raises(OSError, match="disk full"):
        sw.run(progress=False)
    assert list(sw.store.cells.iterdir()) == []  # neither the result nor its temporary


# --------------------------------------------------------------------------- dask
def test_dask_local_cluster_gives_identical_tables(syn, tmp_path):
    methods = {"default": dict(method="default"), "muzellec_kar": dict(method="muzellec_kar"),
               "bad": dict(method="default", n_folds=1000)}
    local = make(syn, tmp_path / "a", methods=methods)
    local.run(progress=False)
    dask = make(syn, tmp_path / "b", methods=methods)
    rep = dask.run("dask", n_workers=2, processes=False, progress=False, timeout=60)
    assert (rep.computed, rep.failed) == (8, 4)
    a, b = local.results(), dask.results()
    assert set(b["worker"]) <= {"0", "1"}
    pd.testing.assert_frame_equal(values(a), values(b), check_exact=True)
    pd.testing.assert_frame_equal(local.results("targets"), dask.results("targets"), check_exact=True)
    assert dask.failures()["message"].str.contains("more folds").all()


def test_unreachable_scheduler_is_a_named_error(syn, tmp_path):
    sw = make(syn, tmp_path / "s", models=["pixels"], methods=["default"])
    with pytest.raises(sweep.SchedulerError, match="cannot reach the Dask scheduler at 'tcp://127.0.0.1:9'"):
        sw.run("dask", scheduler="tcp://127.0.0.1:9", connect_timeout=1, progress=False)
    assert sw.store.keys() == []
    with pytest.raises(ValueError, match="executor must be"):
        sw.run("slurm")


# --------------------------------------------------------------------------- bad input
def test_bad_input_fails_before_any_work(syn, tmp_path):
    images, trials = syn
    store = tmp_path / "s"
    with pytest.raises(sweep.UnknownModelError, match="did you mean"):
        make(syn, store, models=["efficientnet-lite9"])
    with pytest.raises(sweep.UnknownModelError, match="cannot import"):
        make(syn, store, models=["no_such_package.mod:build"])
    with pytest.raises(sweep.UnknownLayerError, match="no layer 'layer9'"):
        make(syn, store, models=["pixels"], layers=["layer9"])
    with pytest.raises(sweep.DataError, match="48 images for 40 stimuli"):
        make(syn, store, data={"x": (images, trials[:40])})
    with pytest.raises(sweep.DataError, match=">= 2 repeats"):
        make(syn, store, data={"x": (images, trials[:, :, :1])})
    with pytest.raises(sweep.DataError, match="unknown data"):
        make(syn, store, data=["mri:subject1"])
    with pytest.raises(sweep.SweepInputError, match="unknown option"):
        make(syn, store, options=dict(n_split=3))
    with pytest.raises(sweep.SweepInputError, match="unknown method"):
        make(syn, store, methods=["fancy"])
    with pytest.raises(sweep.SweepInputError, match="directions"):
        make(syn, store, directions=["sideways"])
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    with pytest.raises(sweep.DataError, match="cannot read"):
        make(syn, store, data=[f"npz:{bad}"])
    np.savez(tmp_path / "noimg.npz", trials=trials)
    with pytest.raises(sweep.DataError, match=r"no array\(s\) \['images'\]"):
        make(syn, store, data=[f"npz:{tmp_path / 'noimg.npz'}"])
    assert not store.exists()


# --------------------------------------------------------------------------- your own network
USER_MODEL = """
import torch
from torch import nn
from bothways.models import Preprocess


def build():
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(3), nn.Flatten())
    return net, Preprocess(16), ("0", "2")
"""


def test_user_network_from_a_file_shares_cache_and_keys(syn, tmp_path):
    a, b = tmp_path / "net_a.py", tmp_path / "net_b.py"
    a.write_text(textwrap.dedent(USER_MODEL))
    b.write_text(textwrap.dedent(USER_MODEL))
    sw = make(syn, tmp_path / "s", models=[f"{a}:build"], methods=["default"])
    assert [c.layer for c in sw.cells] == ["0", "0", "2", "2"]
    sw.run(progress=False)
    # the same network from another file: same content, so the same keys and nothing to compute
    sw2 = make(syn, tmp_path / "s", models=[f"{b}:build"], methods=["default"])
    assert [c.key for c in sw2.cells] == [c.key for c in sw.cells]
    assert sw2.run(progress=False).computed == 0
    assert sw.results()["features_from_cache"].eq(False).all()
    sw.store.path(sw.cells[0].key).unlink()
    sw.run(progress=False)
    assert sw.results()["features_from_cache"].iloc[0]  # recomputed from the feature cache


# --------------------------------------------------------------------------- config, helpers
def test_yaml_config(syn, tmp_path):
    images, trials = syn
    np.savez(tmp_path / "syn.npz", images=images, trials=trials)
    (tmp_path / "sweep.yaml").write_text(textwrap.dedent(f"""
        models: [pixels]
        data: ["npz:{tmp_path / 'syn.npz'}"]
        methods: [default]
        seeds: [0, 1]
        options: {json.dumps(OPTS)}
        store: out
        run: {{executor: local, progress: false}}
        """))
    sw, settings = sweep.load_config(tmp_path / "sweep.yaml")
    assert len(sw) == 4 and sw.store.root == tmp_path / "out" and settings == dict(executor="local", progress=False)
    assert sw.run(**settings).computed == 4
    (tmp_path / "typo.yaml").write_text("models: [pixels]\ndata: [v4:210325]\nseed: [0]\n")
    with pytest.raises(sweep.SweepInputError, match=r"unknown sweep setting\(s\) \['seed'\]"):
        sweep.load_config(tmp_path / "typo.yaml")


def test_best_layers_and_spread_layers(syn, tmp_path):
    rows = pd.DataFrame(dict(model=["a", "a", "a", "b"], layer=["l1", "l2", "l3", "m"], depth=[1, 2, 3, 1],
                             direction="forward", median_ev=[10.0, 30.0, 30.0, 5.0]))
    assert sweep.best_layers(rows) == {"a": "l2", "b": "m"}  # ties go to the earlier layer
    with pytest.raises(ValueError, match="several rows"):
        sweep.best_layers(pd.concat([rows, rows]))
    assert sweep.spread_layers(list("abcdefg"), 3) == ("a", "d", "g")
    assert sweep.spread_layers(list("abc"), 1) == ("b",)


def test_subset_and_take(syn):
    d = sweep.data_source(syn, "syn")
    s = d.subset(20, seed=1)
    assert s.n_stimuli == 20 and s.name == "syn[n=20,seed=1]" and s.images_hash != d.images_hash
    np.testing.assert_array_equal(s.trials, d.trials[np.sort(np.random.default_rng([1, 19]).choice(48, 20,
                                                                                                    replace=False))])
    assert d.subset(None) is d and d.take(np.arange(5), "first").n_stimuli == 5
    with pytest.raises(sweep.DataError, match="outside"):
        d.take(np.array([48]))


def test_a_split_is_part_of_the_key(syn, tmp_path):
    """The parts of a stimulus split are data of their own: keyed by their content, so
    another split is another cell and the same split finds its cells in the store."""
    from bothways.zoo import split_stimuli

    d = sweep.data_source(syn, "syn")
    split = split_stimuli(48, 0.25, seed=0)
    sel, held = d.split(split)
    assert (sel.name, held.name) == ("syn[selection]", "syn[held-out]")
    np.testing.assert_array_equal(held.trials, syn[1][split.held_out])
    np.testing.assert_array_equal(sel.images, syn[0][split.selection])

    def keys(part):
        return {c.key for c in sweep.Sweep(["pixels"], [part], options=OPTS, store=tmp_path / "s").cells}

    other = d.split(split_stimuli(48, 0.25, seed=1))[1]
    assert keys(held) == keys(d.split((split.selection, split.held_out))[1])
    assert keys(held).isdisjoint(keys(other)) and keys(held).isdisjoint(keys(sel))
    with pytest.raises(sweep.DataError, match="overlap"):
        d.split((np.arange(10), np.arange(5, 20)))
    with pytest.raises(sweep.DataError, match="StimulusSplit"):
        d.split(np.arange(10))


def test_permutation_null_option_is_predictivitys_null(syn, tmp_path):
    """``n_permutations`` gives each target of a cell predictivity's stimulus-permutation
    null, with the numbers of the direct call."""
    images, trials = syn
    opts = dict(n_splits=2, n_boot=0, n_folds=4, match_to=None, max_units=25, n_permutations=9)
    sw = sweep.Sweep(["pixels"], {"syn": syn}, directions=["reverse"], options=opts, store=tmp_path / "s")
    sw.run(progress=False)
    ours = sw.results("targets")
    summary = sw.results().iloc[0]
    X = bm.extract_features(bm.get_model("pixels"), images, "pixels").values.astype(np.float64)
    units = np.sort(np.random.default_rng([0, 7]).choice(X.shape[1], 25, replace=False))
    ref = predictivity(trials, X[:, units], n_splits=2, n_boot=0, n_folds=4, match_to=None, seed=0,
                       n_permutations=9)
    np.testing.assert_array_equal(ours["target"], units)
    for col in ("ev", "ev_signed", "ev_null_mean", "r_null_mean", "p_value"):
        np.testing.assert_allclose(ours[col].to_numpy(float), ref.per_target[col].to_numpy(float), rtol=1e-12,
                                   err_msg=col)
    for col in ("null_mean_ev", "mean_ev_signed", "n_above_null", "n_above_null_fdr", "n_permutations"):
        assert summary[col] == pytest.approx(ref.summary[col], rel=1e-12), col
    assert summary["n_permutations"] == 9 and ours["p_value"].min() >= 0.1 - 1e-12
    with pytest.raises(sweep.SweepInputError, match="n_permutations"):
        sweep.Sweep(["pixels"], {"syn": syn}, options=dict(n_permutations=-1), store=tmp_path / "s")


def test_recordings_and_it_files_as_data(syn, tmp_path):
    from bothways.data.recording import Recording

    images, trials = syn
    d = sweep.data_source(Recording(trials=trials, images=images, source="my lab"), "mine")
    assert d.info["source"] == "my lab" and d.identity == sweep.data_source(syn, "x").identity
    with pytest.raises(sweep.DataError, match="only trial averages"):
        sweep.data_source(Recording(mean=np.nanmean(trials, axis=2), images=images), "averages")
    with pytest.raises(sweep.DataError, match="no images"):
        sweep.data_source(Recording(trials=trials), "no images")
    np.save(tmp_path / "it.npy", trials)
    np.save(tmp_path / "images.npy", images)
    it = sweep.data_source(f"kar-it:{tmp_path / 'it.npy'},images={tmp_path / 'images.npy'}")
    assert it.identity == d.identity and it.info["citation"] == "muzellec2026"
    with pytest.raises(sweep.DataError, match="hold no images"):
        sweep.data_source(f"kar-it:{tmp_path / 'it.npy'}")
    with pytest.raises(sweep.DataError, match="unknown option 'window=1'"):
        sweep.data_source(f"kar-it:{tmp_path / 'it.npy'},window=1")


@pytest.mark.data
def test_v4_data_specs():
    from bothways.data.files import data_dirs

    if not any((p / "cowley2023_v4").is_dir() for p in data_dirs()):
        pytest.skip("real data not found (../shared/data or BOTHWAYS_DATA)")
    d = sweep.data_source("v4:210325")
    assert d.trials.shape == (640, 50, 10) and d.images.shape == (640, 112, 112, 3) and d.info["monkey"] == "PE"
    with pytest.raises(sweep.DataError, match="single trials"):
        sweep.data_source("v4:210225")
    with pytest.raises(sweep.DataError, match="known sessions"):
        sweep.data_source("v4:123")
    assert os.environ.get("BOTHWAYS_CACHE")


@pytest.mark.slow
def test_dask_worker_processes_load_models_by_spec(syn, tmp_path):
    """Separate worker processes: the task, the scattered data and the spec-loaded model
    travel by pickling, and the results equal the local ones."""
    local = make(syn, tmp_path / "a", models=["pixels"], methods=["default"])
    local.run(progress=False)
    remote = make(syn, tmp_path / "b", models=["pixels"], methods=["default"])
    rep = remote.run("dask", n_workers=1, processes=True, progress=False, timeout=120)
    assert (rep.computed, rep.failed) == (2, 0), remote.failures()
    assert set(remote.results()["pid"]) != {os.getpid()}
    pd.testing.assert_frame_equal(values(local.results()), values(remote.results()), check_exact=True)
