"""Cross-validated ridge regression: the only regression engine of the project.

:func:`cv_ridge` fits ridge regression (Hoerl & Kennard 1970) from ``X`` (stimuli ×
features) to every column of ``Y`` (stimuli × targets) in K-fold cross-validation,
chooses the ridge penalty per target **inside each training fold** and returns
held-out predictions for every stimulus with per-target Pearson r and R².
Inner criteria: exact leave-one-out squared error (PRESS, Allen 1974; computed from
one eigendecomposition as in Rifkin & Lippert 2007 and scikit-learn's ``RidgeCV``) or
generalised cross-validation (Golub, Heath & Wahba 1979).

Algorithm (one decomposition per fold, many alphas, many targets):

- The Gram is formed once for all folds: ``X Xᵀ`` (dual) when features ≥ training
  stimuli, else ``XᵀX`` and ``XᵀY`` (primal). Each fold takes its block, centres it
  algebraically with training-fold means only, and takes one ``eigh`` of the smaller
  Gram. Every alpha is then a diagonal rescaling ``1/(λ+α)`` and every target one
  matmul, multiplied as ``(X_test V) diag(f) (Vᵀ XᵀY)`` (never ``V diag(f) Uᵀ``).
- When the number of predictors is smaller than the test fold (the reverse
  direction), the held-out scores of all alphas come from k-space moments
  (``AᵀA``, ``AᵀY``) instead of materialising test × targets × alphas predictions;
  with many more targets than predictors, the LOO errors of all alphas likewise come
  from moments (``Uᵀ diag(w_a) Y``) instead of residual matrices.
- Targets are processed in chunks to bound memory (see :func:`cv_ridge`).
- Precision: negative eigenvalues are clamped to 0; in the dual with an intercept the
  constant direction (an exact null vector of the centred Gram) is removed instead of
  being divided by a tiny alpha; scores are accumulated in float64 around the target
  means. float32 agrees with float64 at the selected alphas (tests: ≤ 1e-4 in R²);
  at alphas far below the rounding level of the Gram's eigenvalues it drifts — use
  float64 there.

On CPU the work is done with numpy/scipy (OpenBLAS uses ``syrk`` for the Gram and
scipy's ``evd`` was faster than torch's CPU ``eigh`` here); on CUDA/MPS with torch.
See ``book/performance.md`` for measured speed against scikit-learn and himalaya.
"""
from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.linalg  # imported eagerly so that threadpoolctl limits reach scipy's BLAS

from bothways._validation import as_matrix, check_folds, check_int
from bothways.config import default_alphas, get_device

__all__ = ["RidgeResult", "AlphaPath", "RidgeFit", "cv_ridge", "alpha_path",
           "kfold_indices", "check_folds", "fit_ridge", "RidgeCV"]

#: Default bound on the temporary memory of one target chunk, in bytes.
CHUNK_BYTES = 256 * 2**20


# --------------------------------------------------------------------------- results
@dataclass(frozen=True, eq=False)
class RidgeResult:
    """Result of :func:`cv_ridge` (all numpy).

    Attributes
    ----------
    predictions : (n_stimuli, n_targets) held-out predictions; NaN for stimuli in no
        test fold (possible only with user-given ``folds``).
    best_alpha : (n_folds, n_targets) alpha used for each target in each fold
        (absolute value, i.e. after scaling a relative grid).
    r, r2 : (n_targets,) Pearson r and R² (``1 - SSE/SST``, SST around the mean of the
        predicted stimuli) over all held-out predictions pooled. NaN for constant
        targets; r is also NaN where the predictions are constant.
    alphas : (n_folds, n_alphas) the absolute grid searched in each fold.
    alpha_on_edge : (n_targets,) True where the chosen alpha was the smallest or the
        largest of the grid in at least one fold (widen the grid). False for a fixed
        alpha.
    constant_targets : indices of targets that are constant over the predicted
        stimuli (their r and R² are NaN).
    predicted : (n_stimuli,) bool, stimuli that are in a test fold.
    folds : tuple of (train_idx, test_idx) pairs that were used.
    r2_per_alpha, r_per_alpha : (n_alphas, n_targets) or None. Held-out R² / r of every
        alpha of the grid (pooled over folds, grid position k in every fold).
        **Optimistic**: picking the best row peeks at the test folds. Only with
        ``score_all_alphas=True``.
    coef : (n_folds, n_features, n_targets) or None; intercept : (n_folds, n_targets)
        or None. Fitted weights per fold, only with ``return_weights=True``.
    inner : the alpha-selection criterion ("loo", "gcv" or "fixed").
    device, dtype : where and in which precision the work ran.
    """

    predictions: np.ndarray
    best_alpha: np.ndarray
    r: np.ndarray
    r2: np.ndarray
    alphas: np.ndarray
    alpha_on_edge: np.ndarray
    constant_targets: np.ndarray
    predicted: np.ndarray
    folds: tuple = field(repr=False)
    r2_per_alpha: np.ndarray | None = None
    r_per_alpha: np.ndarray | None = None
    coef: np.ndarray | None = field(default=None, repr=False)
    intercept: np.ndarray | None = field(default=None, repr=False)
    inner: str = "loo"
    device: str = "cpu"
    dtype: str = "float64"


