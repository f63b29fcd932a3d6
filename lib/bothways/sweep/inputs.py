"""What a sweep cell takes in: a network (:class:`ModelSource`) and data (:class:`DataSource`).

These two small adapters are the only place where :mod:`bothways.sweep` touches the
model zoo and the data loaders, so the rest of the sweep (keys, store, executors) does
not depend on how those are organised.

Model specs (:func:`model_source`):

- a zoo name of :func:`bothways.models.list_models` (``"efficientnet-lite0"``), or
  ``"<name>/untrained"`` for the same architecture with seeded random weights (seed 0);
- ``"package.module:callable"`` or ``"path/to/file.py:callable"``: a user's own network.
  The callable takes no argument and returns a :class:`bothways.models.ZooModel`, any
  object with ``module`` and ``preprocess`` attributes (optionally ``layers`` and
  ``name``), or a tuple ``(module, preprocess)`` / ``(module, preprocess, layers)``.
  ``preprocess`` maps uint8 images (stimuli, H, W, 3) to the module's input tensor;
  :class:`bothways.models.Preprocess` is the easy choice.

Data specs (:func:`data_source`; each loads a :class:`~bothways.data.recording.Recording`,
which must have single trials and images):

- ``"v4:<session>"``: a V4 session of Cowley et al. 2023 with single trials (210325);
- ``"twins:<monkey>"`` (``WE``, ``PE``, ``RA``): the monkey's digital twins (model-
  predicted V4 responses with calibrated trial noise) on the images of session 210325;
  options ``images=<session>``, ``repeats=<int>``, ``seed=<int>``;
- ``"npz:<path>"``: a file of your own with arrays ``images`` (stimuli, H, W, 3) uint8
  and ``trials`` (stimuli, neurons, repeats), NaN where a stimulus has fewer repeats;
- ``"kar-it:<responses .h5 or .npy>,images=<images .npy>"``: Kar-lab IT responses
  (:func:`bothways.data.load_kar_it`) with the images you hold for them.

Options follow the spec after commas: ``"twins:PE,repeats=8,seed=1"``.
"""
from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import inspect
import os
import sys
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Callable

import numpy as np

__all__ = ["SweepInputError", "UnknownModelError", "UnknownLayerError", "DataError",
           "ModelSource", "DataSource", "model_source", "data_source", "DATA_KINDS"]


class SweepInputError(ValueError):
    """Bad input to a sweep, found before any work starts."""


class UnknownModelError(SweepInputError):
    """A model spec names no zoo model and no importable callable."""


class UnknownLayerError(SweepInputError):
    """A requested layer is not a module of the network."""


class DataError(SweepInputError):
    """Data that cannot be used: unknown spec, unreadable file, images and recordings
    with different stimuli, recordings without enough repeats."""


def _sha(*parts) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(p if isinstance(p, bytes) else str(p).encode())
        h.update(b"\x1f")
    return h.hexdigest()


# --------------------------------------------------------------------------- models
class _KeyedPreprocess:
    """A preprocessing callable with a ``cache_id`` (used by the feature cache)."""

    def __init__(self, fn: Callable, cache_id: str):
        self.fn, self.cache_id = fn, cache_id

    def __call__(self, images):
        return self.fn(images)


def _source_text(obj) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _preprocess_id(prep, probe: np.ndarray) -> str:
    """``prep.cache_id`` when it has one; otherwise a fingerprint of what it does: the
    SHA-256 of its output on ``probe`` images and of its source code, so that changing
    an anonymous preprocessing changes the key. A preprocessing that refuses the probe
    (e.g. one that accepts a single image size) is fingerprinted by its source alone,
    with a warning: give it a ``cache_id`` to be safe."""
    cid = getattr(prep, "cache_id", None)
    if cid:
        return str(cid)
    src = _source_text(prep if inspect.isfunction(prep) or inspect.ismethod(prep) else type(prep))
    try:
        out = prep(probe)
    except Exception as err:
        warnings.warn(f"preprocessing {getattr(prep, '__qualname__', prep)!r} failed on the test images used to "
                      f"fingerprint it ({type(err).__name__}: {err}); its key holds only its source code, so "
                      "give it a cache_id attribute that changes whenever it does", UserWarning, stacklevel=4)
        return "source:" + _sha(getattr(prep, "__qualname__", repr(type(prep))), src)[:32]
    out = out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)
    out = np.ascontiguousarray(out, dtype=np.float32)
    return "fingerprint:" + _sha(out.shape, out.tobytes(), src)[:32]


