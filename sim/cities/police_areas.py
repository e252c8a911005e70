"""Police areas of an imported city: districts, station areas and grids, with their codes.

From a GeoJSON of polygons (``--boundaries``), each feature is a police station's area, or a
grid when its ``code`` property is a 15-digit grid code (station and district then come from
the code's digits). Properties read: ``name``, ``code`` (12 digits for a station: division,
district, station; 15 for a grid) and ``district`` (stations with the same value share a
district; without it each station is its own). A station's grids are the squares of
``grid_cells`` cells inside it. Cells no polygon covers belong to the nearest one. Without a
GeoJSON the grids are laid over the area as for a generated city (:func:`polsim.cities.city._admin`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from polsim.cities.errors import CityError
from polsim.cities.geo import Geo

LONLAT_CRS = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
              "urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG:4326", "CRS84"}
"""``crs`` names (the old GeoJSON member) that mean longitude/latitude on WGS 84."""


@dataclass
class Boundary:
    """One polygon feature: its geometry (longitude/latitude) and properties."""

    geom: object
    name: str
    code: str
    district: str


@dataclass
class Labels:
    """Per-cell admin labels and each grid's 15-digit code."""

    grid_id: np.ndarray
    station_id: np.ndarray
    district_id: np.ndarray
    grid_codes: list[str]
    station_names: list[str]


MAX_GEOJSON_BYTES = 256 * 2**20
"""The largest police-areas file read: a country's police areas in full detail are tens of
megabytes; anything larger (``/dev/zero``, a planet file given by mistake) is refused unread."""


def read_boundaries(path: Path) -> list[Boundary]:
    """The polygon features of a GeoJSON file in longitude/latitude; anything else is a one-line error."""
    where = str(path)
    doc = _read_json(path, where)
    _check_crs(doc, where)
    features = doc.get("features") if isinstance(doc, dict) and doc.get("type") == "FeatureCollection" else [doc]
    if not isinstance(features, list):
        raise CityError(where, "features", "must be a list of GeoJSON features")
    out = [b for i, feature in enumerate(features) if (b := _boundary(feature, where, i)) is not None]
    if not out:
        raise CityError(where, "", "holds no Polygon or MultiPolygon features; allowed: a GeoJSON "
                        "FeatureCollection of police-area polygons")
    return out