@dataclass(frozen=True, eq=False)
class AlphaPath:
    """Held-out R² and r of every alpha (:func:`alpha_path`). **Optimistic**.

    ``r2_per_alpha`` and ``r_per_alpha`` are (n_alphas, n_targets), pooled over folds;
    ``alphas`` is (n_folds, n_alphas). Choosing the alpha with the best held-out score
    uses the test folds for selection and overestimates predictivity; use it only to
    show how large that optimism is.
    """

    r2_per_alpha: np.ndarray
    r_per_alpha: np.ndarray
    alphas: np.ndarray
    constant_targets: np.ndarray
    folds: tuple = field(repr=False)
    optimistic: bool = True


# --------------------------------------------------------------------------- folds
def kfold_indices(n, n_folds=5, seed=0, groups=None):
    """Shuffled K-fold splits of ``n`` stimuli, reproducible from ``seed``.

    Parameters
    ----------
    n : number of stimuli.
    n_folds : number of folds (≥ 2, ≤ n, or ≤ the number of groups).
    seed : int or ``numpy.random.Generator``.
    groups : optional (n,) labels; all stimuli of a group land in the same test fold
        (e.g. all views of one object). Groups are shuffled, then each is put into the
        fold with the fewest stimuli so far.

    Returns
    -------
    list of ``(train_idx, test_idx)`` pairs of sorted int64 arrays; every stimulus is
    in exactly one test fold.
    """
    check_int(n, "n", minimum=1)
    check_int(n_folds, "n_folds", minimum=2)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if groups is None:
        if n < n_folds:
            raise ValueError(f"fewer stimuli ({n}) than folds ({n_folds})")
        fold_of = np.empty(n, dtype=np.int64)
        for k, chunk in enumerate(np.array_split(rng.permutation(n), n_folds)):
            fold_of[chunk] = k
    else:
        groups = np.asarray(groups)
        if groups.shape != (n,):
            raise ValueError(f"groups must have shape ({n},), got {groups.shape}")
        labels, inverse = np.unique(groups, return_inverse=True)
        if len(labels) < n_folds:
            raise ValueError(f"fewer groups ({len(labels)}) than folds ({n_folds})")
        sizes = np.bincount(inverse, minlength=len(labels))
        fold_size = np.zeros(n_folds, dtype=np.int64)
        group_fold = np.empty(len(labels), dtype=np.int64)
        for g in rng.permutation(len(labels)):
            k = int(np.argmin(fold_size))
            group_fold[g] = k
            fold_size[k] += sizes[g]
        fold_of = group_fold[inverse]
    idx = np.arange(n)
    return [(idx[fold_of != k], idx[fold_of == k]) for k in range(n_folds)]


# --------------------------------------------------------------------------- validation
def _check_alphas(alphas):
    """-> (grid as 1-D float64 array, fixed: bool)."""
    if alphas is None:
        return np.asarray(default_alphas(), dtype=np.float64), False
    if isinstance(alphas, bool):
        raise TypeError("alphas must be a positive number or a sequence of them, got a bool")
    if isinstance(alphas, numbers.Real) or (isinstance(alphas, np.ndarray) and alphas.ndim == 0):
        a = np.asarray([float(alphas)])
        fixed = True
    else:
        try:
            a = np.asarray(alphas, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(f"alphas must be a positive number or a sequence of them, got {alphas!r}") from None
        if a.ndim != 1 or a.size == 0:
            raise ValueError(f"alphas must be a non-empty 1-D grid, got shape {a.shape}")
        fixed = False
    if not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"alphas must be finite and > 0, got {alphas!r}")
    return a, fixed


def _resolve_dtype(dtype, dev):
    if dtype is None:
        return np.float64 if dev.type == "cpu" else np.float32
    name = str(dtype).replace("torch.", "")
    if isinstance(dtype, type) and issubclass(dtype, np.floating):
        name = np.dtype(dtype).name
    if name not in ("float32", "float64"):
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    if name == "float64" and dev.type == "mps":
        raise ValueError("float64 is not supported on MPS; use dtype='float32'")
    return np.dtype(name).type


# --------------------------------------------------------------------------- backends
class _NumpyOps:
    """numpy/scipy on CPU."""

    def __init__(self, dtype):
        self.dtype = dtype

    def asarray(self, a):
        return np.ascontiguousarray(a, dtype=self.dtype)

    def idx(self, i):
        return np.asarray(i)

    def numpy(self, a):
        return np.asarray(a)

    def take2(self, K, rows, cols):
        return K[np.ix_(rows, cols)]

    def empty(self, shape):
        return np.empty(shape, dtype=self.dtype)

    def einsum(self, spec, *ops):
        return np.einsum(spec, *ops)

    def eigh(self, A):
        lam, Q = scipy.linalg.eigh(A, driver="evd", check_finite=False, overwrite_a=True)
        return np.maximum(lam, 0, out=lam), Q


class _TorchOps:
    """torch on CUDA/MPS (TF32 off: too coarse for a Gram)."""

    def __init__(self, dtype, dev):
        import torch

        self.torch, self.dev = torch, dev
        self.dtype = {np.float32: torch.float32, np.float64: torch.float64}[dtype]
        if dev.type == "cuda":
            torch.backends.cuda.matmul.allow_tf32 = False

    def asarray(self, a):
        return self.torch.as_tensor(np.ascontiguousarray(a), dtype=self.dtype, device=self.dev)

    def idx(self, i):
        return self.torch.as_tensor(np.asarray(i, dtype=np.int64), device=self.dev)

    def numpy(self, a):
        return a.detach().cpu().numpy()

    def take2(self, K, rows, cols):
        return K.index_select(0, rows).index_select(1, cols)

    def empty(self, shape):
        return self.torch.empty(shape, dtype=self.dtype, device=self.dev)

    def einsum(self, spec, *ops):
        return self.torch.einsum(spec, *ops)

    def eigh(self, A):
        if self.dev.type == "mps":  # no eigh kernel on MPS: do it on the CPU
            lam, Q = self.torch.linalg.eigh(A.cpu())
            lam, Q = lam.to(self.dev), Q.to(self.dev)
        else:
            lam, Q = self.torch.linalg.eigh(A)
        return lam.clamp_(min=0), Q


