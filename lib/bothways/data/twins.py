"""Digital twins: the compact CNN models of single V4 neurons of Cowley et al. (2023).

Each of the 219 twins is a small CNN fitted by the dataset's authors to one real V4
neuron of a held-out test session (190923: 33 neurons of monkey WE; 201025: 89 and
210225: 55 of monkey PE; 211022: 42 of monkey RA). A twin predicts that neuron's
repeat-averaged spike count (per 100 ms) to *any* 112 x 112 RGB image, so twins of
three monkeys can respond to one shared image set. Everything computed from them is a
**model prediction**, labelled ``kind = "model-predicted (digital twin)"``.

The architecture is re-implemented here from the facts stated in the data README
(``shared/data/README.md``), not copied from the authors' code:

- input: RGB 112 x 112, pixel values 0-255 minus per-channel means
  (116.222, 109.270, 100.381), channels first;
- layer0: conv 5 x 5, stride 1, "same" padding, bias -> batch-norm -> ReLU;
- zero-pad by 1 on the left/top and 3 on the right/bottom;
- layer1, layer2: depthwise conv 5 x 5, stride 2, no padding, no bias -> pointwise
  1 x 1 conv with bias -> batch-norm -> ReLU -> the same (1, 3) padding after layer1
  (layer2 ends at 28 x 28);
- layer3, layer4: depthwise 5 x 5 stride 1 "same" padding (no bias) -> pointwise
  1 x 1 with bias -> batch-norm -> ReLU;
- readout ``Beta``: the 28 x 28 x C map flattened in height-width-channel order, one
  linear unit. Eval mode (running statistics; PyTorch's default eps 1e-5).

:class:`CompactTwin` is the reference module (its names match the authors' state
dicts). :class:`FusedTwins` is the fast path used for predictions: batch-norm folded
into the convolutions, in-place ReLUs, no padded copies, optionally many twins in one
pass; it equals the reference to float precision (tested). The float64 weights run in
float32 by default (outputs agree to about 1e-6 relative).

Costs: about 0.5 CPU-seconds per twin per 300 images in float32 (float64 is 5-10x
slower), see :meth:`DigitalTwins.__call__`; outputs are cached on disk per (weights
SHA-256, image-set hash), so each twin runs once per image set.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import torch
import torch.nn.functional as F
from torch import nn

from .._validation import check_finite, check_int, check_no_inf, numeric_array
from ..stats import pearson_columns
from .cowley import SESSIONS, image_set_hash, load_cowley_session
from .files import DataFileError, atomic_write, cache_dir, fetch, registry
from .recording import Recording

__all__ = ["TWIN_SESSIONS", "MONKEY_TWIN_SESSIONS", "TWIN_KIND", "PIXEL_MEANS", "CompactTwin",
           "FusedTwins", "DigitalTwins", "TwinValidation", "digital_twins", "validate_twins",
           "MeanVariance", "fit_mean_variance", "trial_noise", "sample_trials", "sample_counts",
           "TWIN_REPEATS", "POOLED_SCALE_SESSION", "twin_scales", "to_counts", "twin_population", "twin_panel",
           "preprocess_twin_images"]

#: Test sessions that have twins -> number of twins (one per recorded neuron).
TWIN_SESSIONS = {190923: 33, 201025: 89, 210225: 55, 211022: 42}
#: Monkey -> sessions whose twins belong to it.
MONKEY_TWIN_SESSIONS = {"WE": (190923,), "PE": (201025, 210225), "RA": (211022,)}
_TWIN_MONKEY = {s: m for m, ss in MONKEY_TWIN_SESSIONS.items() for s in ss}
#: The label carried by every twin-based result.
TWIN_KIND = "model-predicted (digital twin)"
#: Per-channel RGB means subtracted from 0-255 pixels.
PIXEL_MEANS = (116.222, 109.270, 100.381)
#: Repeats per image of the recorded sessions that twins are scaled on (data README).
TWIN_REPEATS = {190923: 14, 201025: 12, 210225: 6, 210621: 16}
#: Twins without recordings here (211022, monkey RA) are scaled on this recorded
#: session of the same monkey (other neurons: a pooled fit).
POOLED_SCALE_SESSION = {211022: 210621}
_BN_EPS = 1e-5
_ROOT = "cowley2023_v4/compact_models/weights"


# ---------------------------------------------------------------- architecture


class CompactTwin(nn.Module):
    """One compact twin: (N, 3, 112, 112) mean-subtracted pixels -> (N,) response.

    ``channels`` are the five layer widths (e.g. ``(48, 60, 3, 3, 3)``). Module names
    follow the keys of the authors' state dicts (``layers.layer0_conv`` ...), so
    ``load_state_dict`` maps them one to one.
    """

    def __init__(self, channels):
        super().__init__()
        c = [int(x) for x in channels]
        if len(c) != 5 or min(c) < 1:
            raise ValueError(f"channels must be five positive widths, got {channels!r}")
        self.channels = tuple(c)
        L = {"layer0_conv": nn.Conv2d(3, c[0], 5, padding=2), "layer0_bn": nn.BatchNorm2d(c[0], eps=_BN_EPS)}
        for i in range(1, 5):
            L[f"layer{i}_conv_depth"] = nn.Conv2d(c[i - 1], c[i - 1], 5, stride=2 if i < 3 else 1,
                                                  padding=0 if i < 3 else 2, groups=c[i - 1], bias=False)
            L[f"layer{i}_conv_point"] = nn.Conv2d(c[i - 1], c[i], 1)
            L[f"layer{i}_bn"] = nn.BatchNorm2d(c[i], eps=_BN_EPS)
        L["Beta"] = nn.Linear(28 * 28 * c[4], 1)
        self.layers = nn.ModuleDict(L)

    @classmethod
    def from_state_dict(cls, sd) -> "CompactTwin":
        """Build a twin whose widths are read off a state dict and load it (float64, eval mode)."""
        try:
            ch = [sd["layers.layer0_conv.weight"].shape[0]]
            ch += [sd[f"layers.layer{i}_conv_point.weight"].shape[0] for i in range(1, 5)]
        except (KeyError, AttributeError, IndexError, TypeError) as err:
            raise ValueError(f"not a compact-twin state dict (missing {err})") from None
        net = cls(ch).double()
        net.load_state_dict(sd)
        return net.eval()

    def forward(self, x):
        L = self.layers
        h = F.relu(L["layer0_bn"](L["layer0_conv"](x)))
        for i in range(1, 5):
            if i < 3:
                h = F.pad(h, (1, 3, 1, 3))
            h = L[f"layer{i}_conv_depth"](h)
            h = F.relu(L[f"layer{i}_bn"](L[f"layer{i}_conv_point"](h)))
        return L["Beta"](h.permute(0, 2, 3, 1).flatten(1))[:, 0]


def _fold(bn, weight, bias):
    """Fold eval-mode batch-norm into the preceding convolution's weight and bias."""
    s = bn.weight / torch.sqrt(bn.running_var + bn.eps)
    return weight * s.view(-1, *([1] * (weight.dim() - 1))), (bias - bn.running_mean) * s + bn.bias


