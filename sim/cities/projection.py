"""The lattice of an imported area, and OSM geometries projected onto its metric CRS.

The area is a longitude/latitude box; the lattice is laid in the UTM zone of its centre
(:class:`polsim.geo.Geo`), covering the box's projected outline, with row 0 to the north.
Cells whose centre falls outside the outline are outside the area (blocked).
"""

from __future__ import annotations

import math

import numpy as np

from polsim.cities.errors import CityError
from polsim.geo import Geo, utm_crs

MAX_CELLS = 25_000_000
"""The most cells an imported city may have: a run holds about 143 bytes a cell
(docs/performance.md), so 25 million cells take about 3.6 GB, and the import about three
times that while it rasterises; it is also the generator's own limit (5,000 x 5,000)."""

MAX_SIDE = 5000
"""The most cells along either side, the scenario schema's bound on ``city.rows`` and ``city.cols``."""


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``W,S,E,N`` in degrees; anything else is a one-line :class:`CityError`."""
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise CityError("--bbox", "", f"must be W,S,E,N in degrees (four numbers), got {text!r}") from None
    if not (-180 <= w < e <= 180 and -80 <= s < n <= 84):
        raise CityError("--bbox", "", f"must have west < east in -180..180 and south < north in -80..84, got {text!r}")
    return w, s, e, n


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float, float] | None:
    """The intersection of two (W, S, E, N) boxes, or None when they do not overlap."""
    w, s, e, n = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (w, s, e, n) if w < e and s < n else None


def area_outline(box: tuple[float, float, float, float]):
    """The box as a shapely polygon in longitude/latitude, with points every ~1/100 of a side
    so that its projected outline follows the curved edges.
    """
    import shapely

    w, s, e, n = box
    return shapely.segmentize(shapely.box(w, s, e, n), max_segment_length=min(e - w, n - s) / 100.0)


def lattice_for(box: tuple[float, float, float, float], cell_m: float, source: str):
    """The :class:`Geo` covering ``box`` with cells of ``cell_m`` metres, and the box's outline
    in the lattice's CRS; too many cells is a one-line :class:`CityError` naming ``source``.
    """
    if not (0 < cell_m <= 10000):
        raise CityError(source, "--cell-m", f"must be > 0 and <= 10000 metres, got {cell_m:g}")
    crs = utm_crs((box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0)
    outline = project([area_outline(box)], Geo(crs, 0.0, 0.0, cell_m, 1, 1))[0]
    x0, y0, x1, y1 = outline.bounds
    rows, cols = math.ceil((y1 - y0) / cell_m), math.ceil((x1 - x0) / cell_m)
    if rows * cols > MAX_CELLS or max(rows, cols) > MAX_SIDE:
        raise CityError(source, "--cell-m", f"{cell_m:g} m cells make {rows} x {cols} = {rows * cols:,} cells; "
                        f"allowed: at most {MAX_CELLS:,} cells and {MAX_SIDE} a side (a run holds ~143 bytes "
                        "a cell): raise --cell-m or narrow --bbox")
    return Geo(crs, x0, y1, cell_m, max(rows, 1), max(cols, 1)), outline


def project(geoms, geo: Geo):
    """Shapely geometries in longitude/latitude, in the metres of ``geo``'s CRS."""
    import shapely

    def to_xy(coords: np.ndarray) -> np.ndarray:
        x, y = geo.xy_of_lonlat(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(np.asarray(geoms, dtype=object), to_xy)


def inside_cells(geo: Geo, outline) -> np.ndarray:
    """True at the cells whose centre lies inside ``outline`` (rows x cols)."""
    import shapely

    rr, cc = np.indices((geo.rows, geo.cols))
    x, y = geo.xy_of_cells(rr, cc)
    return shapely.contains_xy(outline, x, y)


def linestrings(runs: list[np.ndarray]):
    """Shapely lines from a list of (n, 2) coordinate arrays, made in one vectorised call."""
    import shapely

    if not runs:
        return np.empty(0, dtype=object)
    index = np.repeat(np.arange(len(runs)), [len(r) for r in runs])
    return shapely.linestrings(np.concatenate(runs), indices=index)
