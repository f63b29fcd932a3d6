"""The shared argument checks of the library.

Every public function validates its inputs with these helpers, so that a bad input gets
the same kind of error everywhere: a ``TypeError`` for the wrong kind of thing (a
string where a number belongs, a bool where an integer belongs) or a ``ValueError`` for
the wrong value (NaN/inf, a wrong shape, too few stimuli for the folds), whose message
starts with the argument's name and says what is wrong with it. This module does
nothing else (no computation, no imports of the rest of the package).

Shapes follow the book: a *model* (or any representation) is ``(stimuli, units)``, a
*recording* is ``(stimuli, neurons, repeats)`` with NaN where a stimulus has fewer
repeats. NaN marks a missing repeat and is allowed only in recordings; ``inf`` is never
valid.
"""
from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

__all__ = ["to_numpy", "responses_of", "numeric_array", "check_finite", "check_no_inf", "as_matrix", "as_vector",
           "as_trials", "as_responses", "check_same_stimuli", "check_int", "check_number", "check_choice",
           "check_index", "check_folds", "check_device"]


# --------------------------------------------------------------------------- arrays
def to_numpy(a) -> np.ndarray:
    """A numpy view of ``a``: torch tensors are detached and moved to the CPU, anything
    else goes through ``np.asarray`` (no copy when ``a`` already is an array)."""
    if hasattr(a, "detach") and hasattr(a, "cpu"):  # torch tensor
        a = a.detach().cpu().numpy()
    return np.asarray(a)


def responses_of(a):
    """The array inside a :class:`~bothways.data.recording.Recording` (its ``trials``, or its
    ``mean`` where it has no single trials); anything else is returned as it is."""
    if hasattr(a, "trials") and hasattr(a, "mean") and hasattr(a, "has_trials"):
        return a.trials if a.has_trials else a.mean
    return a


def numeric_array(a, name: str, *, allow_bool: bool = False) -> np.ndarray:
    """``a`` as a numpy array of real numbers (integer or floating; bool if ``allow_bool``).

    Raises ``TypeError`` naming ``name`` for anything else (strings, objects, complex).
    The dtype is kept; see :func:`as_matrix` for conversion to float64.
    """
    try:
        a = to_numpy(a)
    except Exception as err:  # pragma: no cover - exotic input
        raise TypeError(f"{name} must be a real numeric array, got {type(a).__name__}") from err
    ok = np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer)
    if a.dtype == bool:
        ok = allow_bool
    if not ok:
        raise TypeError(f"{name} must be a real numeric array, got dtype {a.dtype}")
    return a


def _first(mask) -> str:
    idx = np.argwhere(mask)[0]
    return "[" + ", ".join(str(int(i)) for i in idx) + "]"


