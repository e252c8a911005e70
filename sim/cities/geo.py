"""Where a city's lattice lies on the Earth: a metric CRS, its north-west corner, the cell size.

A generated city has a place on the map only when its scenario gives one (``city.origin``);
an imported city always has one. With it, longitudes and latitudes (an OpenStreetMap extract,
a force's crime records) become cells, and results can be drawn back onto the map. Row 0 is
the northern edge and column 0 the western one, as in a picture of the map.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

LOCAL = "local"
"""The CRS name of a placeless city's own metres (east and north of its south-west corner)."""

UTM_LATITUDES = (-80.0, 84.0)
"""Latitudes the UTM zones cover (the poles have their own projections, which polsim does not lay)."""


def utm_crs(lon: float, lat: float) -> str:
    """The UTM zone of a point as an EPSG code (326xx north of the equator, 327xx south):
    metric, and with little distortion within a few hundred kilometres of the point.
    """
    if not (-180.0 <= lon <= 180.0 and UTM_LATITUDES[0] <= lat <= UTM_LATITUDES[1]):
        raise ValueError(f"({lon}, {lat}) is not a longitude/latitude inside UTM's range")
    zone = min(int((lon + 180.0) // 6.0) + 1, 60)
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


@cache
def check_crs(text: str) -> str:
    """``text`` if pyproj knows it as a coordinate reference system (``EPSG:27700``, a WKT or
    PROJ string); otherwise a ValueError saying what is allowed.
    """
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        CRS.from_user_input(text)
    except CRSError:
        raise ValueError(f"{text!r} is not a coordinate reference system pyproj knows; allowed: e.g. "
                         "EPSG:27700, EPSG:4326 or a PROJ string") from None
    return text


@cache
def transformer(source: str, target: str):
    """A pyproj transformer from ``source`` to ``target`` CRS (x = longitude/easting first),
    made once per pair.
    """
    from pyproj import Transformer

    return Transformer.from_crs(source, target, always_xy=True)


@dataclass(frozen=True)
class Geo:
    """A lattice of ``rows x cols`` cells of ``cell_m`` metres in ``crs``, whose north-west
    corner is at (``west``, ``north``) in that CRS's metres.
    """

    crs: str
    west: float
    north: float
    cell_m: float
    rows: int
    cols: int

    @classmethod
    def local(cls, rows: int, cols: int, cell_m: float) -> Geo:
        """A placeless city's frame: x east and y north of its south-west corner, in metres
        (its CRS is :data:`LOCAL`, which nothing on the map converts to).
        """
        return cls(LOCAL, 0.0, rows * cell_m, cell_m, rows, cols)

    @classmethod
    def centred_on(cls, lon: float, lat: float, rows: int, cols: int, cell_m: float) -> Geo:
        """A lattice centred on (``lon``, ``lat``) in the UTM zone of that point."""
        crs = utm_crs(lon, lat)
        x, y = transformer("EPSG:4326", crs).transform(lon, lat)
        return cls(crs, x - cols * cell_m / 2.0, y + rows * cell_m / 2.0, cell_m, rows, cols)

    def cells_of_xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """The (row, col) of points given in the CRS's metres; -1 for points off the lattice."""
        c = np.floor((np.asarray(x, float) - self.west) / self.cell_m)
        r = np.floor((self.north - np.asarray(y, float)) / self.cell_m)
        inside = (r >= 0) & (r < self.rows) & (c >= 0) & (c < self.cols)
        return np.where(inside, r, -1).astype(np.int64), np.where(inside, c, -1).astype(np.int64)

    def xy_of_cells(self, r, c) -> tuple[np.ndarray, np.ndarray]:
        """The centres of cells in the CRS's metres."""
        x = self.west + (np.asarray(c, float) + 0.5) * self.cell_m
        y = self.north - (np.asarray(r, float) + 0.5) * self.cell_m
        return x, y

    def xy_of_lonlat(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes (WGS 84) in the CRS's metres."""
        x, y = transformer("EPSG:4326", self.crs).transform(np.asarray(lon, float), np.asarray(lat, float))
        return np.asarray(x), np.asarray(y)

    def lonlat_of_xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Points in the CRS's metres as longitudes and latitudes (WGS 84)."""
        lon, lat = transformer(self.crs, "EPSG:4326").transform(np.asarray(x, float), np.asarray(y, float))
        return np.asarray(lon), np.asarray(lat)

    def cells_of_lonlat(self, lon, lat) -> tuple[np.ndarray, np.ndarray]:
        """The (row, col) of points given as longitude and latitude; -1 for points off the lattice."""
        return self.cells_of_xy(*self.xy_of_lonlat(lon, lat))

    @property
    def bounds_xy(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) in the CRS's metres."""
        return (self.west, self.north - self.rows * self.cell_m, self.west + self.cols * self.cell_m,
                self.north)

    def to_dict(self) -> dict[str, float | int | str]:
        """Plain values for a city file's or a result's JSON metadata."""
        return {"crs": self.crs, "west": self.west, "north": self.north, "cell_m": self.cell_m,
                "rows": self.rows, "cols": self.cols}
