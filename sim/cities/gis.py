"""GIS files of lattice results, for QGIS or ArcGIS: rasters as GeoTIFF, areas and points as
GeoPackage or GeoJSON, in the city's CRS (:class:`~polsim.cities.geo.Geo`).

Each writer writes one file at the path it is given, with its format named (not guessed from
the name), so callers can hand it a temporary name and rename it into place
(:func:`polsim.files.write_atomically`). rasterio, pyogrio and shapely (the ``gis`` extra)
are imported only when a file is written.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from polsim.cities.geo import Geo

VECTOR_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON"}
"""The vector formats, by file suffix."""


def lattice_transform(geo: Geo):
    """The affine transform of the lattice: column, row to the CRS's metres (row 0 the north edge)."""
    from rasterio.transform import from_origin

    return from_origin(geo.west, geo.north, geo.cell_m, geo.cell_m)


def write_geotiff(path: Path, layers: Mapping[str, np.ndarray], geo: Geo, nodata: float = -1.0) -> None:
    """Write ``layers`` (name: rows x cols array) as the bands of one float32 GeoTIFF in the
    city's CRS; non-finite values become ``nodata``. Band descriptions carry the names.
    """
    import rasterio

    arrays = [np.where(np.isfinite(a), a, nodata).astype(np.float32) for a in layers.values()]
    for a in arrays:
        if a.shape != (geo.rows, geo.cols):
            raise ValueError(f"a layer of shape {a.shape} is not the lattice's ({geo.rows}, {geo.cols})")
    with rasterio.open(path, "w", driver="GTiff", height=geo.rows, width=geo.cols, count=len(arrays),
                       dtype="float32", crs=geo.crs, transform=lattice_transform(geo), nodata=nodata,
                       compress="deflate") as dst:
        for k, (name, a) in enumerate(zip(layers, arrays, strict=True), start=1):
            dst.write(a, k)
            dst.set_band_description(k, name)


def cell_polygons(labels: np.ndarray, geo: Geo) -> tuple[list, np.ndarray]:
    """The areas of equal ``labels`` (int, rows x cols; negative: none) as polygons in the CRS,
    drawn on the cell edges; returns the shapely polygons and each one's label.
    """
    import shapely
    from rasterio.features import shapes

    labels = np.asarray(labels, np.int32)
    geoms, values = [], []
    for geom, value in shapes(labels, mask=labels >= 0, connectivity=4, transform=lattice_transform(geo)):
        geoms.append(shapely.geometry.shape(geom))
        values.append(int(value))
    return geoms, np.asarray(values, np.int64)


def vector_driver(path: Path) -> str:
    """The OGR driver of a vector file by its suffix (``.gpkg`` or ``.geojson``)."""
    suffix = Path(path).suffix.lower()
    if suffix not in VECTOR_DRIVERS:
        raise ValueError(f"{path}: a vector file must end in {' or '.join(VECTOR_DRIVERS)}")
    return VECTOR_DRIVERS[suffix]


def write_features(path: Path, geoms: list, columns: Mapping[str, np.ndarray], crs: str, driver: str,
                   layer: str = "features", append: bool = False, geometry_type: str | None = None) -> None:
    """Write shapely geometries with their attribute ``columns`` (one value per geometry) to a
    vector file of ``driver`` (``GPKG`` or ``GeoJSON``) in ``crs``; ``append`` adds them to the
    layer already in the file (a large table written in pieces). ``geometry_type`` (``Point``,
    ``Polygon``...) is read from the geometries unless given (an empty piece has none to read).
    """
    import shapely
    from pyogrio.raw import write

    wkb = np.array(shapely.to_wkb(np.asarray(geoms, dtype=object)), dtype=object)
    kinds = [geometry_type] if geometry_type else sorted({g.geom_type for g in geoms}) or ["Unknown"]
    fields = list(columns)
    data = [np.asarray(v) for v in columns.values()]
    with warnings.catch_warnings():
        # GDAL asks for a .gpkg name; a caller writing atomically hands a temporary one
        warnings.filterwarnings("ignore", message="The filename extension should be", category=RuntimeWarning)
        write(str(path), wkb, data, fields, crs=crs, driver=driver, layer=layer,
              geometry_type=kinds[0] if len(kinds) == 1 else "Unknown", promote_to_multi=False, append=append)


def write_points(path: Path, x: np.ndarray, y: np.ndarray, columns: Mapping[str, np.ndarray], crs: str,
                 driver: str, layer: str = "points", append: bool = False) -> None:
    """Points at (x, y) in ``crs`` with their attribute ``columns``, as :func:`write_features`."""
    import shapely

    write_features(path, list(shapely.points(np.asarray(x, float), np.asarray(y, float))), columns, crs,
                   driver, layer, append, geometry_type="Point")
