"""What each band holds: city-wide and by district, station area and grid, and the gaps.

A band of ``m`` minutes is the cells a unit reaches within ``m`` minutes (the circles are
nested: the 3-minute band holds the 1-minute one). Demand layers are rasters of the city
(passable area, residents, the hour's footfall, recorded or simulated crime and calls); a
band's share of a layer is what lies inside over the city's total. Area codes are the
reports' own: a grid's 15 digits, its station's first 12 and its district's first 9.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

LEVELS = ("district", "station", "grid")
"""The police areas a table is broken down by, largest first."""
CODE_DIGITS = {"district": 9, "station": 12, "grid": 15}
"""How many leading digits of a grid code name the area it lies in."""
GAP_ROWS = 100
"""Cells beyond the widest band listed in the gaps table, the ones holding most first."""


def area_labels(city) -> dict[str, tuple[np.ndarray, list[str]]]:
    """For each level, every cell's area number and each area's code."""
    grid_codes = np.asarray(city.grid_codes, dtype=object)
    out = {}
    for level, ids in (("district", city.district_id), ("station", city.station_id), ("grid", city.grid_id)):
        ids = np.asarray(ids, np.int64)
        n = int(ids.max()) + 1
        first = np.full(n, -1, np.int64)
        flat = ids.ravel()
        first[flat[::-1]] = np.arange(flat.size)[::-1]  # each area's first cell in row-major order
        codes = [str(grid_codes[city.grid_id.flat[k]])[:CODE_DIGITS[level]] if k >= 0 else "" for k in first]
        out[level] = (ids, codes)
    return out


def band_totals(minutes: np.ndarray, bands: list[float], demand: Mapping[str, np.ndarray]) -> list[dict]:
    """City-wide: for each band, each layer's amount inside and its share of the city's total."""
    rows = []
    for band in bands:
        inside = minutes <= band
        row: dict = {"band_min": band}
        for name, layer in demand.items():
            total = float(layer.sum())
            amount = float(layer[inside].sum())
            row[name] = amount
            row[f"{name}_share"] = amount / total if total > 0 else None
        rows.append(row)
    return rows


def band_by_area(minutes: np.ndarray, bands: list[float], demand: Mapping[str, np.ndarray],
                 ids: np.ndarray, codes: list[str]) -> pd.DataFrame:
    """For each area and band, each layer's amount inside and its share of the area's total."""
    n = len(codes)
    flat_ids = ids.ravel()
    frame: dict[str, object] = {}
    parts = []
    totals = {name: np.bincount(flat_ids, layer.ravel().astype(float), n) for name, layer in demand.items()}
    for band in bands:
        inside = (minutes <= band).ravel()
        frame = {"code": codes, "band_min": np.full(n, band)}
        for name, layer in demand.items():
            amount = np.bincount(flat_ids[inside], layer.ravel()[inside].astype(float), n)
            frame[name] = amount
            with np.errstate(invalid="ignore", divide="ignore"):
                frame[f"{name}_share"] = np.where(totals[name] > 0, amount / totals[name], np.nan)
        parts.append(pd.DataFrame(frame))
    return pd.concat(parts, ignore_index=True)


def gaps(minutes: np.ndarray, widest: float, demand: Mapping[str, np.ndarray], rank_by: str, city,
         rows: int = GAP_ROWS) -> pd.DataFrame:
    """The passable cells beyond the widest band, those holding most of ``rank_by`` first (then
    most residents, then most footfall; the rest of the ties in row-major order).
    """
    beyond = (minutes > widest) & city.passable
    r, c = np.nonzero(beyond)
    keys = [-demand[name][r, c] for name in ("footfall", "residents", rank_by) if name in demand]
    order = np.lexsort((c, r, *keys))[:rows]  # lexsort: the last key first
    r, c = r[order], c[order]
    out = pd.DataFrame({"row": r, "col": c, "grid_code": city.grid_codes_at(r, c).astype(str),
                        "minutes": minutes[r, c]})
    for name, layer in demand.items():
        out[name] = layer[r, c]
    if city.geo is not None:
        out["lon"], out["lat"] = city.geo.lonlat_of_xy(*city.geo.xy_of_cells(r, c))
    return out