# --------------------------------------------------------------------------- engine
@dataclass(eq=False, slots=True)
class _Run:
    """What every fold of one call shares: the device arrays, the Gram, the options.

    ``X`` is the (pre-centred) device copy of X in the primal, ``None`` in the dual
    (only the Gram ``K = X Xᵀ`` is kept there); ``X_host`` the validated host array;
    ``K`` the Gram (dual: n × n; primal: ``XᵀX``, p × p); ``XY`` the primal ``XᵀY``
    when the folds are complementary (else computed per fold); ``offset`` the target
    means around which scores are accumulated (device copy). With an intercept ``Y`` is
    the device copy of the targets minus ``shift`` (= ``offset``; ``None`` without an
    intercept), so training means are small and a fold never needs a centred copy of
    its training rows; in the primal with complementary folds ``S1``/``S2`` hold the
    column sums of ``Y`` and ``Y²``, from which each fold's training sums follow by
    subtracting its test rows.
    """

    ops: object
    X: object | None
    X_host: np.ndarray
    Y: object
    K: object
    XY: object | None
    dual: bool
    complement: bool
    fit_intercept: bool
    select: bool
    inner: str
    per_alpha: bool
    n_targets: int
    offset: object
    shift: object = None
    S1: object = None
    S2: object = None


@dataclass(eq=False, slots=True)
class _Fold:
    """One fold: its decomposition (:func:`_decompose`) and, once alphas are known,
    the per-alpha factors (:func:`_prepare_alphas`).

    Always: ``m`` training stimuli, device indices ``tr_i``/``te_i``, ``n_te``, the
    centred training Gram's ``trace``, eigenvalues ``lam`` and the test projection
    ``A`` (n_test, k). Dual: eigenvectors ``Q`` (m, k) and ``s1 = Qᵀ1``. Primal:
    eigenvectors ``V`` (p, k), ``U = X_train V``, the raw blocks ``Xtr_raw``/``Xte_raw``,
    ``sXte`` (column sums of the test block) and ``mu`` (training mean of X).
    Per alpha: the grid ``alphas`` (host and device), ``F = 1/(λ+α)`` (k, a), the LOO
    weights (``invdg2`` dual, ``W`` primal) and, with many targets, the k-space
    moments ``G``/``Mt`` (``moment_loo``).
    """

    m: int
    tr_i: object
    te_i: object
    n_te: int
    trace: float = 0.0
    lam: object = None
    A: object = None
    Q: object = None
    s1: object = None
    V: object = None
    U: object = None
    Xtr_raw: object = None
    Xte_raw: object = None
    sXte: object = None
    mu: object = None
    alphas: np.ndarray | None = None
    alphas_dev: object = None
    F: object = None
    invdg2: object = None
    W: object = None
    moment_loo: bool = False
    G: object = None
    Mt: object = None


def _decompose(c, tr, te):
    """One fold: centred Gram block, its eigh, the test projection A (n_test, k)."""
    ops, m = c.ops, len(tr)
    tr_i, te_i = ops.idx(tr), ops.idx(te)
    d = _Fold(m=m, tr_i=tr_i, te_i=te_i, n_te=len(te))
    if c.dual:
        Ktr, Kte = ops.take2(c.K, tr_i, tr_i), ops.take2(c.K, te_i, tr_i)
        if c.fit_intercept:  # (I - 11ᵀ/m) K (I - 11ᵀ/m), and the test rows alike
            rm = Ktr.mean(1)
            g = rm.mean()
            Kte = Kte - Kte.mean(1)[:, None] - rm[None, :] + g
            Ktr -= rm[:, None]
            Ktr -= rm[None, :]
            Ktr += g
        d.trace = float(Ktr.diagonal().sum())
        d.lam, d.Q = ops.eigh(Ktr)
        d.A = Kte @ d.Q
        d.s1 = d.Q.sum(0) if c.fit_intercept else None
        return d
    Xtr, Xte = c.X[tr_i], c.X[te_i]
    C = c.K - Xte.T @ Xte if c.complement else Xtr.T @ Xtr
    d.Xte_raw, d.Xtr_raw, d.sXte, d.mu = Xte, Xtr, Xte.sum(0), None
    if c.fit_intercept:
        d.mu = Xtr.mean(0)
        C = C - m * (d.mu[:, None] * d.mu[None, :])
        Xtr, Xte = Xtr - d.mu, Xte - d.mu
    d.trace = float(C.diagonal().sum())
    d.lam, d.V = ops.eigh(C)
    d.A, d.U = Xte @ d.V, Xtr @ d.V
    return d


