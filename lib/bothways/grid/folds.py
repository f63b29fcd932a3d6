"""Spatially blocked cross-validation folds for rate-map regression.

Rate maps are smooth: a bin's neighbours predict it whatever the model, so random
bin-wise folds reward any smooth basis (interpolation). Holding out whole contiguous
squares of the box removes most of that advantage (Roberts et al. 2017, "Cross-validation
strategies for data with temporal, spatial, hierarchical, or phylogenetic structure").

:func:`spatial_folds` returns ``(train_idx, test_idx)`` pairs in the format of
:func:`bothways.ridge.cv_ridge` (``folds=``) and :func:`bothways.predictivity.predictivity`.
"""
from __future__ import annotations

import numpy as np

from bothways._validation import as_matrix, check_int, check_number


def spatial_folds(positions, n_blocks: int = 4, box=None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Folds that hold out contiguous square blocks of space, every bin tested once.

    The box (``[0, box]²``, or the bounding square of ``positions`` when ``box`` is
    None) is cut into ``n_blocks × n_blocks`` equal squares; each non-empty square is the
    test set of one fold and all other bins are its training set.

    Parameters
    ----------
    positions : (n_bins, 2) positions of the samples (e.g. rate-map bin centres, metres).
    n_blocks : squares per side (≥ 2): ``n_blocks = 4`` gives up to 16 folds.
    box : side of the square box in the units of ``positions`` (its lower-left corner at
        the origin); None uses the bounding square of the positions.

    Returns
    -------
    list of ``(train_idx, test_idx)`` pairs of sorted int64 arrays, one per non-empty
    block in row-major order (y, then x); the test sets partition ``range(n_bins)``.

    Raises
    ------
    ValueError if ``positions`` is not (n, 2) finite, ``n_blocks`` is not an integer ≥ 2,
    ``box`` is not positive or positions fall outside it, or fewer than 2 blocks hold bins.
    """
    pos = as_matrix(positions, "positions", what="(n_bins, 2)", min_rows=2)
    if pos.shape[1] != 2:
        raise ValueError(f"positions must be (n_bins, 2), got shape {pos.shape}")
    n_blocks = check_int(n_blocks, "n_blocks", minimum=2)
    if box is None:
        lo = pos.min(0)
        side = float(np.ptp(pos, axis=0).max())
        if side <= 0:
            raise ValueError("positions are all identical: no space to cut into blocks")
    else:
        box = check_number(box, "box", low=0.0, low_open=True)
        lo, side = np.zeros(2), box
        if pos.min() < 0 or pos.max() > box:
            raise ValueError(f"positions fall outside the [0, {box}] box")
    cell = np.clip(((pos - lo) / side * n_blocks).astype(int), 0, n_blocks - 1)
    block = cell[:, 1] * n_blocks + cell[:, 0]
    labels = np.unique(block)
    if len(labels) < 2:
        raise ValueError(f"only {len(labels)} of the {n_blocks}x{n_blocks} blocks hold bins")
    idx = np.arange(len(pos))
    return [(idx[block != b], idx[block == b]) for b in labels]