def check_finite(a: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` naming ``name`` if ``a`` holds NaN or ±inf (counts and the
    position of the first one are in the message); return ``a``."""
    if np.issubdtype(a.dtype, np.integer) or a.dtype == bool:
        return a
    bad = ~np.isfinite(a)
    if bad.any():
        n_inf = int(np.isinf(a).sum())
        raise ValueError(f"{name} must be finite, but contains {int(bad.sum())} non-finite value(s) "
                         f"({int(bad.sum()) - n_inf} NaN, {n_inf} inf; first at {_first(bad)})")
    return a


def check_no_inf(a: np.ndarray, name: str) -> np.ndarray:
    """Raise ``ValueError`` naming ``name`` if ``a`` holds ±inf (NaN is allowed: it marks a
    missing repeat); return ``a``."""
    if np.issubdtype(a.dtype, np.floating):
        inf = np.isinf(a)
        if inf.any():
            raise ValueError(f"{name} contains {int(inf.sum())} inf value(s) (first at {_first(inf)}); "
                             "NaN marks a missing repeat, inf is never a valid response")
    return a


def as_matrix(a, name: str, *, what: str = "(stimuli, units)", expand_1d: bool = False,
              min_rows: int = 1, min_cols: int = 1, dtype=np.float64, finite: bool = True,
              allow_bool: bool = False) -> np.ndarray:
    """A validated 2-D array ``what`` (e.g. ``"(stimuli, units)"``).

    Parameters
    ----------
    a : array-like or torch tensor.
    name : the argument's name, used in every message.
    expand_1d : treat a 1-D array as one column.
    min_rows, min_cols : smallest allowed shape (stimuli, columns).
    dtype : convert to this dtype (``None`` keeps it).
    finite : require finite values (NaN/inf raise).
    allow_bool : accept a bool array (converted with ``dtype``).
    """
    a = numeric_array(a, name, allow_bool=allow_bool)
    if a.ndim == 1 and expand_1d:
        a = a[:, None]
    if a.ndim != 2:
        raise ValueError(f"{name} must be 2-D {what}, got shape {a.shape}")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    if a.shape[0] < min_rows or a.shape[1] < min_cols:
        raise ValueError(f"{name} needs at least {min_rows} stimuli and {min_cols} column(s), "
                         f"got shape {a.shape}")
    if dtype is not None:
        a = a.astype(dtype, copy=False)
    return check_finite(a, name) if finite else a


def as_vector(a, name: str, *, what: str = "", min_size: int = 1, finite: bool = True) -> np.ndarray:
    """A validated 1-D float64 array (``what`` describes its entries in messages)."""
    a = numeric_array(a, name).astype(np.float64, copy=False)
    if a.ndim != 1:
        raise ValueError(f"{name} must be 1-D{' (' + what + ')' if what else ''}, got shape {a.shape}")
    if a.size < min_size:
        raise ValueError(f"{name} needs at least {min_size} value(s), got {a.size}")
    return check_finite(a, name) if finite else a


def as_trials(a, name: str, *, min_repeats: int | None = None) -> np.ndarray:
    """Validated recordings ``(stimuli, neurons, repeats)`` as float64, NaN = missing repeat.

    Raises ``ValueError`` for another number of axes, an empty axis, any ``inf``, a
    neuron with no recorded value, and (with ``min_repeats``) a (stimulus, neuron) pair
    with fewer present repeats than that. A :class:`~bothways.data.recording.Recording`
    gives its ``trials``.
    """
    a = numeric_array(responses_of(a), name).astype(np.float64, copy=False)
    if a.ndim != 3:
        raise ValueError(f"{name} must be recordings (stimuli, neurons, repeats), got shape {a.shape}")
    if min(a.shape) == 0:
        raise ValueError(f"{name} is empty (shape {a.shape})")
    check_no_inf(a, name)
    counts = (~np.isnan(a)).sum(axis=2)
    dead = np.flatnonzero(counts.sum(axis=0) == 0)
    if dead.size:
        raise ValueError(f"{name}: {dead.size} neuron(s) are all NaN (e.g. neuron {dead[0]}); "
                         "remove them before scoring")
    if min_repeats is not None and counts.min() < min_repeats:
        i, j = np.argwhere(counts < min_repeats)[0]
        need = "reliability needs" if min_repeats >= 2 else "a trial average needs"
        raise ValueError(f"{name}: {need} >= {min_repeats} repeats per stimulus and neuron, "
                         f"but {int((counts < min_repeats).sum())} (stimulus, neuron) pair(s) have fewer "
                         f"(e.g. stimulus {i}, neuron {j}: {counts[i, j]} repeat(s))")
    return a


def as_responses(a, name: str, *, min_repeats: int = 1) -> tuple:
    """``(mean, trials)`` of a model or of recordings, validated.

    A 2-D model (stimuli, units) must be finite and gives ``(model as float64, None)``;
    3-D recordings (stimuli, neurons, repeats) are checked by :func:`as_trials` (at
    least ``min_repeats`` present repeats per stimulus and neuron) and give
    ``(trial average over repeats, trials as float64)``. A
    :class:`~bothways.data.recording.Recording` counts as its trials (or as a noiseless
    model where it has only trial averages).
    """
    a = numeric_array(responses_of(a), name)
    if a.ndim == 2:
        return as_matrix(a, name), None
    if a.ndim != 3:
        raise ValueError(f"{name} must be (stimuli, units) or (stimuli, neurons, repeats), got shape {a.shape}")
    trials = as_trials(a, name, min_repeats=max(1, int(min_repeats)))
    return np.nanmean(trials, axis=2), trials


def check_same_stimuli(n_a: int, n_b: int, name_a: str, name_b: str) -> None:
    """Raise ``ValueError`` unless two arrays have the same number of stimuli (rows)."""
    if n_a != n_b:
        raise ValueError(f"{name_a} and {name_b} have different numbers of stimuli: {n_a} vs {n_b}")


# --------------------------------------------------------------------------- scalars
def check_int(x, name: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """``x`` as a Python int, checked: a bool, a float or a string is not an integer.

    Raises ``ValueError`` naming ``name`` for a non-integer or a value outside
    ``[minimum, maximum]``.
    """
    if minimum is not None and maximum is not None:
        want = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        want = f"an integer >= {minimum}"
    elif maximum is not None:
        want = f"an integer <= {maximum}"
    else:
        want = "an integer"
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise ValueError(f"{name} must be {want}, got {x!r}")
    x = int(x)
    if (minimum is not None and x < minimum) or (maximum is not None and x > maximum):
        raise ValueError(f"{name} must be {want}, got {x}")
    return x


def check_number(x, name: str, *, low: float | None = None, high: float | None = None,
                 low_open: bool = False, high_open: bool = False) -> float:
    """``x`` as a finite float within ``low``/``high`` (open or closed ends).

    Raises ``TypeError`` for a non-number (bools included) and ``ValueError`` for NaN,
    inf or a value out of range, naming ``name``.
    """
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__} {x!r}")
    x = float(x)
    lo = "" if low is None else (f"> {low}" if low_open else f">= {low}")
    hi = "" if high is None else (f"< {high}" if high_open else f"<= {high}")
    bad = not np.isfinite(x)
    bad |= low is not None and (x <= low if low_open else x < low)
    bad |= high is not None and (x >= high if high_open else x > high)
    if bad:
        rule = " and ".join(r for r in (lo, hi) if r)
        raise ValueError(f"{name} must be a finite number{' ' + rule if rule else ''}, got {x}")
    return x


def check_choice(x, name: str, choices: Sequence) -> object:
    """Raise ``ValueError`` naming ``name`` unless ``x`` is one of ``choices``; return ``x``."""
    if not any(x is c or (isinstance(x, type(c)) and x == c) for c in choices):
        raise ValueError(f"{name} must be one of {tuple(choices)}, got {x!r}")
    return x


# --------------------------------------------------------------------------- indices
def check_index(idx, name: str, n: int) -> np.ndarray:
    """A non-empty 1-D integer index array into ``range(n)`` without repeats."""
    idx = np.asarray(idx)
    if idx.ndim != 1 or idx.size == 0 or not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(f"{name} must be a non-empty 1-D integer index array")
    if idx.min() < 0 or idx.max() >= n:
        raise ValueError(f"{name} indexes outside [0, {n})")
    if np.unique(idx).size != idx.size:
        raise ValueError(f"{name} contains repeated indices")
    return idx


def check_folds(folds, n: int) -> list:
    """Validate user-given ``(train_idx, test_idx)`` pairs for ``n`` stimuli.

    Returns a list of int64 index pairs. Raises ``ValueError`` for indices out of range
    or duplicated, fewer than 2 training stimuli, an empty test set, train/test overlap,
    or a stimulus in more than one test set. Test sets need not cover every stimulus.
    """
    out = []
    seen = np.zeros(n, dtype=bool)
    for k, pair in enumerate(folds):
        try:
            tr, te = pair
        except (TypeError, ValueError):
            raise ValueError(f"folds[{k}] must be a (train_idx, test_idx) pair") from None
        tr, te = np.asarray(tr), np.asarray(te)
        for name, ix in (("train", tr), ("test", te)):
            if ix.ndim != 1 or not (np.issubdtype(ix.dtype, np.integer) or ix.size == 0):
                raise ValueError(f"folds[{k}] {name} indices must be a 1-D integer array")
            if ix.size and (ix.min() < 0 or ix.max() >= n):
                raise ValueError(f"folds[{k}] {name} indices out of range [0, {n})")
            if len(np.unique(ix)) != ix.size:
                raise ValueError(f"folds[{k}] {name} indices contain duplicates")
        tr, te = tr.astype(np.int64), te.astype(np.int64)
        if tr.size < 2:
            raise ValueError(f"fold {k} has {tr.size} training stimuli; at least 2 are needed")
        if te.size == 0:
            raise ValueError(f"fold {k} has an empty test set")
        if np.intersect1d(tr, te).size:
            raise ValueError(f"fold {k}: train and test indices overlap (test leakage)")
        if seen[te].any():
            raise ValueError(f"fold {k}: stimulus {te[seen[te]][0]} is in more than one test fold")
        seen[te] = True
        out.append((tr, te))
    if not out:
        raise ValueError("folds is empty")
    return out


# --------------------------------------------------------------------------- devices
def check_device(device):
    """A ``torch.device`` from a string or a ``torch.device``, checked to be usable.

    Raises ``TypeError`` for another kind of value and ``ValueError`` for an unknown,
    unsupported or unavailable device (CUDA or MPS requested where there is none).
    """
    import torch

    if isinstance(device, torch.device):
        dev = device
    elif isinstance(device, str):
        try:
            dev = torch.device(device)
        except RuntimeError as err:
            raise ValueError(f"unknown device {device!r}: {err}") from None
    else:
        raise TypeError(f"device must be None, a str or a torch.device, got {type(device).__name__}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r} requested but CUDA is not available")
    if dev.type == "mps":
        mps = getattr(torch.backends, "mps", None)
        if mps is None or not mps.is_available():
            raise ValueError(f"device {device!r} requested but MPS is not available")
    if dev.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"unsupported device type {dev.type!r}")
    return dev