class FusedTwins(nn.Module):
    """One or many twins as one fast network: (N, 3, 112, 112) -> (N, twins).

    Batch-norm is folded into the convolutions, ReLUs run in place and the asymmetric
    padding is done inside the strided convolution (no padded copy). Several twins
    become one wide first convolution plus grouped convolutions, with channels
    zero-padded to the widest twin (padded channels stay exactly zero), so each output
    column equals that twin run alone (tested against :class:`CompactTwin`). On a CPU,
    one twin per pass with small batches is fastest (large activations are
    memory-bound); on a GPU, many twins per pass amortise kernel launches.
    ``dtype`` is the compute precision.
    """

    def __init__(self, twins, dtype=torch.float32):
        super().__init__()
        T = len(twins)
        if T == 0:
            raise ValueError("need at least one twin")
        M = [max(t.channels[k] for t in twins) for k in range(5)]
        self.n_twins, self.widths = T, tuple(M)
        z = lambda *shape: torch.zeros(*shape, dtype=torch.float64)  # noqa: E731
        w0, b0 = z(T, M[0], 3, 5, 5), z(T, M[0])
        dw = [z(T, M[i - 1], 1, 5, 5) for i in range(1, 5)]
        pw = [z(T, M[i], M[i - 1], 1, 1) for i in range(1, 5)]
        pb = [z(T, M[i]) for i in range(1, 5)]
        beta, beta_b = z(T, M[4], 28, 28), z(T)
        with torch.no_grad():
            for t, net in enumerate(twins):
                L, c = net.double().eval().layers, net.channels
                w0[t, :c[0]], b0[t, :c[0]] = _fold(L["layer0_bn"], L["layer0_conv"].weight, L["layer0_conv"].bias)
                for i in range(1, 5):
                    dw[i - 1][t, :c[i - 1]] = L[f"layer{i}_conv_depth"].weight
                    pw[i - 1][t, :c[i], :c[i - 1]], pb[i - 1][t, :c[i]] = _fold(
                        L[f"layer{i}_bn"], L[f"layer{i}_conv_point"].weight, L[f"layer{i}_conv_point"].bias)
                beta[t, :c[4]] = L["Beta"].weight.view(28, 28, c[4]).permute(2, 0, 1)
                beta_b[t] = L["Beta"].bias[0]
        self.register_buffer("w0", w0.reshape(T * M[0], 3, 5, 5).to(dtype))
        self.register_buffer("b0", b0.reshape(-1).to(dtype))
        for i in range(1, 5):
            self.register_buffer(f"dw{i}", dw[i - 1].reshape(T * M[i - 1], 1, 5, 5).to(dtype))
            self.register_buffer(f"pw{i}", pw[i - 1].reshape(T * M[i], M[i - 1], 1, 1).to(dtype))
            self.register_buffer(f"pb{i}", pb[i - 1].reshape(-1).to(dtype))
        self.register_buffer("beta", beta.to(dtype))
        self.register_buffer("beta_b", beta_b.to(dtype))

    def forward(self, x):
        T = self.n_twins
        h = F.relu_(F.conv2d(x, self.w0, self.b0, padding=2))
        for i in range(1, 5):
            dw = getattr(self, f"dw{i}")
            if i < 3:  # pad (1, 3) then stride 2 == pad 3 on every side, drop the first row/column
                h = F.conv2d(h, dw, stride=2, padding=3, groups=dw.shape[0])[:, :, 1:, 1:]
            else:
                h = F.conv2d(h, dw, padding=2, groups=dw.shape[0])
            h = F.relu_(F.conv2d(h, getattr(self, f"pw{i}"), getattr(self, f"pb{i}"), groups=T))
        h = h.reshape(h.shape[0], T, self.widths[4], 28, 28)
        return torch.einsum("ntchw,tchw->nt", h, self.beta) + self.beta_b


