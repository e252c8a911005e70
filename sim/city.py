"""The city: a lattice of cells with land use, people, roads, cameras and admin grids.

A city is generated from a :class:`~polsim.scenario.schema.CitySpec` and its own seed, so the
same spec always gives the same city whatever the run seed. Admin labels follow the
reports' hierarchy, district > police station > comprehensive grid, and every grid has a
15-digit code: 6 digits of the administrative division, then 3 each for district, station
and grid.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from polsim.geo import Geo
from polsim.scenario.schema import LAND_USES, CitySpec

LU = {name: i for i, name in enumerate(LAND_USES)}
BLOCKED = LU["blocked"]

FOOTFALL_BY_LAND_USE = np.array([1.0, 3.0, 4.0, 2.0, 1.5, 5.0, 0.0])
"""Relative footfall of a cell by land use, before the hourly profile."""

RESIDENT_SHARE = np.array([1.0, 0.2, 0.1, 0.05, 0.0, 0.0, 0.0])
"""Residents of a cell relative to a residential cell, by land use."""


@dataclass
class City:
    """Per-cell layers (arrays of shape rows x cols) and the admin hierarchy."""

    spec: CitySpec
    land_use: np.ndarray
    residents: np.ndarray
    footfall_base: np.ndarray
    road_speed: np.ndarray
    camera: np.ndarray
    grid_id: np.ndarray
    station_id: np.ndarray
    district_id: np.ndarray
    grid_codes: list[str]
    bases: dict[str, np.ndarray] = field(default_factory=dict)
    geo: Geo | None = None
    """Where the lattice lies on the map (None: a generated city given no ``origin``)."""

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

    @property
    def cell_m(self) -> float:
        """Side of a cell in metres."""
        return self.spec.cell_m

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

    def grid_codes_at(self, r: np.ndarray, c: np.ndarray) -> np.ndarray:
        """:meth:`grid_code` of many cells at once, as an object array of strings."""
        return np.asarray(self.grid_codes, dtype=object)[self.grid_id[r, c]]


CITIES_KEPT = 2
"""Generated cities kept for the next model of the same spec (the least recently used goes)."""

_kept: dict[str, City] = {}
_keeping = threading.Lock()  # the UI server builds models in several threads


def city_for(spec: CitySpec) -> City:
    """The city of ``spec``, generated once and shared by the models built from it.

    A sweep's runs, and a UI's resets, build many models of one city, and generating it costs
    more than a short run's first hour (~20 ms for the default city, seconds at city scale).
    The shared city's arrays are read-only, so no model can change another's city.
    """
    key = repr(spec)  # the spec holds lists, so the dataclass is not hashable; its repr is exact
    with _keeping:
        city = _kept.pop(key, None)
        if city is None:
            city = generate_city(spec)
            city.freeze()
        _kept[key] = city
        while len(_kept) > CITIES_KEPT:
            del _kept[next(iter(_kept))]
    return city


def generate_city(spec: CitySpec) -> City:
    """A synthetic city from its spec; deterministic in ``spec.seed``."""
    rng = np.random.default_rng(np.random.SeedSequence([spec.seed, 0xC17]))
    shape = (spec.rows, spec.cols)
    land_use = _land_use(spec, rng, shape)
    residents = rng.poisson(spec.residents_per_cell * RESIDENT_SHARE[land_use]).astype(np.float32)
    footfall = FOOTFALL_BY_LAND_USE[land_use].astype(np.float32)
    road = _roads(spec, land_use)
    grid_id, station_id, district_id, codes = _admin(spec, shape)
    city = City(spec, land_use, residents, footfall, road, np.zeros(shape, bool),
                grid_id, station_id, district_id, codes)
    city.camera = _cameras(spec, city, rng)
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


def _roads(spec: CitySpec, lu: np.ndarray) -> np.ndarray:
    rr, cc = np.indices(lu.shape)
    arterial = (rr % spec.arterial_every == 0) | (cc % spec.arterial_every == 0)
    road = np.where(arterial, spec.arterial_speed, spec.street_speed).astype(np.float32)
    road[lu == BLOCKED] = 0.0  # no road: units go round on the network
    return road


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


def _cameras(spec: CitySpec, city: City, rng: np.random.Generator) -> np.ndarray:
    """Cameras go where people are: sites drawn in proportion to footfall."""
    covered = np.zeros(city.land_use.shape, bool)
    weights = city.footfall_base.ravel().astype(float)
    if spec.cameras == 0 or weights.sum() == 0:
        return covered
    n = min(spec.cameras, int((weights > 0).sum()))
    sites = rng.choice(weights.size, size=n, replace=False, p=weights / weights.sum())
    radius = city.cells(spec.camera_radius_m)
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
    that every prefix is spread over the city (:func:`_spread_order`): 6 cars over 36
    station areas stand in six areas across the city, not in the top row of areas, which
    label order would give. Workstations come out of :func:`_busiest_spread` already spread.
    """
    nearest = _nearest_passable_index(city)
    out = {}
    for kind, labels in (("station", city.station_id), ("district", city.district_id),
                         ("grid", city.grid_id)):
        centres = _label_centres(labels, nearest)
        out[kind] = centres[_spread_order(centres, city.rows, city.cols)]
    out["workstation"] = _busiest_spread(city, max(spec.workstations, 1))
    out["centre"] = _busiest_spread(city, spec.centres)
    return out


def _spread_order(points: np.ndarray, rows: int, cols: int) -> np.ndarray:
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


def _nearest_passable_index(city: City) -> np.ndarray:
    _, idx = ndimage.distance_transform_edt(~city.passable, return_indices=True)
    return idx


def _label_centres(labels: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    n = int(labels.max()) + 1
    rr, cc = np.indices(labels.shape)
    counts = np.bincount(labels.ravel(), minlength=n)
    mr = (np.bincount(labels.ravel(), rr.ravel(), n) / counts).astype(int)
    mc = (np.bincount(labels.ravel(), cc.ravel(), n) / counts).astype(int)
    return np.stack([nearest[0][mr, mc], nearest[1][mr, mc]], axis=1).astype(np.int32)


def _busiest_spread(city: City, n: int) -> np.ndarray:
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
