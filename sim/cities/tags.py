"""OpenStreetMap tags to lattice layers: the one table of rules an import follows.

Every rule here is a row of the table in ``docs/cities.md`` (a test holds the two together):
road classes with their free-flow speed and who may use them, the tags that make land use,
water and blocked land, the weights of footfall sources, and the defaults that stand in where
the map says nothing. Nothing unmapped falls silently to zero: each default is named here.
"""

from __future__ import annotations

import re

from polsim.cities.road_classes import (  # noqa: F401  (the tag table's road rows live with the engine's roads)
    GENERATED_ARTERIAL,
    GENERATED_STREET,
    MAJOR_ROAD_MAX_CODE,
    ROAD_CLASS_NAMES,
    ROAD_CLASSES,
    RoadClass,
)

MAXSPEED_KMH = (5.0, 130.0)
"""A tagged ``maxspeed`` is used when it reads as a number in this range (km/h, or mph converted)."""



CLOSED_ACCESS = {"no", "private"}
"""``access``, ``vehicle`` or ``motor_vehicle`` values that close a way to police vehicles
(``destination``, ``delivery``, ``permissive``... leave it open: a car on a call may go there)."""

SURFACE_TUNNELS = {"no", "building_passage"}
"""``tunnel`` values at street level; any other (``yes``, ``culvert``...) is underground."""


def vehicles_allowed(tags) -> bool:
    """Whether a police vehicle may drive the way: not closed by an access tag, not underground.

    A tunnel is left out because the lattice is flat: burnt onto it, a tunnel would join every
    street it passes under (the service tunnels under a city centre would join them all).
    """
    vehicle = tags.get("motor_vehicle") or tags.get("vehicle")
    closed = vehicle in CLOSED_ACCESS if vehicle else tags.get("access") in CLOSED_ACCESS
    return not closed and tags.get("tunnel", "no") in SURFACE_TUNNELS


def foot_allowed(tags) -> bool:
    """Whether a person on foot may use the way: not ``foot=no``, not closed, not underground."""
    foot = tags.get("foot")
    if foot:
        return foot not in CLOSED_ACCESS and tags.get("tunnel", "no") in SURFACE_TUNNELS
    return tags.get("access") not in CLOSED_ACCESS and tags.get("tunnel", "no") in SURFACE_TUNNELS


def maxspeed_kmh(tag: str | None) -> float | None:
    """A ``maxspeed`` tag in km/h ("50", "50 km/h", "30 mph"), or None when absent or not sane."""
    if not tag:
        return None
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph)?\s*", tag)
    if not m:
        return None  # "FI:urban", "signals", "none"...: the class default stands
    kmh = float(m.group(1)) * (1.609344 if m.group(2) == "mph" else 1.0)
    lo, hi = MAXSPEED_KMH
    return kmh if lo <= kmh <= hi else None


# --- land use -------------------------------------------------------------------------------
# A cell takes the class of the highest-priority area covering its centre (residential < park
# < commercial < market < school < transit < blocked < water); a point (a stop, a school or a
# market mapped as a node) sets its cell's class over any area but water (a station stands in
# railway land). Residential cells busy with shops become commercial (COMMERCIAL_POINTS_PER_HA).

LAND_USE_PRIORITY = {"residential": 1, "park": 2, "commercial": 3, "market": 4, "school": 5,
                     "transit": 6, "blocked": 7, "water": 8}

AREA_RULES: dict[str, dict[str, str]] = {
    "landuse": {
        "residential": "residential",
        "commercial": "commercial", "retail": "commercial", "industrial": "commercial",
        "civic": "commercial", "civil": "commercial", "office": "commercial",
        "education": "school",
        "grass": "park", "recreation_ground": "park", "village_green": "park", "forest": "park",
        "meadow": "park", "cemetery": "park", "allotments": "park", "farmland": "park",
        "orchard": "park",
        "military": "blocked", "railway": "blocked", "quarry": "blocked", "landfill": "blocked",
        "construction": "blocked",
        "basin": "water", "reservoir": "water", "pond": "water",
    },
    "amenity": {
        "marketplace": "market",
        "school": "school", "kindergarten": "school", "college": "school", "university": "school",
        "bus_station": "transit",
    },
    "shop": {"mall": "commercial", "supermarket": "commercial", "department_store": "commercial"},
    "leisure": {"park": "park", "garden": "park", "playground": "park", "pitch": "park",
                "nature_reserve": "park", "common": "park"},
    "natural": {"wood": "park", "scrub": "park", "grassland": "park", "heath": "park",
                "water": "water", "bay": "water", "strait": "water"},
    "waterway": {"riverbank": "water", "dock": "water"},
    "railway": {"station": "transit"},
    "public_transport": {"station": "transit"},
    "aeroway": {"runway": "blocked", "taxiway": "blocked", "apron": "blocked"},
}
"""Areas (closed ways, multipolygons) by tag: the land-use class each makes ("water" is blocked)."""

