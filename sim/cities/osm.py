"""Reading an OpenStreetMap extract (.osm.pbf or .osm) with pyosmium.

One pass over the file (pyosmium's area assembler makes a second over the relations) keeps
what the import needs, in longitude/latitude: road ways by class, water lines and coastlines,
areas (land use, water, buildings) and tagged points (shops, stops, police, cameras). Ways cut
by the extract's edge keep the runs of nodes that are inside it; areas cut by the edge cannot
be closed and are left out (count in ``Extract.broken_areas``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from polsim.cities import tags as tag_rules
from polsim.cities.errors import CityError, MissingPackageError


@dataclass
class Road:
    """A road way (or the part of it inside the extract): its nodes and what it is."""

    lonlat: np.ndarray
    highway: str
    kmh: float
    """Free-flow speed for vehicles; 0 where no vehicle may drive it."""
    foot: bool
    bridge: bool
    """Tagged ``bridge``: the way may cross water."""
    name: str
    nodes: np.ndarray
    """OSM node ids of the points of ``lonlat`` (ways meet where they share a node)."""


@dataclass
class Area:
    """A closed way or multipolygon, as WKB in longitude/latitude, with what it makes."""

    wkb: str
    land_use: str | None
    building: str | None
    levels: float


@dataclass
class Point:
    """A tagged node, or the representative point of a tagged area, with its roles."""

    lon: float
    lat: float
    land_use: str | None
    footfall: tuple[str, ...]
    camera: bool
    police: bool
    name: str


@dataclass
class Extract:
    """What an import reads from one OSM file."""

    path: Path
    date: str
    date_source: str
    header_box: tuple[float, float, float, float] | None
    roads: list[Road] = field(default_factory=list)
    water_lines: list[np.ndarray] = field(default_factory=list)
    coastlines: list[np.ndarray] = field(default_factory=list)
    areas: list[Area] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    broken_areas: int = 0
    ways_missing_nodes: int = 0
    """Ways kept (roads, rivers, coastlines) some of whose nodes the file does not hold."""
    ways_read: int = 0
    """Ways kept, whole or in part."""
    newest: dt.datetime | None = None
    """The newest object's timestamp: the data's date where the header gives none."""

    def data_box(self) -> tuple[float, float, float, float] | None:
        """(west, south, east, north) of the data: the header's box, else the roads' extent."""
        if self.header_box is not None:
            return self.header_box
        if not self.roads:
            return None
        xy = np.concatenate([r.lonlat for r in self.roads])
        return float(xy[:, 0].min()), float(xy[:, 1].min()), float(xy[:, 0].max()), float(xy[:, 1].max())


def _osmium():
    try:
        import osmium
    except ImportError:
        raise MissingPackageError("osmium", "", "importing OpenStreetMap needs the osm extra: "
                                            "pip install 'polsim[osm]' (osmium, shapely, rasterio)") from None
    return osmium


def _check_file(path: Path) -> None:
    if not path.exists():
        raise CityError(str(path), "", "file not found; allowed: an OpenStreetMap extract (.osm.pbf or .osm)")
    if not path.is_file():
        raise CityError(str(path), "", "is not a regular file (a folder, a device or a pipe); allowed: an "
                        "OpenStreetMap extract (.osm.pbf or .osm)")


def header_box(path: Path) -> tuple[float, float, float, float] | None:
    """The (west, south, east, north) box the file's header declares, read before the data
    (None where it declares none); a file that cannot be read is a one-line :class:`CityError`.
    """
    osmium = _osmium()
    _check_file(path)
    try:
        return _box_of(osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header())
    except RuntimeError as err:
        raise _unreadable(path, err) from None


def _unreadable(path: Path, err: Exception) -> CityError:
    reason = str(err).splitlines()[0] if str(err) else type(err).__name__
    return CityError(str(path), "", f"not a readable OpenStreetMap file (.osm.pbf or .osm): {reason}")


def read_extract(path: Path) -> Extract:
    """Read ``path``; a missing, corrupt or truncated file is a one-line :class:`CityError`."""
    osmium = _osmium()
    _check_file(path)
    try:
        processor = osmium.FileProcessor(str(path)).with_areas().with_filter(osmium.filter.EmptyTagFilter())
        header = processor.header
        extract = Extract(path, "", "", _box_of(header))
        wkb = osmium.geom.WKBFactory()
        for obj in processor:
            _take(extract, obj, wkb)
    except osmium.InvalidLocationError as err:
        raise CityError(str(path), "", f"a node lies at an invalid location ({err}); allowed: longitudes "
                        "-180..180 and latitudes -90..90 in decimal degrees") from None
    except RuntimeError as err:
        raise _unreadable(path, err) from None
    extract.date, extract.date_source = _date(path, header, extract.newest)
    return extract


def _date(path: Path, header, newest: dt.datetime | None) -> tuple[str, str]:
    """When the data are from: the header's timestamp, else the newest object's, else the file's."""
    stamp = header.get("osmosis_replication_timestamp") or header.get("timestamp")
    if stamp:
        return stamp, "OSM header replication timestamp"
    if newest is not None:
        return newest.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "newest object timestamp"
    mtime = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC)
    return mtime.strftime("%Y-%m-%dT%H:%M:%SZ"), "file modification time"


