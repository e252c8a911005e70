"""The city: a lattice of cells with land use, people, roads, cameras and admin grids.

A city is generated from a :class:`~polsim.scenario.schema.CitySpec` and its own seed, so the
same spec always gives the same city whatever the run seed; or it is read from a city file
that ``polsim city import`` made from OpenStreetMap (``city.source``, :mod:`polsim.cities`).
Both builders give the same :class:`City`. Admin labels follow the reports' hierarchy,
district > police station > comprehensive grid, and every grid has a 15-digit code: 6 digits
of the administrative division, then 3 each for district, station and grid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from polsim.cities.geo import Geo
from polsim.cities.road_classes import GENERATED_ARTERIAL, GENERATED_STREET, ROAD_CLASSES
from polsim.scenario.schema import LAND_USES, CitySpec

LU = {name: i for i, name in enumerate(LAND_USES)}
BLOCKED = LU["blocked"]

FOOTFALL_BY_LAND_USE = np.array([1.0, 3.0, 4.0, 2.0, 1.5, 5.0, 0.0])
"""Relative footfall of a cell by land use, before the hourly profile."""

RESIDENT_SHARE = np.array([1.0, 0.2, 0.1, 0.05, 0.0, 0.0, 0.0])
"""Residents of a cell relative to a residential cell, by land use."""


@dataclass
class City:
    """Per-cell layers (arrays of shape rows x cols) and the admin hierarchy.

    The road layers are what travel on the lattice's road network reads (``docs/cities.md``):
    ``road_kmh`` the free-flow speed of the fastest road a vehicle may drive in the cell (0:
    no vehicle may), ``foot`` whether a person on foot may cross it, ``road_class`` the
    ``polsim.cities.tags.ROAD_CLASSES`` code of its most important road (0: none).
    """

    spec: CitySpec
    land_use: np.ndarray
    residents: np.ndarray
    footfall_base: np.ndarray
    camera: np.ndarray
    grid_id: np.ndarray
    station_id: np.ndarray
    district_id: np.ndarray
    grid_codes: list[str]
    road_kmh: np.ndarray
    foot: np.ndarray
    road_class: np.ndarray
    checkpoints: np.ndarray
    """True where a major road leaves the city: the cells the cordon policy closes."""
    cell_m: float
    """Side of a cell in metres."""
    bases: dict[str, np.ndarray] = field(default_factory=dict)
    geo: Geo | None = None
    """Where the lattice lies on the map (None: a generated city given no ``origin``)."""
    info: dict = field(default_factory=dict)
    """What a city file says of itself (source, date, attribution); empty for a generated city."""
    water: np.ndarray | None = None
    """True on water (an imported city's lakes, rivers and sea), for maps; None: a generated city."""

    @property
    def rows(self) -> int:
        """Cells north-south."""
        return self.land_use.shape[0]

    @property
    def cols(self) -> int:
        """Cells east-west."""
        return self.land_use.shape[1]

    @property
    def passable(self) -> np.ndarray:
        """Cells people and vehicles can stand on."""
        return self.land_use != BLOCKED

    def footfall(self, hour: int) -> np.ndarray:
        """Footfall of every cell at an hour of the day."""
        return self.footfall_base * self.spec.footfall_by_hour[hour % 24]

    def footfall_at(self, r: int, c: int, hour: int) -> np.float32:
        """Footfall of one cell at an hour: ``footfall(hour)[r, c]`` without the whole raster."""
        return self.footfall_base[r, c] * self.spec.footfall_by_hour[hour % 24]

    def congestion(self, hour: int) -> float:
        """City-wide traffic speed factor at an hour of the day."""
        return self.spec.congestion_by_hour[hour % 24]

    def cells(self, metres: float) -> int:
        """A distance in metres as a whole number of cells (rounded)."""
        return int(round(metres / self.cell_m))

    def grid_code(self, r: int, c: int) -> str:
        """The 15-digit code of the grid a cell belongs to."""
        return self.grid_codes[self.grid_id[r, c]]

    def freeze(self) -> None:
        """Make every layer read-only (a city shared between models must not change)."""
        for layer in [*vars(self).values(), *self.bases.values()]:
            if isinstance(layer, np.ndarray):
                layer.setflags(write=False)

    @property
    def frame(self) -> Geo:
        """Where x/y lie: the city's place on the map, or its own metres (:meth:`Geo.local`)."""
        return self.geo if self.geo is not None else Geo.local(self.rows, self.cols, self.cell_m)

    def cells_at(self, lonlat: list[list[float]] = (), xy: list[list[float]] = ()) -> np.ndarray:
        """(n, 2) row and column of places given as [longitude, latitude] (a city on the map) and
        as [x, y] in :attr:`frame`, in that order; -1 for a place off the lattice (or, for
        longitude/latitude, a city with no place on the map).
        """
        out = np.full((len(lonlat) + len(xy), 2), -1, np.int64)
        if len(lonlat) and self.geo is not None:
            r, c = self.geo.cells_of_lonlat(*np.asarray(lonlat, float).reshape(-1, 2).T)
            out[:len(lonlat)] = np.column_stack([r, c])
        if len(xy):
            r, c = self.frame.cells_of_xy(*np.asarray(xy, float).reshape(-1, 2).T)
            out[len(lonlat):] = np.column_stack([r, c])
        return out

    def grid_codes_at(self, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        """:meth:`grid_code` of many cells at once, as an object array of strings."""
        return np.asarray(self.grid_codes, dtype=object)[self.grid_id[r, c]]


def generate_city(spec: CitySpec) -> City:
    """A synthetic city from its spec; deterministic in ``spec.seed``."""
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0xC17]))
    shape = (spec.rows, spec.cols)
    land_use = _land_use(spec, rng, shape)
    residents = rng.poisson(spec.residents_per_cell * RESIDENT_SHARE[land_use]).astype(np.float32)
    footfall = FOOTFALL_BY_LAND_USE[land_use].astype(np.float32)
    road_kmh, road_class = _road_classes(spec, land_use)
    grid_id, station_id, district_id, codes = _admin(spec, shape)
    city = City(spec, land_use, residents, footfall, np.zeros(shape, bool),
                grid_id, station_id, district_id, codes, road_kmh=road_kmh,
                foot=land_use != BLOCKED, road_class=road_class,
                checkpoints=_checkpoints(spec, land_use != BLOCKED), cell_m=spec.cell_m)
    city.camera = camera_coverage(city, _camera_sites(spec, city, rng), spec.camera_radius_m)
    city.bases = _bases(spec, city)
    if spec.origin:
        city.geo = Geo.centred_on(spec.origin[0], spec.origin[1], spec.rows, spec.cols, spec.cell_m)
    return city