_PROBE = np.random.default_rng(20260101).integers(0, 256, size=(2, 64, 64, 3), dtype=np.uint8)


@dataclass(frozen=True, eq=False)
class ModelSource:
    """A network ready to give features to sweep cells.

    ``spec``: the string it was loaded from (``None`` when built from an object);
    ``name``: label in tables; ``module``: eval-mode ``torch.nn.Module``; ``preprocess``:
    uint8 (stimuli, H, W, 3) -> input tensor, with a ``cache_id``; ``layers``: candidate
    layers for ``layers="auto"`` (early to late); ``weights``: SHA-256 of the state dict
    (:func:`bothways.models.weights_checksum`); ``architecture``: SHA-256 of the module's
    ``repr`` and class source; ``preprocess_id``: the preprocessing's ``cache_id``.
    """

    spec: str | None
    name: str
    module: object = field(repr=False)
    preprocess: Callable = field(repr=False)
    layers: tuple
    weights: str
    architecture: str
    preprocess_id: str

    @property
    def identity(self) -> dict:
        """What determines this network's features (for content keys)."""
        return dict(weights=self.weights, architecture=self.architecture, preprocess=self.preprocess_id)

    @cached_property
    def module_names(self) -> tuple:
        return tuple(n for n, _ in self.module.named_modules() if n)

    def check_layers(self, layers) -> tuple:
        """``layers`` as a tuple; :class:`UnknownLayerError` naming any that is missing."""
        layers = tuple(layers)
        names = set(self.module_names)
        for layer in layers:
            if not isinstance(layer, str) or layer not in names:
                close = difflib.get_close_matches(str(layer), self.module_names, n=5)
                raise UnknownLayerError(f"model {self.name!r} has no layer {layer!r}; close matches: {close} "
                                        f"(candidates: {list(self.layers)}; `bothways layers {self.spec or self.name}` "
                                        "lists every module)")
        if not layers:
            raise UnknownLayerError(f"no layers given for model {self.name!r}")
        return layers

    def depth(self, layer: str) -> int:
        """Position of ``layer`` in ``module.named_modules()`` (orders layers early to late)."""
        return self.module_names.index(layer)

    def extract(self, images, layer: str, *, pool=None, device=None, progress=False):
        """(float32 (stimuli, units) activations, read from the feature cache?) of one
        layer, via :func:`bothways.models.extract_features` (disk-cached by content;
        ``progress``: a tqdm bar over batches, None for long extractions only)."""
        from bothways.models import extract_features

        f = extract_features(self.module, images, layer, pool=pool, device=device, preprocess=self.preprocess,
                             name=self.name, progress=progress)
        return f.values, f.from_cache


def _build(module, preprocess, layers, name, spec) -> ModelSource:
    from torch import nn

    from bothways.models import weights_checksum

    if not isinstance(module, nn.Module):
        raise UnknownModelError(f"model {spec or name!r}: expected a torch.nn.Module, got {type(module).__name__}")
    if not callable(preprocess):
        raise UnknownModelError(f"model {spec or name!r}: preprocess must be callable, got {type(preprocess).__name__}")
    module.eval()
    prep_id = _preprocess_id(preprocess, _PROBE)
    prep = preprocess if getattr(preprocess, "cache_id", None) else _KeyedPreprocess(preprocess, prep_id)
    if layers is None:
        layers = tuple(n for n, _ in module.named_children())
    arch = _sha(repr(module), _source_text(type(module)))[:32]
    return ModelSource(spec, name, module, prep, tuple(layers), weights_checksum(module), arch, prep_id)


def _zoo_model(spec: str):
    """The ZooModel of a zoo spec (``name`` or ``name/untrained``, untrained weights
    from seed 0): :func:`bothways.models.load_model`, with a named error."""
    from bothways.models import list_models, load_model, parse_model

    known = list_models()
    try:
        name, _ = parse_model(spec)
    except ValueError:
        name = None
    if name not in known:
        close = difflib.get_close_matches(spec.partition("/")[0], known, n=3)
        raise UnknownModelError(f"unknown model {spec!r}: not a zoo model ({known}, optionally with "
                                f"'/untrained'){'; did you mean ' + repr(close) if close else ''}, nor "
                                "'package.module:callable' / 'file.py:callable' for a network of your own")
    return load_model(spec, seed=0)