# ---------------------------------------------------------------- the population of one session


def preprocess_twin_images(images, dtype=torch.float32):
    """uint8 (N, 112, 112, 3) -> torch (N, 3, 112, 112) of 0-255 minus :data:`PIXEL_MEANS`."""
    images = _check_images(images)
    x = torch.from_numpy(np.array(images, copy=True)).permute(0, 3, 1, 2).to(dtype)
    return x - torch.tensor(PIXEL_MEANS, dtype=x.dtype).view(1, 3, 1, 1)


def _check_images(images) -> np.ndarray:
    images = np.asarray(images)
    if images.dtype != np.uint8:
        raise TypeError(f"images must be uint8 (0-255), got {images.dtype}")
    if images.ndim != 4 or images.shape[1:] != (112, 112, 3):
        raise ValueError(f"images must have shape (stimuli, 112, 112, 3), got {images.shape}; "
                         "resize them first (e.g. bothways.models.resize_images)")
    if len(images) == 0:
        raise ValueError("no images given")
    return images


# ---------------------------------------------------------------- the population of one session


def _twin_session(session) -> int:
    try:
        s = int(session)
    except (TypeError, ValueError):
        s = None
    if s not in TWIN_SESSIONS:
        raise ValueError(f"no digital twins for session {session!r}; twins exist for {sorted(TWIN_SESSIONS)}")
    return s


@dataclass(frozen=True)
class TwinValidation:
    """Per-neuron Pearson r between twin predictions and recorded repeat-averaged
    responses on the session's own images (held-out: twins were fitted on other sessions)."""

    session: int
    monkey: str
    r: np.ndarray
    n_images: int
    kind: str = TWIN_KIND

    @property
    def median(self) -> float:
        return float(np.median(self.r))

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(dict(session=self.session, monkey=self.monkey, neuron=np.arange(len(self.r)), r=self.r))

    def __str__(self) -> str:
        q = np.percentile(self.r, [10, 25, 50, 75, 90])
        return (f"session {self.session} ({self.monkey}): {len(self.r)} twins on {self.n_images} images, "
                f"r percentiles 10/25/50/75/90 = " + "/".join(f"{v:.2f}" for v in q))


