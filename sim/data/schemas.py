"""Where a force's CSV keeps each field: the built-in schemas and the generic column map.

A schema maps *roles* (what polsim needs: a time, a place, a type...) onto a file's columns.
The built-in ones follow the published column names of each source:

- ``police_uk``: data.police.uk street-level crime (monthly, anonymised map points);
- ``detroit``: City of Detroit open data, *911 Calls For Service* (times in fractional minutes);
- ``new_orleans``: New Orleans Police Department *Calls for Service* (MapX/MapY in Louisiana
  State Plane South, US feet, EPSG:3452; ``Location`` as ``POINT (lon lat)``);
- ``generic``: any CSV, given as ``--map role=column,...``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from polsim.cities.geo import check_crs
from polsim.data.errors import DataError

ROLES: dict[str, str] = {
    "id": "record identifier",
    "time": "when the call (or report) was received: a date and time",
    "month": "the month of the record, YYYY-MM (sources without times)",
    "occurred": "when the crime itself happened (gives report delays)",
    "lon": "longitude (WGS 84)",
    "lat": "latitude (WGS 84)",
    "point": "a WKT point 'POINT (lon lat)'",
    "x": "easting in metres of the schema's CRS (or feet where the CRS says so)",
    "y": "northing, as x",
    "row": "lattice row (a city with no place on the map)",
    "col": "lattice column",
    "type": "the source's crime or call type",
    "priority": "call priority (1 = most urgent; a leading digit is read)",
    "self_initiated": "whether an officer initiated the call (Y/Yes/True/1)",
    "t_dispatch": "when a unit was dispatched: a date and time",
    "t_arrival": "when the first unit arrived: a date and time",
    "t_close": "when the call was closed: a date and time",
    "intake_min": "minutes from call to entry (call taking)",
    "dispatch_min": "minutes to dispatch: from the entry when intake_min is given too (Detroit), else from the call",
    "travel_min": "minutes from dispatch to arrival",
    "response_min": "minutes from call to the first unit on scene",
    "on_scene_min": "minutes the unit spent on scene",
    "area": "an area code of the source (LSOA, beat...)",
}
"""Every role a column can play, with what it holds."""

TIME_ROLES = ("time", "occurred", "t_dispatch", "t_arrival", "t_close")
NUMBER_ROLES = ("lon", "lat", "x", "y", "row", "col", "intake_min", "dispatch_min", "travel_min",
                "response_min", "on_scene_min")
PLACES = (("lon", "lat"), ("point",), ("x", "y"), ("row", "col"))
"""The ways a row can be placed, in the order they are tried."""


@dataclass(frozen=True)
class Schema:
    """A source's columns by role, the CRS of its x/y and whether its times are months only."""

    name: str
    columns: dict[str, str]
    xy_crs: str | None = None
    description: str = ""
    optional: tuple[str, ...] = field(default=())
    """Roles whose column may be absent from a file (read when present)."""

    @property
    def required(self) -> dict[str, str]:
        """The roles (and their columns) a file of this schema must have."""
        return {r: c for r, c in self.columns.items() if r not in self.optional}


POLICE_UK = Schema(
    "police_uk",
    {"id": "Crime ID", "month": "Month", "lon": "Longitude", "lat": "Latitude", "area": "LSOA code",
     "type": "Crime type"},
    description="data.police.uk street-level crime: Crime ID, Month, Reported by, Falls within, Longitude, "
                "Latitude, Location, LSOA code, LSOA name, Crime type, Last outcome category, Context",
    optional=("id", "area"),
)

