"""Loader for real grid-cell sessions: tracked positions plus spike times per cell.

No real grid-cell recordings are installable in this project; this loader reads the two
common public layouts so that the chapter's analyses can be pointed at real data.

Assumed layouts
---------------
``.npz`` (pickle-free, our recommended conversion target, e.g. for Gardner et al. 2022's
files after unpacking their per-module spike dictionaries):

- ``t`` (T,) seconds, position sample times, increasing;
- ``x``, ``y`` (T,) or ``pos`` (T, 2) positions (NaN where tracking was lost);
- ``spike_times`` (S,) seconds — all spikes of all cells, concatenated;
- ``spike_cell`` (S,) integer cell index (0 … n_cells − 1) of each spike;
- optional ``cell_ids`` (n_cells,) strings, ``box`` (scalar, side length in the file's
  position unit).

``.mat`` (MATLAB v5, the Moser-lab layout of Sargolini et al. 2006, one file per cell or
several cells): ``post`` (T,) s, ``posx``, ``posy`` (T,) in cm (centred on the box), and
``cellTS`` — one spike-time vector, or a cell array of them.

Positions are converted to metres (``position_unit``) and shifted so that the box is
[0, box]² (the lower-left corner is the minimum tracked position unless ``origin`` is
given).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .simulate import RateMaps, rate_maps

_UNITS = {"m": 1.0, "cm": 0.01, "mm": 0.001}


@dataclass(frozen=True)
class Session:
    """One recording session.

    t: (T,) s; pos: (T, 2) m in [0, box]², NaN where tracking was lost;
    spike_times: tuple of (n_spikes_i,) arrays in s, one per cell; cell_ids: (n_cells,)
    str; box: side (m); n_nan_positions: samples with NaN position.
    """

    t: np.ndarray
    pos: np.ndarray
    spike_times: tuple
    cell_ids: np.ndarray
    box: float
    n_nan_positions: int

    @property
    def n_cells(self) -> int:
        return len(self.spike_times)

    @property
    def dt(self) -> float:
        return float(np.median(np.diff(self.t)))

    def spike_counts(self) -> np.ndarray:
        """(T, n_cells) spikes per position sample (bin edges halfway between samples).

        Spikes outside [t0 − dt/2, t_end + dt/2] are not counted.
        """
        edges = np.concatenate([[self.t[0] - self.dt / 2], (self.t[1:] + self.t[:-1]) / 2,
                                [self.t[-1] + self.dt / 2]])
        return np.stack([np.histogram(s, edges)[0] for s in self.spike_times], 1)

    def rate_maps(self, n_bins: int = 20, smooth: float = 0.0, min_occupancy: float = 0.0) -> RateMaps:
        """Rate maps (Hz) from the spike counts; NaN-position samples are dropped (counted)."""
        return rate_maps(self.pos, self.spike_counts() / self.dt, box=self.box, n_bins=n_bins,
                         dt=self.dt, smooth=smooth, min_occupancy=min_occupancy)


def _need(d, key, path):
    if key not in d:
        raise ValueError(f"{path}: missing field {key!r} (have {sorted(d)})")
    return d[key]


def _from_npz(path):
    with np.load(path, allow_pickle=False) as z:
        d = {k: z[k] for k in z.files}
    t = np.asarray(_need(d, "t", path), float).ravel()
    if "pos" in d:
        pos = np.asarray(d["pos"], float)
    else:
        pos = np.column_stack([np.asarray(_need(d, "x", path), float).ravel(),
                               np.asarray(_need(d, "y", path), float).ravel()])
    st = np.asarray(_need(d, "spike_times", path), float).ravel()
    sc = np.asarray(_need(d, "spike_cell", path)).ravel()
    if st.shape != sc.shape:
        raise ValueError(f"{path}: spike_times {st.shape} and spike_cell {sc.shape} differ in length")
    if sc.size and (not np.issubdtype(sc.dtype, np.integer) or sc.min() < 0):
        raise ValueError(f"{path}: spike_cell must hold non-negative integers")
    n = int(sc.max()) + 1 if sc.size else 0
    ids = np.asarray(d["cell_ids"]).astype(str) if "cell_ids" in d else None
    if ids is not None:
        if len(ids) < n:
            raise ValueError(f"{path}: {len(ids)} cell_ids but spike_cell refers to {n} cells")
        n = len(ids)
    spikes = tuple(np.sort(st[sc == i]) for i in range(n))
    box = float(d["box"]) if "box" in d else None
    return t, pos, spikes, ids, box


def _from_mat(path):
    from scipy.io import loadmat

    try:
        d = loadmat(path, squeeze_me=True)
    except NotImplementedError as err:  # v7.3 (HDF5)
        raise ValueError(f"{path}: MATLAB v7.3 files are HDF5; save as -v7 or convert to .npz ({err})") from None
    t = np.asarray(_need(d, "post", path), float).ravel()
    pos = np.column_stack([np.asarray(_need(d, "posx", path), float).ravel(),
                           np.asarray(_need(d, "posy", path), float).ravel()])
    ts = _need(d, "cellTS", path)
    if isinstance(ts, np.ndarray) and ts.dtype == object:
        spikes = tuple(np.sort(np.asarray(s, float).ravel()) for s in ts.ravel())
    else:
        spikes = (np.sort(np.asarray(ts, float).ravel()),)
    return t, pos, spikes, None, None


def load_session(path, position_unit: str = "m", box: float | None = None, origin=None) -> Session:
    """Read a session (``.npz`` or ``.mat``, layouts in the module docstring).

    Parameters
    ----------
    path : file path.
    position_unit : unit of the stored positions: ``"m"``, ``"cm"`` or ``"mm"``
        (Sargolini et al.'s .mat files use cm).
    box : side of the square box in metres; default: the file's ``box`` field, else the
        largest tracked extent.
    origin : (2,) lower-left corner in the file's unit; default: the minimum tracked x, y.

    Raises
    ------
    FileNotFoundError; ValueError for an unknown suffix or unit, missing fields, lengths
    that disagree, non-increasing times, non-finite spike times, or positions outside
    the box.
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(path)
    if position_unit not in _UNITS:
        raise ValueError(f"position_unit must be one of {sorted(_UNITS)}, got {position_unit!r}")
    if path.suffix == ".npz":
        t, pos, spikes, ids, file_box = _from_npz(path)
    elif path.suffix == ".mat":
        t, pos, spikes, ids, file_box = _from_mat(path)
    else:
        raise ValueError(f"{path}: unknown format {path.suffix!r} (expected .npz or .mat)")
    if pos.ndim != 2 or pos.shape[1] != 2 or len(pos) != len(t):
        raise ValueError(f"{path}: {len(t)} time samples but positions of shape {pos.shape}")
    if len(t) < 3 or not np.all(np.diff(t) > 0) or not np.isfinite(t).all():
        raise ValueError(f"{path}: position times must be finite and strictly increasing")
    for i, s in enumerate(spikes):
        if not np.isfinite(s).all():
            raise ValueError(f"{path}: cell {i} has non-finite spike times")
    scale = _UNITS[position_unit]
    bad = ~np.isfinite(pos).all(1)
    if bad.all():
        raise ValueError(f"{path}: no finite positions")
    pos = np.where(bad[:, None], np.nan, pos)
    lo = np.nanmin(pos, 0) if origin is None else np.asarray(origin, float)
    pos = (pos - lo) * scale
    if box is None:
        box = float(file_box) * scale if file_box is not None else float(np.nanmax(pos))
    if np.nanmin(pos) < -1e-9 or np.nanmax(pos) > box * (1 + 1e-9):
        raise ValueError(f"{path}: positions fall outside the [0, {box:.3f}] m box")
    pos = np.clip(pos, 0.0, box)
    ids = np.array([f"cell{i}" for i in range(len(spikes))]) if ids is None else ids
    return Session(t, pos, spikes, ids, float(box), int(bad.sum()))