POINT_RULES: dict[str, dict[str, str]] = {
    "amenity": {"marketplace": "market", "school": "school", "kindergarten": "school",
                "college": "school", "university": "school", "bus_station": "transit"},
    "railway": {"station": "transit", "halt": "transit", "tram_stop": "transit",
                "subway_entrance": "transit"},
    "public_transport": {"station": "transit", "stop_position": "transit", "platform": "transit"},
    "highway": {"bus_stop": "transit"},
}
"""Points (nodes, and the centres of other tagged objects) that set their cell's class."""

WATER_LINES = {"river", "canal"}
"""``waterway=*`` lines (not in a tunnel) that are water where no river area is mapped."""

COMMERCIAL_POINTS_PER_HA = 15.0
"""A residential cell with at least this many shops and listed amenities per hectare (counted
over ``FOOTFALL_WINDOW_M``) is commercial: a shopping street with flats above is busy ground."""

UNMAPPED_WITH_FEATURES = "residential"
"""Land use of a cell inside the area with a road, building or point but no land-use tag."""

UNMAPPED_EMPTY = "park"
"""Land use of a cell inside the area with nothing mapped on it at all (open land)."""

# --- residents ------------------------------------------------------------------------------

RESIDENTIAL_BUILDINGS = {"residential", "apartments", "house", "detached", "semidetached_house",
                         "terrace", "dormitory", "bungalow", "farm", "houseboat", "static_caravan"}
"""``building=*`` values whose floors are homes."""

MIXED_BUILDINGS = {"yes"}
"""Buildings of unstated use: homes in the share ``RESIDENT_SHARE`` of their cell's land use."""

DEFAULT_LEVELS = 3.0
"""Storeys of a building with no ``building:levels`` tag."""

MAX_LEVELS = 200.0
"""A ``building:levels`` above this is a mapping error: the default stands."""

FLOOR_M2_PER_RESIDENT = 40.0
"""Residential floor area per resident (China's urban average was 39.8 m2 in 2019)."""

FALLBACK_RESIDENTS_PER_HA = 150.0
"""Residents per hectare of residential land when the extract maps no building at all (the
generator's ``residents_per_cell`` on a 100 m cell), scaled by ``RESIDENT_SHARE``."""

# --- footfall -------------------------------------------------------------------------------

FOOTFALL_POINTS: dict[str, tuple[set[str] | None, float]] = {
    "shop": (None, 0.1),
    "amenity": ({"restaurant", "cafe", "fast_food", "pub", "bar", "nightclub", "bank", "pharmacy",
                 "cinema", "theatre", "marketplace", "library", "food_court", "ice_cream",
                 "post_office", "clinic", "doctors", "hospital", "place_of_worship"}, 0.1),
    "transit": (None, 0.5),
}
"""Footfall a point source adds per source per hectare (shops of any kind, the amenities named,
transit stops of ``POINT_RULES``), on top of the land-use base, smoothed over ``FOOTFALL_WINDOW_M``."""

FOOTFALL_WINDOW_M = 100.0
"""The side of the square over which point sources are counted, so density does not depend on the cell size."""

# --- police and cameras ---------------------------------------------------------------------

POLICE = ("amenity", "police")
"""Police stations: the station bases of an imported city."""

CAMERA = ("man_made", "surveillance")
"""Mapped cameras (any ``surveillance:type`` but ``guard``)."""

NOT_CAMERA_TYPES = {"guard"}


def land_use_of_area(tags) -> str | None:
    """The land-use class an area's tags make (the highest priority among them), or None."""
    return _best(tags, AREA_RULES)


def land_use_of_point(tags) -> str | None:
    """The land-use class a point's tags make, or None."""
    return _best(tags, POINT_RULES)


def _best(tags, rules: dict[str, dict[str, str]]) -> str | None:
    best = None
    for key, values in rules.items():
        value = tags.get(key)
        cls = values.get(value) if value is not None else None
        if cls and (best is None or LAND_USE_PRIORITY[cls] > LAND_USE_PRIORITY[best]):
            best = cls
    return best


def footfall_sources(tags) -> list[str]:
    """The footfall source kinds a point's tags make ("shop", "amenity", "transit")."""
    out = []
    for key, (values, _) in FOOTFALL_POINTS.items():
        if key == "transit":
            if land_use_of_point(tags) == "transit":
                out.append(key)
        elif key in tags and (values is None or tags.get(key) in values):
            out.append(key)
    return out


def is_camera(tags) -> bool:
    """A mapped surveillance camera."""
    return tags.get(CAMERA[0]) == CAMERA[1] and tags.get("surveillance:type") not in NOT_CAMERA_TYPES


def is_police(tags) -> bool:
    """A police station."""
    return tags.get(POLICE[0]) == POLICE[1]


def building_levels(tags) -> float:
    """Storeys of a building: ``building:levels`` where tagged and sane, else ``DEFAULT_LEVELS``."""
    raw = tags.get("building:levels")
    try:
        levels = float(raw) if raw is not None else None
    except ValueError:
        levels = None
    return levels if levels is not None and 1.0 <= levels <= MAX_LEVELS else DEFAULT_LEVELS
