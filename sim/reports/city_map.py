"""The city under a report's map: land use, water, roads as street lines, stations and bases,
in the city's own coordinates, with a scale bar and the OpenStreetMap attribution of an
imported city.

Reports (compare, optimise, back-test) draw their per-cell values over this base so that a
planner sees the streets, the river and the stations they know rather than a bare raster.
Roads are traced from the road cells: a road burnt onto the lattice is a band one or two
cells wide (a staircase where it runs diagonally); thinning it to a one-cell centre line and
linking neighbouring centre cells gives a line along the street instead of a ladder of cell
links.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.ticker import MaxNLocator
from numba import njit
from scipy import ndimage

from polsim.cities.geo import Geo
from polsim.cities.preview import (
    ATTRIBUTION_SHORT,
    LAND_USE_RGB,
    MAJOR_ROAD_RGB,
    MINOR_ROAD_RGB,
    NETWORK_DRAWN_UP_TO,
    WATER_RGB,
    network_links,
)
from polsim.cities.tags import MAJOR_ROAD_MAX_CODE
from polsim.scenario.schema import LAND_USES

BASE_FADE = 0.75
"""How far the land-use colours are blended towards white under a report's values: the
values are what the map is about, the city is where they are."""
STREET_NETWORK_SHARE = 0.4
"""Minor roads are drawn as streets where they are a network, covering at most this share of
the lattice; a generated city lets vehicles drive into every block (all its land is minor
road), and there only the arterials are streets."""
STATION_KINDS = ("station", "district")
"""Bases marked on every map: the police stations (or station-area bases) and district bases."""


@dataclass(frozen=True)
class CityBase:
    """What a map draws of a city: its layers, its sites and where it lies.

    Build one from a :class:`polsim.cities.city.City` with :meth:`of`; plain arrays otherwise
    (rows x cols), so a report can draw from saved results.
    """

    land_use: np.ndarray
    road_kmh: np.ndarray
    road_class: np.ndarray
    cell_m: float
    water: np.ndarray | None = None
    bases: dict[str, np.ndarray] = field(default_factory=dict)
    geo: Geo | None = None
    attribution: str | None = None

    @classmethod
    def of(cls, city) -> CityBase:
        """The base of ``city``: its layers, station and district bases, map place and attribution."""
        imported = bool(city.info.get("attribution"))
        return cls(city.land_use, city.road_kmh, city.road_class, float(city.cell_m),
                   water=getattr(city, "water", None),
                   bases={k: np.asarray(city.bases[k]).reshape(-1, 2) for k in STATION_KINDS if k in city.bases},
                   geo=city.geo, attribution=ATTRIBUTION_SHORT if imported else None)

    @property
    def shape(self) -> tuple[int, int]:
        """Rows and columns of the lattice."""
        return self.land_use.shape

    @property
    def unit_m(self) -> float:
        """Metres per map unit: the CRS's metres where the city has a place, else kilometres."""
        return 1.0 if self.geo is not None else 1000.0

    def extent(self) -> tuple[float, float, float, float]:
        """(left, right, bottom, top) of the lattice in map units, for ``imshow``."""
        rows, cols = self.shape
        side = self.cell_m / self.unit_m
        left, top = (self.geo.west, self.geo.north) if self.geo is not None else (0.0, 0.0)
        return left, left + cols * side, top - rows * side, top

    def to_map(self, cols: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map coordinates of lattice coordinates (column, row; cell (r, c) spans c..c+1, r..r+1)."""
        left, _, _, top = self.extent()
        side = self.cell_m / self.unit_m
        return left + np.asarray(cols, float) * side, top - np.asarray(rows, float) * side


def thin(mask: np.ndarray) -> np.ndarray:
    """The centre line of ``mask``, one cell wide: border cells are peeled off one at a time,
    side by side (north, east, south, west) until none can go, each only if it is a simple
    cell (taking it away changes no connection: Yokoi's 8-connectivity number is 1) and not
    the end of a line (one neighbour, or two that touch each other). Peeling one cell at a
    time, not a whole side at once as Zhang and Suen (1984) do, keeps a two-cell diagonal
    staircase (a diagonal road burnt onto the lattice), which their parallel thinning erases.
    """
    m = np.pad(np.asarray(mask, bool), 1).astype(np.uint8)
    _peel(m)
    return m[1:-1, 1:-1].astype(bool)


@njit(cache=True)
def _peel(m: np.ndarray) -> None:  # pragma: no cover - compiled
    dr = np.array([-1, -1, 0, 1, 1, 1, 0, -1])
    dc = np.array([0, 1, 1, 1, 0, -1, -1, -1])
    x = np.zeros(8, np.int64)
    changed = True
    while changed:
        changed = False
        for side in range(0, 8, 2):
            # this side's border as the pass starts: a cell bared by the pass waits for the next
            border = np.zeros(m.shape, np.uint8)
            for r in range(1, m.shape[0] - 1):
                for c in range(1, m.shape[1] - 1):
                    border[r, c] = m[r, c] == 1 and m[r + dr[side], c + dc[side]] == 0
            for r in range(1, m.shape[0] - 1):
                for c in range(1, m.shape[1] - 1):
                    if border[r, c] == 0 or m[r, c] == 0:
                        continue
                    count = 0
                    for k in range(8):
                        x[k] = m[r + dr[k], c + dc[k]]
                        count += x[k]
                    if count < 2:
                        continue  # the end of a line (or a lone cell) stays
                    if count == 2:
                        k = 0
                        while x[k] == 0:
                            k += 1
                        if x[(k + 1) % 8] == 1 or (k == 0 and x[7] == 1):
                            continue  # the end of a two-cell-wide line stays too
                    yokoi = 0
                    for k in range(0, 8, 2):
                        a, b, d = 1 - x[k], 1 - x[(k + 1) % 8], 1 - x[(k + 2) % 8]
                        yokoi += a - a * b * d
                    if yokoi == 1:
                        m[r, c] = 0
                        changed = True


HOLE_CELLS = 4
"""Gaps of at most this many cells inside a road band (between the two carriageways of a
dual road, inside a small roundabout) are filled before thinning, or the centre line would
run round each of them as a ladder of loops."""


def fill_small_holes(mask: np.ndarray, cells: int = HOLE_CELLS) -> np.ndarray:
    """``mask`` with every enclosed gap of at most ``cells`` cells (4-connected) filled."""
    gaps, n = ndimage.label(~np.asarray(mask, bool))
    if n == 0:
        return np.asarray(mask, bool)
    sizes = np.bincount(gaps.ravel())
    edge = np.unique(np.concatenate([gaps[0], gaps[-1], gaps[:, 0], gaps[:, -1]]))
    small = sizes <= cells
    small[0] = False
    small[edge] = False
    return np.asarray(mask, bool) | small[gaps]


RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
"""The eight neighbours of a cell, clockwise from north."""


def _ring_components(ring: list[bool]) -> int:
    """8-connected groups among a cell's set neighbours (the cell itself left out)."""
    seen, groups = set(), 0
    for start in range(8):
        if not ring[start] or start in seen:
            continue
        groups += 1
        todo = [start]
        while todo:
            k = todo.pop()
            if k in seen:
                continue
            seen.add(k)
            # the ring's next cells touch it; an edge neighbour also touches the edge neighbours
            # two steps away (north and east meet at the north-east corner)
            near = [(k + 1) % 8, (k - 1) % 8] + ([(k + 2) % 8, (k - 2) % 8] if k % 2 == 0 else [])
            todo += [j for j in near if ring[j] and j not in seen]
    return groups


def drop_corners(line: np.ndarray) -> np.ndarray:
    """A one-cell line without the corner cells of its staircases: a cell with two set edge
    neighbours at a right angle (north and west, say) whose neighbours stay connected without
    it. Taken one at a time, so a line is never cut; the diagonal step replaces the corner.
    """
    m = np.pad(np.asarray(line, bool), 1)
    for r, c in zip(*np.nonzero(m), strict=True):
        ring = [bool(m[r + dr, c + dc]) for dr, dc in RING]
        corner = any(ring[a] and ring[(a + 2) % 8] for a in (0, 2, 4, 6))
        if corner and sum(ring) >= 2 and _ring_components(ring) == 1:
            m[r, c] = False
    return m[1:-1, 1:-1]


def prune_spurs(line: np.ndarray) -> np.ndarray:
    """A one-cell line without its one-cell spurs: the end cells whose only neighbour is a
    junction (thinning leaves such a fork where a wide band ends square).
    """
    m = np.pad(np.asarray(line, bool), 1)
    shifted = [np.roll(np.roll(m, -dr, 0), -dc, 1) for dr, dc in RING]
    count = sum(s.astype(np.int8) for s in shifted)
    # an end cell's one neighbour: its count is read off the shifted counts where that neighbour is
    beside = sum(np.where(s, np.roll(np.roll(count, -dr, 0), -dc, 1), 0) for s, (dr, dc) in zip(shifted, RING,
                                                                                                strict=True))
    spur = m & (count == 1) & (beside >= 3)
    return (m & ~spur)[1:-1, 1:-1]


def centre_lines(mask: np.ndarray) -> np.ndarray:
    """The road cells ``mask`` as one-cell centre lines: small gaps filled, thinned, staircase
    corners and end spurs dropped.
    """
    return prune_spurs(drop_corners(thin(fill_small_holes(mask))))


def street_lines(mask: np.ndarray) -> np.ndarray:
    """Segments along the streets of the road cells ``mask``: (n, 2, 2) of (col, row) in
    lattice coordinates, joining the centres of neighbouring centre-line cells.
    """
    return network_links(centre_lines(mask))


def _land_rgb(base: CityBase) -> np.ndarray:
    table = np.array([LAND_USE_RGB[name] for name in LAND_USES], float)
    rgb = table[base.land_use]
    if base.water is not None:
        rgb[base.water] = WATER_RGB
    return (rgb + (255.0 - rgb) * BASE_FADE) / 255.0


def draw_city(ax: Axes, base: CityBase) -> None:
    """Draw the city on ``ax``: faded land use and water, roads, stations; axes in map units."""
    extent = base.extent()
    ax.imshow(_land_rgb(base), extent=extent, interpolation="nearest", zorder=0)
    drive = base.road_kmh > 0
    major = drive & (base.road_class >= 1) & (base.road_class <= MAJOR_ROAD_MAX_CODE)
    minor = drive & ~major
    layers = [(major, MAJOR_ROAD_RGB, 1.2)]
    if minor.mean() <= STREET_NETWORK_SHARE:
        layers.insert(0, (minor, MINOR_ROAD_RGB, 0.6))
    if drive.size <= NETWORK_DRAWN_UP_TO:
        for mask, rgb, width in layers:
            segs = street_lines(mask)
            x, y = base.to_map(segs[..., 0], segs[..., 1])
            ax.add_collection(LineCollection(np.stack([x, y], -1), colors=[np.array(rgb) / 255],
                                             linewidths=width, alpha=0.8, zorder=3))
    else:  # a city-scale lattice: millions of links would not show; paint the major roads
        ax.imshow(np.ma.masked_where(~major, np.ones(major.shape)), extent=extent, cmap="gray",
                  vmin=0, vmax=4, interpolation="nearest", alpha=0.6, zorder=3)
    for kind, marker in zip(STATION_KINDS, ("*", "s"), strict=True):
        cells = base.bases.get(kind)
        if cells is not None and len(cells):
            x, y = base.to_map(cells[:, 1] + 0.5, cells[:, 0] + 0.5)
            ax.scatter(x, y, marker=marker, s=60 if marker == "*" else 24, c="navy", edgecolors="white",
                       linewidths=0.6, zorder=5, label=f"{kind} base")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_aspect("equal")
    _axes_labels(ax, base)
    scale_bar(ax, base)
    if base.attribution:
        ax.text(0.99, 0.01, base.attribution, transform=ax.transAxes, ha="right", va="bottom", fontsize=6,
                bbox={"facecolor": "white", "alpha": 0.7, "edgecolor": "none", "pad": 1}, zorder=7)


def _axes_labels(ax: Axes, base: CityBase) -> None:
    if base.geo is not None:
        ax.set_xlabel(f"easting (m, {base.geo.crs})", fontsize=7)
        ax.set_ylabel("northing (m)", fontsize=7)
    else:
        ax.set_xlabel("km east of the north-west corner", fontsize=7)
        ax.set_ylabel("km north", fontsize=7)
    ax.tick_params(labelsize=6)
    ax.xaxis.set_major_locator(MaxNLocator(4))
    ax.yaxis.set_major_locator(MaxNLocator(5))
    ax.ticklabel_format(useOffset=False, style="plain")


def scale_bar(ax: Axes, base: CityBase) -> None:
    """A bar of a round length (about a fifth of the map's width) in the lower left corner."""
    left, right, bottom, top = base.extent()
    width_m = (right - left) * base.unit_m
    length_m = _round_length(width_m / 5.0)
    x0 = left + 0.04 * (right - left)
    y0 = bottom + 0.05 * (top - bottom)
    ax.plot([x0, x0 + length_m / base.unit_m], [y0, y0], color="black", lw=2.5, solid_capstyle="butt", zorder=6)
    text = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    ax.text(x0, y0 + 0.015 * (top - bottom), text, fontsize=7, va="bottom", zorder=6)


def _round_length(metres: float) -> float:
    """The largest of 1, 2, 5 x 10^k metres not above ``metres`` (at least 1 m)."""
    k = 10.0 ** np.floor(np.log10(max(metres, 1.0)))
    return float(max(s * k for s in (1.0, 2.0, 5.0) if s * k <= max(metres, 1.0)))


def show_values(ax: Axes, base: CityBase, values: np.ndarray, **imshow: object):
    """Draw per-cell ``values`` over the city (cells equal to 0 left clear, so streets show)."""
    shown = np.ma.masked_where(np.asarray(values) == 0, values)
    return ax.imshow(shown, extent=base.extent(), interpolation="nearest", zorder=2, **imshow)


def outline(ax: Axes, base: CityBase, segments, colour: str) -> None:
    """Draw cell-edge ``segments`` (image coordinates, as ``figures.cell_edges`` gives) on the map."""
    segs = np.asarray(segments, float).reshape(-1, 2, 2)
    if not len(segs):
        return
    x, y = base.to_map(segs[..., 0] + 0.5, segs[..., 1] + 0.5)
    ax.add_collection(LineCollection(np.stack([x, y], -1), colors=colour, linewidths=1.0, zorder=4))
