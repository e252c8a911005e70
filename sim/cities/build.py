"""``polsim city import``: an OpenStreetMap extract to a city file, stage by stage.

Read the extract, lay the lattice over the area (UTM zone of its centre), burn roads, land
use, water, buildings and points onto it, keep what the road network reaches, label the
police areas, place the bases and write the city file (and its preview) atomically. Every
check on the input runs before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from polsim.cities import tags as tag_rules
from polsim.cities.city import BLOCKED, label_bases, nearest_index, spread_order
from polsim.cities.errors import CityError
from polsim.cities.geo import Geo
from polsim.cities.landuse import PointSet, footfall_layer, land_use_layer, point_density, residents_layer
from polsim.cities.osm import Extract, header_box, read_extract
from polsim.cities.police_areas import generated_labels, labels_from_boundaries, read_boundaries
from polsim.cities.projection import (
    check_area,
    check_box,
    check_cell_m,
    inside_cells,
    lattice_for,
    linestrings,
    overlap,
    project,
)
from polsim.cities.rasterise import burn, count_points
from polsim.cities.roads import checkpoints, keep_reachable, off_water, road_layers

NO_DIVISION = "000000"
"""The administrative division heading an imported city's grid codes unless one is given: none
(a generated city's default, 320600, is Nantong's, which no other city should carry)."""


@dataclass(frozen=True)
class ImportOptions:
    """What ``polsim city import`` takes besides the extract."""

    cell_m: float = 100.0
    bbox: tuple[float, float, float, float] | None = None
    boundaries: Path | None = None
    code: str = NO_DIVISION
    grid_cells: int = 5
    station_grids: int = 4
    district_stations: int = 2


STAGES = ("read", "lattice", "roads", "land use", "people", "police areas", "bases")


def import_city(osm: Path, out: Path, options: ImportOptions, progress: bool = True) -> Path:
    """Import ``osm`` into the city folder ``out`` (written atomically); returns ``out``."""
    from polsim.cities.cityfile import check_out, write_city_file

    check_out(out)
    with tqdm(total=len(STAGES) + 1, desc=f"import {osm.name}", disable=not progress, unit="stage") as bar:
        city = build_layers(osm, options, bar)
        write_city_file(out, city)
        bar.update()
    return out


@dataclass
class ImportedCity:
    """Everything a city file holds, before it is written."""

    layers: dict[str, np.ndarray]
    meta: dict


def build_layers(osm: Path, options: ImportOptions, bar: tqdm | None = None) -> ImportedCity:
    """Read and rasterise ``osm``; every bad input is a one-line :class:`CityError`, nothing written."""
    def stage(done: str) -> None:
        """Tick the bar past ``done``, showing the stage that starts now."""
        if bar is not None:
            k = STAGES.index(done) + 1
            bar.set_postfix_str(STAGES[k] if k < len(STAGES) else "write")
            bar.update()

    if bar is not None:
        bar.set_postfix_str(STAGES[0])
    where = str(osm)
    _check_before_reading(osm, options)
    if options.boundaries is not None:
        bounds = read_boundaries(options.boundaries)  # a bad GeoJSON fails before the long read
    extract = read_extract(osm)
    stage("read")
    box = _area_box(extract, options, where)
    geo, outline = lattice_for(box, options.cell_m, where)
    inside = inside_cells(geo, outline)
    stage("lattice")
    roads, lines = _roads(extract, geo, box, where)
    stage("roads")
    areas, points = _areas(extract, geo), _points(extract, geo)
    water = _water(extract, geo, outline, areas)
    off_water(roads, water)
    featured = (roads.kmh > 0) | roads.foot | (burn(geo, areas["buildings"], 1, dtype="uint8") > 0) | (
        count_points(geo, points.x, points.y) > 0)
    shops = point_density(geo, points, "shop") + point_density(geo, points, "amenity")
    lu, land = land_use_layer(geo, areas["land_geoms"], areas["land_classes"], points, water, inside,
                              featured, (roads.kmh > 0) | roads.foot, shops)
    passable = keep_reachable(roads, land)
    lu[~passable] = BLOCKED
    stage("land use")
    residents, buildings_mapped = residents_layer(geo, lu, areas["buildings"], areas["building_kinds"],
                                                  areas["levels"])
    footfall = footfall_layer(geo, lu, points)
    stage("people")
    if options.boundaries is not None:
        labels = labels_from_boundaries(bounds, geo, inside, options.code, options.grid_cells,
                                        str(options.boundaries))
    else:
        labels = generated_labels(geo, options.code, options.grid_cells, options.station_grids,
                                  options.district_stations)
    stage("police areas")
    drivable = roads.kmh > 0
    nearest_road = nearest_index(drivable)
    police = _police(extract, geo, nearest_road)
    bases = {kind: label_bases(lab, nearest_road) for kind, lab in
             (("district", labels.district_id), ("grid", labels.grid_id))}
    bases["station"] = police["cells"] if len(police["cells"]) else label_bases(labels.station_id, nearest_road)
    stage("bases")
    layers = {
        "land_use": lu, "residents": residents, "footfall_base": footfall, "road_kmh": roads.kmh,
        "road_class": roads.road_class, "foot": roads.foot, "checkpoints": checkpoints(roads, inside),
        "grid_id": labels.grid_id, "station_id": labels.station_id, "district_id": labels.district_id,
        "inside": inside, "water": water, "camera_sites": _camera_sites(extract, geo),
        **{f"bases_{k}": v.astype(np.int32) for k, v in bases.items()},
    }
    meta = _meta(extract, options, geo, box, labels, police, buildings_mapped, len(lines), layers)
    return ImportedCity(layers, meta)


def _check_before_reading(osm: Path, options: ImportOptions) -> None:
    """Refuse a lattice too large (or too small) from the boxes known before the data are read:
    ``--bbox`` and the box the file's header declares, as ``polsim run`` refuses a city by its
    size before building it.
    """
    where = str(osm)
    check_cell_m(options.cell_m, where)
    if options.bbox is not None:
        check_area(options.bbox, options.cell_m, where, "--bbox")
    declared = header_box(osm)
    if declared is None:
        return
    check_box(declared, where, "the box the file's header declares")
    box = declared if options.bbox is None else overlap(options.bbox, declared)
    if box is not None:
        check_area(box, options.cell_m, where)


def _area_box(extract: Extract, options: ImportOptions, where: str) -> tuple[float, float, float, float]:
    data = extract.data_box()
    if data is None:
        raise CityError(where, "", "holds no roads (no highway=* ways); allowed: an extract with a road network")
    if options.bbox is None:
        return data
    box = overlap(options.bbox, data)
    if box is None:
        w, s, e, n = data
        raise CityError(where, "--bbox", f"{','.join(f'{v:g}' for v in options.bbox)} lies outside the data "
                        f"({w:.5f},{s:.5f},{e:.5f},{n:.5f}); allowed: a box that overlaps it")
    return box


def _roads(extract: Extract, geo: Geo, box, where: str):

    lines = list(project(linestrings([r.lonlat for r in extract.roads]), geo))
    roads = road_layers(extract.roads, lines, geo)
    if not (roads.kmh > 0).any():
        raise CityError(where, "", "no road a vehicle may drive lies inside the area "
                        f"({','.join(f'{v:.5f}' for v in box)}); allowed: an area with a road network "
                        "(highway=primary, residential, service...)")
    return roads, lines


def _areas(extract: Extract, geo: Geo) -> dict[str, list]:
    import shapely

    geoms = list(project(shapely.from_wkb([a.wkb for a in extract.areas]), geo)) if extract.areas else []
    land = [i for i, a in enumerate(extract.areas) if a.land_use]
    built = [i for i, a in enumerate(extract.areas) if a.building]
    return {"land_geoms": [geoms[i] for i in land],
            "land_classes": [extract.areas[i].land_use for i in land],
            "buildings": [geoms[i] for i in built],
            "building_kinds": [extract.areas[i].building for i in built],
            "levels": [extract.areas[i].levels for i in built]}


def _points(extract: Extract, geo: Geo) -> PointSet:
    pts = extract.points
    x, y = geo.xy_of_lonlat([p.lon for p in pts], [p.lat for p in pts])
    return PointSet(np.atleast_1d(x), np.atleast_1d(y), [p.land_use for p in pts], [p.footfall for p in pts])


def _water(extract: Extract, geo: Geo, outline, areas: dict[str, list]) -> np.ndarray:
    """Water areas, river lines (every cell they touch) and the sea."""
    from polsim.cities.coast import sea_polygons

    lakes = [g for g, cls in zip(areas["land_geoms"], areas["land_classes"], strict=True) if cls == "water"]
    water = burn(geo, lakes, 1, dtype="uint8") > 0
    if extract.water_lines:
        rivers = project(linestrings(extract.water_lines), geo)
        water |= burn(geo, list(rivers), 1, lines=True, dtype="uint8") > 0
    if extract.coastlines:
        coast = project(linestrings(extract.coastlines), geo)
        water |= burn(geo, sea_polygons(list(coast), outline), 1, dtype="uint8") > 0
    return water


def _cells_of(extract: Extract, geo: Geo, role: str) -> tuple[np.ndarray, list[str]]:
    """Flat indices of the cells of the points with ``role`` (camera, police) on the lattice, and their names."""
    pts = [p for p in extract.points if getattr(p, role)]
    r, c = geo.cells_of_lonlat([p.lon for p in pts], [p.lat for p in pts])
    r, c = np.atleast_1d(r), np.atleast_1d(c)
    on = r >= 0
    return (r * geo.cols + c)[on].astype(np.int64), [p.name for p, k in zip(pts, on, strict=True) if k]


def _camera_sites(extract: Extract, geo: Geo) -> np.ndarray:
    return _cells_of(extract, geo, "camera")[0]


def _police(extract: Extract, geo: Geo, nearest_road: np.ndarray) -> dict:
    """Police stations on the nearest drivable cell, one base per cell, in spread order."""
    flat, names = _cells_of(extract, geo, "police")
    r, c = np.divmod(flat, geo.cols)
    cells = np.stack([nearest_road[0][r, c], nearest_road[1][r, c]], axis=1).reshape(-1, 2)
    cells, first = np.unique(cells, axis=0, return_index=True)
    order = spread_order(cells, geo.rows, geo.cols)
    return {"cells": cells[order].astype(np.int32), "names": [names[first[i]] for i in order]}


def _meta(extract: Extract, options: ImportOptions, geo: Geo, box, labels, police: dict,
          buildings_mapped: bool, n_roads: int, layers: dict) -> dict:
    warnings = []
    if not buildings_mapped:
        warnings.append(f"no buildings mapped: residents fall back to {tag_rules.FALLBACK_RESIDENTS_PER_HA:g} "
                        "a hectare of residential land")
    if not len(police["cells"]):
        warnings.append("no police station (amenity=police) mapped: station bases are the centres "
                        "of the station areas")
    if extract.ways_missing_nodes:
        warnings.append(f"{extract.ways_missing_nodes} of {extract.ways_read} ways lost nodes the file does not "
                        "hold (cut by the extract's edge, or a damaged file): only their parts with nodes "
                        "were kept")
    if extract.broken_areas:
        warnings.append(f"{extract.broken_areas} areas could not be assembled (invalid rings) and were left out")
    return {
        "source": {"file": extract.path.name, "path": str(extract.path.resolve()),
                   "bytes": extract.path.stat().st_size, "date": extract.date,
                   "date_source": extract.date_source},
        "bbox": [round(v, 7) for v in box],
        "geo": geo.to_dict(),
        "options": {"cell_m": options.cell_m, "code": options.code, "grid_cells": options.grid_cells,
                    "station_grids": options.station_grids, "district_stations": options.district_stations,
                    "boundaries": str(options.boundaries) if options.boundaries else None},
        "grid_codes": labels.grid_codes,
        "stations": labels.station_names,
        "police_stations": police["names"],
        "station_bases": "mapped police stations (amenity=police)" if len(police["cells"]) else
                         "centres of the station areas: the extract maps no police station (amenity=police)",
        "counts": {"road_ways": n_roads, "police_stations": int(len(police["cells"])),
                   "cameras": int(len(layers["camera_sites"])),
                   "ways_missing_nodes": extract.ways_missing_nodes,
                   "drivable_cells": int((layers["road_kmh"] > 0).sum()),
                   "passable_cells": int((layers["land_use"] != BLOCKED).sum())},
        "warnings": warnings,
    }
