"""The files of a coverage study (:mod:`polsim.coverage`): tables (CSV), maps (PNG), GIS files
and ``report.html``.

Every file is written under a temporary name and renamed (:func:`polsim.files.write_atomically`);
``coverage.json`` comes last and marks the folder complete.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from polsim.cities.gis import cell_polygons, vector_driver, write_features, write_geotiff
from polsim.cities.preview import ATTRIBUTION_SHORT, land_use_rgb, road_rgb
from polsim.coverage.study import Study
from polsim.files import write_atomically
from polsim.reports.figures import save

BAND_COLOURS = ("#1a9850", "#fee08b", "#f46d43", "#a50026", "#762a83")
"""The bands' colours, innermost first."""
DONE = "coverage.json"
"""The file a finished study writes last."""


def band_index(minutes: np.ndarray, bands: list[float]) -> np.ndarray:
    """Each cell's band: 0 within the first, 1 within the second but not the first...; -1 beyond all."""
    out = np.full(minutes.shape, -1, np.int32)
    for k, band in reversed(list(enumerate(bands))):
        out[minutes <= band] = k
    return out


def band_map(city, minutes: np.ndarray, bands: list[float], title: str, sources: tuple[np.ndarray, np.ndarray]):
    """The bands over the city's land, roads and blocked land (water, buildings), its police
    stations (triangles) and the units counted (dots), with the OSM attribution of an imported city.
    """
    import matplotlib.pyplot as plt  # Agg: polsim.reports.figures chose it
    from matplotlib.colors import to_rgb
    from matplotlib.patches import Patch

    base = land_use_rgb(city.land_use).astype(float) / 255.0
    base = road_rgb((base * 255).astype(np.uint8), city.road_kmh, city.road_class, city.foot) / 255.0
    # grey: the bands carry the colour (land use's own colours would read as bands)
    shade = np.repeat((0.35 + 0.6 * base.mean(axis=2))[..., None], 3, axis=2)
    idx = band_index(minutes, bands)
    rgb = shade.copy()
    for k in range(len(bands)):
        colour = np.array(to_rgb(BAND_COLOURS[k % len(BAND_COLOURS)]))
        rgb[idx == k] = 0.35 * shade[idx == k] + 0.65 * colour
    height = 7.0 * min(2.0, max(0.5, city.rows / city.cols))
    fig, ax = plt.subplots(figsize=(7.5, height))
    ax.imshow(rgb, interpolation="nearest")
    stations = city.bases.get("station", np.zeros((0, 2)))
    if len(stations):
        ax.scatter(stations[:, 1], stations[:, 0], marker="^", s=40, c="black", label="police station")
    r, c = sources
    if len(r):
        ax.scatter(c, r, s=8, c="#2166ac", edgecolors="white", linewidths=0.4, label="units counted")
    handles = [Patch(color=BAND_COLOURS[k % len(BAND_COLOURS)], label=f"within {b:g} min")
               for k, b in enumerate(bands)]
    ax.legend(handles=handles + ax.get_legend_handles_labels()[0], loc="upper right", fontsize=7, framealpha=0.9)
    ax.set_title(title, fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    if city.info.get("attribution"):
        ax.text(0.99, 0.01, ATTRIBUTION_SHORT, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
    return fig


def write_gis(out: Path, study: Study, city, vector: str) -> list[str]:
    """``minutes.tif`` (one band per hour and unit type) and the bands as polygons; nothing
    for a city with no place on the map. Returns the file names written.
    """
    if city.geo is None:
        return []
    bands = list(study.request.bands)
    layers = {f"hour {h:02d} {label} minutes": m for (h, label), m in study.minutes.items()}
    write_atomically(out / "minutes.tif", lambda p: write_geotiff(p, layers, city.geo))
    geoms, hours, types, upper, lower = [], [], [], [], []
    for (h, label), minutes in study.minutes.items():
        g, k = cell_polygons(band_index(minutes, bands), city.geo)
        geoms += g
        hours += [h] * len(g)
        types += [label] * len(g)
        upper += [bands[i] for i in k]
        lower += [bands[i - 1] if i > 0 else 0.0 for i in k]
    name = f"bands{vector}"
    columns = {"hour": np.asarray(hours, np.int32), "unit_type": np.asarray(types, object),
               "from_min": np.asarray(lower, float), "to_min": np.asarray(upper, float)}
    write_atomically(out / name, lambda p: write_features(p, geoms, columns, city.geo.crs, vector_driver(out / name),
                                                          layer="bands"))
    return ["minutes.tif", name]


def write_tables(out: Path, frames: dict) -> list[str]:
    """Each table as ``coverage_<name>.csv``."""
    names = []
    for name, frame in frames.items():
        file = f"coverage_{name}.csv"
        write_atomically(out / file, lambda p, f=frame: f.to_csv(p, index=False, float_format="%.6g"))
        names.append(file)
    return names


def write_maps(out: Path, study: Study, city, label: str) -> list[str]:
    """One map per hour of the ``label`` field."""
    names = []
    for hour in study.request.hours:
        minutes = study.minutes[hour, label]
        standing = study.positions[hour]
        title = (f"{label}: {', '.join(f'{b:g}' for b in study.request.bands)}-minute circles at "
                 f"{hour:02d}:00 ({study.units[hour, label]} units, from {study.request.source})")
        name = f"map_h{hour:02d}.png"
        save(band_map(city, minutes, list(study.request.bands), title, (standing.r, standing.c)), out / name)
        names.append(name)
    return names


def html_report(out: Path, title: str, frames: dict, maps: list[str], gis: list[str],
                static_dynamic: list[dict] | None, attribution: str | None) -> Path:
    """``report.html``: the city-wide table, static against dynamic, the maps and the files."""
    from polsim.reports.html import esc, figure_list, page, table, write_page

    city = frames["citywide"]
    shares = [c for c in city.columns if c.endswith("_share")]
    head = ["hour", "unit type", "units", "band (min)", *[c.removesuffix("_share") for c in shares]]
    rows = ["".join([f"<td>{r.hour:02d}:00</td><td>{esc(r.unit_type)}</td><td>{r.units}</td>",
                     f"<td>{r.band_min:g}</td>",
                     *[f"<td>{'–' if r[c] is None or r[c] != r[c] else f'{r[c]:.1%}'}</td>" for c in shares]])
            for _, r in city.iterrows()]
    body = [f"<h1>{esc(title)}</h1>", "<h2>Share inside each band, city-wide</h2>", table(head, rows)]
    if static_dynamic:
        sd_rows = ["".join(f"<td>{esc(v if not isinstance(v, float) else f'{v:.1%}')}</td>" for v in d.values())
                   for d in static_dynamic]
        body += ["<h2>Static against dynamic: calls within the band</h2>",
                 "<p>Static: the calls' cells inside the band of the deployment (who <em>could</em> be "
                 "reached). Dynamic: the run's calls reached within the band (who <em>was</em>, with units "
                 "busy and away). docs/coverage.md says why they part.</p>",
                 table(list(static_dynamic[0]), sd_rows)]
    body += ["<h2>Maps</h2>", figure_list(maps)]
    files = [*gis, *[f"coverage_{n}.csv" for n in frames]]
    body.append("<h2>Files</h2><ul>" + "".join(f'<li><a href="{esc(f)}">{esc(f)}</a></li>' for f in files) + "</ul>")
    if attribution:
        body.append(f"<p><small>{esc(attribution)}</small></p>")
    return write_page(out / "report.html", page(title, "\n".join(body)))


def write_done(out: Path, summary: dict) -> None:
    """``coverage.json``, last."""
    text = json.dumps(summary, indent=2, allow_nan=False, default=float) + "\n"
    write_atomically(out / DONE, lambda p: p.write_text(text, encoding="utf-8"))