def _import_from_cwd(name: str):
    """Import ``name`` with the working directory on ``sys.path`` (as ``python -m`` would;
    console scripts do not put it there)."""
    cwd = os.getcwd()
    added = cwd not in sys.path
    if added:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(name)
    finally:
        if added:
            sys.path.remove(cwd)


def _import_callable(spec: str):
    target, _, attr = spec.rpartition(":")
    try:
        if target.endswith(".py"):
            path = Path(target).expanduser().resolve()
            if not path.is_file():
                raise FileNotFoundError(f"no file {path}")
            modname = "_bothways_user_" + _sha(path)[:12]
            mod = sys.modules.get(modname)
            if mod is None:
                s = importlib.util.spec_from_file_location(modname, path)
                mod = importlib.util.module_from_spec(s)
                sys.modules[modname] = mod
                s.loader.exec_module(mod)
        else:
            mod = _import_from_cwd(target)
        fn = getattr(mod, attr)
    except Exception as err:
        raise UnknownModelError(f"model {spec!r}: cannot import {attr!r} from {target!r}: "
                                f"{type(err).__name__}: {err}") from None
    if not callable(fn):
        raise UnknownModelError(f"model {spec!r}: {attr!r} is not callable")
    return fn


def _from_object(obj, spec: str | None, name: str | None) -> ModelSource:
    if isinstance(obj, ModelSource):
        return obj
    if isinstance(obj, tuple) and len(obj) in (2, 3):
        module, prep, *rest = obj
        return _build(module, prep, rest[0] if rest else None, name or spec or type(module).__name__, spec)
    if hasattr(obj, "module") and hasattr(obj, "preprocess"):
        layers = getattr(obj, "layers", None)
        return _build(obj.module, obj.preprocess, tuple(layers) if layers else None,
                      name or (spec if spec and ":" in spec else None) or getattr(obj, "name", None) or spec, spec)
    raise UnknownModelError(f"model {spec or name!r}: expected a ZooModel, an object with .module and "
                            f".preprocess, or a tuple (module, preprocess[, layers]); got {type(obj).__name__}")


_LOADED: dict[str, ModelSource] = {}


def model_source(model, name: str | None = None) -> ModelSource:
    """A :class:`ModelSource` from a spec string (see the module docstring), a
    ``ZooModel``, an object with ``module``/``preprocess``, or a tuple ``(module,
    preprocess[, layers])``. Loaded once per process and spec. Raises
    :class:`UnknownModelError` for a spec that names nothing."""
    if isinstance(model, ModelSource):
        return model
    if not isinstance(model, str):
        return _from_object(model, None, name)
    if not model:
        raise UnknownModelError("empty model spec")
    if model not in _LOADED:
        if ":" in model:
            built = _import_callable(model)()
            src = _from_object(built, model, name)
        else:
            src = _from_object(_zoo_model(model), model, model)
        _LOADED[model] = src
    src = _LOADED[model]
    if name and name != src.name:
        src = ModelSource(src.spec, name, src.module, src.preprocess, src.layers, src.weights,
                          src.architecture, src.preprocess_id)
    return src


# --------------------------------------------------------------------------- data
def _canonical_trials_hash(trials: np.ndarray) -> str:
    t = np.ascontiguousarray(trials, dtype=np.float64)
    t = np.where(np.isnan(t), np.nan, t)  # one NaN bit pattern
    return _sha(t.shape, "float64", t.tobytes())


