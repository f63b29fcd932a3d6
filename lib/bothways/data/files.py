"""The data registry: where every file of the book comes from, and how it is found.

Each file the book reads is listed in ``bothways/registry.tsv`` with its path (relative
to a data directory), a public URL at a pinned commit, its SHA-256, size, licence and
citation key. :func:`fetch` returns a verified local path, looking in this order:

1. the directory named by the environment variable ``BOTHWAYS_DATA``;
2. ``../shared/data`` beside the repository root (found by walking up from this
   package and from the working directory);
3. the user cache, ``$BOTHWAYS_CACHE`` or ``~/.cache/bothways``;
4. a download from the URL into that cache (a temporary file, verified, then renamed:
   a half-written file never takes the real name).

The first location that has the file wins and is checksum-verified once per
(path, size, mtime); a mismatch, a truncated file or an unreachable URL raises
:class:`DataFileError` naming the file, the expected SHA-256 and the URL. The data
files themselves are never part of the repository.
"""
from __future__ import annotations

import csv
import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["DataFile", "DataFileError", "registry", "registry_table", "fetch", "sha256_file",
           "find_repo_root", "data_dirs", "cache_dir", "verify_all", "atomic_write"]


class DataFileError(ValueError):
    """A data file is missing, corrupted, truncated or cannot be downloaded."""


@dataclass(frozen=True)
class DataFile:
    """One registry entry.

    ``path`` is relative to a data directory (e.g. ``cifar10_resnets/resnet20-12fca82f.th``);
    ``url`` is the public raw URL at a pinned commit (``"-"`` when there is none);
    ``sha256`` and ``bytes`` describe the exact file; ``citation`` is a key of
    ``book/references.bib``.
    """

    path: str
    url: str
    sha256: str
    bytes: int
    licence: str
    citation: str

    def describe(self) -> str:
        """A one-line description used in error messages."""
        url = self.url if self.url != "-" else "no public URL (see shared/data/README.md)"
        return f"file {self.path!r} (expected SHA-256 {self.sha256}, {self.bytes} bytes; URL: {url})"


@lru_cache(maxsize=1)
def registry() -> dict[str, DataFile]:
    """All registry entries keyed by path (read once from ``bothways/registry.tsv``)."""
    text = resources.files("bothways").joinpath("registry.tsv").read_text()
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out = {}
    for row in csv.DictReader(lines, delimiter="\t"):
        out[row["path"]] = DataFile(row["path"], row["url"], row["sha256"].lower(), int(row["bytes"]),
                                    row["licence"], row["citation"])
    return out


def registry_table() -> pd.DataFrame:
    """The registry as a DataFrame (one row per file), e.g. for a data-sources table."""
    return pd.DataFrame([vars(e) for e in registry().values()])


def _entry(path_or_entry) -> DataFile:
    if isinstance(path_or_entry, DataFile):
        return path_or_entry
    key = str(path_or_entry).replace(os.sep, "/").lstrip("/")
    try:
        return registry()[key]
    except KeyError:
        raise KeyError(f"{key!r} is not in the bothways data registry (bothways/registry.tsv)") from None


def find_repo_root(starts=None) -> Path | None:
    """The repository root: the first ancestor of this package or of the working
    directory that contains ``lib/bothways`` (a checkout), else ``None``."""
    starts = starts if starts is not None else (Path(__file__).resolve(), Path.cwd().resolve())
    for start in starts:
        for d in (start, *start.parents):
            if (d / "lib" / "bothways").is_dir():
                return d
    return None


def data_dirs() -> list[Path]:
    """Local data directories in lookup order: ``$BOTHWAYS_DATA``, then ``shared/data``
    beside the repository root (or, failing that, the nearest ancestor of this package
    or the working directory that has ``shared/data``)."""
    dirs = []
    env = os.environ.get("BOTHWAYS_DATA")
    if env:
        dirs.append(Path(env).expanduser())
    root = find_repo_root()
    cands = [root.parent / "shared" / "data"] if root is not None else []
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        cands += [d / "shared" / "data" for d in (start, *start.parents)]
    for c in cands:
        if c.is_dir() and c not in dirs:
            dirs.append(c)
            break
    return dirs


