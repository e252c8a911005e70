"""Records drawn from a known model, written with a source's published columns.

No real Detroit or New Orleans calls ship offline, so the import and the fit are checked on
records whose truth is known: crimes of each type arrive as a Poisson process with a known
rate, hourly profile and spatial density; each is called in after a known exponential report
delay and handled after known exponential intake, dispatch, travel and on-scene times. Calls
that are not crimes (traffic stops) and rows without a location are mixed in, as real
extracts have them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from polsim.cities.geo import Geo
from polsim.data.place import WGS84, transform
from polsim.data.typemap import BUILT_IN


def _bump_profile() -> list[float]:
    h = np.arange(24)
    p = 0.4 + np.exp(-((h - 20) ** 2) / 18.0) + 0.5 * np.exp(-((h - 13) ** 2) / 8.0)
    return list(p / p.mean())


@dataclass(frozen=True)
class KnownModel:
    """The truth records are drawn from (rates per day; delays are exponential means, minutes)."""

    origin: tuple[float, float]
    rows: int = 20
    cols: int = 20
    cell_m: float = 250.0
    days: int = 28
    start: str = "2018-01-01"
    rates: dict[str, float] = field(default_factory=lambda: {"assault": 30.0, "burglary": 20.0, "robbery": 6.0})
    hour_profile: list[float] = field(default_factory=_bump_profile)
    report_delay_min: dict[str, float] = field(default_factory=lambda: {"assault": 4.0, "burglary": 90.0,
                                                                         "robbery": 6.0})
    intake_min: float = 1.5
    dispatch_min: float = 6.0
    travel_min: float = 9.0
    on_scene_min: float = 35.0
    other_calls_per_day: float = 15.0
    unplaced_share: float = 0.02

    @property
    def geo(self) -> Geo:
        """Where the model's area lies."""
        return Geo.centred_on(*self.origin, self.rows, self.cols, self.cell_m)

    def density(self) -> np.ndarray:
        """Share of crime by cell: two hotspots over a floor."""
        r, c = np.mgrid[0:self.rows, 0:self.cols]
        d = 0.2 + np.exp(-((r - self.rows * 0.3) ** 2 + (c - self.cols * 0.3) ** 2) / (2 * (self.rows / 7) ** 2))
        d += 0.6 * np.exp(-((r - self.rows * 0.7) ** 2 + (c - self.cols * 0.65) ** 2) / (2 * (self.rows / 9) ** 2))
        return d / d.sum()


def draw(model: KnownModel, seed: int = 0) -> pd.DataFrame:
    """The truth's records in polsim's own terms (scenario type, times, lon/lat)."""
    rng = np.random.default_rng(seed)
    frames = [_draw_type(model, rng, t, rate) for t, rate in model.rates.items()]
    frames.append(_draw_type(model, rng, "", model.other_calls_per_day))
    df = pd.concat(frames, ignore_index=True)
    df = df.sort_values("time", kind="stable").reset_index(drop=True)
    blank = rng.random(len(df)) < model.unplaced_share
    df.loc[blank, ["lon", "lat"]] = np.nan
    return df


