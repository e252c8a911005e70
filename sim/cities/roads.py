"""Road layers of an imported city, and what stays reachable on them.

Each road way is burnt into every cell it touches: ``road_kmh`` takes the fastest road a
vehicle may drive there, ``foot`` marks cells with any road a person on foot may use, and
``road_class`` the most important road's class code. Only the largest connected drivable
network (8-neighbour, as travel moves) is kept, with the foot paths and land joined to it, so
that every base can reach every call; the rest is cut off (:func:`keep_reachable`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from polsim.cities import tags as tag_rules
from polsim.cities.geo import Geo
from polsim.cities.osm import Road
from polsim.cities.rasterise import burn

ROADS_ALL_TOUCHED = True
"""Roads take every cell they touch: a 4-connected band, so a diagonal road or bridge never
depends on a diagonal step between two cells off the road (the engine's travel rule makes a
diagonal move only when both cells beside it are open, and water beside a bridge is not).
Measured against the OSM way graph on the Helsinki extract at 25 m (tests/test_cities_travel.py),
the thinner 8-connected lines of GDAL's line rasteriser are a little closer (90th-percentile
error 16% against 18-20%) but break 81 of 200 trips under that diagonal rule."""

EIGHT = np.ones((3, 3), bool)
"""8-neighbour connectivity: a cell connects to the cells around it, diagonals included."""


@dataclass
class RoadLayers:
    """The road rasters of a city (rows x cols)."""

    kmh: np.ndarray
    road_class: np.ndarray
    foot: np.ndarray
    bridge: np.ndarray


def road_layers(roads: list[Road], lines: list, geo: Geo) -> RoadLayers:
    """Burn the projected road ``lines`` (one per ``roads`` entry) onto the lattice."""
    classes = [tag_rules.ROAD_CLASSES[r.highway] for r in roads]
    drivable = [i for i, r in enumerate(roads) if r.kmh > 0]
    by_speed = sorted(drivable, key=lambda i: roads[i].kmh)  # the fastest is burnt last and stays
    kmh = burn(geo, [lines[i] for i in by_speed], [roads[i].kmh for i in by_speed], lines=ROADS_ALL_TOUCHED)
    by_rank = sorted(range(len(roads)), key=lambda i: -classes[i].code)  # the lowest code stays
    code = burn(geo, [lines[i] for i in by_rank], [classes[i].code for i in by_rank], lines=ROADS_ALL_TOUCHED,
                dtype="int16").astype(np.int8)
    walk = [lines[i] for i, r in enumerate(roads) if r.foot]
    foot = burn(geo, walk, 1, lines=ROADS_ALL_TOUCHED, dtype="uint8").astype(bool)
    bridges = [lines[i] for i, r in enumerate(roads) if r.bridge]
    bridge = burn(geo, bridges, 1, lines=ROADS_ALL_TOUCHED, dtype="uint8").astype(bool)
    return RoadLayers(kmh.astype(np.float32), code, foot, bridge)


def off_water(roads: RoadLayers, water: np.ndarray) -> None:
    """Only bridges cross water: a road's cells on water are dropped unless a bridge is there,
    so that roads on the two banks of a narrow river are not joined across it.
    """
    wet = water & ~roads.bridge
    roads.kmh[wet] = 0.0
    roads.foot[wet] = False
    roads.road_class[wet] = 0


def keep_reachable(roads: RoadLayers, land: np.ndarray) -> np.ndarray:
    """Keep the largest drivable network and what joins it; return the passable cells.

    ``land``: cells people may stand on (not water, blocked land or outside the area).
    Drivable cells off the largest network lose their speed; foot cells and land that do not
    join it are cut off. Road and foot cells are passable whatever lies under them (a bridge).
    """
    drive = roads.kmh > 0
    main = _largest(drive)
    roads.kmh[drive & ~main] = 0.0
    roads.foot &= _joined(main | roads.foot, main)
    roads.road_class[~(main | roads.foot)] = 0
    return _joined(land | main | roads.foot, main)


def _largest(mask: np.ndarray) -> np.ndarray:
    labels, count = ndimage.label(mask, structure=EIGHT)
    if count == 0:
        return mask.copy()
    sizes = np.bincount(labels.ravel())
    sizes[0] = 0
    return labels == sizes.argmax()


def _joined(mask: np.ndarray, core: np.ndarray) -> np.ndarray:
    """The cells of ``mask`` connected (8-neighbour) to any cell of ``core``."""
    labels, _ = ndimage.label(mask, structure=EIGHT)
    keep = np.unique(labels[core & mask])
    return np.isin(labels, keep[keep > 0])


def checkpoints(roads: RoadLayers, inside: np.ndarray) -> np.ndarray:
    """Drivable cells of major roads (up to tertiary) next to the area's edge: where they leave the city."""
    major = (roads.kmh > 0) & (roads.road_class >= 1) & (roads.road_class <= tag_rules.MAJOR_ROAD_MAX_CODE)
    beyond = np.pad(~inside, 1, constant_values=True)
    near_edge = ndimage.binary_dilation(beyond, structure=EIGHT)[1:-1, 1:-1]
    return major & near_edge
