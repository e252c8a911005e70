"""The preview of an imported city: land use, roads, stations and police areas, with the
OpenStreetMap attribution the ODbL asks for. Written beside the city file as ``preview.png``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from polsim.cities import tags as tag_rules
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
FOOT_RGB = (255, 255, 255)
ATTRIBUTION_SHORT = "© OpenStreetMap contributors (ODbL)"


def road_rgb(base: np.ndarray, road_kmh: np.ndarray, road_class: np.ndarray, foot: np.ndarray) -> np.ndarray:
    """``base`` (rows x cols x 3) with roads painted on: major roads dark, other drivable
    roads grey, foot-only ways white.
    """
    out = base.copy()
    out[foot & (road_kmh <= 0)] = FOOT_RGB
    out[road_kmh > 0] = MINOR_ROAD_RGB
    out[(road_kmh > 0) & (road_class >= 1) & (road_class <= tag_rules.MAJOR_ROAD_MAX_CODE)] = MAJOR_ROAD_RGB
    return out


def land_use_rgb(land_use: np.ndarray) -> np.ndarray:
    """The land-use layer as colours (rows x cols x 3, uint8)."""
    table = np.array([LAND_USE_RGB[name] for name in LAND_USES], np.uint8)
    return table[land_use]


NETWORK_DRAWN_UP_TO = 250_000
"""Up to this many cells the preview draws the lattice's road links as lines (what travel
uses); beyond it, road cells are painted (millions of links would not show anyway)."""


def network_links(mask: np.ndarray) -> np.ndarray:
    """Links between 8-neighbouring cells that are both in ``mask``: (n, 2, 2) of (col, row)
    centre coordinates, in cells. A diagonal link is left out where the two cells beside it
    are in ``mask`` too (the path round them shows the connection without a cross).
    """
    segs = []
    rows, cols = mask.shape
    for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        r0, r1, c0, c1 = 0, rows - dr, max(0, -dc), cols - max(0, dc)
        both = mask[r0:r1, c0:c1] & mask[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        if dr and dc:
            both &= ~(mask[r0 + dr:r1 + dr, c0:c1] & mask[r0:r1, c0 + dc:c1 + dc])
        r, c = np.nonzero(both)
        r, c = r + r0, c + c0
        segs.append(np.stack([np.stack([c + 0.5, r + 0.5], 1), np.stack([c + dc + 0.5, r + dr + 0.5], 1)], 1))
    return np.concatenate(segs)


def label_edges(labels: np.ndarray) -> np.ndarray:
    """Cell edges between different labels: (n, 2, 2) of (col, row) corner coordinates, in cells."""
    r, c = np.nonzero(labels[:, 1:] != labels[:, :-1])
    vertical = np.stack([np.stack([c + 1, r], 1), np.stack([c + 1, r + 1], 1)], 1)
    r, c = np.nonzero(labels[1:, :] != labels[:-1, :])
    horizontal = np.stack([np.stack([c, r + 1], 1), np.stack([c + 1, r + 1], 1)], 1)
    return np.concatenate([vertical, horizontal]).astype(float)


def _draw_roads(ax, layers: dict[str, np.ndarray], cell_km: float) -> None:
    from matplotlib.collections import LineCollection

    kmh, code = layers["road_kmh"], layers["road_class"]
    drive = kmh > 0
    major = drive & (code >= 1) & (code <= tag_rules.MAJOR_ROAD_MAX_CODE)
    for mask, rgb, width in ((layers["foot"], FOOT_RGB, 0.8), (drive, MINOR_ROAD_RGB, 1.4),
                             (major, MAJOR_ROAD_RGB, 2.2)):
        links = network_links(mask) * cell_km
        links[..., 1] *= -1
        ax.add_collection(LineCollection(links, colors=[np.array(rgb) / 255], linewidths=width, zorder=2))


def draw_preview(layers: dict[str, np.ndarray], meta: dict, path: Path) -> None:
    """Draw the city of ``layers`` to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    from matplotlib.collections import LineCollection
    from matplotlib.patches import Patch

    geo = meta["geo"]
    rows, cols, cell_km = geo["rows"], geo["cols"], geo["cell_m"] / 1000.0
    rgb = land_use_rgb(layers["land_use"])
    rgb[layers["water"]] = WATER_RGB
    rgb[~layers["inside"]] = OUTSIDE_RGB
    small = rows * cols <= NETWORK_DRAWN_UP_TO
    if not small:
        rgb = road_rgb(rgb, layers["road_kmh"], layers["road_class"], layers["foot"])
    side = 8.0
    fig, ax = plt.subplots(figsize=(side * min(1.0, cols / rows) + 2.5, side * min(1.0, rows / cols) + 1))
    ax.imshow(rgb, extent=(0, cols * cell_km, -rows * cell_km, 0), interpolation="nearest")
    if small:
        _draw_roads(ax, layers, cell_km)
    edges = label_edges(layers["station_id"]) * cell_km
    edges[..., 1] *= -1
    ax.add_collection(LineCollection(edges, colors="navy", linewidths=1.6, zorder=3))
    for kind, marker, colour in (("bases_station", "*", "crimson"), ("bases_district", "s", "navy")):
        cells = layers[kind].reshape(-1, 2)
        ax.scatter((cells[:, 1] + 0.5) * cell_km, -(cells[:, 0] + 0.5) * cell_km, marker=marker, s=110,
                   c=colour, edgecolors="white", linewidths=0.8, zorder=4)
    handles = [Patch(color=np.array(LAND_USE_RGB[n]) / 255, label=n) for n in LAND_USES]
    handles += [Patch(color=np.array(WATER_RGB) / 255, label="water"),
                plt.Line2D([], [], color=np.array(MAJOR_ROAD_RGB) / 255, lw=2.2, label="major road"),
                plt.Line2D([], [], color=np.array(MINOR_ROAD_RGB) / 255, lw=1.4, label="other road"),
                plt.Line2D([], [], color="lightgrey", lw=0.8, label="on foot only"),
                plt.Line2D([], [], color="navy", label="station areas"),
                plt.Line2D([], [], marker="*", ls="", color="crimson", markersize=11,
                           label="police station" if meta["counts"]["police_stations"] else "station base"),
                plt.Line2D([], [], marker="s", ls="", color="navy", label="district base")]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False)
    ax.set_xlim(0, cols * cell_km)
    ax.set_ylim(-rows * cell_km, 0)
    ax.set_xlabel("km east")
    ax.set_ylabel("km north (0: the north edge)")
    ax.set_title(f"{meta['source']['file']} ({meta['source']['date'][:10]}): {rows} x {cols} cells of "
                 f"{geo['cell_m']:g} m, {geo['crs']}", fontsize=10)
    ax.text(1.0, -0.08, ATTRIBUTION_SHORT, transform=ax.transAxes, ha="right", va="top", fontsize=8)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