def _draw_type(model: KnownModel, rng: np.random.Generator, type_name: str, rate: float) -> pd.DataFrame:
    n = rng.poisson(rate * model.days)
    p = np.asarray(model.hour_profile, float)
    hour = rng.choice(24, size=n, p=p / p.sum())
    minutes = rng.integers(0, model.days, n) * 1440.0 + hour * 60.0 + rng.random(n) * 60.0
    occurred = pd.Timestamp(model.start) + pd.to_timedelta(minutes, unit="min")
    cell = rng.choice(model.rows * model.cols, size=n, p=model.density().ravel())
    geo = model.geo
    x, y = geo.xy_of_cells(cell // model.cols, cell % model.cols)
    x = x + (rng.random(n) - 0.5) * model.cell_m
    y = y + (rng.random(n) - 0.5) * model.cell_m
    lon, lat = geo.lonlat_of_xy(x, y)
    delay = rng.exponential(model.report_delay_min.get(type_name, 2.0), n) if type_name else np.zeros(n)
    intake, dispatch = rng.exponential(model.intake_min, n), rng.exponential(model.dispatch_min, n)
    travel, on_scene = rng.exponential(model.travel_min, n), rng.exponential(model.on_scene_min, n)
    call = occurred + pd.to_timedelta(delay, unit="min")
    return pd.DataFrame({
        "type": type_name, "occurred": occurred, "time": call, "lon": lon, "lat": lat,
        "priority": 1 if type_name in ("assault", "robbery") else 3, "self_initiated": type_name == "",
        "intake_min": intake, "dispatch_min": intake + dispatch, "travel_min": travel,
        "response_min": intake + dispatch + travel, "on_scene_min": on_scene,
    })


def _source_names(schema: str) -> dict[str, str]:
    """Scenario type -> the first source type the built-in table maps onto it ("" -> a non-crime)."""
    out = {"": "TRAFFIC STOP"}
    for source, target in BUILT_IN[schema].items():
        if target and source != "*":
            out.setdefault(target, source)
    return out


def as_detroit(df: pd.DataFrame) -> pd.DataFrame:
    """The records with Detroit's published 911 Calls For Service columns (times in minutes)."""
    names = _source_names("detroit")
    n = len(df)
    return pd.DataFrame({
        "incident_id": np.arange(1, n + 1) + 160000000, "agency": "DPD", "incident_address": "1000 BLOCK MAIN ST",
        "zip_code": "48201", "priority": df["priority"].astype(str), "callcode": "0",
        "calldescription": df["type"].map(names), "category": df["type"].str.upper(),
        "call_timestamp": df["time"].dt.strftime("%Y/%m/%d %H:%M:%S+00"), "precinct_sca": "0301",
        "respondingunit": "3A", "officerinitiated": np.where(df["self_initiated"], "Yes", "No"),
        "intaketime": df["intake_min"].round(3), "dispatchtime": (df["dispatch_min"] - df["intake_min"]).round(3),
        "traveltime": df["travel_min"].round(3), "totalresponsetime": df["response_min"].round(3),
        "time_on_scene": df["on_scene_min"].round(3),
        "totaltime": (df["response_min"] + df["on_scene_min"]).round(3), "neighborhood": "Midtown",
        "block_id": "261635172001000", "council_district": "5",
        "longitude": df["lon"].round(6), "latitude": df["lat"].round(6),
    })


def as_new_orleans(df: pd.DataFrame) -> pd.DataFrame:
    """The records with NOPD's published Calls for Service columns (MapX/MapY in EPSG:3452)."""
    names = _source_names("new_orleans")
    fmt = "%m/%d/%Y %I:%M:%S %p"
    x, y = transform(df["lon"].to_numpy(), df["lat"].to_numpy(), WGS84, "EPSG:3452")
    dispatch = df["time"] + pd.to_timedelta(df["dispatch_min"], unit="min")
    arrive = dispatch + pd.to_timedelta(df["travel_min"], unit="min")
    closed = arrive + pd.to_timedelta(df["on_scene_min"], unit="min")
    point = ("POINT (" + df["lon"].round(7).astype(str) + " " + df["lat"].round(7).astype(str) + ")")
    return pd.DataFrame({
        "NOPD_Item": [f"A{i:07d}-18" for i in range(len(df))], "Type": "21", "TypeText": df["type"].map(names),
        "Priority": df["priority"].astype(str) + "A", "InitialType": "21", "InitialTypeText": df["type"].map(names),
        "InitialPriority": df["priority"].astype(str) + "A",
        "MapX": np.round(x, 1), "MapY": np.round(y, 1),
        "TimeCreate": df["time"].dt.strftime(fmt), "TimeDispatch": dispatch.dt.strftime(fmt),
        "TimeArrive": arrive.dt.strftime(fmt), "TimeClosed": closed.dt.strftime(fmt), "Disposition": "RTF",
        "DispositionText": "REPORT TO FOLLOW", "SelfInitiated": np.where(df["self_initiated"], "Y", "N"),
        "Beat": "1E04", "BLOCK_ADDRESS": "001XX Canal St", "Zip": "70112", "PoliceDistrict": "1",
        "Location": np.where(df["lon"].notna(), point, ""),
    })


def as_generic(df: pd.DataFrame) -> pd.DataFrame:
    """The records as a plain CSV with the time of the crime and of the call (for ``--map``)."""
    return pd.DataFrame({"occurred": df["occurred"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                         "reported": df["time"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                         "lng": df["lon"], "lat": df["lat"], "offence": df["type"].replace("", "traffic")})
