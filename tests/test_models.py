"""Tests of bothways.models: zoo, preprocessing, hook-based extraction, feature cache."""
import shutil

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import bothways.models as bm
from bothways.data import DataFileError, registry
from bothways.data.files import find_repo_root

_root = find_repo_root()
SHARED = _root.parent / "shared" / "data" if _root is not None else None
HAVE_DATA = SHARED is not None and (SHARED / "MANIFEST.tsv").is_file()
needs_data = pytest.mark.skipif(not HAVE_DATA, reason="real data not found: ../shared/data is absent "
                                "(set BOTHWAYS_DATA or run from a checkout beside shared/data)")


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    monkeypatch.setenv("BOTHWAYS_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("BOTHWAYS_DATA", raising=False)
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture
def images(rng):
    return rng.integers(0, 256, size=(10, 40, 40, 3), dtype=np.uint8)


def test_list_and_unknown():
    names = bm.list_models()
    assert {"efficientnet-lite0", "resnet20-cifar10", "resnet56-cifar10", "pixels", "random-projection"} <= set(names)
    with pytest.raises(ValueError, match="unknown model"):
        bm.get_model("alexnet")


def test_hook_equals_truncated_forward(images):
    m = bm.get_model("resnet20-cifar10", pretrained=False, seed=1)
    net = m.module
    x = m.preprocess(images)
    with torch.no_grad():
        h = F.relu(net.bn1(net.conv1(x)))
        l1 = net.layer1(h)
        l2 = net.layer2(l1)
    f = bm.extract_features(m, images, "layer2", batch_size=3, cache=False)
    assert f.shape == (32, 16, 16) and f.values.shape == (10, 32 * 16 * 16) and f.values.dtype == np.float32
    np.testing.assert_allclose(f.values, l2.flatten(1).numpy(), rtol=1e-5, atol=1e-5)
    avg = bm.extract_features(m, images, "layer1", pool="avg", cache=False)
    mx = bm.extract_features(m, images, "layer1", pool="max", cache=False)
    np.testing.assert_allclose(avg.values, l1.mean((2, 3)).numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mx.values, l1.amax((2, 3)).numpy(), rtol=1e-5, atol=1e-6)
    assert avg.shape == (16, 32, 32)


def test_raw_module_and_sequential_truncation(rng):
    net = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 2, 3), nn.Flatten(), nn.Linear(2 * 4 * 4, 5))
    x = rng.normal(size=(7, 3, 8, 8)).astype(np.float32)
    f = bm.extract_features(net, x, "1", batch_size=4, cache=False)
    with torch.no_grad():
        ref = net[:2](torch.from_numpy(x)).flatten(1).numpy()
    np.testing.assert_allclose(f.values, ref, rtol=1e-6)
    assert f.model == "Sequential" and f.shape == (4, 6, 6)
    last = bm.extract_features(net, x, "4", cache=False)
    np.testing.assert_allclose(last.values, net(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)


def test_efficientnet_block_hook_equals_manual_forward(rng):
    m = bm.get_model("efficientnet-lite0")
    assert m.info["resolution"] == 224 and m.v4_layers == ("_blocks.4", "_blocks.7")
    ims = rng.integers(0, 256, size=(2, 112, 112, 3), dtype=np.uint8)
    net = m.module
    with torch.no_grad():
        h = net._swish(net._bn0(net._conv_stem(m.preprocess(ims))))
        for blk in net._blocks[:5]:
            h = blk(h)
    f = bm.extract_features(m, ims, "_blocks.4", cache=False)
    assert f.shape == (40, 28, 28)
    np.testing.assert_allclose(f.values, h.flatten(1).numpy(), rtol=1e-4, atol=1e-5)


def test_efficientnet_has_real_imagenet_weights():
    skd = pytest.importorskip("skimage.data", reason="scikit-image provides the test photographs")
    m = bm.get_model("efficientnet-lite0")

    def square(a):
        s = min(a.shape[:2])
        return a[:s, :s]

    ims = np.stack([bm.resize_images(square(a)[None], 224)[0] for a in (skd.chelsea(), skd.coffee())])
    with torch.no_grad():
        top = m.module(m.preprocess(ims)).argmax(1).tolist()
    assert 281 <= top[0] <= 285, top  # a cat (ImageNet 281-285: tabby ... Egyptian cat)
    assert top[1] == 967, top  # espresso
    untrained = bm.get_model("efficientnet-lite0", pretrained=False, seed=0)
    with torch.no_grad():
        assert untrained.module(untrained.preprocess(ims)).argmax(1).tolist() != top


def test_feature_cache_and_weight_change(images):
    m = bm.get_model("resnet20-cifar10", pretrained=False, seed=0)
    a = bm.extract_features(m, images, "layer3", pool="avg")
    b = bm.extract_features(m, images, "layer3", pool="avg")
    assert not a.from_cache and b.from_cache
    np.testing.assert_array_equal(a.values, b.values)
    assert b.shape == a.shape == (64, 8, 8)
    c = bm.extract_features(m, images, "layer3", pool="max")  # another key
    assert not c.from_cache
    with torch.no_grad():
        m.module.layer3[0].conv1.weight.mul_(2.0)
    d = bm.extract_features(m, images, "layer3", pool="avg")
    assert not d.from_cache and not np.allclose(d.values, a.values)
    e = bm.extract_features(m, images[:9], "layer3", pool="avg")  # another image set
    assert not e.from_cache
    np.testing.assert_allclose(e.values, d.values[:9], rtol=1e-5, atol=1e-6)


def test_untrained_controls_are_seeded_and_leave_global_rng():
    state = torch.random.get_rng_state()
    a = bm.get_model("resnet32-cifar10", pretrained=False, seed=5)
    b = bm.get_model("resnet32-cifar10", pretrained=False, seed=5)
    c = bm.get_model("resnet32-cifar10", pretrained=False, seed=6)
    assert torch.equal(torch.random.get_rng_state(), state)
    assert bm.weights_checksum(a.module) == bm.weights_checksum(b.module) != bm.weights_checksum(c.module)
    assert "untrained" in a.name


def test_pixel_and_random_projection_baselines(rng):
    ims = rng.integers(0, 256, size=(4, 112, 112, 3), dtype=np.uint8)
    px = bm.get_model("pixels", size=28)
    f = bm.extract_features(px, ims, "pixels", cache=False)
    blocks = ims.astype(np.float64).reshape(4, 28, 4, 28, 4, 3).mean((2, 4)) / 255  # 4 x 4 block means
    np.testing.assert_allclose(f.values, blocks.transpose(0, 3, 1, 2).reshape(4, -1), atol=1e-5)
    rp = bm.get_model("random-projection", seed=3, size=28, n_features=64)
    g = bm.extract_features(rp, ims, "projection", cache=False)
    w = rp.module.projection.weight.detach().numpy()
    np.testing.assert_allclose(g.values, f.values @ w.T, rtol=1e-4, atol=1e-4)
    assert abs(w.std() * np.sqrt(3 * 28 * 28) - 1) < 0.02
    same = bm.get_model("random-projection", seed=3, size=28, n_features=64).module.projection.weight
    other = bm.get_model("random-projection", seed=4, size=28, n_features=64).module.projection.weight
    assert torch.equal(same, rp.module.projection.weight) and not torch.equal(other, same)
    relu = bm.get_model("random-projection", seed=3, size=28, n_features=64, nonlinearity="relu")
    np.testing.assert_allclose(bm.extract_features(relu, ims, "relu", cache=False).values,
                               np.maximum(g.values, 0), rtol=1e-5, atol=1e-6)


def test_bad_inputs(images):
    m = bm.get_model("resnet20-cifar10", pretrained=False)
    with pytest.raises(ValueError, match="close matches.*layer2"):
        bm.extract_features(m, images, "layer22")
    with pytest.raises(ValueError, match="pool"):
        bm.extract_features(m, images, "layer2", pool="mean")
    with pytest.raises(TypeError, match="uint8"):
        bm.extract_features(m, images.astype(float), "layer2", cache=False)
    with pytest.raises(ValueError, match="non-empty"):
        bm.extract_features(m, images[:0], "layer2", cache=False)
    with pytest.raises(TypeError, match="ZooModel or a torch.nn.Module"):
        bm.extract_features("resnet20", images, "layer2")


def test_resize_images(rng):
    flat = np.full((2, 112, 112, 3), 77, np.uint8)
    assert (bm.resize_images(flat, 32) == 77).all()
    ims = rng.integers(0, 256, size=(3, 112, 112, 3), dtype=np.uint8)
    small = bm.resize_images(ims, 28)
    assert small.shape == (3, 28, 28, 3) and small.dtype == np.uint8
    # antialiased downsampling is close to block averaging (not nearest-neighbour sampling)
    blocks = ims.astype(float).reshape(3, 28, 4, 28, 4, 3).mean((2, 4))
    aa_err = np.abs(small - blocks).mean()
    nearest_err = np.abs(ims[:, ::4, ::4].astype(float) - blocks).mean()
    assert aa_err < 0.25 * nearest_err


@needs_data
def test_cifar_resnet20_classifies_cifar_images():
    m = bm.get_model("resnet20-cifar10")
    check = bm.cifar10_accuracy(m, n_per_class=20)
    assert check.n_images == 200 and check.accuracy > 0.7, check.accuracy
    rand = bm.cifar10_accuracy(bm.get_model("resnet20-cifar10", pretrained=False), n_per_class=20)
    assert rand.accuracy < 0.3


@needs_data
def test_all_cifar_resnets_load():
    for name, n in [("resnet32-cifar10", 5), ("resnet44-cifar10", 7), ("resnet56-cifar10", 9)]:
        m = bm.get_model(name)
        assert len(m.module.layer2) == n and m.pretrained


@needs_data
def test_corrupted_weights_raise_clear_error(tmp_path, monkeypatch):
    path = "cifar10_resnets/resnet20-12fca82f.th"
    entry = registry()[path]
    bad = tmp_path / "data" / path
    bad.parent.mkdir(parents=True)
    shutil.copy(SHARED / path, bad)
    raw = bytearray(bad.read_bytes())
    raw[5000] ^= 0xFF
    bad.write_bytes(bytes(raw))
    monkeypatch.setenv("BOTHWAYS_DATA", str(tmp_path / "data"))
    with pytest.raises(DataFileError) as err:
        bm.get_model("resnet20-cifar10")
    msg = str(err.value)
    assert "resnet20-12fca82f.th" in msg and entry.sha256 in msg and entry.url in msg


def test_default_batch_size_on_cpu_gives_the_same_features(rng):
    images = rng.integers(0, 256, size=(20, 40, 40, 3), dtype=np.uint8)
    m = bm.get_model("resnet20-cifar10", pretrained=False, seed=2)
    default = bm.extract_features(m, images, "layer2", device="cpu", cache=False)
    one_batch = bm.extract_features(m, images, "layer2", batch_size=len(images), device="cpu", cache=False)
    assert bm.CPU_BATCH_SIZE < len(images)  # so the default really runs several batches
    np.testing.assert_allclose(default.values, one_batch.values, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="batch_size"):
        bm.extract_features(m, images, "layer2", batch_size=0, cache=False)