DETROIT = Schema(
    "detroit",
    {"id": "incident_id", "time": "call_timestamp", "priority": "priority", "type": "calldescription",
     "self_initiated": "officerinitiated", "lon": "longitude", "lat": "latitude", "area": "precinct_sca",
     "intake_min": "intaketime", "dispatch_min": "dispatchtime", "travel_min": "traveltime",
     "response_min": "totalresponsetime", "on_scene_min": "time_on_scene"},
    description="City of Detroit 911 Calls For Service: incident_id, agency, incident_address, zip_code, "
                "priority, callcode, calldescription, category, call_timestamp, precinct_sca, respondingunit, "
                "officerinitiated, intaketime, dispatchtime, traveltime, totalresponsetime, time_on_scene, "
                "totaltime, neighborhood, block_id, council_district, longitude, latitude (times in minutes)",
    optional=("id", "self_initiated", "area", "intake_min", "on_scene_min"),
)

NEW_ORLEANS = Schema(
    "new_orleans",
    {"id": "NOPD_Item", "type": "TypeText", "priority": "Priority", "x": "MapX", "y": "MapY",
     "point": "Location", "time": "TimeCreate", "t_dispatch": "TimeDispatch", "t_arrival": "TimeArrive",
     "t_close": "TimeClosed", "self_initiated": "SelfInitiated", "area": "Beat"},
    xy_crs="EPSG:3452",
    description="New Orleans calls for service: NOPD_Item, Type, TypeText, Priority, InitialType, "
                "InitialTypeText, InitialPriority, MapX, MapY, TimeCreate, TimeDispatch, TimeArrive, "
                "TimeClosed, Disposition, DispositionText, SelfInitiated, Beat, BLOCK_ADDRESS, Zip, "
                "PoliceDistrict, Location (MapX/MapY: Louisiana South, US feet, EPSG:3452)",
    optional=("id", "point", "self_initiated", "area", "t_close"),
)

SCHEMAS: dict[str, Schema] = {s.name: s for s in (POLICE_UK, DETROIT, NEW_ORLEANS)}
SCHEMA_NAMES = (*SCHEMAS, "generic")


def schema_named(name: str, column_map: str | None = None, where: str = "--schema") -> Schema:
    """A built-in schema, or ``generic`` built from ``column_map``; a built-in schema's columns
    can be renamed by the map too (e.g. ``time=CallTime`` for a file that differs).
    """
    if name not in SCHEMA_NAMES:
        raise DataError(where, name, f"unknown schema; allowed: {', '.join(SCHEMA_NAMES)}")
    mapped, crs = parse_map(column_map or "")
    if name == "generic":
        if not mapped:
            raise DataError("--map", "", "the generic schema needs a column map, e.g. "
                            "--map time=Date,lon=Longitude,lat=Latitude,type=Offence")
        schema = Schema("generic", mapped, crs, "generic CSV through --map")
    else:
        base = SCHEMAS[name]
        schema = Schema(name, {**base.columns, **mapped}, crs or base.xy_crs, base.description,
                        tuple(r for r in base.optional if r not in mapped))
    check_schema(schema)
    return schema


def parse_map(text: str) -> tuple[dict[str, str], str | None]:
    """``role=column,role=column[,crs=EPSG:xxxx]`` as a role -> column dict and the x/y CRS."""
    out: dict[str, str] = {}
    crs = None
    for item in filter(None, (part.strip() for part in text.split(","))):
        role, sep, column = (s.strip() for s in item.partition("="))
        if not sep or not role or not column:
            raise DataError("--map", item, "must be role=column, e.g. time=Date")
        if role == "crs":
            try:
                crs = check_crs(column)
            except ValueError as err:
                raise DataError("--map", item, str(err)) from None
        elif role not in ROLES:
            raise DataError("--map", item, f"unknown role {role!r}; allowed: {', '.join([*ROLES, 'crs'])}")
        else:
            out[role] = column
    return out, crs


def check_schema(schema: Schema) -> None:
    """A schema must say when (time or month), where (a place) and what (type)."""
    roles = set(schema.columns)
    if not roles & {"time", "month"}:
        raise DataError("--map", "time", "a time=COLUMN or month=COLUMN is required")
    if not any(set(p) <= roles for p in PLACES):
        raise DataError("--map", "lon", "a place is required: lon=,lat= or point= or x=,y= or row=,col=")
    if "type" not in roles:
        raise DataError("--map", "type", "a type=COLUMN is required")
