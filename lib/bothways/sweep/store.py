"""The result store of a sweep: one verified Parquet file per cell.

Layout under the store's root::

    cells/<key>.parquet     one finished cell (per-target table; summary and provenance
                            in the file's metadata)
    failed/<key>.json       a cell that raised: error type, message, traceback
    quarantine/             cell files that failed verification, kept for inspection

Every file is written to a temporary name in the same folder (``.<key>.*.part``),
flushed to disk, then renamed over its final name (``os.replace`` is atomic on POSIX
and Windows), so an interrupted write never leaves a file under a result's name.
Reading verifies a file completely (:meth:`Store.read`): Parquet page checksums, the
key in the metadata against the file name, the recorded identity against the key, and
a SHA-256 of the table's values against the one recorded at write time; any mismatch
raises :class:`CorruptCellError`.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["Store", "CellRecord", "CorruptCellError", "STORE_SCHEMA", "identity_key"]

#: Version of the on-disk format (part of every key).
STORE_SCHEMA = 1
_META = b"bothways.sweep"


class CorruptCellError(ValueError):
    """A cell file that is truncated, damaged or does not match its name."""


def _jsonable(o):
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, (np.floating,)):
        return float(o)
    if isinstance(o, np.bool_):
        return bool(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, (set, frozenset, tuple)):
        return list(o)
    return str(o)


def _dumps(obj) -> str:
    """Canonical JSON (sorted keys, no spaces): the text content keys are hashed from."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=_jsonable)


def identity_key(identity: dict) -> str:
    """The content key of a cell: the first 32 hex digits of SHA-256 of its identity."""
    return hashlib.sha256(_dumps(identity).encode()).hexdigest()[:32]


def _digest(table) -> str:
    """SHA-256 over a pyarrow table's column names and values (not its metadata)."""
    h = hashlib.sha256()
    for name, col in zip(table.column_names, table.columns):
        h.update(name.encode() + b"\x1f" + str(col.type).encode() + b"\x1f")
        values = col.to_numpy(zero_copy_only=False)
        if values.dtype.kind in "fiub":
            v = np.ascontiguousarray(values)
            if v.dtype.kind == "f":
                v = np.where(np.isnan(v), np.nan, v)
            h.update(v.tobytes())
        else:
            h.update("\x1e".join("\x00" if x is None else str(x) for x in values).encode())
    return h.hexdigest()