def _land_use(spec: CitySpec, rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    n = shape[0] * shape[1]
    lu = np.full(shape, LU["residential"], dtype=np.int8)
    share = {k: spec.land_use.get(k, 0.0) for k in LAND_USES}
    _place_blocks(lu, rng, BLOCKED, int(share["blocked"] * n), size=(2, 6), free=LU["residential"])
    _keep_largest_component(lu)
    _commercial_core(lu, rng, int(share["commercial"] * n), spec.centres)
    for name, size in (("market", (1, 2)), ("school", (1, 3)), ("park", (2, 4)), ("transit", (1, 1))):
        _place_blocks(lu, rng, LU[name], int(share[name] * n), size=size, free=LU["residential"])
    return lu


def _place_blocks(lu: np.ndarray, rng: np.random.Generator, code: int, target: int,
                  size: tuple[int, int], free: int) -> None:
    """Scatter rectangles of ``code`` over ``free`` cells until ``target`` cells carry it."""
    rows, cols = lu.shape
    placed, tries = 0, 0
    while placed < target and tries < 50 * (target + 10):
        tries += 1
        h, w = rng.integers(size[0], size[1] + 1, size=2)
        r, c = rng.integers(0, rows - h + 1), rng.integers(0, cols - w + 1)
        window = lu[max(r - 1, 0): r + h + 1, max(c - 1, 0): c + w + 1]
        if code == BLOCKED and (window == BLOCKED).any():
            continue  # a gap around each blocked block keeps streets between them
        block = lu[r: r + h, c: c + w]
        mask = block == free
        take = min(int(mask.sum()), target - placed)
        if take <= 0:
            continue
        idx = np.flatnonzero(mask)[:take]
        block.flat[idx] = code
        placed += take


def _keep_largest_component(lu: np.ndarray) -> None:
    """Block off passable pockets cut off from the main city, so every base can reach every call."""
    labels, count = ndimage.label(lu != BLOCKED)
    if count > 1:
        sizes = np.bincount(labels.ravel())
        sizes[0] = 0
        lu[(labels != sizes.argmax()) & (labels > 0)] = BLOCKED


def _commercial_core(lu: np.ndarray, rng: np.random.Generator, target: int, centres: int) -> None:
    """Commercial land clusters around a few centres, nearest cells first (with some noise)."""
    if target <= 0:
        return
    rows, cols = lu.shape
    pts = rng.uniform([0.2 * rows, 0.2 * cols], [0.8 * rows, 0.8 * cols], size=(centres, 2))
    rr, cc = np.indices(lu.shape)
    dist = np.min([np.hypot(rr - r, cc - c) for r, c in pts], axis=0)
    dist = dist * rng.uniform(0.8, 1.2, size=lu.shape)
    dist[lu != LU["residential"]] = np.inf
    order = np.argsort(dist, axis=None, kind="stable")[:target]
    lu.flat[order[np.isfinite(dist.flat[order])]] = LU["commercial"]


def _arterial(spec: CitySpec, shape: tuple[int, int]) -> np.ndarray:
    rr, cc = np.indices(shape)
    return (rr % spec.arterial_every == 0) | (cc % spec.arterial_every == 0)


def _road_classes(spec: CitySpec, lu: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Free-flow km/h and class code of a generated city's roads: arterials are secondary
    roads (``city.arterial_kmh``), every other passable cell a residential street
    (``city.street_kmh``), blocked land no road.
    """
    arterial = _arterial(spec, lu.shape)
    art, street = ROAD_CLASSES[GENERATED_ARTERIAL], ROAD_CLASSES[GENERATED_STREET]
    kmh = np.where(arterial, spec.arterial_kmh, spec.street_kmh).astype(np.float32)
    code = np.where(arterial, art.code, street.code).astype(np.int8)
    kmh[lu == BLOCKED] = 0.0
    code[lu == BLOCKED] = 0
    return kmh, code


def _checkpoints(spec: CitySpec, passable: np.ndarray) -> np.ndarray:
    """Where an arterial meets the edge of the city, on passable land."""
    rows, cols = passable.shape
    out = np.zeros((rows, cols), bool)
    on_arterial_row = np.arange(rows) % spec.arterial_every == 0
    on_arterial_col = np.arange(cols) % spec.arterial_every == 0
    out[on_arterial_row, 0] = out[on_arterial_row, cols - 1] = True
    out[0, on_arterial_col] = out[rows - 1, on_arterial_col] = True
    return out & passable


def _admin(spec: CitySpec, shape: tuple[int, int]):
    rr, cc = np.indices(shape)
    gr, gc = rr // spec.grid_cells, cc // spec.grid_cells
    n_gr, n_gc = gr.max() + 1, gc.max() + 1
    sr, sc = gr // spec.station_grids, gc // spec.station_grids
    n_sc = sc.max() + 1
    dr, dc = sr // spec.district_stations, sc // spec.district_stations
    n_dc = dc.max() + 1
    grid_id = (gr * n_gc + gc).astype(np.int32)
    station_id = (sr * n_sc + sc).astype(np.int32)
    district_id = (dr * n_dc + dc).astype(np.int32)
    codes = [""] * int(n_gr * n_gc)
    station_seq: dict[int, dict[int, int]] = {}
    grid_seq: dict[int, dict[int, int]] = {}
    for g in range(n_gr * n_gc):
        r, c = (g // n_gc) * spec.grid_cells, (g % n_gc) * spec.grid_cells
        s, d = int(station_id[r, c]), int(district_id[r, c])
        s_no = station_seq.setdefault(d, {}).setdefault(s, len(station_seq[d]) + 1)
        g_no = grid_seq.setdefault(s, {}).setdefault(g, len(grid_seq[s]) + 1)
        codes[g] = f"{spec.code}{d + 1:03d}{s_no:03d}{g_no:03d}"
    return grid_id, station_id, district_id, codes


def _camera_sites(spec: CitySpec, city: City, rng: np.random.Generator) -> np.ndarray:
    return camera_sites_by_footfall(city, spec.cameras, rng)


def camera_sites_by_footfall(city: City, n: int, rng: np.random.Generator,
                             taken: np.ndarray | None = None) -> np.ndarray:
    """``n`` camera sites (flat cell indices) drawn in proportion to footfall, none in ``taken``:
    cameras go where people are.
    """
    weights = city.footfall_base.ravel().astype(float)
    if taken is not None:
        weights[taken] = 0.0
    if n <= 0 or weights.sum() == 0:
        return np.zeros(0, np.int64)
    n = min(n, int((weights > 0).sum()))
    return rng.choice(weights.size, size=n, replace=False, p=weights / weights.sum())


def camera_coverage(city: City, sites: np.ndarray, radius_m: float) -> np.ndarray:
    """The cells within ``radius_m`` of any camera site (flat cell indices)."""
    covered = np.zeros(city.land_use.shape, bool)
    radius = city.cells(radius_m)
    for site in sites:
        r, c = divmod(int(site), city.cols)
        covered[_disk(city, r, c, radius)] = True
    return covered


def _disk(city: City, r: int, c: int, radius: int) -> tuple[np.ndarray, np.ndarray]:
    r0, r1 = max(r - radius, 0), min(r + radius + 1, city.rows)
    c0, c1 = max(c - radius, 0), min(c + radius + 1, city.cols)
    rr, cc = np.mgrid[r0:r1, c0:c1]
    inside = (rr - r) ** 2 + (cc - c) ** 2 <= radius * radius
    return rr[inside], cc[inside]


def _bases(spec: CitySpec, city: City) -> dict[str, np.ndarray]:
    """Base cells by kind: station, district, workstation, centre (commercial), grid.

    Units take the bases of their kind round-robin in list order (``Units.build``), so a
    type with fewer units than bases gets the first ones. Each list is therefore ordered so
    that every prefix is spread over the city (:func:`spread_order`): 6 cars over 36
    station areas stand in six areas across the city, not in the top row of areas, which
    label order would give. Workstations come out of :func:`busiest_spread` already spread.
    """
    nearest = nearest_index(city.passable)
    out = {kind: label_bases(labels, nearest) for kind, labels in
           (("station", city.station_id), ("district", city.district_id), ("grid", city.grid_id))}
    out["workstation"] = busiest_spread(city, max(spec.workstations, 1))
    out["centre"] = busiest_spread(city, spec.centres)
    return out


def spread_order(points: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """An order of ``points`` (row, col) in which every prefix is spread over the city.

    Greedy max-min (farthest point first), with the city's edge counted as a mirror: a
    point's score is the distance to the nearest point already taken, capped by twice its
    distance to the edge (the distance to its own mirror image across the edge). Plain
    farthest-point order would take the corners right after the first point; with the cap
    the first point is the most central one and the next ones fill the city evenly.
    Ties go to the lower index, so the order is deterministic.
    """
    n = len(points)
    if n <= 1:
        return np.arange(n)
    r, c = points[:, 0].astype(np.float32), points[:, 1].astype(np.float32)
    edge = 2.0 * np.minimum.reduce([r + 0.5, rows - 0.5 - r, c + 0.5, cols - 0.5 - c])
    score = edge * edge  # squared distances throughout: same order, no square roots
    order = np.empty(n, np.int64)
    dr, dc = np.empty_like(r), np.empty_like(c)
    for k in range(n):  # in place: the 9,216 grids of the citywide city order in ~0.3 s
        pick = int(np.argmax(score))
        order[k] = pick
        np.subtract(r, r[pick], out=dr)
        np.subtract(c, c[pick], out=dc)
        np.multiply(dr, dr, out=dr)
        np.multiply(dc, dc, out=dc)
        np.add(dr, dc, out=dr)
        np.minimum(score, dr, out=score)
        score[pick] = -1.0  # taken: below every distance
    return order


def nearest_index(mask: np.ndarray) -> np.ndarray:
    """For every cell, the (row, col) of the nearest cell where ``mask`` holds (2 x rows x cols)."""
    _, idx = ndimage.distance_transform_edt(~mask, return_indices=True)
    return idx


def label_bases(labels: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """One base per label, at the cell ``nearest`` gives for the label's mean cell, in
    :func:`spread_order`.
    """
    centres = label_centres(labels, nearest)
    return centres[spread_order(centres, *labels.shape)]


def label_centres(labels: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """The cell ``nearest`` gives for each label's mean cell (every label 0..max must have a cell)."""
    n = int(labels.max()) + 1
    rr, cc = np.indices(labels.shape)
    counts = np.bincount(labels.ravel(), minlength=n)
    mr = (np.bincount(labels.ravel(), rr.ravel(), n) / counts).astype(int)
    mc = (np.bincount(labels.ravel(), cc.ravel(), n) / counts).astype(int)
    return np.stack([nearest[0][mr, mc], nearest[1][mr, mc]], axis=1).astype(np.int32)


def busiest_spread(city: City, n: int) -> np.ndarray:
    """``n`` passable cells in the busiest neighbourhoods, at least a few cells apart (greedy).

    A cell's score is the footfall of the 5 x 5 cells around it (about a grid), not its own:
    footfall takes a handful of values by land use, so the busiest single cells tie by the
    hundred and the first of them in row-major order (the top edge) would win every tie.
    """
    footfall = ndimage.uniform_filter(city.footfall_base.astype(float), size=5, mode="constant")
    score = footfall * city.passable
    gap = max(2, int(np.sqrt(city.rows * city.cols / max(n, 1)) / 2))
    picks = []
    for _ in range(n):
        flat = int(np.argmax(score))
        if score.flat[flat] <= 0:
            break
        r, c = divmod(flat, city.cols)
        picks.append((r, c))
        score[max(r - gap, 0): r + gap + 1, max(c - gap, 0): c + gap + 1] = 0
    return np.array(picks, dtype=np.int32).reshape(-1, 2)