def _prepare_alphas(c, d, alphas):
    """Per fold: the diagonal factors F = 1/(λ+α) and the LOO weights of every alpha."""
    ops = c.ops
    d.alphas = alphas
    al = d.alphas_dev = ops.asarray(alphas)
    d.F = 1.0 / (d.lam[:, None] + al[None, :])                      # (k, a)
    if c.dual and c.fit_intercept:
        # The constant vector is an exact null eigenvector of the centred Gram: it
        # carries the (unpenalised) intercept, so remove it from every sum instead of
        # dividing rounding noise by a tiny alpha (what goes wrong in float32).
        d.F[int(abs(d.s1).argmax())] = 0
    d.moment_loo = False
    if not c.select or c.inner != "loo":
        return
    if c.dual:  # G = Q diag(F) Qᵀ (constant direction removed); LOO residual = (G y)_i / G_ii
        d.invdg2 = (((d.Q ** 2) @ d.F) ** -2).T                     # (a, m)
        return
    h = (d.U ** 2) @ d.F                                            # leverages (m, a)
    if c.fit_intercept:
        h += 1.0 / d.m
    d.W = ((1 - h) ** -2).T                                         # (a, m)
    p = d.U.shape[1]
    if c.n_targets > 2 * p:  # many targets: score LOO from k-space moments
        d.moment_loo = True
        Mt = d.W[:, None, :] * d.U.T[None, :, :]                    # (a, p, m)
        d.G = Mt @ d.U                                               # Uᵀ diag(w_a) U
        d.Mt = Mt.reshape(-1, d.m)


def _fb(d, B):
    """diag(F_a) B for every alpha, laid out (k, a, t) so that one GEMM serves all."""
    return d.F[:, :, None] * B[:, None, :]


def _mm(A, FB):
    """A @ FB for FB of shape (k, a, t): one 2-D GEMM, result (rows, a, t)."""
    k, a, t = FB.shape
    return (A @ FB.reshape(k, a * t)).reshape(A.shape[0], a, t)


def _select(c, d, B, Yc, yy=None):
    """Inner-fold criterion (n_alphas, t): exact LOO mean squared error or GCV."""
    ops, m = c.ops, d.m
    FB = None if c.inner == "gcv" else _fb(d, B)                      # (k, a, t)
    if c.inner == "gcv":
        # m - trace(H) as a sum of non-negative terms (no cancellation in float32)
        resid_dof = (d.alphas_dev[None, :] * d.F).sum(0)
        if c.dual:
            rss = ((d.alphas_dev[:, None] * d.F.T) ** 2) @ (B ** 2)
        else:
            resid_dof = resid_dof + (m - int(c.fit_intercept) - d.U.shape[1])
            yy = (Yc ** 2).sum(0) if yy is None else yy
            rss = yy[None, :] - ((d.F.T * (2 - d.F.T * d.lam[None, :])) @ (B ** 2))
        rss = np.maximum(ops.numpy(rss).astype(np.float64), 0)
        err = rss * m / ops.numpy(resid_dof ** 2).astype(np.float64)[:, None]
    elif c.dual:
        Cm = _mm(d.Q, FB)                                            # LOO numerators (m, a, t)
        Cm **= 2
        err = ops.numpy(ops.einsum("ai,iat->at", d.invdg2, Cm)).astype(np.float64) / m
    elif d.moment_loo:
        p, a = FB.shape[0], FB.shape[1]
        FBa = FB.transpose(1, 0, 2) if isinstance(FB, np.ndarray) else FB.permute(1, 0, 2)
        T1 = d.W @ (Yc ** 2)
        T = (d.Mt @ Yc).reshape(a, p, -1)                            # Uᵀ diag(w_a) Y
        q = ops.einsum("apt,apt->at", (d.G @ FBa) - 2 * T, FBa)
        err = ops.numpy(T1 + q).astype(np.float64) / m
    else:
        R = _mm(d.U, FB)                                             # fitted (m, a, t)
        R -= Yc[:, None, :]
        R **= 2
        err = ops.numpy(ops.einsum("ai,iat->at", d.W, R)).astype(np.float64) / m
    err[~np.isfinite(err)] = np.inf
    return err, FB