class DigitalTwins:
    """The twins of one test session: a callable ``images -> (stimuli, neurons)``.

    ``twins = digital_twins(190923); pred = twins(images)`` with ``images`` uint8
    (stimuli, 112, 112, 3); ``pred`` is float32 spike counts per 100 ms, one column per
    twin (neuron ``k`` of the session). ``kind`` says these are model predictions.
    """

    kind = TWIN_KIND

    def __init__(self, session, neurons=None):
        self.session = _twin_session(session)
        self.monkey = _TWIN_MONKEY[self.session]
        n = TWIN_SESSIONS[self.session]
        self.neurons = np.arange(n) if neurons is None else np.asarray(neurons, dtype=int)
        if self.neurons.size == 0 or self.neurons.min() < 0 or self.neurons.max() >= n:
            raise ValueError(f"neurons must be indices in [0, {n}) for session {self.session}")
        self.paths = [f"{_ROOT}/compact_model_{self.session}_neuron{k}.pt" for k in self.neurons]
        self.weights_sha256 = [registry()[p].sha256 for p in self.paths]

    @property
    def n_neurons(self) -> int:
        return len(self.neurons)

    def __repr__(self) -> str:
        return (f"DigitalTwins(session={self.session}, monkey={self.monkey!r}, neurons={self.n_neurons}, "
                f"kind={self.kind!r})")

    def load(self, k: int):
        """The ``k``-th twin of this object as a :class:`CompactTwin` (float64, eval mode)."""
        path = fetch(self.paths[k])
        try:
            sd = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as err:  # a verified file should load; say which one did not
            raise DataFileError(f"cannot read twin weights {path}: {err}") from None
        return CompactTwin.from_state_dict(sd)

    def __call__(self, images, *, batch_size: int | None = None, device=None, dtype: str = "float32",
                 cache: bool = True, progress: bool | None = None,
                 twins_per_pass: int | None = None, threads: int | None = 1) -> np.ndarray:
        """Responses of every twin to ``images``: (stimuli, neurons) float32.

        ``images``: (stimuli, 112, 112, 3) uint8. Runs :class:`FusedTwins` on
        ``twins_per_pass`` twins at a time (default 1 on CPU, 16 on CUDA) over batches of
        ``batch_size`` images (default: first-layer activations of about 24 MB on CPU,
        2 GB on CUDA). ``dtype`` "float32" (default) or "float64" is the compute
        precision. ``threads``: torch CPU threads while the twins run (restored
        afterwards); 1 (default) is fastest on shared CPUs, where many small
        convolutions with several threads waste most of their time waiting (measured: 10x
        more CPU time with 2 threads on a busy 2-core machine); ``None`` keeps the
        current setting. Outputs are cached on disk (``$BOTHWAYS_CACHE/twins``, one small file
        per twin) keyed by (weights SHA-256, image-set hash, dtype); cached twins are
        not run again (``cache=False`` recomputes and writes nothing).

        Cost, float32 on this project's 2-vCPU machines: about 0.45 CPU-seconds per twin
        per 300 images (single thread). Measured: all 219 twins on the 640 images of
        210325 took 199 CPU-seconds (8 minutes wall on heavily shared cores); the
        same call from the cache took 0.2 s. Validating the 177 twins that have
        recordings on their 1200 images each costs about 5.5 CPU-minutes.
        """
        from tqdm.auto import tqdm

        from ..config import get_device

        images = _check_images(images)
        dname = str(dtype).replace("torch.", "")
        tdtype = {"float32": torch.float32, "float64": torch.float64}.get(dname)
        if tdtype is None:
            raise ValueError(f"dtype must be 'float32' or 'float64', got {dtype!r}")
        dev = get_device(device)
        key = image_set_hash(images)
        out = np.full((len(images), self.n_neurons), np.nan, dtype=np.float32)
        files = [_twin_cache_file(sha, key, dname) for sha in self.weights_sha256]
        todo = []
        for k, f in enumerate(files):
            if cache and f.is_file():
                v = np.load(f)
                if v.shape == (len(images),):
                    out[:, k] = v
                    continue
            todo.append(k)
        if not todo:
            return out
        per = twins_per_pass or (16 if dev.type == "cuda" else 1)
        budget = 2e9 if dev.type == "cuda" else 24e6
        x = preprocess_twin_images(images, tdtype).to(dev)
        show = progress if progress is not None else len(todo) * len(images) > 5000
        old_threads = torch.get_num_threads()
        if threads is not None and dev.type == "cpu":
            torch.set_num_threads(int(threads))
        try:
            with tqdm(total=len(todo), desc=f"twins {self.session}", unit="twin", disable=not show) as bar:
                for c in range(0, len(todo), per):
                    chunk = todo[c:c + per]
                    net = FusedTwins([self.load(k) for k in chunk], dtype=tdtype).to(dev)
                    bs = batch_size or max(1, int(budget / (x.element_size() * 112 * 112 * net.n_twins * net.widths[0])))
                    with torch.inference_mode():
                        res = torch.cat([net(x[i:i + bs]).float().cpu() for i in range(0, len(x), bs)]).numpy()
                    for j, k in enumerate(chunk):
                        out[:, k] = res[:, j]
                        if cache:
                            with atomic_write(files[k]) as f:
                                np.save(f, res[:, j])
                    bar.update(len(chunk))
        finally:
            torch.set_num_threads(old_threads)
        return out

    def validate(self, n_images: int | None = None, min_median: float = 0.4, **kwargs) -> TwinValidation:
        """Correlate each twin with its recorded neuron on the session's own images.

        Uses the first ``n_images`` images (default: all). Raises ``RuntimeError`` if the
        median r is below ``min_median`` (a broken architecture or wrong weights give
        r near 0). Session 211022 has no recordings here, so it cannot be validated.
        """
        if self.session not in SESSIONS:
            raise ValueError(f"session {self.session} has no recordings here, so its twins cannot be "
                             f"validated; validate {sorted(set(TWIN_SESSIONS) & set(SESSIONS))} instead")
        rec = load_cowley_session(self.session)
        n = len(rec.images) if n_images is None else int(n_images)
        pred = self(rec.images[:n], **kwargs)
        y = rec.mean[:n, self.neurons]
        r = pearson_columns(pred, y)
        v = TwinValidation(self.session, self.monkey, r, n)
        if not np.isfinite(v.median) or v.median < min_median:
            raise RuntimeError(f"digital twins of session {self.session} fail validation: median r = "
                               f"{v.median:.3f} < {min_median} ({v}). The architecture or weights are wrong.")
        return v