@dataclass(frozen=True, eq=False)
class DataSource:
    """A :class:`~bothways.data.recording.Recording` that a sweep can score, with a label.

    ``recording`` must have single ``trials`` (stimuli, neurons, repeats), NaN where a
    stimulus has fewer repeats, at least 2 present repeats for every (stimulus, neuron)
    (noise ceilings), and its ``images`` (stimuli, H, W, 3) uint8. ``name``: label in
    tables; ``spec``: the string it was loaded from (``None`` otherwise).
    Construction checks all of this (:class:`DataError`).
    """

    name: str
    recording: object = field(repr=False)
    spec: str | None = None

    def __post_init__(self):
        rec = self.recording
        if rec.trials is None:
            raise DataError(f"data {self.name!r}: only trial averages ({rec.source or 'no source'}); noise "
                            "ceilings need single trials (stimuli, neurons, repeats)")
        im = rec.images
        if im is None:
            raise DataError(f"data {self.name!r}: no images; the networks need the stimuli the recordings "
                            "were made with")
        im = np.asarray(im)
        if im.dtype != np.uint8 or im.ndim != 4 or im.shape[-1] != 3:
            raise DataError(f"data {self.name!r}: images must be uint8 (stimuli, H, W, 3), got {im.dtype} {im.shape}")
        counts = rec.n_repeats
        if counts.min() < 2:
            i, j = np.argwhere(counts < 2)[0]
            raise DataError(f"data {self.name!r}: noise ceilings need >= 2 repeats per stimulus and neuron; "
                            f"{int((counts < 2).sum())} pair(s) have fewer (e.g. stimulus {i}, neuron {j})")

    @classmethod
    def from_arrays(cls, name: str, images, trials, **recording) -> "DataSource":
        """From arrays: ``images`` (stimuli, H, W, 3) uint8 and ``trials`` (stimuli,
        neurons, repeats); ``recording``: further :class:`Recording` fields (``source``, ...)."""
        return cls(name, _recording(name, trials=trials, images=images, **recording))

    @property
    def images(self) -> np.ndarray:
        return self.recording.images

    @property
    def trials(self) -> np.ndarray:
        return self.recording.trials

    @property
    def info(self) -> dict:
        r = self.recording
        return dict(r.info, kind=r.kind, source=r.source, citation=r.citation)

    @property
    def n_stimuli(self) -> int:
        return self.recording.n_stimuli

    @property
    def n_neurons(self) -> int:
        return self.recording.n_neurons

    @cached_property
    def images_hash(self) -> str:
        from bothways.data.cowley import image_set_hash

        return image_set_hash(self.images)

    @cached_property
    def trials_hash(self) -> str:
        return _canonical_trials_hash(self.trials)

    @property
    def identity(self) -> dict:
        """What determines a cell's result on these data (for content keys)."""
        return dict(images=self.images_hash, recordings=self.trials_hash)

    def take(self, index, name: str | None = None) -> "DataSource":
        """The stimuli ``index`` (distinct, in that order), as a new source named ``name``
        (:meth:`bothways.data.Recording.subset`)."""
        try:
            rec = self.recording.subset(stimuli=index)
        except (TypeError, ValueError) as err:
            raise DataError(f"data {self.name!r}: {err}") from None
        return DataSource(name or f"{self.name}[{rec.n_stimuli} stimuli]", rec)

    def split(self, split, names: tuple[str, str] | None = None) -> tuple["DataSource", "DataSource"]:
        """``(selection, held_out)`` sources of a stimulus split: ``split`` is a
        :class:`bothways.zoo.StimulusSplit` (:func:`bothways.zoo.split_stimuli`) or a
        pair of index arrays. Named ``"<name>[selection]"`` and ``"<name>[held-out]"``
        (or ``names``). Each part's cells are keyed by its own content (the hashes of
        its images and recordings), so another split gives other cells."""
        if hasattr(split, "selection") and hasattr(split, "held_out"):
            parts = (split.selection, split.held_out)
        elif isinstance(split, (tuple, list)) and len(split) == 2:
            parts = tuple(split)
        else:
            raise DataError(f"data {self.name!r}: split must be a StimulusSplit or a pair (selection, held_out) "
                            f"of index arrays, got {type(split).__name__}")
        names = names or (f"{self.name}[selection]", f"{self.name}[held-out]")
        sel, held = (np.asarray(p).ravel() for p in parts)
        if np.intersect1d(sel, held).size:
            raise DataError(f"data {self.name!r}: the selection and held-out stimuli overlap "
                            f"({np.intersect1d(sel, held).size} stimuli in both)")
        return self.take(sel, names[0]), self.take(held, names[1])

    def subset(self, n: int | None, seed: int = 0) -> "DataSource":
        """A seeded random subset of ``n`` stimuli (sorted; all when ``n`` is None or
        not smaller than the number of stimuli), named ``"<name>[n=<n>,seed=<seed>]"``."""
        if n is None or int(n) >= self.n_stimuli:
            return self
        if int(n) < 10:
            raise DataError(f"n_stimuli must be >= 10, got {n}")
        idx = np.sort(np.random.default_rng([int(seed), 19]).choice(self.n_stimuli, int(n), replace=False))
        return self.take(idx, f"{self.name}[n={int(n)},seed={int(seed)}]")


