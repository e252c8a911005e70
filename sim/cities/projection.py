"""The lattice of an imported area, and OSM geometries projected onto its metric CRS.

The area is a longitude/latitude box; the lattice is laid in the UTM zone of its centre
(:class:`polsim.cities.geo.Geo`), covering the box's projected outline, with row 0 to the north.
Cells whose centre falls outside the outline are outside the area (blocked).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from polsim.cities.errors import CityError
from polsim.cities.geo import UTM_LATITUDES, Geo, utm_crs
from polsim.scenario.schema import MAX_CELLS, CitySpec


def bound_of(name: str) -> tuple[float, float]:
    """The ``ge`` and ``le`` bounds of a scenario's ``city.NAME``: an imported city is held to them."""
    meta = next(f.metadata for f in dataclasses.fields(CitySpec) if f.name == name)
    return meta["ge"], meta["le"]


OUTLINE_POINTS = 100
"""Points along each side of an area's outline before it is projected."""

CELL_M = bound_of("cell_m")
"""Smallest and largest cell side in metres: the scenario's ``city.cell_m`` (a city file is a city)."""

MIN_SIDE, MAX_SIDE = bound_of("rows")
"""Fewest and most cells along either side: the scenario's bound on ``city.rows`` and ``city.cols``."""

IMPORT_CELL_BYTES = 150
"""Resident bytes an import holds a cell while it rasterises (docs/cities.md: 1.2 million cells, 580 MB)."""
IMPORT_BASE_BYTES = 400 * 2**20
"""What an import holds whatever the area: Python, the libraries, the extract's objects."""

EARTH_RADIUS_M = 6_371_008.8
"""The mean radius of the Earth: the size of a box in metres, estimated before it is projected."""


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``W,S,E,N`` in degrees; anything else is a one-line :class:`CityError`."""
    try:
        w, s, e, n = (float(v) for v in text.split(","))
    except ValueError:
        raise CityError("--bbox", "", f"must be W,S,E,N in degrees (four numbers), got {text!r}") from None
    lo, hi = UTM_LATITUDES
    if not (-180 <= w < e <= 180 and lo <= s < n <= hi):
        raise CityError("--bbox", "", f"must have west < east in -180..180 and south < north in {lo:g}..{hi:g}, "
                        f"got {text!r}")
    return w, s, e, n


def check_cell_m(cell_m: float, source: str) -> None:
    """A cell side in the scenario's bounds (``city.cell_m``), else the one-line error."""
    lo, hi = CELL_M
    if not (math.isfinite(cell_m) and lo <= cell_m <= hi):
        raise CityError(source, "--cell-m", f"must be {lo:g}..{hi:g} metres (a scenario's city.cell_m), "
                        f"got {cell_m:g}")


def check_box(box: tuple[float, float, float, float], source: str, what: str = "the data") -> None:
    """A box a lattice can be laid over: finite, not across the antimeridian, inside UTM's latitudes."""
    w, s, e, n = box
    text = ",".join(f"{v:.5f}" for v in box)
    lo, hi = UTM_LATITUDES
    if not all(math.isfinite(v) for v in box) or not (-180 <= w <= e <= 180 and -90 <= s <= n <= 90):
        raise CityError(source, "", f"{what} ({text}) is not a longitude/latitude box; allowed: "
                        "west <= east in -180..180, south <= north in -90..90")
    if e - w > 180:
        raise CityError(source, "", f"{what} ({text}) spans {e - w:.1f} degrees of longitude, as an extract "
                        "across the antimeridian (180 degrees) does; allowed: an area on one side of it "
                        "(cut it with --bbox)")
    if s < lo or n > hi:
        raise CityError(source, "", f"{what} ({text}) reaches past latitude {lo:g}..{hi:g}, where UTM zones "
                        f"end (the poles); allowed: an area within {lo:g}..{hi:g} (cut it with --bbox)")


def estimated_shape(box: tuple[float, float, float, float], cell_m: float) -> tuple[int, int]:
    """Rows and columns of the lattice over ``box``, from its size on the sphere (before projecting).

    The width is taken at the latitude nearest the equator, the box's widest; UTM stretches a
    box near its zone a little more (under 1% within a zone), which the exact check after
    projecting catches.
    """
    w, s, e, n = box
    widest = 0.0 if s <= 0 <= n else min(abs(s), abs(n))
    height_m = EARTH_RADIUS_M * math.radians(n - s)
    width_m = EARTH_RADIUS_M * math.radians(e - w) * math.cos(math.radians(widest))
    return max(math.ceil(height_m / cell_m), 1), max(math.ceil(width_m / cell_m), 1)