def cache_dir(sub: str | None = None) -> Path:
    """The user cache, ``$BOTHWAYS_CACHE`` or ``~/.cache/bothways`` (optionally a sub-folder)."""
    base = Path(os.environ.get("BOTHWAYS_CACHE") or Path.home() / ".cache" / "bothways").expanduser()
    return base / sub if sub else base


_VERIFIED: dict[tuple, str] = {}


def sha256_file(path, chunk: int = 1 << 20) -> str:
    """SHA-256 hex digest of a file, memoised per (path, size, mtime)."""
    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_size, st.st_mtime_ns)
    if key not in _VERIFIED:
        h = hashlib.sha256()
        with open(p, "rb") as f:
            while block := f.read(chunk):
                h.update(block)
        _VERIFIED[key] = h.hexdigest()
    return _VERIFIED[key]


def _verify(p: Path, e: DataFile) -> Path:
    size = p.stat().st_size
    if size != e.bytes:
        kind = "truncated" if size < e.bytes else "too large"
        raise DataFileError(f"{p} is {kind} ({size} bytes): {e.describe()}. Delete it to re-fetch.")
    got = sha256_file(p)
    if got != e.sha256:
        raise DataFileError(f"checksum mismatch for {p} (got SHA-256 {got}): {e.describe()}. "
                            "The file is corrupted or a different version; delete it to re-fetch.")
    return p


@contextmanager
def atomic_write(path, verify=None):
    """Write a file so that it is complete or absent, never half-written.

    ``with atomic_write(path) as f: np.save(f, array)`` writes into a temporary file
    beside ``path`` (binary mode), then renames it onto ``path``; if the block raises,
    or ``verify(temporary_path)`` does, the temporary file is deleted and ``path`` is
    left as it was. Parent folders are created.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            yield f
        if verify is not None:
            verify(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _download(url: str, dest: Path, e: DataFile, progress: bool = True) -> None:
    """Stream ``url`` into a temporary file beside ``dest``, verify it, then rename."""
    from tqdm.auto import tqdm

    with atomic_write(dest, verify=lambda tmp: _verify(tmp, e)) as out, \
            urllib.request.urlopen(url, timeout=60) as resp, \
            tqdm(total=e.bytes, unit="B", unit_scale=True, desc=Path(e.path).name, disable=not progress) as bar:
        while block := resp.read(1 << 16):
            out.write(block)
            bar.update(len(block))


def fetch(path_or_entry, *, download: bool = True, progress: bool = True) -> Path:
    """Return the verified local path of a registry file (see the module docstring).

    ``path_or_entry``: a registry path such as ``"cifar10_resnets/resnet20-12fca82f.th"``
    or a :class:`DataFile`. Raises :class:`DataFileError` (naming the file, its SHA-256
    and URL) if the first copy found is corrupted or truncated, or if no copy exists
    and the download fails or is disabled.
    """
    e = _entry(path_or_entry)
    for d in data_dirs():
        p = d / e.path
        if p.is_file():
            return _verify(p, e)
    dest = cache_dir() / e.path
    if dest.is_file():
        return _verify(dest, e)
    where = ", ".join(str(d) for d in data_dirs()) or "no local data directory"
    if not download or e.url == "-":
        raise DataFileError(f"missing {e.describe()}; looked in {where} and {cache_dir()}"
                            + ("" if download else " (download disabled)"))
    try:
        _download(e.url, dest, e, progress=progress)
    except DataFileError as err:
        raise DataFileError(f"download of {e.path} failed verification: {err}") from None
    except (urllib.error.URLError, OSError, TimeoutError) as err:
        raise DataFileError(f"cannot download {e.describe()} into {dest}: {err}. "
                            f"Looked locally in {where}; set BOTHWAYS_DATA to a folder that has "
                            "the file, or fetch it by hand.") from None
    return dest


def verify_all(prefix: str = "", download: bool = False) -> pd.DataFrame:
    """Check every registry file under ``prefix``: one row per file with ``path``,
    ``ok`` and ``error`` (nothing is raised; use it for a data-health table)."""
    rows = []
    for path in registry():
        if not path.startswith(prefix):
            continue
        try:
            fetch(path, download=download, progress=False)
            rows.append(dict(path=path, ok=True, error=""))
        except DataFileError as err:
            rows.append(dict(path=path, ok=False, error=str(err)))
    return pd.DataFrame(rows, columns=["path", "ok", "error"])
