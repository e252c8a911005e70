"""Road cells traced to street centre lines, so the map draws streets rather than cell ladders.

An imported street two or three cells wide is a band of road cells; linking every pair of
neighbouring cells in it draws a ladder (parallel lines with rungs). :func:`centre_lines`
thins each band to a one-cell-wide line through its middle (Zhang & Suen 1984, "A fast
parallel algorithm for thinning digital patterns", CACM 27(3)), which keeps every street's
ends and junctions and its connections, and the map links the cells of that line.
"""

from __future__ import annotations

import numpy as np


def centre_lines(mask: np.ndarray) -> np.ndarray:
    """``mask`` thinned to lines one cell wide (Zhang-Suen), as a boolean array of its shape."""
    img = np.pad(np.asarray(mask, bool).astype(np.int8), 1)
    changed = True
    while changed:
        changed = False
        for first in (True, False):
            p = _neighbours(img)  # P2 (north) .. P9 (north-west), clockwise
            p2, p4, p6, p8 = p[0], p[2], p[4], p[6]
            filled = sum(p)
            turns = sum((p[i] == 0) & (p[(i + 1) % 8] == 1) for i in range(8))
            # the two sub-iterations peel south-east boundary pixels, then north-west ones
            one, other = (p2 * p4 * p6, p4 * p6 * p8) if first else (p2 * p4 * p8, p2 * p6 * p8)
            side = (one == 0) & (other == 0)
            remove = (img[1:-1, 1:-1] == 1) & (filled >= 2) & (filled <= 6) & (turns == 1) & side
            if remove.any():
                img[1:-1, 1:-1][remove] = 0
                changed = True
    return img[1:-1, 1:-1].astype(bool)


def _neighbours(img: np.ndarray) -> list[np.ndarray]:
    """The eight neighbours of every inner pixel, from north clockwise (copies)."""
    return [img[:-2, 1:-1].copy(), img[:-2, 2:].copy(), img[1:-1, 2:].copy(), img[2:, 2:].copy(),
            img[2:, 1:-1].copy(), img[2:, :-2].copy(), img[1:-1, :-2].copy(), img[:-2, :-2].copy()]
