"""The preview of an imported city: land use, roads, stations and police areas, with the
OpenStreetMap attribution the ODbL asks for. Written beside the city file as ``preview.png``."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from polsim.cities import tags as T
from polsim.scenario.schema import LAND_USES

LAND_USE_RGB = {
    "residential": (238, 226, 200), "commercial": (244, 177, 120), "market": (205, 150, 215),
    "school": (247, 225, 110), "park": (150, 205, 130), "transit": (150, 160, 230),
    "blocked": (95, 95, 95),
}
"""The colour of each land use, in maps and previews alike."""

WATER_RGB = (150, 190, 230)
OUTSIDE_RGB = (200, 200, 200)
MAJOR_ROAD_RGB = (40, 40, 40)
MINOR_ROAD_RGB = (120, 120, 120)
FOOT_RGB = (250, 250, 250)
ATTRIBUTION_SHORT = "© OpenStreetMap contributors (ODbL)"


def road_rgb(base: np.ndarray, road_kmh: np.ndarray, road_class: np.ndarray, foot: np.ndarray) -> np.ndarray:
    """``base`` (rows x cols x 3) with roads painted on: major roads dark, other drivable
    roads grey, foot-only ways white."""
    out = base.copy()
    out[foot & (road_kmh <= 0)] = FOOT_RGB
    out[road_kmh > 0] = MINOR_ROAD_RGB
    out[(road_kmh > 0) & (road_class >= 1) & (road_class <= T.MAJOR_ROAD_MAX_CODE)] = MAJOR_ROAD_RGB
    return out


def land_use_rgb(land_use: np.ndarray) -> np.ndarray:
    """The land-use layer as colours (rows x cols x 3, uint8)."""
    table = np.array([LAND_USE_RGB[name] for name in LAND_USES], np.uint8)
    return table[land_use]


def draw_preview(layers: dict[str, np.ndarray], meta: dict, path: Path) -> None:
    """Draw the city of ``layers`` to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    geo = meta["geo"]
    rows, cols, cell_km = geo["rows"], geo["cols"], geo["cell_m"] / 1000.0
    rgb = land_use_rgb(layers["land_use"])
    rgb[~layers["inside"]] = OUTSIDE_RGB
    rgb = road_rgb(rgb, layers["road_kmh"], layers["road_class"], layers["foot"])
    extent = (0, cols * cell_km, -rows * cell_km, 0)
    side = 8.0
    fig, ax = plt.subplots(figsize=(side * min(1.0, cols / rows) + 2.5, side * min(1.0, rows / cols) + 1))
    ax.imshow(rgb, extent=extent, interpolation="nearest")
    ax.contour(layers["station_id"], levels=np.unique(layers["station_id"])[:-1] + 0.5, colors="navy",
               linewidths=1.2, extent=(0, cols * cell_km, 0, -rows * cell_km), origin="upper")
    for kind, marker, colour in (("bases_station", "*", "crimson"), ("bases_district", "s", "navy")):
        cells = layers[kind].reshape(-1, 2)
        ax.scatter((cells[:, 1] + 0.5) * cell_km, -(cells[:, 0] + 0.5) * cell_km, marker=marker, s=90,
                   c=colour, edgecolors="white", linewidths=0.8, zorder=3)
    handles = [Patch(color=np.array(LAND_USE_RGB[n]) / 255, label=n) for n in LAND_USES]
    handles += [Patch(color=np.array(MAJOR_ROAD_RGB) / 255, label="major road"),
                Patch(color=np.array(MINOR_ROAD_RGB) / 255, label="other road"),
                Patch(facecolor=np.array(FOOT_RGB) / 255, edgecolor="grey", label="foot only"),
                plt.Line2D([], [], color="navy", label="station areas"),
                plt.Line2D([], [], marker="*", ls="", color="crimson", markersize=11,
                           label="police station" if meta["counts"]["police_stations"] else "station base"),
                plt.Line2D([], [], marker="s", ls="", color="navy", label="district base")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_xlabel("km east")
    ax.set_ylabel("km north (0: the north edge)")
    ax.set_title(f"{meta['source']['file']} ({meta['source']['date'][:10]}): {rows} x {cols} cells of "
                 f"{geo['cell_m']:g} m, {geo['crs']}", fontsize=10)
    ax.text(1.0, -0.08, ATTRIBUTION_SHORT, transform=ax.transAxes, ha="right", va="top", fontsize=8)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