def _recording(name, **fields):
    from bothways.data.recording import Recording

    try:
        return Recording(**fields)
    except (TypeError, ValueError) as err:
        raise DataError(f"data {name!r}: {err}") from None


def _options(parts, allowed, spec):
    opts = {}
    for p in parts:
        k, eq, v = p.partition("=")
        if not eq or k not in allowed:
            raise DataError(f"data {spec!r}: unknown option {p!r}; options: {sorted(allowed)}")
        opts[k] = v
    return opts


def _v4(arg, opts, spec):
    from bothways.data import load_cowley_session

    return load_cowley_session(int(arg))


def _twins(arg, opts, spec):
    from bothways.data import load_images, twin_population

    images = load_images(int(opts.get("images", 210325)))
    return twin_population(arg, images, repeats=int(opts.get("repeats", 8)), seed=int(opts.get("seed", 0)))


def _npz(arg, opts, spec):
    p = Path(arg).expanduser()
    try:
        with np.load(p, allow_pickle=False) as z:
            missing = [k for k in ("images", "trials") if k not in z.files]
            if missing:
                raise DataError(f"data {spec!r}: {p} has no array(s) {missing} (it has {z.files})")
            images, trials = z["images"], z["trials"]
    except DataError:
        raise
    except Exception as err:
        raise DataError(f"data {spec!r}: cannot read {p}: {type(err).__name__}: {err}") from None
    return _recording(spec, trials=trials, images=images, source=str(p))


def _kar_it(arg, opts, spec):
    from dataclasses import replace

    from bothways.data import load_kar_it

    if "images" not in opts:
        raise DataError(f"data {spec!r}: IT files hold no images; add ',images=<images .npy>'")
    rec = load_kar_it(arg, **({"dataset": opts["dataset"]} if "dataset" in opts else {}))
    p = Path(opts["images"]).expanduser()
    try:
        images = np.load(p, allow_pickle=False)
    except Exception as err:
        raise DataError(f"data {spec!r}: cannot read images file {p}: {type(err).__name__}: {err}") from None
    try:
        return replace(rec, images=images, mean=None if rec.trials is not None else rec.mean)  # mean is derived
    except ValueError as err:
        raise DataError(f"data {spec!r}: {err}") from None


#: Data spec kinds: name -> (loader returning a Recording, allowed options).
DATA_KINDS = {"v4": (_v4, set()), "twins": (_twins, {"images", "repeats", "seed"}),
              "npz": (_npz, set()), "kar-it": (_kar_it, {"images", "dataset"})}


def data_source(data, name: str | None = None) -> DataSource:
    """A :class:`DataSource` from a spec string (module docstring), a ``DataSource``, a
    :class:`~bothways.data.recording.Recording` (with images and trials), or a tuple
    ``(images, trials)``. Raises :class:`DataError` for an unknown spec, an unreadable
    file, data without trials or images, or mismatched stimuli."""
    from bothways.data.recording import Recording

    if isinstance(data, DataSource):
        return data if name in (None, data.name) else DataSource(name, data.recording, data.spec)
    if isinstance(data, Recording):
        return DataSource(name or data.source or "data", data)
    if isinstance(data, tuple) and len(data) == 2:
        return DataSource.from_arrays(name or "data", data[0], data[1])
    if not isinstance(data, str):
        raise DataError(f"data {name!r}: expected a spec string, a DataSource, a Recording or (images, trials); "
                        f"got {type(data).__name__}")
    kind, colon, rest = data.partition(":")
    if not colon or kind not in DATA_KINDS:
        raise DataError(f"unknown data {data!r}: expected '<kind>:<argument>' with kind one of {sorted(DATA_KINDS)} "
                        "(e.g. 'v4:210325', 'twins:PE', 'npz:my_data.npz')")
    loader, allowed = DATA_KINDS[kind]
    arg, *parts = rest.split(",")
    opts = _options(parts, allowed, data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            rec = loader(arg, opts, data)
        except DataError:
            raise
        except (OSError, ValueError, KeyError) as err:  # DataFileError is a ValueError
            raise DataError(f"data {data!r}: {type(err).__name__}: {err}") from None
    return DataSource(name or data, rec, data)