def _pyarrow():
    try:
        import pyarrow
        import pyarrow.parquet
    except ImportError as err:
        raise ImportError("the sweep store needs pyarrow: pip install 'bothways[sweep]'") from err
    return pyarrow, pyarrow.parquet


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _atomic_write(path: Path, write) -> None:
    """``write(tmp_path)`` then rename to ``path``; the temporary is removed on failure."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".part", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@dataclass(frozen=True, eq=False)
class CellRecord:
    """One finished cell read back from the store.

    ``cell``: the cell's labels (model, layer, data, direction, method, seed, ...);
    ``summary``: the one-row summary (EV statistics, counts); ``provenance``: versions,
    device, dtype, wall time, host; ``identity``: what the key was hashed from;
    ``targets``: the per-target table (one row per neuron or unit).
    """

    key: str
    cell: dict
    summary: dict
    provenance: dict
    identity: dict
    targets: pd.DataFrame


class Store:
    """A folder of cell files (see the module docstring)."""

    def __init__(self, root):
        self.root = Path(root).expanduser()
        self.cells = self.root / "cells"
        self.failed = self.root / "failed"
        self.quarantine = self.root / "quarantine"

    def __repr__(self) -> str:
        return f"Store({str(self.root)!r})"

    def path(self, key: str) -> Path:
        return self.cells / f"{key}.parquet"

    def failure_path(self, key: str) -> Path:
        return self.failed / f"{key}.json"

    # ------------------------------------------------------------------ writing
    def write(self, key: str, identity: dict, cell: dict, targets: pd.DataFrame, summary: dict,
              provenance: dict) -> Path:
        """Write one finished cell atomically; clears a recorded failure of the same key."""
        pa, pq = _pyarrow()
        if identity_key(identity) != key:
            raise ValueError(f"key {key} is not the hash of the identity given")
        table = pa.Table.from_pandas(targets, preserve_index=False)
        meta = dict(schema=STORE_SCHEMA, key=key, cell=cell, identity=identity, summary=summary,
                    provenance=provenance, n_rows=table.num_rows, digest=_digest(table))
        table = table.replace_schema_metadata({_META: _dumps(meta).encode()})
        path = self.path(key)
        _atomic_write(path, lambda tmp: pq.write_table(table, tmp, write_page_checksum=True,
                                                      compression="zstd"))
        self.failure_path(key).unlink(missing_ok=True)
        return path

    def record_failure(self, key: str, identity: dict, cell: dict, error: dict, provenance: dict) -> Path:
        """Record that a cell raised (``error``: ``type``, ``message``, ``traceback``)."""
        text = json.dumps(dict(schema=STORE_SCHEMA, key=key, cell=cell, identity=identity, error=error,
                               provenance=provenance), indent=1, default=_jsonable)
        path = self.failure_path(key)
        _atomic_write(path, lambda tmp: Path(tmp).write_text(text))
        return path

    # ------------------------------------------------------------------ reading
    def read(self, key: str) -> CellRecord:
        """Read and verify one cell; :class:`CorruptCellError` when it does not check out,
        ``FileNotFoundError`` when there is no such file."""
        _, pq = _pyarrow()
        path = self.path(key)
        if not path.is_file():
            raise FileNotFoundError(f"no cell {key} in {self}")
        try:
            table = pq.read_table(path, page_checksum_verification=True)
            meta = json.loads(table.schema.metadata[_META])
        except Exception as err:
            raise CorruptCellError(f"{path}: unreadable ({type(err).__name__}: {err})") from None
        problems = []
        if meta.get("schema") != STORE_SCHEMA:
            problems.append(f"format {meta.get('schema')} (this library reads {STORE_SCHEMA})")
        if meta.get("key") != key:
            problems.append(f"it records key {meta.get('key')}")
        if identity_key(meta.get("identity", {})) != key:
            problems.append("its identity does not hash to its key")
        if table.num_rows != meta.get("n_rows") or _digest(table) != meta.get("digest"):
            problems.append("its values do not match the checksum written with them")
        if problems:
            raise CorruptCellError(f"{path}: " + "; ".join(problems))
        targets = table.replace_schema_metadata(None).to_pandas()
        return CellRecord(key, meta["cell"], meta["summary"], meta["provenance"], meta["identity"], targets)

    def status(self, key: str) -> str:
        """``"done"`` (a verified file), ``"corrupt"``, ``"failed"`` (a recorded error) or ``"missing"``."""
        if self.path(key).is_file():
            try:
                self.read(key)
                return "done"
            except CorruptCellError:
                return "corrupt"
        return "failed" if self.failure_path(key).is_file() else "missing"

    def quarantine_cell(self, key: str) -> Path | None:
        """Move a cell file that failed verification out of the way (kept for inspection)."""
        src = self.path(key)
        if not src.exists():
            return None
        self.quarantine.mkdir(parents=True, exist_ok=True)
        dst = self.quarantine / f"{key}.{time.strftime('%Y%m%dT%H%M%S')}.{os.getpid()}.parquet"
        os.replace(src, dst)
        return dst

    def failure(self, key: str) -> dict | None:
        """The recorded failure of ``key``, or None."""
        p = self.failure_path(key)
        try:
            return json.loads(p.read_text())
        except FileNotFoundError:
            return None
        except ValueError:  # a damaged failure record counts as none
            return None

    def keys(self) -> list[str]:
        """Keys of every cell file (finished or not yet verified), sorted."""
        return sorted(p.stem for p in self.cells.glob("*.parquet")) if self.cells.is_dir() else []

    def failed_keys(self) -> list[str]:
        return sorted(p.stem for p in self.failed.glob("*.json")) if self.failed.is_dir() else []

    # ------------------------------------------------------------------ tables
    def summary(self, keys=None, on_corrupt: str = "skip") -> pd.DataFrame:
        """One row per finished cell (``keys``, default all): labels, summary, provenance.

        ``on_corrupt``: ``"skip"`` (leave out files that fail verification, with a
        warning) or ``"raise"``.
        """
        rows = []
        for rec in self._records(keys, on_corrupt):
            rows.append({**rec.cell, **rec.summary, **_prefixed(rec.provenance), "key": rec.key})
        return pd.DataFrame(rows)

    def per_target(self, keys=None, on_corrupt: str = "skip") -> pd.DataFrame:
        """One row per (finished cell, target): labels and the per-target table."""
        frames = [rec.targets.assign(**{k: v for k, v in rec.cell.items()}, key=rec.key)
                  for rec in self._records(keys, on_corrupt)]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def failures(self, keys=None) -> pd.DataFrame:
        """One row per recorded failure: labels, ``error``, ``message``, ``traceback``."""
        rows = []
        for k in self.failed_keys() if keys is None else keys:
            f = self.failure(k)
            if f is not None:
                rows.append({**f["cell"], "error": f["error"].get("type"), "message": f["error"].get("message"),
                             "traceback": f["error"].get("traceback"), "key": k})
        return pd.DataFrame(rows)

    def _records(self, keys, on_corrupt):
        import warnings

        if on_corrupt not in ("skip", "raise"):
            raise ValueError(f"on_corrupt must be 'skip' or 'raise', got {on_corrupt!r}")
        for k in self.keys() if keys is None else keys:
            try:
                yield self.read(k)
            except FileNotFoundError:
                continue
            except CorruptCellError as err:
                if on_corrupt == "raise":
                    raise
                warnings.warn(f"skipping a corrupted cell: {err}", UserWarning, stacklevel=3)


def _prefixed(prov: dict) -> dict:
    """Provenance columns, flat (versions as ``version_<package>``)."""
    out = {k: v for k, v in prov.items() if k != "versions"}
    out.update({f"version_{k}": v for k, v in prov.get("versions", {}).items()})
    return out