def _twin_cache_file(weights_sha: str, images_hash: str, dtype: str):
    return cache_dir("twins") / f"{weights_sha[:24]}_{images_hash[:24]}_{dtype}.npy"


def digital_twins(session, neurons=None) -> DigitalTwins:
    """The digital twins of one test session (190923, 201025, 210225 or 211022).

    Returns a :class:`DigitalTwins`, callable on (stimuli, 112, 112, 3) uint8 images and
    returning (stimuli, neurons) model-predicted responses; ``neurons`` picks a subset.
    Source: Cowley et al. 2023 (``cowley2023``).
    """
    return DigitalTwins(session, neurons)


def validate_twins(sessions=(190923, 201025, 210225), n_images: int | None = None,
                   min_median: float = 0.4, **kwargs) -> pd.DataFrame:
    """Validate the twins of every session that has recordings here (211022 has none).

    Returns one row per twin (session, monkey, neuron, r). Raises ``RuntimeError`` if
    any session's median r is below ``min_median``.
    """
    return pd.concat([digital_twins(s).validate(n_images, min_median, **kwargs).table() for s in sessions],
                     ignore_index=True)


# ---------------------------------------------------------------- trial noise


@dataclass(frozen=True)
class MeanVariance:
    """Trial-to-trial variance as a power of the mean: ``variance = a * mean ** b``.

    Fitted on spike counts (per 100 ms) of real single trials; ``n_bins`` and
    ``n_pairs`` say what the fit used. Poisson spiking would give a = b = 1.
    """

    a: float
    b: float
    n_pairs: int
    n_bins: int
    source: str = ""

    def variance(self, mean):
        mean = np.clip(np.asarray(mean, dtype=float), 0, None)
        return self.a * mean ** self.b