def _read_json(path: Path, where: str):
    """The parsed file: a regular file of at most :data:`MAX_GEOJSON_BYTES`, valid JSON, not nested
    past what the parser can follow.
    """
    if not path.exists():
        raise CityError(where, "", "file not found; allowed: a GeoJSON of police-area polygons")
    if not path.is_file():
        raise CityError(where, "", "is not a regular file (a folder, a device or a pipe); allowed: a GeoJSON "
                        "of police-area polygons")
    if path.stat().st_size > MAX_GEOJSON_BYTES:
        raise CityError(where, "", f"is larger than {MAX_GEOJSON_BYTES >> 20} MiB; allowed: a GeoJSON of "
                        "police-area polygons (simplify it, e.g. ogr2ogr -simplify 1)")
    try:
        return json.loads(path.read_bytes()[:MAX_GEOJSON_BYTES + 1].decode("utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise CityError(where, "", f"not valid GeoJSON: {str(err).splitlines()[0]}") from None
    except RecursionError:
        raise CityError(where, "", "not valid GeoJSON: arrays or objects nest too deeply to parse") from None


def _boundary(feature, where: str, i: int) -> Boundary | None:
    """One feature as a :class:`Boundary` (None: not a polygon); a bad polygon or property is the error."""
    import shapely
    import shapely.geometry

    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return None
    try:
        with np.errstate(invalid="ignore"):  # a NaN is refused below, not warned of
            geom = shapely.geometry.shape(geometry)
        coords = shapely.get_coordinates(geom)
    except (ValueError, TypeError, AttributeError, IndexError, RecursionError, shapely.errors.GEOSException) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise CityError(where, f"features[{i}].geometry", f"not a valid polygon: {reason}; allowed: closed "
                        "rings of [longitude, latitude] pairs") from None
    if not len(coords) or not np.isfinite(coords).all():
        raise CityError(where, f"features[{i}].geometry", "has a coordinate that is not a finite number "
                        "(NaN or infinite), or none; allowed: [longitude, latitude] pairs in degrees")
    _check_lonlat(geom, where, i)
    if not geom.is_valid:
        raise CityError(where, f"features[{i}].geometry", f"is not a valid polygon ({shapely.is_valid_reason(geom)}); "
                        "allowed: rings that do not cross themselves (repair it, e.g. ogr2ogr -makevalid)")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        raise CityError(where, f"features[{i}].properties", "must be an object (name, code, district)")
    return Boundary(geom, _text(props, "name", where, i), _code(props, where, i), _text(props, "district", where, i))


def _text(props: dict, key: str, where: str, i: int) -> str:
    """A text property: absent is empty; null or a non-text value is the error (it would be stored as 'None')."""
    if key not in props:
        return ""
    value = props[key]
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise CityError(where, f"features[{i}].properties.{key}", f"is {value!r}; allowed: text (or leave it out)")
    return str(value)


def _code(props: dict, where: str, i: int) -> str:
    """The ``code`` property: absent, or 12 digits (a station) or 15 (a grid)."""
    code = _text(props, "code", where, i)
    if code and not (code.isdigit() and code.isascii() and len(code) in (12, 15)):
        raise CityError(where, f"features[{i}].properties.code", f"is {code!r}; allowed: 12 digits (a station: "
                        "division, district, station) or 15 (a grid), or leave it out")
    return code


def _check_crs(doc, where: str) -> None:
    crs = doc.get("crs") if isinstance(doc, dict) else None
    if crs is None:
        return
    name = (crs.get("properties") or {}).get("name") if isinstance(crs, dict) else crs
    if str(name) not in LONLAT_CRS:
        raise CityError(where, "crs", f"is {name!r}; allowed: longitude/latitude on WGS 84 "
                        "(EPSG:4326 / CRS84, as GeoJSON requires): reproject it, e.g. "
                        "ogr2ogr -t_srs EPSG:4326 out.geojson in.geojson")


def _check_lonlat(geom, where: str, i: int) -> None:
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise CityError(where, f"features[{i}]", f"coordinates ({x0:.6g}, {y0:.6g})..({x1:.6g}, {y1:.6g}) "
                        "are not longitude/latitude; allowed: WGS 84 degrees (reproject to EPSG:4326)")


def labels_from_boundaries(bounds: list[Boundary], geo: Geo, inside: np.ndarray, admin_code: str,
                           grid_cells: int, where: str) -> Labels:
    """Admin labels from the polygons; every cell belongs to the nearest polygon."""
    from polsim.cities.projection import project
    from polsim.cities.rasterise import burn

    polys = project([b.geom for b in bounds], geo)
    feature = burn(geo, list(polys), np.arange(1, len(bounds) + 1), dtype="int32").astype(np.int64) - 1
    if not (feature[inside] >= 0).any():
        raise CityError(where, "", "no polygon covers any cell of the imported area; allowed: "
                        "police areas that overlap the OSM extract (and --bbox)")
    _, (nr, nc) = ndimage.distance_transform_edt(feature < 0, return_indices=True)
    feature = feature[nr, nc]
    if all(len(b.code) == 15 and b.code.isdigit() for b in bounds):
        return _grid_features(bounds, feature)
    return _station_features(bounds, feature, admin_code, grid_cells, where)


def _dense(keys: np.ndarray) -> np.ndarray:
    """Labels 0..n-1 in order of first appearance in row-major order."""
    _, first, inverse = np.unique(keys.ravel(), return_index=True, return_inverse=True)
    rank = np.argsort(np.argsort(first))
    return rank[inverse].reshape(keys.shape).astype(np.int32)


def _grid_features(bounds: list[Boundary], feature: np.ndarray) -> Labels:
    """Every polygon is a grid; its 15-digit code gives its station (12 digits) and district (9)."""
    codes = np.array([b.code for b in bounds])
    grid_id = _dense(feature)
    present = np.unique(feature)
    order = np.argsort([np.flatnonzero(feature.ravel() == f)[0] for f in present])
    grid_codes = [str(codes[f]) for f in present[order]]
    station_key = np.array([c[:12] for c in codes])[feature]
    district_key = np.array([c[:9] for c in codes])[feature]
    station_id, district_id = _dense(station_key), _dense(district_key)
    names = [""] * (int(station_id.max()) + 1)
    return Labels(grid_id, station_id, district_id, grid_codes, names)


def _station_features(bounds: list[Boundary], feature: np.ndarray, admin_code: str, grid_cells: int,
                      where: str) -> Labels:
    """Every polygon is a station area; grids are the squares of ``grid_cells`` cells inside it."""
    station_id = _dense(feature)
    n_stations = int(station_id.max()) + 1
    by_station = [bounds[int(feature.flat[np.flatnonzero(station_id.ravel() == s)[0]])] for s in range(n_stations)]
    districts: dict[str, int] = {}
    station_district = [districts.setdefault(b.district or f"station {s}", len(districts))
                        for s, b in enumerate(by_station)]
    prefixes = _station_prefixes(by_station, station_district, admin_code, where)
    rr, cc = np.indices(feature.shape)
    square = (rr // grid_cells) * (-(-feature.shape[1] // grid_cells)) + cc // grid_cells
    grid_id = _dense(station_id.astype(np.int64) * (int(square.max()) + 1) + square)
    grid_station = np.zeros(int(grid_id.max()) + 1, np.int64)
    grid_station[grid_id.ravel()] = station_id.ravel()
    seq = np.zeros(n_stations, np.int64)
    codes = []
    for s in grid_station:
        seq[s] += 1
        if seq[s] > 999:
            raise CityError(where, "", f"station area {by_station[s].name or s + 1} holds more than 999 grids "
                            "of --grid-cells cells; allowed: at most 999 (raise --grid-cells)")
        codes.append(f"{prefixes[s]}{seq[s]:03d}")
    district_id = np.asarray(station_district, np.int32)[station_id]
    return Labels(grid_id, station_id, district_id, codes, [b.name for b in by_station])


def _station_prefixes(stations: list[Boundary], district_of: list[int], admin_code: str,
                      where: str) -> list[str]:
    """The first 12 digits of each station's grid codes: its own 12-digit ``code`` where given,
    else the division, its district's number and its number within the district.
    """
    count: dict[int, int] = {}
    out = []
    for b, d in zip(stations, district_of, strict=True):
        count[d] = count.get(d, 0) + 1
        if max(d + 1, count[d]) > 999:
            raise CityError(where, "", "more than 999 districts, or stations in a district; allowed: "
                            "at most 999 of each (3 digits of the grid code)")
        own = len(b.code) == 12 and b.code.isdigit()
        out.append(b.code if own else f"{admin_code}{d + 1:03d}{count[d]:03d}")
    return out


def generated_labels(geo: Geo, admin_code: str, grid_cells: int, station_grids: int,
                     district_stations: int) -> Labels:
    """Grids laid over the area as for a generated city, with the same hierarchical codes."""
    from polsim.cities.city import _admin
    from polsim.scenario.schema import CitySpec

    # land_use={}: the shares place nothing here, so a small area is no block's concern
    spec = CitySpec(rows=geo.rows, cols=geo.cols, cell_m=geo.cell_m, code=admin_code, land_use={},
                    grid_cells=grid_cells, station_grids=station_grids, district_stations=district_stations)
    grid_id, station_id, district_id, codes = _admin(spec, (geo.rows, geo.cols))
    return Labels(grid_id, station_id, district_id, codes, [""] * (int(station_id.max()) + 1))
