"""Tests of bothways.data: registry/fetch, V4 loaders, digital twins, trial noise, IT loaders."""
import hashlib
import io
import os
import re
import urllib.error
from pathlib import Path

import h5py
import numpy as np
import pytest
import torch

import bothways.data as bd
from bothways.data import files as bf

SHARED = bf.find_repo_root()
SHARED = (SHARED.parent / "shared" / "data") if SHARED is not None else None
HAVE_DATA = SHARED is not None and (SHARED / "MANIFEST.tsv").is_file()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="real data not found: ../shared/data is absent "
                                "(set BOTHWAYS_DATA or run from a checkout beside shared/data)")
SMALL = "cowley2023_v4/compact_models/nums_filters/compact_model_190923_neuron0.npy"


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Every test gets its own cache; BOTHWAYS_DATA is unset unless a test sets it."""
    monkeypatch.setenv("BOTHWAYS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("BOTHWAYS_DATA", raising=False)


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Small convolutions on a shared 2-core machine are fastest single-threaded."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _fake_entry(content: bytes, path="test/blob.bin", url="https://example.invalid/blob.bin"):
    return bd.DataFile(path, url, hashlib.sha256(content).hexdigest(), len(content), "CC0", "none")


def _no_network(monkeypatch):
    def fail(*a, **k):
        raise urllib.error.URLError("network disabled in tests")
    monkeypatch.setattr(bf.urllib.request, "urlopen", fail)


# ---------------------------------------------------------------- registry and fetch


def test_registry_entries_are_complete():
    reg = bd.registry()
    assert len(reg) > 400
    bib = (Path(bf.__file__).parents[3] / "book" / "references.bib")
    keys = set(re.findall(r"@\w+\{([^,]+),", bib.read_text())) if bib.is_file() else None
    for e in reg.values():
        assert re.fullmatch(r"[0-9a-f]{64}", e.sha256), e
        assert e.bytes > 0 and e.licence and e.citation
        assert e.url == "-" or e.url.startswith("https://raw.githubusercontent.com/"), e
        if keys is not None:
            assert e.citation in keys, f"citation {e.citation} of {e.path} not in references.bib"
    assert bd.registry_table().shape == (len(reg), 6)


@needs_data
def test_registry_matches_the_manifest():
    rows = [ln.split("\t") for ln in (SHARED / "MANIFEST.tsv").read_text().splitlines()[1:]]
    reg = bd.registry()
    assert {r[0] for r in rows} == set(reg)
    for path, nbytes, sha in rows:
        assert (reg[path].bytes, reg[path].sha256) == (int(nbytes), sha)


def test_find_repo_root_from_nested_dir(tmp_path):
    (tmp_path / "repo" / "lib" / "bothways").mkdir(parents=True)
    deep = tmp_path / "repo" / "notebooks" / "sub"
    deep.mkdir(parents=True)
    assert bf.find_repo_root([deep]) == tmp_path / "repo"
    assert bf.find_repo_root([tmp_path]) is None


def test_fetch_prefers_bothways_data(tmp_path, monkeypatch):
    content = b"hello bothways"
    e = _fake_entry(content)
    d = tmp_path / "mydata"
    (d / "test").mkdir(parents=True)
    (d / "test" / "blob.bin").write_bytes(content)
    monkeypatch.setenv("BOTHWAYS_DATA", str(d))
    _no_network(monkeypatch)
    assert bd.fetch(e) == d / "test" / "blob.bin"


@pytest.mark.parametrize("damage", ["flip", "truncate"])
def test_corrupted_or_truncated_file_names_file_checksum_url(tmp_path, monkeypatch, damage):
    content = bytes(range(256)) * 4
    e = _fake_entry(content)
    d = tmp_path / "mydata"
    (d / "test").mkdir(parents=True)
    bad = bytearray(content)
    if damage == "flip":
        bad[100] ^= 0xFF
    else:
        bad = bad[:500]
    (d / "test" / "blob.bin").write_bytes(bytes(bad))
    monkeypatch.setenv("BOTHWAYS_DATA", str(d))
    with pytest.raises(bd.DataFileError) as err:
        bd.fetch(e)
    msg = str(err.value)
    assert "test/blob.bin" in msg and e.sha256 in msg and e.url in msg
    assert ("is truncated" in msg) == (damage == "truncate")


def test_missing_file_and_unreachable_url(tmp_path, monkeypatch):
    e = _fake_entry(b"never seen")
    _no_network(monkeypatch)
    with pytest.raises(bd.DataFileError) as err:
        bd.fetch(e)
    msg = str(err.value)
    assert "test/blob.bin" in msg and e.sha256 in msg and e.url in msg and "network disabled" in msg
    assert not [p for p in (tmp_path / "cache").rglob("*") if p.is_file()]  # no half-written file


def test_download_writes_verified_file_atomically(tmp_path, monkeypatch):
    content = os.urandom(3000)
    e = _fake_entry(content)
    calls = []

    def fake_urlopen(url, timeout=None):
        calls.append(url)
        return io.BytesIO(content)

    monkeypatch.setattr(bf.urllib.request, "urlopen", fake_urlopen)
    p = bd.fetch(e, progress=False)
    assert p == tmp_path / "cache" / "test" / "blob.bin" and p.read_bytes() == content
    assert bd.fetch(e) == p and calls == [e.url]  # second call: from the cache, no download
    # a download with the wrong bytes leaves nothing behind
    e2 = _fake_entry(b"expected", path="test/other.bin")
    monkeypatch.setattr(bf.urllib.request, "urlopen", lambda url, timeout=None: io.BytesIO(b"tampered"))
    with pytest.raises(bd.DataFileError, match=e2.sha256):
        bd.fetch(e2, progress=False)
    assert sorted(x.name for x in (tmp_path / "cache" / "test").iterdir()) == ["blob.bin"]


def test_file_without_url_says_so(monkeypatch):
    e = bd.DataFile("test/nourl.zip", "-", "0" * 64, 10, "x", "none")
    _no_network(monkeypatch)
    with pytest.raises(bd.DataFileError, match="no public URL"):
        bd.fetch(e)


def test_unknown_registry_path():
    with pytest.raises(KeyError, match="not in the bothways data registry"):
        bd.fetch("nope/missing.npy")


def test_sha256_memoised_per_mtime(tmp_path):
    p = tmp_path / "f.bin"
    p.write_bytes(b"a" * 100)
    h1 = bd.sha256_file(p)
    assert h1 == hashlib.sha256(b"a" * 100).hexdigest()
    assert any(k[0] == str(p.resolve()) for k in bf._VERIFIED)
    p.write_bytes(b"b" * 100)
    st = p.stat()
    os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert bd.sha256_file(p) == hashlib.sha256(b"b" * 100).hexdigest()


@needs_data
def test_fetch_real_file_from_shared_data():
    p = bd.fetch(SMALL)
    assert p.is_file() and np.load(p).tolist() == [48, 60, 3, 3, 3]


# ---------------------------------------------------------------- V4 recordings


@needs_data
@pytest.mark.parametrize("session", sorted(bd.SESSIONS))
def test_cowley_session_shapes(session):
    monkey, n_neurons, n_images = bd.SESSIONS[session]
    s = bd.load_cowley_session(session)
    assert s.images.shape == (n_images, 112, 112, 3) and s.images.dtype == np.uint8
    assert s.mean.shape == (n_images, n_neurons) and s.info == dict(session=session, monkey=monkey)
    assert list(s.neurons["monkey"].unique()) == [monkey] and s.citation == "cowley2023"
    raw = np.load(bd.fetch(f"cowley2023_v4/responses_repeat_averaged/responses_{session}.npy"))
    np.testing.assert_allclose(s.mean, raw.T, atol=1e-12)  # the trial average where trials exist
    assert (s.trials is None) == (session != 210325) and s.has_trials == (session == 210325)


@needs_data
def test_single_trials_of_210325():
    s = bd.load_cowley_session(210325, images=False)
    assert s.trials.shape == (640, 50, 10)
    raw = np.load(bd.fetch("cowley2023_v4/responses_repeat_averaged/responses_210325.npy"))
    np.testing.assert_allclose(s.mean, raw.T, atol=1e-12)  # the published average of these trials
    assert s.images is None
    assert 0.2 < np.isnan(s.trials).mean() < 0.3
    n = (~np.isnan(s.trials)).sum(2)
    assert n.min() >= 6 and np.isnan(s.trials[n < 10][:, -1]).all()  # NaN padding at the end


@needs_data
def test_shared_images_210322_210325():
    sh = bd.shared_images(210322, 210325)
    assert len(sh) == 600
    a, b = bd.load_images(210322), bd.load_images(210325)
    np.testing.assert_array_equal(a[sh.index_a], b[sh.index_b])
    assert len(bd.shared_images(190923, 210621)) == 0


def test_bad_session():
    with pytest.raises(ValueError, match="known sessions"):
        bd.load_cowley_session(123456)


# ---------------------------------------------------------------- digital twins


@needs_data
def test_twin_architecture_reproduces_recorded_responses():
    """Five twins of 190923 on the first 100 images (held-out: fitted on other sessions)."""
    rec = bd.load_cowley_session(190923)
    pred = bd.digital_twins(190923, neurons=range(5))(rec.images[:100])
    r = [np.corrcoef(pred[:, k], rec.mean[:100, k])[0, 1] for k in range(5)]
    assert np.median(r) > 0.4, r


@needs_data
def test_fused_twins_equal_single_twins():
    tw = bd.digital_twins(201025, neurons=[0, 1, 2])
    nets = [tw.load(k) for k in range(3)]
    assert len({n.channels for n in nets}) == 3  # different widths: the padding is exercised
    x = bd.twins.preprocess_twin_images(bd.load_images(201025)[:6], torch.float64)
    with torch.no_grad():
        ref = torch.stack([n(x) for n in nets], 1)
        fused64 = bd.FusedTwins(nets, dtype=torch.float64)(x)
        fused32 = bd.FusedTwins(nets)(x.float())
    torch.testing.assert_close(fused64, ref, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(fused32.double(), ref, rtol=1e-4, atol=1e-4)


@needs_data
def test_twin_outputs_are_cached(monkeypatch):
    tw = bd.digital_twins(190923, neurons=[3, 7])
    im = bd.load_images(190923)[:5]
    first = tw(im)
    assert first.shape == (5, 2) and first.dtype == np.float32 and tw.kind.startswith("model-predicted")

    def boom(*a, **k):
        raise AssertionError("twins ran although cached")

    monkeypatch.setattr(bd.twins, "FusedTwins", boom)
    np.testing.assert_array_equal(tw(im), first)
    with pytest.raises(AssertionError, match="twins ran"):
        tw(im, cache=False)
    # a cached file belongs to (weights, image set): another image set is recomputed
    with pytest.raises(AssertionError, match="twins ran"):
        tw(im[:4])


@needs_data
def test_twin_validation_fails_loudly():
    tw = bd.digital_twins(190923, neurons=[0, 1])
    with pytest.raises(RuntimeError, match="fail validation"):
        tw.validate(n_images=40, min_median=1.01)
    with pytest.raises(ValueError, match="no recordings"):
        bd.digital_twins(211022).validate()


def test_twin_input_checks():
    with pytest.raises(ValueError, match="no digital twins"):
        bd.digital_twins(210325)
    with pytest.raises(ValueError, match="112, 112, 3"):
        bd.twins._check_images(np.zeros((2, 64, 64, 3), np.uint8))
    with pytest.raises(TypeError, match="uint8"):
        bd.twins._check_images(np.zeros((2, 112, 112, 3)))


# ---------------------------------------------------------------- trial noise


def test_fit_mean_variance_recovers_poisson(rng):
    mean = rng.uniform(0.2, 12, size=(400, 30))
    trials = rng.poisson(mean[..., None], size=mean.shape + (8,)).astype(float)
    trials[:100, :, 6:] = np.nan  # NaN-padded repeats, as in the recordings
    fit = bd.fit_mean_variance(trials)
    assert abs(fit.b - 1) < 0.06 and abs(fit.a - 1) < 0.1


def test_sample_trials_moments_and_fit_roundtrip(rng):
    noise = bd.MeanVariance(a=1.6, b=1.2, n_pairs=0, n_bins=0)
    mean = np.array([0.0, 0.5, 2.0, 9.0])
    x = bd.sample_trials(mean, noise, 40000, rng)
    assert x.shape == (4, 40000) and (x >= 0).all() and (x[0] == 0).all()
    np.testing.assert_allclose(x[1:].mean(1), mean[1:], rtol=0.03)
    np.testing.assert_allclose(x[1:].var(1), 1.6 * mean[1:] ** 1.2, rtol=0.06)
    trials = bd.sample_trials(rng.uniform(0.3, 15, (600, 40)), noise, 6, rng)
    fit = bd.fit_mean_variance(trials)
    assert abs(fit.b - 1.2) < 0.06 and abs(fit.a / 1.6 - 1) < 0.12


def test_fit_mean_variance_bad_input():
    with pytest.raises(ValueError, match="stimuli, neurons, repeats"):
        bd.fit_mean_variance(np.ones((5, 5)))
    with pytest.raises(ValueError, match="too few"):
        bd.fit_mean_variance(np.ones((3, 2, 4)))
    with pytest.raises(ValueError, match="min_repeats"):
        bd.fit_mean_variance(np.ones((30, 20, 4)), min_repeats=2)


@needs_data
def test_noise_law_of_210325_describes_its_variances():
    trials = bd.load_cowley_session(210325, images=False).trials
    fit = bd.fit_mean_variance(trials)
    m, v = np.nanmean(trials, 2).ravel(), np.nanvar(trials, 2, ddof=1).ravel()
    for lo, hi in [(0.5, 1), (2, 3), (5, 8)]:  # independent check on a few mean ranges
        sel = (m >= lo) & (m < hi)
        assert abs(fit.variance(m[sel]).mean() / v[sel].mean() - 1) < 0.25


@needs_data
def test_twin_population_we():
    im = bd.load_images(210325)[:6]
    pop = bd.twin_population("WE", im, repeats=5, seed=3)
    assert pop.trials.shape == (6, 33, 5) and pop.kind == bd.TWIN_KIND
    np.testing.assert_array_equal(pop.signal, bd.digital_twins(190923)(im))
    assert (pop.trials >= 0).all() and (pop.neurons["session"] == 190923).all()
    again = bd.twin_population("WE", im, repeats=5, seed=3)
    np.testing.assert_array_equal(again.trials, pop.trials)
    assert not np.array_equal(bd.twin_population("WE", im, repeats=5, seed=4).trials, pop.trials)
    with pytest.raises(ValueError, match="monkey"):
        bd.twin_population("XX", im)


# ---------------------------------------------------------------- IT loaders (synthetic files)


@pytest.mark.filterwarnings("ignore:Mean of empty slice")
def test_kar_hdf5_time_window(tmp_path, rng):
    x = rng.normal(size=(26, 12, 4, 3))
    x[:, 0, :, 2] = np.nan
    p = tmp_path / "rates.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("m1/active", data=x)
    rec = bd.load_kar_it(p)
    assert rec.trials.shape == (12, 4, 3) and rec.info["window_ms"] == (70, 170, "both")
    np.testing.assert_allclose(rec.trials, np.nanmean(x[7:18], 0))  # labels 70..170 inclusive
    left = bd.load_kar_it(p, closed="left")
    np.testing.assert_allclose(left.trials, np.nanmean(x[7:17], 0))  # [70, 170)
    shifted = bd.load_kar_it(p, bin_starts_ms=np.arange(-100, 160, 10))
    np.testing.assert_allclose(shifted.trials, np.nanmean(x[17:26], 0))  # labels 70..150
    assert np.isnan(rec.trials[0, :, 2]).all() and rec.mean.shape == (12, 4)
    with pytest.raises(ValueError, match="bin_starts_ms"):
        bd.load_kar_it(p, bin_starts_ms=np.arange(0, 100, 10))


def test_kar_npy_and_errors(tmp_path, rng):
    x = rng.normal(size=(10, 3, 2))
    np.save(tmp_path / "r.npy", x)
    np.testing.assert_array_equal(bd.load_kar_it(tmp_path / "r.npy").trials, x)
    np.save(tmp_path / "inf.npy", np.where(x > 1, np.inf, x))
    with pytest.raises(ValueError, match="inf.npy: responses contains .* inf"):
        bd.load_kar_it(tmp_path / "inf.npy")
    with pytest.raises(FileNotFoundError, match="bring your"):
        bd.load_kar_it(tmp_path / "absent.h5")
    with h5py.File(tmp_path / "two.h5", "w") as f:
        f["a"] = np.zeros((26, 2, 2, 2))
        f["b"] = np.zeros((26, 2, 2, 2))
    with pytest.raises(ValueError, match="exactly one 4-D"):
        bd.load_kar_it(tmp_path / "two.h5")


def _write_assembly(path, rng, id_name="stimulus_id", chars=False):
    """A small file in the Brain-Score MajajHong2015 layout (presentation x neuroid x time_bin)."""
    ids = np.array([f"img{i:02d}" for i in range(5)])
    reps = [3, 3, 2, 3, 3]  # image 2 has one repetition fewer
    pres = [(i, r) for i in range(5) for r in range(reps[i])]
    order = rng.permutation(len(pres))
    pres = [pres[k] for k in order]
    truth = np.full((5, 6, 3), np.nan)
    data = rng.normal(size=(len(pres), 6, 1))
    for row, (i, r) in enumerate(pres):
        truth[i, :, r] = data[row, :, 0]
    region = np.array(["IT", "V4", "IT", "IT", "V4", "IT"])
    with h5py.File(path, "w") as f:
        f["dicarlo.MajajHong2015"] = data
        sid = np.array([ids[i] for i, _ in pres])
        if chars:
            f[id_name] = np.array([list(s) for s in sid], dtype="S1")
        else:
            f.create_dataset(id_name, data=sid.astype(object), dtype=h5py.string_dtype())
        f["repetition"] = np.array([r for _, r in pres])
        f["neuroid_id"] = np.array([f"n{j}".encode() for j in range(6)])
        f["region"] = np.array([s.encode() for s in region])
        f["time_bin_start"], f["time_bin_end"] = np.array([70]), np.array([170])
    return ids, truth, region


@pytest.mark.parametrize("id_name,chars", [("stimulus_id", False), ("image_id", True)])
def test_majajhong_assembly(tmp_path, rng, id_name, chars):
    p = tmp_path / "assy.nc"
    ids, truth, region = _write_assembly(p, rng, id_name, chars)
    rec = bd.load_majajhong2015(p)
    assert list(rec.stimuli["stimulus_id"]) == list(ids) and rec.info["window_ms"] == (70.0, 170.0)
    np.testing.assert_array_equal(rec.trials, truth[:, region == "IT"])
    assert list(rec.neurons["site_id"]) == ["n0", "n2", "n3", "n5"] and rec.citation == "majaj2015"
    everything = bd.load_majajhong2015(p, region=None)
    np.testing.assert_array_equal(everything.trials, truth)
    with pytest.raises(ValueError, match="no neuroid in region"):
        bd.load_majajhong2015(p, region="V1")


def test_majajhong_duplicates_rejected(tmp_path, rng):
    p = tmp_path / "assy.nc"
    _write_assembly(p, rng)
    with h5py.File(p, "a") as f:
        rep = f["repetition"][()]
        del f["repetition"]
        f["repetition"] = np.zeros_like(rep)
    with pytest.raises(ValueError, match="appears twice"):
        bd.load_majajhong2015(p)


@pytest.mark.data
@needs_data
def test_twin_panel_draws_equal_populations_with_calibrated_noise(tmp_path, monkeypatch):
    from bothways.data import digital_twins, load_images
    from bothways.data.twins import MeanVariance

    monkeypatch.setenv("BOTHWAYS_CACHE", str(tmp_path))
    images = load_images(210325)[:12]
    noise = MeanVariance(a=1.0, b=1.0, n_pairs=0, n_bins=0, source="Poisson")
    panel = bd.twin_panel(images, n_per_monkey=2, repeats=4, seed=3, monkeys=("WE", "RA"), noise=noise)
    assert list(panel) == ["WE", "RA"]
    for m, pop in panel.items():
        assert pop.trials.shape == (12, 2, 4) and pop.signal.shape == (12, 2) and pop.kind == bd.TWIN_KIND
        assert list(pop.neurons["monkey"]) == [m, m] and pop.images is images
        for j, (s, k) in enumerate(zip(pop.neurons["session"], pop.neurons["neuron"])):
            assert np.allclose(pop.signal[:, j], digital_twins(s, neurons=[k])(images)[:, 0], atol=1e-5)
    again = bd.twin_panel(images, n_per_monkey=2, repeats=4, seed=3, monkeys=("WE", "RA"), noise=noise)
    assert np.array_equal(panel["RA"].trials, again["RA"].trials)
    with pytest.raises(ValueError, match="n_per_monkey"):
        bd.twin_panel(images, n_per_monkey=40, monkeys=("WE",), noise=noise)
    with pytest.raises(ValueError, match="monkeys"):
        bd.twin_panel(images, monkeys=("XX",), noise=noise)
