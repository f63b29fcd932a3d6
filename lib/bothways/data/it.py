"""Bring-your-own-file loaders for macaque IT recordings (not downloadable here).

The IT data of the papers the book examines live on hosts these machines cannot
reach, so the files are not in the registry: pass the path of your own copy. Both
loaders return a :class:`~bothways.data.recording.Recording` whose ``trials`` are
(stimuli, sites, repeats), NaN where a stimulus has fewer repeats (recording sites are
the ``neurons`` of the book's vocabulary); ``stimuli.stimulus_id`` and
``neurons.site_id`` label the axes and ``info["window_ms"]`` the averaging window.

**Kar lab, 1320 images** (10 objects x 132 images, 2 monkeys; used by Muzellec & Kar
2026). Two layouts are accepted:

- HDF5 with one 4-D dataset ``(26 time bins, 1320 images, sites, repeats)`` of rates
  (e.g. ``/m1/active``). Time bins are labelled by ``bin_starts_ms``; the default
  ``0, 10, ..., 250`` ms is the labelling of the authors' published code
  (``time = np.arange(0, 260, 10)``), which averages the bins labelled 70 through 170
  *inclusive* (11 bins). ``closed="both"`` (default) reproduces that; ``closed="left"``
  averages the half-open window [70, 170) (10 bins). Whether a label marks a bin's
  start or centre is not documented with the data; state which you used.
- ``.npy`` with ``(1320, sites, repeats)``, already averaged over time.

**Majaj & Hong 2015 as distributed by Brain-Score** (``dicarlo.MajajHong2015``): a
netCDF-4 file (an HDF5 file) written by xarray from a NeuroidAssembly. Assumed layout,
read with h5py (no xarray/netCDF library needed):

- one 3-D float data variable ``(presentation, neuroid, time_bin)`` (its name is found
  automatically, or pass ``variable=``); the public assembly has a single time bin,
  70-170 ms;
- 1-D coordinate variables along ``presentation``: ``stimulus_id`` (newer Brain-Score)
  or ``image_id`` (older), and ``repetition`` (0-based); along ``neuroid``:
  ``neuroid_id`` and ``region`` ("IT", "V4"); strings may be stored as bytes or
  fixed-width arrays;
- presentations of the same image are gathered into the repeat axis ordered by
  ``repetition``; images are sorted by id.

These assumptions follow the assemblies' documented structure; they are tested on
small synthetic files of exactly this layout, not on the real files.
"""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from bothways._validation import check_no_inf

from .recording import Recording

__all__ = ["KAR_BIN_STARTS_MS", "load_kar_it", "load_majajhong2015"]

#: Default labels (ms after image onset) of the 26 time bins of the Kar-lab HDF5 files.
KAR_BIN_STARTS_MS = np.arange(0, 260, 10)


def _recording(x, stimulus_ids, site_ids, window, source, citation) -> Recording:
    return Recording(trials=x, stimuli=pd.DataFrame({"stimulus_id": stimulus_ids}),
                     neurons=pd.DataFrame({"site_id": site_ids}), source=source, citation=citation,
                     info=dict(window_ms=window))


def _check_file(path) -> Path:
    p = Path(path).expanduser()
    if not p.is_file():
        raise FileNotFoundError(f"{p} does not exist. These IT data cannot be downloaded here: bring your "
                                "own copy (see bothways.data.it for the expected layout)")
    return p


def load_kar_it(path, *, dataset: str | None = None, bin_starts_ms=KAR_BIN_STARTS_MS,
                 window_ms=(70, 170), closed: str = "both") -> Recording:
    """Load Kar-lab IT rates for the 1320 images (see the module docstring for layouts).

    HDF5: averages the time bins whose label ``t`` in ``bin_starts_ms`` satisfies
    ``window_ms[0] <= t <= window_ms[1]`` (``closed="both"``, the authors' code) or
    ``< window_ms[1]`` (``closed="left"``), with ``nanmean``. ``.npy``: taken as is.
    Returns a :class:`~bothways.data.recording.Recording` with trials (images, sites, repeats).
    Data: the 1320-image set used by Muzellec & Kar 2026.
    """
    p = _check_file(path)
    if p.suffix == ".npy":
        x = np.load(p)
        if x.ndim != 3:
            raise ValueError(f"{p}: expected (images, sites, repeats), got shape {x.shape}")
        src, window = str(p), tuple(window_ms)
    else:
        import h5py

        with h5py.File(p, "r") as f:
            if dataset is None:
                found = []
                f.visititems(lambda n, o: found.append(n) if isinstance(o, h5py.Dataset) and o.ndim == 4 else None)
                if len(found) != 1:
                    raise ValueError(f"{p}: expected exactly one 4-D dataset (time bins, images, sites, repeats), "
                                     f"found {found}; pass dataset=")
                dataset = found[0]
            if dataset not in f:
                raise KeyError(f"{p} has no dataset {dataset!r}")
            d = f[dataset]
            bins = np.asarray(bin_starts_ms, dtype=float)
            if d.ndim != 4 or d.shape[0] != len(bins):
                raise ValueError(f"{p}:{dataset} has shape {d.shape}; expected ({len(bins)} time bins, images, "
                                 "sites, repeats) matching bin_starts_ms")
            if closed not in ("both", "left"):
                raise ValueError(f"closed must be 'both' or 'left', got {closed!r}")
            lo, hi = window_ms
            sel = (bins >= lo) & ((bins <= hi) if closed == "both" else (bins < hi))
            if not sel.any():
                raise ValueError(f"no time bin label in window {window_ms} (labels {bins.min()}..{bins.max()} ms)")
            idx = np.flatnonzero(sel)
            x = d[idx[0]:idx[-1] + 1].astype(float) if np.all(np.diff(idx) == 1) else d[list(idx)].astype(float)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN (missing repeats) stay NaN
                x = np.nanmean(x, axis=0)
        src, window = f"{p}:{dataset}", (lo, hi, closed)
    check_no_inf(x, f"{p}: responses")
    return _recording(x, np.arange(x.shape[0]), np.arange(x.shape[1]), window, src, "muzellec2026")


