"""Putting records on the map and on the lattice: longitude/latitude, projected x/y, the cell.

A row is placed by the first of its fields that it has: longitude and latitude, a WKT point,
x/y in the schema's CRS, or a lattice row and column. Projected x/y are in the city's CRS
when a city with a place is given (so they fall on its cells), else in the UTM zone of the
data's median point. A city with no place on the map takes x/y as metres east and north of
its south-west corner, or cells, and nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from polsim.cities.geo import LOCAL, Geo, transformer, utm_crs
from polsim.data.errors import DataError

WGS84 = "EPSG:4326"

_POINT = re.compile(r"^\s*POINT\s*\(\s*([-+0-9.eE]+)\s+([-+0-9.eE]+)\s*\)\s*$", re.IGNORECASE)


@dataclass
class Placed:
    """Where each row lies: lon/lat (NaN unknown), x/y in ``crs``, the cell (-1: none or off the city)."""

    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray
    row: np.ndarray
    col: np.ndarray
    located: np.ndarray
    """Rows that had a usable position at all."""
    crs: str
    invalid: np.ndarray | None = None
    """Rows whose only position is no place on Earth (a longitude past +-180, a latitude past
    +-90, x/y that do not project): not located, and told apart from rows with none."""


def transform(x: np.ndarray, y: np.ndarray, source: str, target: str) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates from one CRS into another (NaN stays NaN)."""
    if source == target:
        return np.asarray(x, float), np.asarray(y, float)
    tx, ty = transformer(source, target).transform(np.asarray(x, float), np.asarray(y, float))
    return np.asarray(tx, float), np.asarray(ty, float)


def local_geo(rows: int, cols: int, cell_m: float) -> Geo:
    """A placeless city's frame: x east and y north of its south-west corner, in metres."""
    return Geo.local(rows, cols, cell_m)


def parse_points(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """``POINT (lon lat)`` strings as two float arrays (NaN where the text is no such point)."""
    found = values.fillna("").astype(str).str.extract(_POINT)
    return pd.to_numeric(found[0], errors="coerce").to_numpy(float), \
        pd.to_numeric(found[1], errors="coerce").to_numpy(float)


def place(fields: dict[str, np.ndarray | pd.Series], xy_crs: str | None, geo: Geo | None,
          file: str) -> Placed:
    """Place every row from whichever position fields it has (see the module docstring).

    ``geo``: the city's frame (``local_geo`` for a city with no place), or None for no city.
    """
    n = len(next(iter(fields.values())))
    lon, lat = np.full(n, np.nan), np.full(n, np.nan)
    invalid = np.zeros(n, bool)
    for a, b in _geographic_fields(fields):
        usable = _usable(a, b)
        on_earth = _on_earth(a, b)
        invalid |= usable & ~on_earth
        ok = np.isnan(lon) & usable & on_earth
        lon[ok], lat[ok] = a[ok], b[ok]
    raw_x, raw_y = np.full(n, np.nan), np.full(n, np.nan)
    source = xy_crs or (geo.crs if geo is not None else "unknown")
    if "x" in fields:
        a, b = np.asarray(fields["x"], float), np.asarray(fields["y"], float)
        ok = np.isnan(lon) & _usable(a, b)
        if source in (LOCAL, "unknown"):
            raw_x[ok], raw_y[ok] = a[ok], b[ok]
        else:
            lon[ok], lat[ok] = transform(a[ok], b[ok], source, WGS84)
            off = ok & ~_on_earth(lon, lat)  # pyproj gives inf for x/y beyond the projection's reach
            invalid |= off
            lon[off], lat[off] = np.nan, np.nan
    geographic = np.isfinite(lon)
    crs = geo.crs if geo is not None else _data_crs(lon, lat, source)
    if crs == LOCAL and geographic.any():
        raise DataError(file, "", "the city has no place on the map (give its scenario city.origin = "
                        "[lon, lat]), so longitudes, latitudes and projected x/y cannot be put on it; "
                        "allowed here: x/y in metres from its south-west corner, or row/col")
    x, y = raw_x, raw_y
    if geographic.any():
        x[geographic], y[geographic] = transform(lon[geographic], lat[geographic], WGS84, crs)
    row, col = np.full(n, -1, np.int64), np.full(n, -1, np.int64)
    if geo is not None:
        row, col = geo.cells_of_xy(x, y)
    located = np.isfinite(x)
    if "row" in fields:
        a, b = np.asarray(fields["row"], float), np.asarray(fields["col"], float)
        ok = ~located & np.isfinite(a) & np.isfinite(b)
        located = located | ok
        inside = ok if geo is None else ok & (a >= 0) & (a < geo.rows) & (b >= 0) & (b < geo.cols)
        row[inside], col[inside] = a[inside].astype(np.int64), b[inside].astype(np.int64)
        if geo is not None:
            x[inside], y[inside] = geo.xy_of_cells(row[inside], col[inside])
    return Placed(lon, lat, x, y, row, col, located, crs, invalid & ~located)


def _geographic_fields(fields: dict[str, np.ndarray | pd.Series]):
    if "lon" in fields:
        yield np.asarray(fields["lon"], float), np.asarray(fields["lat"], float)
    if "point" in fields:
        yield parse_points(pd.Series(fields["point"]))


def _usable(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Both coordinates present, and not the (0, 0) some sources write for a blank."""
    return np.isfinite(a) & np.isfinite(b) & ~((a == 0) & (b == 0))


def _on_earth(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Longitudes in -180..180 and latitudes in -90..90 (NaN is not on Earth either)."""
    return (np.abs(lon) <= 180) & (np.abs(lat) <= 90)


def _data_crs(lon: np.ndarray, lat: np.ndarray, source: str) -> str:
    """With no city: the UTM zone of the data's median point, else the x/y's own frame."""
    ok = np.isfinite(lon)
    if ok.any():
        return utm_crs(float(np.median(lon[ok])), float(np.median(lat[ok])))
    return source


def frame_of(city) -> Geo:
    """The frame a city's records are placed in: its place on the map, or its own metres."""
    return city.frame


def place_records(table: pd.DataFrame, crs: str, geo: Geo, file: str) -> Placed:
    """Place a normalised table's rows on a city (the table may have been imported for none):
    by lon/lat, else by x/y when they are in the city's frame, else by row/col.
    """
    fields: dict[str, np.ndarray] = {"lon": table["lon"].to_numpy(float), "lat": table["lat"].to_numpy(float)}
    if crs == geo.crs or (crs not in (LOCAL, "unknown") and geo.crs != LOCAL):
        fields |= {"x": table["x"].to_numpy(float), "y": table["y"].to_numpy(float)}
    rows, cols = table["row"].to_numpy(float), table["col"].to_numpy(float)
    fields |= {"row": np.where(rows >= 0, rows, np.nan), "col": np.where(cols >= 0, cols, np.nan)}
    return place(fields, None if crs == "unknown" else crs, geo, file)