def _chunk(c, d, cols):
    """Selection, held-out predictions and per-alpha moments for one target chunk.

    ``c.Y`` is shifted by ``c.shift`` (see :class:`_Run`): ``nu`` below is the training
    mean in shifted units and ``off`` the score offset in the same units (zero with an
    intercept). In the primal with complementary folds only the test rows of ``Y`` are
    read, except for exact LOO, which needs the training rows themselves.
    """
    ops, m = c.ops, d.m
    t, n_alpha = cols.stop - cols.start, len(d.alphas)
    need_loo = c.select and n_alpha > 1 and c.inner == "loo"
    Yc = None
    yy = None
    if c.dual:
        Ytr = c.Y[d.tr_i, cols]
        nu = Ytr.mean(0) if c.fit_intercept else None
        Yc = Ytr - nu if c.fit_intercept else Ytr
        B = d.Q.T @ Yc                                               # (m, t)
    else:
        Yte = c.Y[d.te_i, cols]
        XtYte = d.Xte_raw.T @ Yte
        if c.complement:
            str_ = c.S1[cols] - Yte.sum(0)                           # training sums
            nu = str_ / m if c.fit_intercept else None
            if c.S2 is not None:                                     # Σ_train (y - ν)², for GCV
                qtr = c.S2[cols] - (Yte * Yte).sum(0)
                yy = qtr - str_ * nu if c.fit_intercept else qtr
            XY = c.XY[:, cols] - XtYte
        else:
            Ytr = c.Y[d.tr_i, cols]
            nu = Ytr.mean(0) if c.fit_intercept else None
            XY = d.Xtr_raw.T @ Ytr
            Yc = Ytr - nu if c.fit_intercept else Ytr
            yy = (Yc * Yc).sum(0)
        if c.fit_intercept:
            XY = XY - m * (d.mu[:, None] * nu[None, :])
        B = d.V.T @ XY                                               # (p, t)
        if need_loo and Yc is None:
            Ytr = c.Y[d.tr_i, cols]
            Yc = Ytr - nu if c.fit_intercept else Ytr
    FB = None
    if c.select and n_alpha > 1:
        err, FB = _select(c, d, B, Yc, yy)
        best = np.argmin(err, axis=0)
    else:
        best = np.zeros(t, dtype=np.int64)
    if n_alpha == 1:
        pred = d.A @ (d.F[:, 0, None] * B)
    else:                                                            # F at each target's alpha
        pred = d.A @ (d.F[:, ops.idx(best)] * B)
    if c.fit_intercept:
        pred += nu
    mom = None
    if c.per_alpha:
        if FB is None:
            FB = _fb(d, B)
        off = c.offset[cols] - c.shift[cols] if c.shift is not None else c.offset[cols]
        o = ops.numpy(nu - off if c.fit_intercept else -off).astype(np.float64)
        if c.dual or d.A.shape[1] >= d.n_te:                        # materialise (a, n_te, t)
            Yte = c.Y[d.te_i, cols] - off
            P = _mm(d.A, FB)                                         # (n_te, a, t)
            s1 = P.sum(0)
            s2 = ops.einsum("iat,iat->at", P, P)
            sy = ops.einsum("iat,it->at", P, Yte)
        else:                                                        # k-space moments
            AtY = XtYte - d.sXte[:, None] * off[None, :]
            if c.fit_intercept:
                AtY = AtY - d.mu[:, None] * (Yte.sum(0) - d.n_te * off)[None, :]
            AtY = d.V.T @ AtY                                        # Aᵀ (Y_test - offset)
            s1 = _mm(d.A.sum(0)[None, :], FB)[0]
            s2 = ops.einsum("kat,kat->at", _mm(d.A.T @ d.A, FB), FB)
            sy = ops.einsum("kat,kt->at", FB, AtY)
            Yte = Yte.sum(0) - d.n_te * off                           # only its sum is needed
        s1, s2, sy = (ops.numpy(v).astype(np.float64) for v in (s1, s2, sy))
        syte = ops.numpy(Yte if Yte.ndim == 1 else Yte.sum(0)).astype(np.float64)
        n_te = d.n_te
        mom = np.stack([s1 + n_te * o, s2 + 2 * o * s1 + n_te * o ** 2, sy + o * syte])
    if c.shift is not None:
        pred += c.shift[cols]
    return ops.numpy(pred), best, mom, B


def _weights(c, d, B, best, tr):
    """Per-fold primal weights (p, t) at the chosen alphas and the training mean of X."""
    f = d.F[:, c.ops.idx(best)]
    ind = np.zeros(len(c.X_host))
    ind[tr] = 1.0 / len(tr)
    mu = ind @ c.X_host                                              # training mean of X
    if not c.dual:
        return c.ops.numpy(d.V @ (f * B)), mu
    # Xᵀ (dual coefficients) on the host, without copying the training rows of a wide X
    M = np.zeros((len(c.X_host), B.shape[1]))
    M[tr] = c.ops.numpy(d.Q @ (f * B))
    w = c.X_host.T @ M
    if c.fit_intercept:
        w -= mu[:, None] * M.sum(0)[None, :]
    return w, mu


def _moments(y, p):
    """Column sums Σy, Σy², Σp, Σp², Σyp in float64 without large temporaries."""
    f = np.float64
    return (y.sum(0, dtype=f), np.einsum("ij,ij->j", y, y, dtype=f), p.sum(0, dtype=f),
            np.einsum("ij,ij->j", p, p, dtype=f), np.einsum("ij,ij->j", y, p, dtype=f))


def _r_r2(N, sy, syy, sp, spp, syp):
    """Pearson r and R² = 1 - SSE/SST from moments (y and p shifted alike, near 0)."""
    sst = syy - sy ** 2 / N
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = 1 - np.maximum(syy - 2 * syp + spp, 0) / sst
        r = (syp - sy * sp / N) / np.sqrt(sst * np.maximum(spp - sp ** 2 / N, 0))
    return r, r2


