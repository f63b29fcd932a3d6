"""Topology of population activity: persistent homology with ``ripser``.

A grid module's population activity lies on a (twisted) torus: one connected
component, two independent loops, one enclosed cavity — Betti numbers (1, 2, 1)
(Gardner et al. 2022). We compute Vietoris–Rips persistence on a small, evenly spread
subsample of the population vectors and count bars that outlive a null.

Two nulls: ``"permutation"`` shuffles each unit independently across points (keeps every
unit's rate distribution, destroys the joint structure); ``"circular"`` shifts each
unit's time series by its own random lag (Gardner et al. 2022's shuffle for spike
trains): it keeps every unit's temporal autocorrelation and, along a trajectory, its
spatial smoothness, and destroys only the alignment between units — the structure an
attractor would impose. Use ``"circular"`` on time-binned activity
(:func:`time_binned`), where a permutation null is far too easy to beat.

Cost: ``ripser`` with ``maxdim=2`` grows steeply with the number of points (≈ 1 s for
200 points, 13 s for 300 on a loaded 2-core machine); keep ``n_points`` ≤ ~200 in CI.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Topology:
    """Persistence of one point cloud.

    diagrams: tuple of (bars, 2) arrays (birth, death) for H0 … H_maxdim (inf deaths kept).
    lifetimes: tuple of descending finite lifetimes per dimension (H0's infinite bar
        excluded).
    thresholds: (maxdim + 1,) lifetime a bar must exceed to count (the longest bar of the
        shuffled null per dimension, times ``margin``).
    betti: tuple of counted bars per dimension (H0 counts the infinite bar).
    n_points: points used.
    """

    diagrams: tuple
    lifetimes: tuple
    thresholds: np.ndarray
    betti: tuple
    n_points: int

    @property
    def is_torus(self) -> bool:
        """Betti numbers (1, 2, 1): needs maxdim ≥ 2."""
        return len(self.betti) >= 3 and tuple(self.betti[:3]) == (1, 2, 1)

    @property
    def has_two_loops(self) -> bool:
        """The cheaper (maxdim = 1) proxy: one component and exactly two long H1 bars."""
        return len(self.betti) >= 2 and tuple(self.betti[:2]) == (1, 2)


def time_binned(signal, dt: float, bin_width: float = 0.1, smooth: float = 1.0) -> np.ndarray:
    """Population activity in time bins: (bins, units) mean rate per bin, smoothed in time.

    ``signal`` (T, units) sampled every ``dt`` s — rates, or spike counts divided by
    ``dt`` — is averaged over consecutive bins of ``bin_width`` s (the remainder at the
    end is dropped) and filtered along time by a Gaussian of s.d. ``smooth`` bins (0 =
    none). This is the input of the topology of *dynamics* (Gardner et al. 2022 bin
    spikes in time rather than averaging rate maps over space).
    """
    from scipy import ndimage

    from bothways._validation import as_matrix, check_number

    sig = as_matrix(signal, "signal", what="(time, units)")
    dt = check_number(dt, "dt", low=0.0, low_open=True)
    bin_width = check_number(bin_width, "bin_width", low=dt)
    smooth = check_number(smooth, "smooth", low=0.0)
    k = int(round(bin_width / dt))
    n = len(sig) // k
    if n < 10:
        raise ValueError(f"only {n} time bins of {bin_width} s in {len(sig)} samples; need >= 10")
    out = sig[:n * k].reshape(n, k, -1).mean(1)
    return ndimage.gaussian_filter1d(out, smooth, axis=0, mode="nearest") if smooth > 0 else out


def farthest_point_sample(X, n: int, seed=0, metric: str = "euclidean") -> np.ndarray:
    """Indices of ``n`` points of ``X`` (points, dims) chosen greedily far apart.

    Starts at a random point; each next point maximises its distance to those chosen
    (a 2-approximation of the best covering). Evens out density before persistence.
    """
    X = np.asarray(X, float)
    if n >= len(X):
        return np.arange(len(X))
    Z = _prep(X, metric)
    rng = np.random.default_rng(seed)
    idx = [int(rng.integers(len(Z)))]
    d = _dist_to(Z, Z[idx[0]], metric)
    for _ in range(n - 1):
        j = int(np.argmax(d))
        idx.append(j)
        d = np.minimum(d, _dist_to(Z, Z[j], metric))
    return np.asarray(idx)


def _prep(X, metric):
    if metric == "cosine":
        nrm = np.linalg.norm(X, axis=1, keepdims=True)
        return X / np.where(nrm > 0, nrm, 1.0)
    return X


def _dist_to(Z, z, metric):
    if metric == "cosine":
        return 1.0 - Z @ z
    return np.linalg.norm(Z - z, axis=1)


def _pca(X, n_pca, whiten=False, min_rel_var=1e-2):
    """Top ``n_pca`` principal-component scores; ``whiten`` scales each to unit variance,
    keeping only components with at least ``min_rel_var`` × the variance of the first
    (so that numerically empty directions are not blown up)."""
    Xc = X - X.mean(0)
    u, s, _ = np.linalg.svd(Xc, full_matrices=False)
    k = len(s) if n_pca is None else min(n_pca, len(s))
    if whiten:
        k = max(1, min(k, int(np.sum(s**2 >= min_rel_var * s[0] ** 2))))
        return u[:, :k] * np.sqrt(len(X))
    return u[:, :k] * s[:k]


def _diagrams(X, maxdim, metric):
    from ripser import ripser

    return [np.asarray(d) for d in ripser(X, maxdim=maxdim, metric=metric)["dgms"]]


def _life(dgm):
    lt = dgm[:, 1] - dgm[:, 0]
    return np.sort(lt[np.isfinite(lt)])[::-1]


def population_topology(activity, maxdim: int = 2, n_points: int = 150, n_pca: int | None = 6,
                        metric: str = "euclidean", n_shuffles: int = 2, margin: float = 1.4,
                        whiten: bool = True, null: str = "permutation", min_shift: float = 0.1,
                        seed=0) -> Topology:
    """Persistent homology of population activity, with a shuffle null per dimension.

    Steps (after Gardner et al. 2022, simplified): z-score each unit, project onto the top
    ``n_pca`` principal components (denoising; None keeps all) and, with ``whiten``,
    give each component unit variance (components with < 1 % of the first one's variance
    are dropped) — a grid module sampled by a few dozen cells with random phases is a
    squashed torus whose short circle would otherwise hide in the null; choose ``n_points``
    points by :func:`farthest_point_sample`, compute Vietoris–Rips persistence with
    ``ripser`` up to ``maxdim``, and repeat on ``n_shuffles`` null copies (``null``:
    ``"permutation"``, every unit permuted independently across points; ``"circular"``,
    every unit's series rolled by its own lag, uniform in [``min_shift``, 1 −
    ``min_shift``] × the number of points — for time bins). A bar counts if it outlives
    ``margin`` × the longest bar of that dimension in any null copy.

    Parameters
    ----------
    activity : (points, units) array — population vectors (rate-map bins or time bins,
        in time order for ``null="circular"``).
    maxdim : top homology dimension (2 for the torus test; 1 is the cheap proxy).

    Returns
    -------
    :class:`Topology`.
    """
    A = np.asarray(activity, float)
    if A.ndim != 2:
        raise ValueError(f"activity must be (points, units), got shape {A.shape}")
    if not np.isfinite(A).all():
        raise ValueError("activity contains NaN/inf; drop unvisited bins first")
    if len(A) < 10 or A.shape[1] < 2:
        raise ValueError(f"need at least 10 points and 2 units, got {A.shape}")
    if maxdim not in (0, 1, 2):
        raise ValueError(f"maxdim must be 0, 1 or 2, got {maxdim}")
    if null not in ("permutation", "circular"):
        raise ValueError(f"null must be 'permutation' or 'circular', got {null!r}")
    if not 0 <= min_shift < 0.5:
        raise ValueError(f"min_shift must be in [0, 0.5), got {min_shift}")
    sd = A.std(0)
    if np.any(sd == 0):
        raise ValueError(f"{int((sd == 0).sum())} constant unit(s); remove them first")
    rng = np.random.default_rng(seed)
    Z = (A - A.mean(0)) / sd

    def cloud(M, s):
        P = _pca(M, n_pca, whiten)
        P = P / np.sqrt((P**2).sum(1).mean())  # unit RMS radius: data and null on one scale
        return P[farthest_point_sample(P, n_points, seed=s, metric=metric)]

    dg = _diagrams(cloud(Z, rng.integers(2**31)), maxdim, metric)
    null_max = np.zeros(maxdim + 1)
    for _ in range(n_shuffles):
        if null == "permutation":
            Zs = np.column_stack([rng.permutation(col) for col in Z.T])
        else:
            lo = int(min_shift * len(Z))
            lags = rng.integers(lo, max(len(Z) - lo, lo + 1), Z.shape[1])
            Zs = np.column_stack([np.roll(col, lag) for col, lag in zip(Z.T, lags)])
        for k, d in enumerate(_diagrams(cloud(Zs, rng.integers(2**31)), maxdim, metric)):
            lt = _life(d)
            null_max[k] = max(null_max[k], lt[0] if len(lt) else 0.0)
    thr = margin * null_max
    lifetimes = tuple(_life(d) for d in dg)
    betti = tuple(int(np.sum(lt > t)) + (1 if k == 0 else 0) for k, (lt, t) in enumerate(zip(lifetimes, thr)))
    return Topology(tuple(dg), lifetimes, thr, betti, int(min(n_points, len(A))))
