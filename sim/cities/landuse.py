"""Land use, residents and footfall of an imported city, by the rules of :mod:`polsim.cities.tags`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from polsim.cities import tags as tag_rules
from polsim.cities.city import BLOCKED, FOOTFALL_BY_LAND_USE, LU, RESIDENT_SHARE
from polsim.cities.geo import Geo
from polsim.cities.rasterise import area_in_cells, burn_by_priority, count_points

PRIORITY_CLASS = {p: cls for cls, p in tag_rules.LAND_USE_PRIORITY.items()}
WATER = tag_rules.LAND_USE_PRIORITY["water"]


@dataclass
class PointSet:
    """Projected points with their roles (from :class:`polsim.cities.osm.Point`)."""

    x: np.ndarray
    y: np.ndarray
    land_use: list[str | None]
    footfall: list[tuple[str, ...]]


def land_use_layer(geo: Geo, area_geoms: list, area_classes: list[str], points: PointSet,
                   water: np.ndarray, inside: np.ndarray, featured: np.ndarray, roads: np.ndarray,
                   shops_per_ha: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Land-use codes (``LAND_USES`` order) and the cells people may stand on before reach.

    ``water``: cells of water lines and sea; ``featured``: cells with any road, building or
    point; ``roads``: cells with a road of any kind (they stay land over water: bridges).
    """
    areas = burn_by_priority(geo, area_geoms, [tag_rules.LAND_USE_PRIORITY[c] for c in area_classes])
    lu = np.full(areas.shape, LU[tag_rules.UNMAPPED_EMPTY], np.int8)
    lu[featured] = LU[tag_rules.UNMAPPED_WITH_FEATURES]
    for p, cls in PRIORITY_CLASS.items():
        if cls not in ("water", "blocked"):
            lu[areas == p] = LU[cls]
    busy = (lu == LU["residential"]) & (shops_per_ha >= tag_rules.COMMERCIAL_POINTS_PER_HA)
    lu[busy] = LU["commercial"]
    wet = (areas == WATER) | water
    for cls in sorted({c for c in points.land_use if c}, key=tag_rules.LAND_USE_PRIORITY.get):
        pick = np.array([c == cls for c in points.land_use])
        held = count_points(geo, points.x[pick], points.y[pick]) > 0
        lu[held & ~wet] = LU[cls]
        areas[held & ~wet] = 0  # a point outranks blocked land
    blocked = wet | (areas == tag_rules.LAND_USE_PRIORITY["blocked"]) | ~inside
    land = ~blocked | (roads & inside)
    lu[~land] = BLOCKED
    lu[land & blocked] = LU[tag_rules.UNMAPPED_WITH_FEATURES]  # a road over water or blocked land
    return lu, land


def residents_layer(geo: Geo, lu: np.ndarray, buildings: list, kinds: list[str | None],
                    levels: list[float]) -> tuple[np.ndarray, bool]:
    """Residents per cell from building floor area; and whether buildings were mapped at all.

    Floor area = footprint x storeys; homes take the residential buildings' floors and the
    share ``RESIDENT_SHARE`` of the cell's land use of buildings of unstated use; one resident
    per ``FLOOR_M2_PER_RESIDENT``. An extract with no building at all falls back to
    ``FALLBACK_RESIDENTS_PER_HA`` by land use.
    """
    share = RESIDENT_SHARE[lu]
    if not buildings:
        cell_ha = geo.cell_m * geo.cell_m / 1e4
        return (tag_rules.FALLBACK_RESIDENTS_PER_HA * cell_ha * share).astype(np.float32), False
    homes = [i for i, k in enumerate(kinds) if k in tag_rules.RESIDENTIAL_BUILDINGS]
    mixed = [i for i, k in enumerate(kinds) if k in tag_rules.MIXED_BUILDINGS]
    floors = area_in_cells(geo, [buildings[i] for i in homes], [levels[i] for i in homes])
    floors += share * area_in_cells(geo, [buildings[i] for i in mixed], [levels[i] for i in mixed])
    residents = floors / tag_rules.FLOOR_M2_PER_RESIDENT
    residents[lu == BLOCKED] = 0.0
    return residents.astype(np.float32), True


def point_density(geo: Geo, points: PointSet, kind: str) -> np.ndarray:
    """Points with footfall role ``kind`` per hectare, counted over ``FOOTFALL_WINDOW_M``."""
    pick = np.array([kind in f for f in points.footfall], bool)
    counts = count_points(geo, points.x[pick], points.y[pick]) if pick.any() else np.zeros((geo.rows, geo.cols))
    window = max(1, round(tag_rules.FOOTFALL_WINDOW_M / geo.cell_m))
    mean = ndimage.uniform_filter(counts.astype(float), size=window, mode="constant")
    return mean / (geo.cell_m * geo.cell_m / 1e4)


def footfall_layer(geo: Geo, lu: np.ndarray, points: PointSet) -> np.ndarray:
    """The land-use base footfall plus each point source's weight x its density per hectare."""
    footfall = FOOTFALL_BY_LAND_USE[lu].astype(float)
    for kind, (_, weight) in tag_rules.FOOTFALL_POINTS.items():
        footfall += weight * point_density(geo, points, kind)
    footfall[lu == BLOCKED] = 0.0
    return footfall.astype(np.float32)