def fit_mean_variance(trials, n_bins: int = 20, min_repeats: int = 4, source: str = "") -> MeanVariance:
    """Fit ``variance = a * mean ** b`` to single trials (stimuli, neurons, repeats).

    Binning pairs by their own sample mean biases the fit (pairs that land in a bin
    because of a noisy high mean also tend to have a high sample variance), so the
    repeats of every (stimulus, neuron) with at least ``min_repeats`` non-NaN trials are
    split in two halves (alternate valid trials). Each half's mean assigns the pair to
    one of ``n_bins`` quantile bins; the *other* half's mean and unbiased variance are
    averaged within the bin (both halves take both roles). A straight line is fitted to
    log(binned variance) vs log(binned mean) by least squares. Mean-variance power laws
    of cortical spike counts: Tolhurst, Movshon & Dean 1983.
    """
    x = numeric_array(trials, "trials").astype(np.float64)
    if x.ndim != 3:
        raise ValueError(f"trials must be (stimuli, neurons, repeats), got shape {x.shape}")
    check_no_inf(x, "trials")
    if min_repeats < 4:
        raise ValueError("min_repeats must be >= 4 (two halves of at least two trials)")
    valid = ~np.isnan(x)
    ok = valid.sum(-1) >= min_repeats
    pos = np.cumsum(valid, -1) - 1
    halves = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # pairs below min_repeats are all-NaN
        for parity in (0, 1):
            h = np.where(valid & (pos % 2 == parity) & ok[..., None], x, np.nan)
            halves.append((np.nanmean(h, -1)[ok], np.nanvar(h, -1, ddof=1)[ok]))
    (ma, va), (mb, vb) = halves
    key, m, v = np.concatenate([ma, mb]), np.concatenate([mb, ma]), np.concatenate([vb, va])
    if key.size < 3 * n_bins:
        raise ValueError(f"too few (stimulus, neuron) pairs with >= {min_repeats} repeats ({key.size // 2}) "
                         f"for {n_bins} bins")
    edges = np.quantile(key, np.linspace(0, 1, n_bins + 1))
    idx = np.clip(np.searchsorted(edges, key, side="right") - 1, 0, n_bins - 1)
    used = [i for i in range(n_bins) if (idx == i).any()]
    bm = np.array([m[idx == i].mean() for i in used])
    bv = np.array([v[idx == i].mean() for i in used])
    keep = (bm > 0) & (bv > 0)
    if keep.sum() < 3:
        raise ValueError("fewer than 3 bins with positive mean and variance: cannot fit a power law")
    b, loga = np.polyfit(np.log(bm[keep]), np.log(bv[keep]), 1)
    return MeanVariance(float(np.exp(loga)), float(b), int(key.size // 2), int(keep.sum()), source)


@lru_cache(maxsize=1)
def trial_noise() -> MeanVariance:
    """The mean–variance law of real V4 single trials (session 210325, monkey PE).

    :func:`fit_mean_variance` on the trials of session 210325 (the only session with
    single trials here): ``variance = a · mean^b`` in spike counts per 100 ms. Cached.
    """
    rec = load_cowley_session(210325, images=False)
    return fit_mean_variance(rec.trials, source="Cowley et al. 2023, session 210325 (monkey PE, V4)")


def sample_trials(mean, noise: MeanVariance, repeats: int, rng) -> np.ndarray:
    """Draw ``repeats`` noisy trials around ``mean`` (any shape) -> mean.shape + (repeats,).

    Each trial is Gamma-distributed with the given mean and variance ``noise.a *
    mean ** noise.b`` (non-negative, continuous); means <= 0 give trials of exactly 0.
    ``rng`` is a ``numpy.random.Generator`` (or a seed).
    """
    rng = np.random.default_rng(rng)
    repeats = check_int(repeats, "repeats", minimum=1)
    mu = np.clip(check_finite(numeric_array(mean, "mean").astype(np.float64), "mean"), 0, None)
    pos = mu > 0
    var = noise.variance(mu)
    shape = np.where(pos, mu ** 2 / np.where(var > 0, var, 1), 1.0)
    scale = np.where(pos, var / np.where(pos, mu, 1), 0.0)
    shape_r = np.broadcast_to(shape[..., None], mu.shape + (int(repeats),))
    out = rng.gamma(shape_r, 1.0) * scale[..., None]
    out[~pos] = 0.0
    # a zero-variance point (var == 0 with mean > 0) is deterministic
    det = pos & (var <= 0)
    out[det] = mu[det][..., None]
    return out


def sample_counts(mean, noise: MeanVariance, repeats: int, rng) -> np.ndarray:
    """Draw ``repeats`` integer spike counts around ``mean`` (any shape) -> mean.shape + (repeats,).

    Counts have the given mean and (up to the rounding below) variance ``noise.a *
    mean ** noise.b``, as real single trials do: negative binomial where that variance
    exceeds the mean, binomial where it is below it (``N = ceil(mean² / (mean −
    variance))`` tries, so the variance is at least the law's and within one try of
    it), Poisson where they are equal. Means <= 0 give counts of exactly 0. Unlike
    :func:`sample_trials` (continuous Gamma trials), zeros occur as in real counts.
    ``rng`` is a ``numpy.random.Generator`` (or a seed).
    """
    rng = np.random.default_rng(rng)
    repeats = check_int(repeats, "repeats", minimum=1)
    mu = np.clip(check_finite(numeric_array(mean, "mean").astype(np.float64), "mean"), 0, None)
    var = noise.variance(mu)
    mu_r = np.broadcast_to(mu[..., None], mu.shape + (int(repeats),))
    var_r = np.broadcast_to(var[..., None], mu_r.shape)
    out = np.zeros(mu_r.shape)
    pos = mu_r > 0
    over = pos & (var_r > mu_r * (1 + 1e-9))
    under = pos & (var_r < mu_r * (1 - 1e-9))
    equal = pos & ~over & ~under
    if over.any():
        m, v = mu_r[over], var_r[over]
        k = m ** 2 / (v - m)
        out[over] = rng.negative_binomial(k, k / (k + m))
    if under.any():
        m, v = mu_r[under], var_r[under]
        n = np.maximum(np.ceil(m ** 2 / (m - np.maximum(v, 0))), np.ceil(m)).astype(np.int64)
        out[under] = rng.binomial(n, np.minimum(m / n, 1.0))
    if equal.any():
        out[equal] = rng.poisson(mu_r[equal])
    return out


def _signal_moments(session, images_slice=None):
    """(means, signal sds, n images) of the recorded neurons of ``session`` on its images.

    The signal variance of a neuron is the variance of its repeat averages over images
    minus the part its trial noise contributes (the mean of ``variance(mean) / repeats``
    under :func:`trial_noise`), floored at 10 % of the total."""
    rec = load_cowley_session(session, images=False)
    y = rec.mean if images_slice is None else rec.mean[images_slice]
    noise_var = trial_noise().variance(y).mean(0) / TWIN_REPEATS[session]
    total = y.var(0, ddof=1)
    return y.mean(0), np.sqrt(np.maximum(total - noise_var, 0.1 * total)), len(y)


def twin_scales(session, neurons=None, n_images: int | None = 300, **twin_options) -> pd.DataFrame:
    """The affine map from each twin's output to its neuron's spike counts (per 100 ms).

    The twins output a standardised scale (their mean is about −0.3 and they are ≤ 0 on
    most images), while the neurons they model fire about 1–4 spikes per 100 ms. Each
    twin ``k`` of a session with recordings here (190923, 201025, 210225) is mapped by
    ``counts = offset + scale · output``, fitted by moments on the first ``n_images``
    images of that session (default 300; ``None``: all 1200): the mapped output has its
    neuron's mean response and its neuron's *signal* standard deviation (the sd of the
    repeat averages with the trial-noise part, estimated with :func:`trial_noise`,
    removed). A least-squares fit of the recorded averages on the twin would shrink the
    signal by the twin's correlation with its neuron and make twins less reliable than
    neurons. Session 211022 (monkey RA) has no recordings here: its twins get a
    **pooled fit** — the median mean and median signal sd of the 51 neurons that session
    210621 recorded in the same monkey, with the twin's own output moments on that
    session's images (``fit`` says which).

    Returns one row per twin: ``session``, ``neuron``, ``monkey``, ``offset``, ``scale``,
    ``fit`` ("own neuron" / "pooled (210621)"), ``fit_session``, ``n_images``,
    ``target_mean``, ``target_signal_sd``, ``output_mean``, ``output_sd``.
    """
    from .cowley import load_images

    twins = digital_twins(session, neurons)
    s = twins.session
    own = s in SESSIONS
    fit_session = s if own else POOLED_SCALE_SESSION[s]
    images = load_images(fit_session)
    if n_images is not None:
        n_images = check_int(n_images, "n_images", minimum=10, maximum=len(images))
    sl = slice(None) if n_images is None else slice(0, n_images)
    out = np.asarray(twins(images[sl], **twin_options), dtype=np.float64)
    m_out, sd_out = out.mean(0), out.std(0, ddof=1)
    means, sds, n = _signal_moments(fit_session, sl)
    if own:
        t_mean, t_sd, fit = means[twins.neurons], sds[twins.neurons], "own neuron"
    else:
        t_mean = np.full(twins.n_neurons, np.median(means))
        t_sd, fit = np.full(twins.n_neurons, np.median(sds)), f"pooled ({fit_session})"
    if np.any(sd_out <= 0):
        raise ValueError(f"twins {twins.neurons[sd_out <= 0].tolist()} of session {s} are constant on the "
                         f"fitting images: no scale can be fitted")
    scale = t_sd / sd_out
    return pd.DataFrame(dict(session=s, neuron=twins.neurons, monkey=twins.monkey, offset=t_mean - scale * m_out,
                             scale=scale, fit=fit, fit_session=fit_session, n_images=n, target_mean=t_mean,
                             target_signal_sd=t_sd, output_mean=m_out, output_sd=sd_out))


def to_counts(output, scales: pd.DataFrame) -> np.ndarray:
    """Twin outputs (stimuli, twins) -> expected spike counts with :func:`twin_scales` rows
    (one per column, in order); negative values are clipped to 0 (a rate cannot be)."""
    output = numeric_array(output, "output").astype(np.float64)
    if output.ndim != 2 or output.shape[1] != len(scales):
        raise ValueError(f"output must be (stimuli, {len(scales)}) for {len(scales)} scale rows, got {output.shape}")
    return np.clip(scales["offset"].to_numpy() + scales["scale"].to_numpy() * output, 0, None)


def _twin_recording(monkey, images, picks, repeats, rng, noise, seed, twin_options, units="model",
                    fit_images=300) -> Recording:
    """Run the twins ``picks`` ((session, neuron) pairs, in order) on ``images`` and draw
    ``repeats`` trials around their predictions with ``rng`` (the one RNG of the call).
    ``units="counts"``: outputs mapped to spike counts (:func:`twin_scales`) and integer
    count trials (:func:`sample_counts`); ``"model"``: raw outputs, Gamma trials."""
    if units not in ("model", "counts"):
        raise ValueError(f"units must be 'model' or 'counts', got {units!r}")
    means, sess, neu, scales = [], [], [], []
    for s in dict.fromkeys(p[0] for p in picks):
        ks = [k for (ss, k) in picks if ss == s]
        out = np.asarray(digital_twins(s, neurons=ks)(images, **twin_options), dtype=np.float64)
        if units == "counts":
            sc = twin_scales(s, ks, n_images=fit_images, **twin_options)
            out = to_counts(out, sc)
            scales.append(sc)
        means.append(out)
        sess += [s] * len(ks)
        neu += ks
    signal = np.concatenate(means, axis=1)
    sampler = sample_counts if units == "counts" else sample_trials
    trials = sampler(signal, noise, repeats, rng)
    neurons = pd.DataFrame({"session": sess, "neuron": neu, "monkey": monkey})
    info = dict(monkey=monkey, noise=noise, seed=seed if isinstance(seed, (int, np.integer)) else None, units=units)
    if scales:
        info["scales"] = pd.concat(scales, ignore_index=True)
    unit_words = "spike counts per 100 ms (twin_scales)" if units == "counts" else "the twins' own output scale"
    return Recording(trials=trials, signal=signal, images=images, neurons=neurons, kind=TWIN_KIND,
                     source=f"digital twins of monkey {monkey} (Cowley et al. 2023) in {unit_words} with trial "
                            f"noise: {noise.source}",
                     citation="cowley2023", info=info)


def _check_monkeys(monkeys) -> list:
    monkeys = [monkeys] if isinstance(monkeys, str) else list(monkeys)
    unknown = [m for m in monkeys if m not in MONKEY_TWIN_SESSIONS]
    if unknown or not monkeys:
        raise ValueError(f"monkeys must be among {sorted(MONKEY_TWIN_SESSIONS)}, got {monkeys}")
    return monkeys


def twin_population(monkey: str, images, repeats: int = 8, seed=0, noise: MeanVariance | None = None,
                    units: str = "model", fit_images: int | None = 300, **twin_options) -> Recording:
    """Model-predicted responses of all twins of ``monkey`` ("WE", "PE" or "RA") to ``images``.

    ``images``: (stimuli, 112, 112, 3) uint8. Returns a
    :class:`~bothways.data.recording.Recording` with ``trials`` (stimuli, neurons,
    repeats): the twins' predictions (its ``signal``, spike counts per 100 ms) plus
    trial noise calibrated on real single trials (the mean-variance power law of
    session 210325, :func:`trial_noise`, unless ``noise`` is given), drawn with
    ``numpy.random.default_rng(seed)``. Twins: WE 33 (190923), PE 144 (201025 +
    210225), RA 42 (211022); the ``neurons`` table says which session and neuron each
    column is. These are **model-predicted** responses (``kind``), not recordings.
    ``units="counts"`` maps every twin to spike counts first (:func:`twin_scales` on
    ``fit_images`` images of its session; the maps are in ``info["scales"]``) and draws
    integer count trials (:func:`sample_counts`); the default ``"model"`` keeps the
    twins' standardised output and Gamma trials (:func:`sample_trials`), on which most
    trials are exact zeros. Extra keyword arguments go to :meth:`DigitalTwins.__call__`.
    """
    if monkey not in MONKEY_TWIN_SESSIONS:
        raise ValueError(f"monkey must be one of {sorted(MONKEY_TWIN_SESSIONS)}, got {monkey!r}")
    repeats = check_int(repeats, "repeats", minimum=1)
    picks = [(s, k) for s in MONKEY_TWIN_SESSIONS[monkey] for k in range(TWIN_SESSIONS[s])]
    return _twin_recording(monkey, images, picks, repeats, np.random.default_rng(seed), noise or trial_noise(),
                           seed, twin_options, units, fit_images)


def twin_panel(images, n_per_monkey: int | None = None, repeats: int = 8, seed=0,
               monkeys=tuple(MONKEY_TWIN_SESSIONS), noise: MeanVariance | None = None, units: str = "model",
               fit_images: int | None = 300, **twin_options) -> dict:
    """Model-predicted populations of several monkeys responding to one image set.

    For each monkey, ``n_per_monkey`` of its digital twins (WE 33, PE 144, RA 42 —
    default: as many as the smallest monkey has, so every population has the same
    size) are drawn at random (seeded) and run on ``images``; trials are drawn around
    each twin's prediction with the mean–variance law of real single trials
    (:func:`trial_noise` unless ``noise`` is given; :func:`sample_trials`). One
    ``numpy.random.default_rng(seed)`` draws, monkey by monkey, the twins and then
    their trials. Twin outputs are cached on disk, so a second run costs no forward
    passes.

    ``units``, ``fit_images``: as in :func:`twin_population` (``"counts"``: spike
    counts and integer count trials).

    Returns ``{monkey: Recording}`` (``trials`` (stimuli, twins, repeats), ``signal``
    the twins' noiseless predictions, ``neurons`` with ``session`` and ``neuron``).
    These are **model-predicted** responses, not recordings.
    """
    monkeys = _check_monkeys(monkeys)
    pool = {m: [(s, k) for s in MONKEY_TWIN_SESSIONS[m] for k in range(TWIN_SESSIONS[s])] for m in monkeys}
    smallest = min(len(p) for p in pool.values())
    n = smallest if n_per_monkey is None else check_int(n_per_monkey, "n_per_monkey")
    if not 1 <= n <= smallest:
        raise ValueError(f"n_per_monkey must lie in [1, {smallest}] (twins of the smallest monkey), got {n_per_monkey}")
    repeats = check_int(repeats, "repeats", minimum=2)
    noise = trial_noise() if noise is None else noise
    rng = np.random.default_rng(seed)
    panel = {}
    for m in monkeys:
        picks = sorted(pool[m][i] for i in rng.choice(len(pool[m]), n, replace=False))
        panel[m] = _twin_recording(m, images, picks, repeats, rng, noise, seed, twin_options, units, fit_images)
    return panel
