"""Road classes: the ``highway=*`` values that make roads, their free-flow speeds and users.

Both builders of a city read this table: the OpenStreetMap import (:mod:`polsim.cities.tags`
holds the rest of its tag rules) and the generator, whose arterials and streets stand for two
of its classes. ``City.road_class`` holds a class's code.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RoadClass:
    """A ``highway=*`` value: its code in ``City.road_class``, free-flow speed and users."""

    code: int
    kmh: float
    vehicles: bool
    foot: bool


# Free-flow speeds are urban defaults (typical posted limits in Chinese and European cities);
# a way's own ``maxspeed`` replaces them where tagged and sane. Vehicles keep off footways,
# paths, steps, cycleways and pedestrian streets; people on foot keep off motorways and trunks.
ROAD_CLASSES: dict[str, RoadClass] = {
    "motorway": RoadClass(1, 100.0, True, False),
    "motorway_link": RoadClass(1, 60.0, True, False),
    "trunk": RoadClass(2, 80.0, True, False),
    "trunk_link": RoadClass(2, 50.0, True, False),
    "primary": RoadClass(3, 50.0, True, True),
    "primary_link": RoadClass(3, 40.0, True, True),
    "secondary": RoadClass(4, 50.0, True, True),
    "secondary_link": RoadClass(4, 40.0, True, True),
    "tertiary": RoadClass(5, 40.0, True, True),
    "tertiary_link": RoadClass(5, 30.0, True, True),
    "unclassified": RoadClass(6, 30.0, True, True),
    "road": RoadClass(6, 30.0, True, True),
    "residential": RoadClass(7, 30.0, True, True),
    "living_street": RoadClass(8, 10.0, True, True),
    "service": RoadClass(9, 20.0, True, True),
    "track": RoadClass(10, 15.0, True, True),
    "pedestrian": RoadClass(11, 0.0, False, True),
    "footway": RoadClass(12, 0.0, False, True),
    "path": RoadClass(12, 0.0, False, True),
    "corridor": RoadClass(12, 0.0, False, True),
    "platform": RoadClass(12, 0.0, False, True),
    "bridleway": RoadClass(12, 0.0, False, True),
    "steps": RoadClass(13, 0.0, False, True),
    "cycleway": RoadClass(14, 0.0, False, True),
}
"""``highway=*`` values that make roads; any other value (construction, proposed...) is no road."""

ROAD_CLASS_NAMES = {0: "none", 1: "motorway", 2: "trunk", 3: "primary", 4: "secondary",
                    5: "tertiary", 6: "unclassified", 7: "residential", 8: "living_street",
                    9: "service", 10: "track", 11: "pedestrian", 12: "footway", 13: "steps",
                    14: "cycleway"}
"""The name of each ``City.road_class`` code (0: no road), for legends and docs."""

MAJOR_ROAD_MAX_CODE = 5
"""Classes up to tertiary are major roads: where one leaves the city is a checkpoint."""

GENERATED_ARTERIAL = "secondary"
GENERATED_STREET = "residential"
"""The classes a generated city's arterials and other streets stand for (their speed and code)."""