def check_shape(rows: int, cols: int, cell_m: float, source: str, about: str = "") -> None:
    """A lattice of ``rows`` x ``cols`` within the engine's bounds (``city.rows``, ``cols`` and
    their product: :data:`polsim.scenario.schema.MAX_CELLS`), else the one-line error.
    """
    lo, hi = MIN_SIDE, MAX_SIDE
    if rows * cols > MAX_CELLS or max(rows, cols) > hi:
        raise CityError(source, "--cell-m", f"{cell_m:g} m cells make {about}{rows} x {cols} = {rows * cols:,} "
                        f"cells; allowed: at most {MAX_CELLS:,} cells and {hi} a side (a scenario's city): "
                        "raise --cell-m or narrow --bbox")
    if min(rows, cols) < lo:
        raise CityError(source, "--cell-m", f"{cell_m:g} m cells make {about}{rows} x {cols} cells; allowed: at "
                        f"least {lo} a side (a scenario's city): lower --cell-m or widen --bbox")
    from polsim.scenario.budget import GIB, limit_bytes

    need = rows * cols * IMPORT_CELL_BYTES + IMPORT_BASE_BYTES
    limit, why = limit_bytes()
    if need > limit:
        raise CityError(source, "--cell-m", f"{cell_m:g} m cells make {about}{rows} x {cols} cells, which the "
                        f"import would take about {need / GIB:.2f} GiB for, but {why}; allowed: raise --cell-m or "
                        "narrow --bbox")


def check_area(box: tuple[float, float, float, float], cell_m: float, source: str, what: str = "the data") -> None:
    """Everything about a box and cell size that is known before any geometry is made."""
    check_cell_m(cell_m, source)
    check_box(box, source, what)
    check_shape(*estimated_shape(box, cell_m), cell_m, source, "about ")


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> tuple[float, float, float, float] | None:
    """The intersection of two (W, S, E, N) boxes, or None when they do not overlap."""
    w, s, e, n = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (w, s, e, n) if w < e and s < n else None


def area_outline(box: tuple[float, float, float, float]):
    """The box as a shapely polygon in longitude/latitude, with points every ~1/100 of a side
    so that its projected outline follows the curved edges (a fixed number a side: a box a
    millimetre thin must not make billions of them).
    """
    import shapely

    w, s, e, n = box
    t = np.linspace(0.0, 1.0, OUTLINE_POINTS + 1)[:-1]
    ring = np.concatenate([np.column_stack([w + (e - w) * t, np.full_like(t, s)]),
                           np.column_stack([np.full_like(t, e), s + (n - s) * t]),
                           np.column_stack([e - (e - w) * t, np.full_like(t, n)]),
                           np.column_stack([np.full_like(t, w), n - (n - s) * t])])
    return shapely.Polygon(ring)


def lattice_for(box: tuple[float, float, float, float], cell_m: float, source: str):
    """The :class:`Geo` covering ``box`` with cells of ``cell_m`` metres, and the box's outline
    in the lattice's CRS; too many cells is a one-line :class:`CityError` naming ``source``.
    """
    check_area(box, cell_m, source)
    crs = utm_crs((box[0] + box[2]) / 2.0, (box[1] + box[3]) / 2.0)
    outline = project([area_outline(box)], Geo(crs, 0.0, 0.0, cell_m, 1, 1))[0]
    x0, y0, x1, y1 = outline.bounds
    if not all(math.isfinite(v) for v in (x0, y0, x1, y1)):
        raise CityError(source, "", f"the area ({','.join(f'{v:.5f}' for v in box)}) does not project into "
                        f"{crs} (too wide for one UTM zone); allowed: a city-sized area (cut it with --bbox)")
    rows, cols = math.ceil((y1 - y0) / cell_m), math.ceil((x1 - x0) / cell_m)
    check_shape(rows, cols, cell_m, source)
    return Geo(crs, x0, y1, cell_m, rows, cols), outline


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