def _run(X, Y, *, alphas, n_folds, folds, seed, fit_intercept, device, dtype, groups=None,
         inner="loo", score_all_alphas=False, return_weights=False, progress=None,
         relative_alphas=None, chunk_bytes=CHUNK_BYTES, select=True, backend=None, fit_all=False,
         cv=None):
    """The engine behind :func:`cv_ridge`, :func:`alpha_path` and :func:`fit_ridge`.

    ``fit_all``: one "fold" whose training set is every stimulus and whose test set is
    empty (:func:`fit_ridge`); ``select=False``: score every alpha, choose none
    (:func:`alpha_path`); ``cv``: a scikit-learn splitter whose ``split(X, Y, groups)``
    gives the folds.
    """
    X = as_matrix(X, "X", what="(stimuli × features)", dtype=None)
    Y = as_matrix(Y, "Y", what="(stimuli × targets)", expand_1d=True, dtype=None)
    n, p = X.shape
    if Y.shape[0] != n:
        raise ValueError(f"X and Y have different numbers of stimuli: {n} vs {Y.shape[0]}")
    grid, fixed = _check_alphas(alphas)
    if inner not in ("loo", "gcv"):
        raise ValueError(f"inner must be 'loo' or 'gcv', got {inner!r}")
    if relative_alphas is None:
        relative_alphas = alphas is None
    dev = get_device(device)
    dt = _resolve_dtype(dtype, dev)
    if cv is not None:
        if folds is not None:
            raise ValueError("give folds or cv, not both")
        if not callable(getattr(cv, "split", None)):
            raise TypeError(f"cv must be a scikit-learn splitter (with a split method, e.g. KFold(5)), "
                            f"got {type(cv).__name__}; for a number of folds use n_folds")
        folds = list(cv.split(X, Y, groups))
    if fit_all:
        folds = [(np.arange(n), np.arange(0))]
    elif folds is None:
        check_int(n_folds, "n_folds", minimum=2)
        if groups is None and n < n_folds:
            raise ValueError(f"fewer stimuli ({n}) than folds ({n_folds})")
        folds = kfold_indices(n, n_folds, seed, groups)
        for k, (tr, _) in enumerate(folds):
            if len(tr) < 2:
                raise ValueError(f"fold {k} has {len(tr)} training stimuli; at least 2 are needed")
    else:
        folds = check_folds(folds, n)
    n_f, t, n_alpha = len(folds), Y.shape[1], len(grid)
    predicted = np.zeros(n, dtype=bool)
    for _, te in folds:
        predicted[te] = True
    Yp = Y if predicted.all() else Y[predicted]
    constant = np.flatnonzero(Yp.max(0) == Yp.min(0)) if predicted.any() else np.arange(0)
    if constant.size:
        warnings.warn(f"{constant.size} constant target(s) (e.g. column {constant[0]}): "
                      "their r and R² are NaN (see result.constant_targets)", UserWarning,
                      stacklevel=3)
    if backend is None:
        backend = "numpy" if dev.type == "cpu" else "torch"
    if backend not in ("numpy", "torch") or (backend == "numpy" and dev.type != "cpu"):
        raise ValueError(f"backend must be 'numpy' (CPU only) or 'torch', got {backend!r} on {dev}")
    ops = _NumpyOps(dt) if backend == "numpy" else _TorchOps(dt, dev)
    offset = Yp.mean(0) if predicted.any() else np.zeros(t)   # scores are taken around it
    m_max = max(len(tr) for tr, _ in folds)
    te_max = max(len(te) for _, te in folds)
    dual = p >= m_max
    complement = all(len(tr) + len(te) == n for tr, te in folds)
    # X is pre-centred with its global mean: ridge with an intercept is invariant to
    # shifting columns, so this leaks nothing; it only avoids cancellation when the
    # per-fold Grams are centred algebraically. Y is centred per fold and chunk.
    x_shift = X.mean(0) if fit_intercept else None
    # Y is shifted by the score offset (with an intercept: leaks nothing, as for X), so
    # fold means are small and the primal folds work from column sums (see _Run).
    shift = offset if fit_intercept else None
    Yd = ops.asarray(Y - shift if fit_intercept else Y)
    if dual:  # the Gram in column blocks: no centred copy of a wide X is ever held
        Xd, K = None, None
        step = max(1, int(64 * 2**20 // (8 * n)))
        for s0 in range(0, p, step):
            xb = X[:, s0:s0 + step]
            xb = ops.asarray(xb - x_shift[s0:s0 + step] if fit_intercept else xb)
            kb = xb @ xb.T
            if K is None:
                K = kb
            else:
                K += kb
    else:
        Xd = ops.asarray(X - x_shift if fit_intercept else X)
        K = Xd.T @ Xd
    c = _Run(ops=ops, X=Xd, X_host=X, Y=Yd, K=K, XY=Xd.T @ Yd if (not dual and complement) else None,
             dual=dual, complement=complement, fit_intercept=fit_intercept, select=select and not fixed,
             inner=inner, per_alpha=score_all_alphas, n_targets=t, offset=ops.asarray(offset),
             shift=None if shift is None else ops.asarray(shift))
    if not dual and complement:
        c.S1 = Yd.sum(0)
        if c.select and inner == "gcv" and n_alpha > 1:
            c.S2 = (Yd * Yd).sum(0)
    itemsize = np.dtype(dt).itemsize
    per_target = itemsize * ((2 * n_alpha + 2) * max(m_max, p) + n_alpha * te_max)
    chunk = max(1, int(chunk_bytes // per_target))
    chunks = [slice(s, min(s + chunk, t)) for s in range(0, t, chunk)]
    k_max = min(m_max, p)
    work = (n * n * p if dual else n * p * (p + t)) + n_f * (10 * k_max ** 3 + n_alpha * m_max * k_max * t)
    show = work > 3e10 if progress is None else bool(progress)
    predictions = np.full((n, t), np.nan, dtype=dt)
    best_alpha = np.empty((n_f, t))
    grids = np.empty((n_f, n_alpha))
    edge = np.zeros(t, dtype=bool)
    mom = np.zeros((3, n_alpha, t)) if score_all_alphas else None
    coef = np.empty((n_f, p, t), dtype=dt) if return_weights else None
    intercept = np.empty((n_f, t)) if return_weights else None
    from tqdm.auto import tqdm

    with tqdm(total=n_f * len(chunks), desc="cv_ridge", disable=not show) as bar:
        for k, (tr, te) in enumerate(folds):
            d = _decompose(c, tr, te)
            scale = 1.0
            if relative_alphas:  # mean non-zero eigenvalue of the centred training Gram
                scale = d.trace / max(1, min(len(tr) - int(fit_intercept), p))
                scale = scale if scale > 0 else 1.0
            grids[k] = grid * scale
            _prepare_alphas(c, d, grids[k])
            for cols in chunks:
                pred, best, mo, B = _chunk(c, d, cols)
                predictions[te, cols] = pred
                best_alpha[k, cols] = grids[k][best]
                if c.select and n_alpha > 1:
                    edge[cols] |= (best == 0) | (best == n_alpha - 1)
                if mo is not None:
                    mom[:, :, cols] += mo
                if return_weights:
                    w, mu = _weights(c, d, B, best, tr)
                    coef[k][:, cols] = w
                    intercept[k, cols] = (Y[tr, cols].mean(0) - mu @ w) if fit_intercept else 0.0
                bar.update()
    r = r2 = np.full(t, np.nan)
    r2_pa = r_pa = None
    if predicted.any():
        # moments of y - offset and prediction - offset (no cancellation), in column chunks
        N = int(predicted.sum())
        sums = np.zeros((5, t))
        step = max(1, int(64 * 2**20 // (8 * N)))
        for s0 in range(0, t, step):
            cs = slice(s0, s0 + step)
            yb, pb = (A[:, cs] if predicted.all() else A[predicted, cs] for A in (Y, predictions))
            sums[:, cs] = _moments(yb - offset[cs], pb - offset[cs])
        r, r2 = _r_r2(N, *sums)
        if score_all_alphas:  # per-alpha moments were accumulated around the same offset
            r_pa, r2_pa = _r_r2(N, sums[0], sums[1], *mom)
            r2_pa[:, constant] = np.nan
            r_pa[:, constant] = np.nan
    r2[constant] = np.nan
    r[constant] = np.nan
    return RidgeResult(
        predictions=predictions, best_alpha=best_alpha, r=r, r2=r2, alphas=grids,
        alpha_on_edge=edge, constant_targets=constant, predicted=predicted,
        folds=tuple(folds), r2_per_alpha=r2_pa, r_per_alpha=r_pa, coef=coef,
        intercept=intercept, inner="fixed" if fixed else inner, device=str(dev),
        dtype=np.dtype(dt).name)


def cv_ridge(X, Y, alphas=None, n_folds=5, folds=None, seed=0, fit_intercept=True,
             device=None, dtype=None, *, cv=None, groups=None, inner="loo", score_all_alphas=False,
             return_weights=False, progress=None, relative_alphas=None,
             chunk_bytes=CHUNK_BYTES, backend=None) -> RidgeResult:
    """Cross-validated ridge regression from ``X`` to every column of ``Y``.

    Parameters
    ----------
    X : (n_stimuli, n_features) numpy array or torch tensor.
    Y : (n_stimuli, n_targets) (or (n_stimuli,), treated as one target).
    alphas : None, a positive number, or a 1-D grid of positive numbers.
        ``None``: ``bothways.config.default_alphas()`` (25 values over 12 decades)
        **relative** to the data: multiplied in each fold by the mean non-zero
        eigenvalue of the centred training Gram (``trace / min(m - 1, p)``).
        A number: that fixed alpha for every target, no selection.
        A grid: absolute values (pass ``relative_alphas=True`` to scale them).
    n_folds, seed : shuffled K-fold splits from :func:`kfold_indices`.
    folds : list of ``(train_idx, test_idx)`` pairs; overrides ``n_folds``/``seed``/
        ``groups``. Test sets must be disjoint; they need not cover every stimulus:
        stimuli in no test set get NaN predictions and r/R² are computed over the
        predicted stimuli only.
    cv : a scikit-learn cross-validation splitter instead of ``folds`` (e.g.
        ``KFold(10, shuffle=True, random_state=0)``, ``GroupKFold(5)`` with
        ``groups``); its ``split(X, Y, groups)`` gives the folds, validated as above.
    fit_intercept : centre X and Y with training-fold means (the test fold is never
        used for centring or for choosing alpha).
    device : None (CUDA, else MPS, else CPU), a string or ``torch.device``.
    dtype : float32 or float64; default float64 on CPU, float32 on GPU.
    groups : (n_stimuli,) labels kept together in one fold (ignored if ``folds``).
    inner : alpha selection inside each training fold: ``"loo"`` (exact
        leave-one-out squared error per target, the criterion of scikit-learn's
        ``RidgeCV(alpha_per_target=True)``) or ``"gcv"`` (generalised
        cross-validation, Golub, Heath & Wahba 1979; cheaper for many targets).
        Ties go to the first alpha of the grid.
    score_all_alphas : also return held-out ``r2_per_alpha``/``r_per_alpha``
        (optimistic; see :class:`RidgeResult`).
    return_weights : also return per-fold ``coef`` (n_folds, p, t) and ``intercept``.
    progress : None (a tqdm bar only for long runs), True or False.
    chunk_bytes : bound on the per-chunk temporaries; targets are processed in chunks
        of ``chunk_bytes / (((2 a + 2) max(m, p) + a n_test) · itemsize)`` (a = number
        of alphas).
    backend : None ("numpy" on CPU, "torch" on GPU), or "torch" to run the torch code
        on CPU too (torch's CPU GEMM/eigh were slower than numpy/scipy here).

    Memory: besides the inputs (copied once to the working dtype/device) and the
    (n_stimuli, n_targets) predictions, the peak holds the Gram (n² in the dual; p²
    and p × t in the primal), one fold's eigenvectors, test projection and training
    block (≈ 3 k² + (m + n_test) · k numbers, k = min(m, p)) and the target-chunk
    temporaries (≤ ``chunk_bytes``, 256 MiB by default).

    Returns
    -------
    :class:`RidgeResult`.

    Raises
    ------
    ValueError for NaN/inf, mismatched stimuli, fewer stimuli (or groups) than folds, a
    fold with < 2 training stimuli, non-positive alphas, an unknown device or dtype;
    TypeError for non-numeric input.
    """
    return _run(X, Y, alphas=alphas, n_folds=n_folds, folds=folds, seed=seed, fit_intercept=fit_intercept,
                device=device, dtype=dtype, cv=cv, groups=groups, inner=inner,
                score_all_alphas=score_all_alphas, return_weights=return_weights, progress=progress,
                relative_alphas=relative_alphas, chunk_bytes=chunk_bytes, backend=backend)


def alpha_path(X, Y, alphas=None, n_folds=5, folds=None, seed=0, fit_intercept=True,
               device=None, dtype=None, *, cv=None, groups=None, relative_alphas=None,
               progress=None) -> AlphaPath:
    """Held-out R² and r of **every** alpha of the grid (optimistic by construction).

    Same arguments as :func:`cv_ridge`. Use it to show how much choosing alpha on the
    test folds inflates predictivity; never to report predictivity.
    """
    res = _run(X, Y, alphas=alphas, n_folds=n_folds, folds=folds, seed=seed, fit_intercept=fit_intercept,
               device=device, dtype=dtype, cv=cv, groups=groups, score_all_alphas=True, progress=progress,
               relative_alphas=relative_alphas, select=False)
    return AlphaPath(r2_per_alpha=res.r2_per_alpha, r_per_alpha=res.r_per_alpha,
                     alphas=res.alphas, constant_targets=res.constant_targets,
                     folds=res.folds)


@dataclass(frozen=True, eq=False)
class RidgeFit:
    """Ridge fitted on all stimuli (:func:`fit_ridge`).

    ``coef`` (n_features, n_targets), ``intercept`` (n_targets,), ``alpha``
    (n_targets,) chosen by the inner criterion on all stimuli, ``alphas`` (n_alphas,)
    the absolute grid, ``alpha_on_edge`` (n_targets,).
    """

    coef: np.ndarray
    intercept: np.ndarray
    alpha: np.ndarray
    alphas: np.ndarray
    alpha_on_edge: np.ndarray


def fit_ridge(X, Y, alphas=None, fit_intercept=True, device=None, dtype=None, *,
              inner="loo", relative_alphas=None) -> RidgeFit:
    """Fit ridge on all stimuli, alpha chosen per target by leave-one-out (or GCV).

    The same engine and alpha rules as :func:`cv_ridge` (one "fold" whose training
    set is every stimulus); equals scikit-learn's ``RidgeCV(alphas,
    alpha_per_target=True)`` for an explicit grid. Use :func:`cv_ridge` to *score*
    predictivity; this is for weights.
    """
    res = _run(X, Y, alphas=alphas, n_folds=2, folds=None, seed=0, fit_intercept=fit_intercept, device=device,
               dtype=dtype, inner=inner, return_weights=True, progress=False, relative_alphas=relative_alphas,
               fit_all=True)
    return RidgeFit(coef=res.coef[0], intercept=res.intercept[0], alpha=res.best_alpha[0],
                    alphas=res.alphas[0], alpha_on_edge=res.alpha_on_edge)


def _sklearn_base():
    """scikit-learn's estimator bases, imported only when :class:`RidgeCV` is first used."""
    from sklearn.base import BaseEstimator, MultiOutputMixin, RegressorMixin

    return MultiOutputMixin, RegressorMixin, BaseEstimator


def _make_ridgecv():
    class RidgeCV(*_sklearn_base()):
        """scikit-learn estimator on the bothways engine: ridge with per-target alpha.

        Parameters
        ----------
        alphas : None (the relative default grid of :func:`cv_ridge`), a positive number
            (fixed) or a grid of absolute values.
        fit_intercept : bool.
        inner : "loo" (exact leave-one-out, as ``sklearn.linear_model.RidgeCV``) or "gcv".
        device, dtype : as in :func:`cv_ridge`.

        Attributes after ``fit``: ``coef_`` (n_targets, n_features) or (n_features,) for
        1-D y, ``intercept_``, ``alpha_`` (per target), ``alphas_`` (absolute grid),
        ``n_features_in_``.
        """

        def __init__(self, alphas=None, fit_intercept=True, inner="loo", device=None, dtype=None):
            self.alphas = alphas
            self.fit_intercept = fit_intercept
            self.inner = inner
            self.device = device
            self.dtype = dtype

        def fit(self, X, y):
            from sklearn.utils.validation import validate_data

            X, y = validate_data(self, X, y, multi_output=True, y_numeric=True,
                                 dtype=[np.float64, np.float32], ensure_min_samples=2)
            fit = fit_ridge(X, y, self.alphas, self.fit_intercept, self.device, self.dtype,
                            inner=self.inner)
            one = y.ndim == 1
            self.coef_ = fit.coef[:, 0] if one else fit.coef.T
            self.intercept_ = float(fit.intercept[0]) if one else fit.intercept
            self.alpha_ = float(fit.alpha[0]) if one else fit.alpha
            self.alphas_ = fit.alphas
            return self

        def predict(self, X):
            from sklearn.utils.validation import check_is_fitted, validate_data

            check_is_fitted(self)
            X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
            return X @ self.coef_.T + self.intercept_

    RidgeCV.__qualname__ = "RidgeCV"
    RidgeCV.__module__ = __name__
    return RidgeCV


def __getattr__(name):
    """``RidgeCV`` is built on first access, so that ``import bothways.ridge`` does not
    import scikit-learn (most of the book never needs it)."""
    if name == "RidgeCV":
        cls = globals()["RidgeCV"] = _make_ridgecv()
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