def _strings(ds) -> np.ndarray:
    """A 1-D h5py dataset of ids -> numpy array (bytes and fixed-width strings decoded)."""
    a = ds[()]
    if a.dtype.kind == "S" and a.ndim == 2:  # netCDF char arrays: (n, strlen)
        a = np.array([b"".join(r).rstrip(b"\x00") for r in a])
    if a.dtype.kind in "SO":
        a = np.array([v.decode() if isinstance(v, bytes) else str(v) for v in a])
    return a


def load_majajhong2015(path, *, variable: str | None = None, region: str | None = "IT",
                       time_bin: int = 0) -> Recording:
    """Load a Brain-Score MajajHong2015 assembly file (netCDF-4/HDF5) with h5py.

    Returns a :class:`~bothways.data.recording.Recording` with trials (images, neuroids, repeats) for the
    neuroids of ``region`` (``None``: all), time bin ``time_bin``. See the module
    docstring for the assumed layout. Data: Majaj, Hong, Solomon & DiCarlo 2015.
    """
    import h5py

    p = _check_file(path)
    with h5py.File(p, "r") as f:
        if variable is None:
            cands = [k for k, v in f.items() if isinstance(v, h5py.Dataset) and v.ndim == 3
                     and v.dtype.kind == "f"]
            if len(cands) != 1:
                raise ValueError(f"{p}: expected one 3-D float data variable (presentation, neuroid, time_bin), "
                                 f"found {cands}; pass variable=")
            variable = cands[0]
        if variable not in f:
            raise KeyError(f"{p} has no variable {variable!r}")
        d = f[variable]
        if d.ndim != 3:
            raise ValueError(f"{p}:{variable} has shape {d.shape}, expected (presentation, neuroid, time_bin)")
        n_pres, n_neur, n_bins = d.shape
        if not -n_bins <= time_bin < n_bins:
            raise ValueError(f"time_bin {time_bin} out of range for {n_bins} time bins")

        def coord(names, n, what):
            for name in names:
                if name in f and f[name].ndim >= 1 and f[name].shape[0] == n:
                    return _strings(f[name])
            raise ValueError(f"{p}: no {what} coordinate ({' or '.join(names)}) of length {n}")

        stim = coord(("stimulus_id", "image_id"), n_pres, "stimulus")
        rep = coord(("repetition",), n_pres, "repetition").astype(int)
        neur = coord(("neuroid_id",), n_neur, "neuroid") if "neuroid_id" in f else np.arange(n_neur)
        keep = np.ones(n_neur, bool)
        if region is not None:
            reg = coord(("region",), n_neur, "region")
            keep = reg == region
            if not keep.any():
                raise ValueError(f"{p}: no neuroid in region {region!r} (regions: {sorted(set(reg))})")
        window = (time_bin,)
        if "time_bin_start" in f and "time_bin_end" in f:
            window = (float(f["time_bin_start"][time_bin]), float(f["time_bin_end"][time_bin]))
        x = d[:, :, time_bin][:, keep].astype(float)
    ids, inv = np.unique(stim, return_inverse=True)
    if rep.min() < 0:
        raise ValueError(f"{p}: negative repetition index")
    out = np.full((len(ids), x.shape[1], rep.max() + 1), np.nan)
    if len(set(zip(inv.tolist(), rep.tolist()))) != n_pres:
        raise ValueError(f"{p}: the same (stimulus, repetition) appears twice")
    out[inv, :, rep] = x
    check_no_inf(out, f"{p}: responses")
    return _recording(out, ids, np.asarray(neur)[keep], window, f"{p}:{variable}", "majaj2015")
