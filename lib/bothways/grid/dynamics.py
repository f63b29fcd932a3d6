"""Dynamical Similarity Analysis (DSA; Ostrow et al. 2023), a faithful numpy/torch version.

Geometry (regression, RSA, CKA) compares *where* population states lie; DSA compares
*how they move*. For each system:

1. **Delay embedding** (Hankel matrix) of its (time, units) activity, ``n_delays``
   copies lagged by ``delay_interval`` samples (:func:`delay_embed`).
2. **HAVOK DMD**: SVD of the Hankel matrix, H = U S Vᵀ; a linear map A (rank × rank)
   is fitted by least squares on the first ``rank`` temporal modes,
   V[t+1] ≈ A V[t] (:func:`havok_dmd`; the ``DSA.DMD`` of the ``dsa-metric`` package).
3. **Procrustes over vector fields**: the distance between two systems' matrices A, B
   (each scaled to unit Frobenius norm) is minimised over orthogonal changes of basis,
   d = min_{C ∈ O(n)} ∠(A, C B Cᵀ), the angle arccos(⟨A, C B Cᵀ⟩_F) in radians
   (:func:`procrustes_vector_fields`; ``score_method="angular"`` of
   ``DSA.SimilarityTransformDist``). The optimisation runs by L-BFGS over C = C₀·exp(S),
   S skew-symmetric, from the identity, a reflection (the other component of O(n)) and
   random rotations; the best optimum is kept.

The distance is invariant to any rotation of either system's coordinates, so a system
compared with a rotated copy of itself scores ≈ 0 (the chapter's control). It compares
the *linearised* dynamics of the embedded activity — for systems driven by the same
trajectory, that includes the trajectory's own statistics.

Tested against the ``dsa-metric`` package (Ostrow's reference implementation) on small
cases in ``tests/test_grid_dynamics.py``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def _series(X, name):
    from bothways._validation import as_matrix

    return as_matrix(X, name, what="(time, units)", min_rows=3)


def delay_embed(X, n_delays: int, delay_interval: int = 1) -> np.ndarray:
    """Hankel (delay) embedding: row t is [x(t + (d−1)τ), …, x(t + τ), x(t)], τ = ``delay_interval``.

    (time, units) → (time − (n_delays − 1)·τ, units·n_delays); the ordering of the
    blocks follows the ``dsa-metric`` package (most recent sample first).
    """
    X = _series(X, "X")
    from bothways._validation import check_int

    d, tau = check_int(n_delays, "n_delays", minimum=1), check_int(delay_interval, "delay_interval", minimum=1)
    T = len(X) - (d - 1) * tau
    if T < 2:
        raise ValueError(f"{len(X)} samples are too few for {d} delays of {tau}")
    return np.hstack([X[(d - 1 - k) * tau:(d - 1 - k) * tau + T] for k in range(d)])


def havok_dmd(X, n_delays: int = 5, rank: int = 10, delay_interval: int = 1, lamb: float = 0.0) -> np.ndarray:
    """HAVOK dynamic mode decomposition: the (rank, rank) linear map of the top temporal modes.

    H = delay_embed(X) = V S Uᵀ (V: time × modes). With V₋ = V[:-1, :rank] and
    V₊ = V[1:, :rank], A = argmin ‖V₊ − V₋ Aᵀ‖² + ``lamb``·‖A‖², so V[t+1] ≈ A V[t].
    """
    H = delay_embed(X, n_delays, delay_interval)
    from bothways._validation import check_int

    r = check_int(rank, "rank", minimum=1, maximum=min(H.shape))
    V = np.linalg.svd(H, full_matrices=False)[0][:, :r]
    Vm, Vp = V[:-1], V[1:]
    G = Vm.T @ Vm + lamb * np.eye(r)
    return np.linalg.solve(G, Vm.T @ Vp).T


def _angle(A, B):
    c = np.sum(A * B) / (np.linalg.norm(A) * np.linalg.norm(B))
    return float(np.arccos(np.clip(c, -1.0, 1.0)))


def procrustes_vector_fields(A, B, n_restarts: int = 3, seed=0, max_iter: int = 100) -> tuple[float, np.ndarray]:
    """Angular Procrustes distance between two dynamics matrices, minimised over O(n).

    d(A, B) = min_C arccos(⟨Â, C B̂ Cᵀ⟩_F), Â = A/‖A‖, B̂ = B/‖B‖, C orthogonal — the
    similarity-transform distance of Ostrow et al. (2023). Minimising ‖Â − C B̂ Cᵀ‖_F
    is the same problem (their loss); we run L-BFGS (torch, float64) over C = C₀·exp(S)
    from C₀ = identity, a reflection, and ``n_restarts`` random rotations, and keep the
    best. Returns (distance in radians ∈ [0, π], the optimal C).
    """
    import torch

    A = np.asarray(A, float)
    B = np.asarray(B, float)
    if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape != B.shape:
        raise ValueError(f"A and B must be square and of one shape, got {A.shape} and {B.shape}")
    if not (np.isfinite(A).all() and np.isfinite(B).all()):
        raise ValueError("A and B must be finite")
    if np.linalg.norm(A) == 0 or np.linalg.norm(B) == 0:
        raise ValueError("A and B must be non-zero")
    n = len(A)
    rng = np.random.default_rng(seed)
    At = torch.as_tensor(A / np.linalg.norm(A), dtype=torch.float64)
    Bt = torch.as_tensor(B / np.linalg.norm(B), dtype=torch.float64)
    starts = [np.eye(n), np.diag(np.r_[-1.0, np.ones(n - 1)])]
    for _ in range(n_restarts):
        q, r = np.linalg.qr(rng.standard_normal((n, n)))
        starts.append(q * np.sign(np.diag(r)))
    best, best_C = np.inf, None
    iu = np.triu_indices(n, 1)
    for C0 in starts:
        C0t = torch.as_tensor(C0, dtype=torch.float64)
        p = torch.zeros(len(iu[0]), dtype=torch.float64, requires_grad=True)
        opt = torch.optim.LBFGS([p], max_iter=max_iter, tolerance_grad=1e-10, tolerance_change=1e-12,
                                line_search_fn="strong_wolfe")

        def C_of(p):
            S = torch.zeros(n, n, dtype=torch.float64)
            S[iu] = p
            return C0t @ torch.linalg.matrix_exp(S - S.T)

        def closure():
            opt.zero_grad()
            C = C_of(p)
            loss = ((At - C @ Bt @ C.T) ** 2).sum()
            loss.backward()
            return loss

        opt.step(closure)
        with torch.no_grad():
            C = C_of(p).numpy()
        d = _angle(A, C @ B @ C.T)
        if d < best:
            best, best_C = d, C
    return best, best_C


@dataclass(frozen=True)
class DSAResult:
    """A DSA distance: ``distance`` (radians), the two DMD matrices and the optimal C."""

    distance: float
    A: np.ndarray
    B: np.ndarray
    C: np.ndarray


def _reduce(X, n_pca):
    """Centre, scale to unit total variance, keep the top ``n_pca`` PCs (rotation-equivariant)."""
    X = X - X.mean(0)
    X = X / max(np.sqrt((X**2).sum(1).mean()), 1e-300)
    if n_pca is None or n_pca >= X.shape[1]:
        return X
    u, s, _ = np.linalg.svd(X, full_matrices=False)
    return u[:, :n_pca] * s[:n_pca]


def dsa(X, Y, n_delays: int = 5, rank: int = 10, n_pca: int | None = 10, delay_interval: int = 1,
        n_restarts: int = 3, seed=0) -> DSAResult:
    """DSA distance between two systems' activity X (time, units) and Y (time', units').

    Each system is centred, scaled to unit total variance and reduced to its top
    ``n_pca`` principal components (None: keep all; every step commutes with a rotation
    of the units, so the distance stays rotation-invariant — per-unit z-scoring would
    not), embedded with ``n_delays`` delays, fitted by
    :func:`havok_dmd` at ``rank``, and compared by :func:`procrustes_vector_fields`.
    Units may differ between the systems; time steps should be of the same length.
    """
    X, Y = _series(X, "X"), _series(Y, "Y")
    A = havok_dmd(_reduce(X, n_pca), n_delays, rank, delay_interval)
    B = havok_dmd(_reduce(Y, n_pca), n_delays, rank, delay_interval)
    d, C = procrustes_vector_fields(A, B, n_restarts=n_restarts, seed=seed)
    return DSAResult(d, A, B, C)