def _box_of(header) -> tuple[float, float, float, float] | None:
    box = header.box()
    if not box.valid():
        return None
    return box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat


def _take(extract: Extract, obj, wkb) -> None:
    stamp = obj.timestamp
    if stamp.year > 1970 and (extract.newest is None or stamp > extract.newest):
        extract.newest = stamp
    tags = obj.tags
    if obj.is_node():
        _take_point(extract, obj.location.lon, obj.location.lat, tags)
    elif obj.is_way():
        _take_way(extract, obj, tags)
    elif obj.is_area():
        _take_area(extract, obj, tags, wkb)


def _take_point(extract: Extract, lon: float, lat: float, tags, area: bool = False) -> None:
    # an area's land use is burnt as an area; its point only carries the other roles
    land_use = None if area else tag_rules.land_use_of_point(tags)
    sources = tuple(tag_rules.footfall_sources(tags))
    camera, police = tag_rules.is_camera(tags), tag_rules.is_police(tags)
    if land_use or sources or camera or police:
        extract.points.append(Point(lon, lat, land_use, sources, camera, police, tags.get("name", "")))


def _runs(way) -> list[tuple[np.ndarray, np.ndarray]]:
    """The runs of consecutive nodes with a location (a way cut by the extract's edge has gaps)."""
    runs, xy, ids = [], [], []
    for node in way.nodes:
        if node.location.valid():
            xy.append((node.location.lon, node.location.lat))
            ids.append(node.ref)
            continue
        if len(xy) >= 2:
            runs.append((np.array(xy), np.array(ids, np.int64)))
        xy, ids = [], []
    if len(xy) >= 2:
        runs.append((np.array(xy), np.array(ids, np.int64)))
    return runs


def _take_way(extract: Extract, way, tags) -> None:
    highway = tags.get("highway")
    kept = (highway in tag_rules.ROAD_CLASSES or tags.get("waterway") in tag_rules.WATER_LINES
            or tags.get("natural") == "coastline")
    if kept:
        extract.ways_read += 1
        extract.ways_missing_nodes += not all(node.location.valid() for node in way.nodes)
    if highway in tag_rules.ROAD_CLASSES:
        cls = tag_rules.ROAD_CLASSES[highway]
        drive = cls.vehicles and tag_rules.vehicles_allowed(tags)
        kmh = (tag_rules.maxspeed_kmh(tags.get("maxspeed")) or cls.kmh) if drive else 0.0
        foot = cls.foot and tag_rules.foot_allowed(tags)
        if kmh <= 0 and not foot:
            return
        bridge = tags.get("bridge", "no") != "no"
        for xy, ids in _runs(way):
            extract.roads.append(Road(xy, highway, kmh, foot, bridge, tags.get("name", ""), ids))
    if tags.get("waterway") in tag_rules.WATER_LINES and tags.get("tunnel", "no") == "no":
        extract.water_lines.extend(xy for xy, _ in _runs(way))
    if tags.get("natural") == "coastline":
        extract.coastlines.extend(xy for xy, _ in _runs(way))


def _take_area(extract: Extract, area, tags, wkb) -> None:
    land_use = tag_rules.land_use_of_area(tags)
    building = tags.get("building")
    building = building if building not in (None, "no") else None
    roles = tag_rules.footfall_sources(tags) or tag_rules.is_camera(tags) or tag_rules.is_police(tags)
    if not (land_use or building or roles):
        return
    try:
        geom = wkb.create_multipolygon(area)
    except RuntimeError:
        extract.broken_areas += 1  # an invalid ring: osmium could not assemble it
        return
    extract.areas.append(Area(geom, land_use, building, tag_rules.building_levels(tags)))
    if roles:
        lon, lat = _centre_of(area)
        _take_point(extract, lon, lat, tags, area=True)


def _centre_of(area) -> tuple[float, float]:
    """The mean of an area's outer-ring nodes: where its shop, police or camera point stands."""
    xy = [(n.lon, n.lat) for ring in area.outer_rings() for n in ring]
    lon, lat = np.mean(np.array(xy), axis=0)
    return float(lon), float(lat)
