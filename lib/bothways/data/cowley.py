"""Macaque V4 responses to natural images (Cowley, Stan, Pillow & Smith 2023).

Utah-array spike counts in a 100 ms window, one image per fixation, three monkeys
(WE, PE, RA); 112 x 112 RGB images. Files come through :func:`bothways.data.fetch`.
:func:`load_cowley_session` returns a :class:`~bothways.data.recording.Recording`
(stimuli first): ``mean`` (stimuli, neurons) and, for session 210325, ``trials``
(stimuli, neurons, repeats) NaN-padded.
"""
from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from .files import fetch
from .recording import RECORDED, Recording

__all__ = ["SESSIONS", "SharedImages", "load_cowley_session", "load_images",
           "shared_images", "image_hashes", "image_set_hash"]

#: Recording sessions here: session -> (monkey, neurons, images).
SESSIONS = {
    190923: ("WE", 33, 1200),
    201025: ("PE", 89, 1200),
    210225: ("PE", 55, 1200),
    210322: ("PE", 59, 1200),
    210325: ("PE", 50, 640),
    210621: ("RA", 51, 1200),
}
_ROOT = "cowley2023_v4"


def _session(session) -> int:
    try:
        s = int(session)
    except (TypeError, ValueError):
        raise ValueError(f"session must be one of {sorted(SESSIONS)}, got {session!r}") from None
    if s not in SESSIONS:
        raise ValueError(f"no recordings for session {session!r} here; known sessions: {sorted(SESSIONS)}")
    return s


def _natural_key(name: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name.rsplit("/", 1)[-1])]


@lru_cache(maxsize=8)
def _load_images_cached(session: int) -> np.ndarray:
    from PIL import Image

    path = fetch(f"{_ROOT}/images/images_{session}.zip")
    with zipfile.ZipFile(path) as z:
        names = sorted((n for n in z.namelist() if n.lower().endswith((".jpg", ".jpeg", ".png"))),
                       key=_natural_key)
        imgs = np.stack([np.asarray(Image.open(io.BytesIO(z.read(n))).convert("RGB")) for n in names])
    if imgs.shape[1:] != (112, 112, 3):
        raise ValueError(f"images of session {session} have shape {imgs.shape[1:]}, expected (112, 112, 3)")
    imgs.setflags(write=False)
    return imgs


def load_images(session) -> np.ndarray:
    """Images of one session, (stimuli, 112, 112, 3) uint8, in response order.

    Read straight from the zip (sorted by file name; session 190923 keeps them in a
    sub-folder). The array is cached in memory and read-only; copy it to modify.
    """
    return _load_images_cached(_session(session))


def load_cowley_session(session, images: bool = True) -> Recording:
    """Load one V4 session (Cowley et al. 2023) as a :class:`~bothways.data.recording.Recording`.

    ``mean`` is the file's (neurons, images) repeat-averaged array transposed to
    (stimuli, neurons), spike counts per 100 ms; ``trials`` (session 210325 only — the
    other sessions are published as averages) is (stimuli, neurons, repeats),
    NaN-padded, and its average equals the published one. ``images``: (stimuli, 112,
    112, 3) uint8 in response order (``images=False`` skips decoding the JPEGs:
    ``images`` is then ``None``). ``info`` holds ``session`` and ``monkey``; the
    ``neurons`` table has ``session``, ``monkey`` and ``neuron`` (column of the file).
    """
    s = _session(session)
    monkey, n_neurons, n_images = SESSIONS[s]
    resp = np.load(fetch(f"{_ROOT}/responses_repeat_averaged/responses_{s}.npy")).T
    if resp.shape != (n_images, n_neurons):
        raise ValueError(f"responses of session {s} have shape {resp.shape}, expected {(n_images, n_neurons)}")
    trials = None
    if s == 210325:
        trials = np.load(fetch(f"{_ROOT}/responses_raw/responses_{s}.npy")).transpose(1, 0, 2)
    imgs = load_images(s) if images else None
    if images and len(imgs) != n_images:
        raise ValueError(f"session {s}: {len(imgs)} images but {n_images} response columns")
    neurons = pd.DataFrame({"session": s, "monkey": monkey, "neuron": np.arange(n_neurons)})
    return Recording(trials=trials, mean=None if trials is not None else resp, images=imgs, neurons=neurons,
                     kind=RECORDED, source=f"Cowley et al. 2023, V4 session {s} (monkey {monkey})",
                     citation="cowley2023", info=dict(session=s, monkey=monkey))


def image_hashes(images: np.ndarray) -> list[str]:
    """SHA-256 of each image's decoded pixels (``images``: (stimuli, H, W, C) uint8)."""
    images = np.ascontiguousarray(images)
    return [hashlib.sha256(im.tobytes()).hexdigest() for im in images]


def image_set_hash(images: np.ndarray) -> str:
    """One SHA-256 for a whole image set (pixels, shape and dtype): a cache key."""
    images = np.ascontiguousarray(images)
    h = hashlib.sha256(f"{images.shape}|{images.dtype}".encode())
    h.update(images.tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class SharedImages:
    """Images shown in two sessions: ``images_a[index_a[i]]`` equals ``images_b[index_b[i]]``."""

    session_a: int
    session_b: int
    index_a: np.ndarray
    index_b: np.ndarray

    def __len__(self) -> int:
        return len(self.index_a)


def shared_images(session_a, session_b) -> SharedImages:
    """Find the images two sessions share, matched by a hash of the decoded pixels.

    Returns every matching pair, sorted by ``index_a`` then ``index_b``. Sessions 210322
    and 210325 (monkey PE) share 600 images; no image is shared across monkeys. An
    image shown twice within one session (session 210621 has two such duplicates)
    yields one pair per occurrence.
    """
    a, b = _session(session_a), _session(session_b)
    ha, hb = image_hashes(load_images(a)), image_hashes(load_images(b))
    pos_b: dict[str, list[int]] = {}
    for j, h in enumerate(hb):
        pos_b.setdefault(h, []).append(j)
    pairs = [(i, j) for i, h in enumerate(ha) for j in pos_b.get(h, ())]
    ia = np.array([p[0] for p in pairs], dtype=np.int64)
    ib = np.array([p[1] for p in pairs], dtype=np.int64)
    return SharedImages(a, b, ia, ib)
