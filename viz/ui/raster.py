"""The map as a raster: a city layer, the treated cells, people and incidents, drawn with PIL.

Matplotlib takes tens of milliseconds a frame; painting the layer with numpy and the
markers with ``PIL.ImageDraw`` takes a few, which is what lets the page draw every step.
Coordinates: cell (r, c) covers pixels ``[r*px, (r+1)*px)`` down and ``[c*px, (c+1)*px)``
across; :func:`cell_at` inverts that for clicks. An imported city (``city.info``) shows its
road network over the layer, as the import's preview draws it, and the OpenStreetMap
attribution its licence asks for.
"""

from __future__ import annotations

import io
import weakref
from dataclasses import dataclass

import numpy as np
from matplotlib import colormaps
from PIL import Image, ImageDraw

from polsim.cities.preview import (
    ATTRIBUTION_SHORT,
    FOOT_RGB,
    LAND_USE_RGB,
    MAJOR_ROAD_RGB,
    MINOR_ROAD_RGB,
)
from polsim.cities.tags import MAJOR_ROAD_MAX_CODE
from polsim.engine.units import DISPATCHED, UNIT_STATES
from polsim.model import PolicingModel
from polsim.reports.city_map import street_lines
from polsim.rules.offender import FLEEING, WALKING
from polsim.scenario.schema import LAND_USES

LAYERS = ("land use", "attractiveness", "crime so far", "footfall", "response circles")
"""The switchable base layers of the map."""
CIRCLE_MINUTES = (1.0, 3.0, 5.0)
"""The response circles layer's bands: minutes from the nearest free unit (docs/coverage.md)."""
CIRCLE_RGB = ((26, 152, 80), (254, 224, 139), (244, 109, 67))
"""The bands' colours, innermost first (those of the coverage report's maps)."""
BEYOND_RGB = (215, 215, 215)

STATE_RGB = {
    "patrolling": (31, 119, 180), "dispatched": (255, 127, 14), "on_scene": (214, 39, 40),
    "pursuing": (148, 52, 180), "returning": (23, 168, 160), "off_shift": (150, 150, 150),
}
UNIT_SHAPES = {
    "patrol_car": "circle", "strike_vehicle": "square", "motorcycle_squad": "triangle",
    "community_officer": "diamond", "fixed_post": "cross", "drone": "star",
}
SHAPE_SYMBOL = {"circle": "●", "square": "■", "triangle": "▲", "diamond": "◆", "cross": "✚", "star": "★"}
"""The text symbol of each marker shape, for the legend."""
LAYER_CMAP = {"attractiveness": "magma", "crime so far": "YlOrRd", "footfall": "viridis"}
INCIDENT_RGB = (220, 0, 0)
TREATED_RGB = (0, 220, 255)
GRID_WORKER_RGB = (20, 130, 50)
OFFENDER_RGB = {WALKING: (60, 60, 60), FLEEING: (255, 0, 160)}
PLACE_STYLE = {"station": ("police station", (0, 40, 140), 0.95), "district": ("district HQ", (0, 0, 0), 1.25),
               "workstation": ("workstation", (0, 120, 60), 0.8)}
"""City bases marked on the map: legend name, outline colour, size in cells (a white square)."""
CHECKPOINT_RGB = (90, 0, 120)
"""Checkpoint and post cells (``city.checkpoints``): a small X."""


@dataclass(frozen=True)
class MapOptions:
    """What the map shows besides the layer."""

    layer: str = "land use"
    grid_workers: bool = False
    offenders: bool = False


def cell_pixels(rows: int, cols: int, target: int = 600) -> int:
    """Pixels per cell so that the longer side is about ``target`` pixels (at least 2)."""
    return max(2, target // max(rows, cols))


def layer_values(model: PolicingModel, layer: str) -> np.ndarray:
    """The numbers behind a continuous layer (rows x cols)."""
    if layer == "attractiveness":
        return model.b + model.a0
    if layer == "crime so far":
        return model.metrics.crimes_by_cell.sum(axis=0).astype(float)
    if layer == "footfall":
        return np.asarray(model.city.footfall(model.hour), float)
    raise ValueError(f"unknown layer {layer!r}; allowed: {', '.join(LAYERS)}")


def layer_rgb(model: PolicingModel, layer: str) -> np.ndarray:
    """The base layer as an RGB array (rows x cols x 3, uint8); blocked land stays dark."""
    lu = model.city.land_use
    if layer == "land use":
        table = np.array([LAND_USE_RGB[name] for name in LAND_USES], np.uint8)
        return table[lu]
    if layer == "response circles":
        return circles_rgb(model)
    values = layer_values(model, layer)
    top = float(values.max())
    scaled = values / top if top > 0 else values
    rgb = (colormaps[LAYER_CMAP[layer]](scaled)[..., :3] * 255).astype(np.uint8)
    rgb[~model.city.passable] = LAND_USE_RGB["blocked"]
    return rgb


def circles_rgb(model: PolicingModel) -> np.ndarray:
    """The 1-, 3- and 5-minute circles of the units free now, from where they stand
    (:func:`polsim.coverage.study.live_minutes`); cells beyond them grey, blocked land dark.
    """
    from polsim.coverage.study import live_minutes

    minutes = live_minutes(model, CIRCLE_MINUTES[-1])
    rgb = np.empty((*minutes.shape, 3), np.uint8)
    rgb[:] = BEYOND_RGB
    for limit, colour in reversed(list(zip(CIRCLE_MINUTES, CIRCLE_RGB, strict=True))):
        rgb[minutes <= limit] = colour
    rgb[~model.city.passable] = LAND_USE_RGB["blocked"]
    return rgb


def _outline(mask: np.ndarray, px: int) -> np.ndarray:
    """Pixels on the inner edge of ``mask`` scaled up by ``px`` (two pixels thick)."""
    up = np.repeat(np.repeat(mask, px, axis=0), px, axis=1)
    pad = np.pad(up, 2, constant_values=False)
    inner = up.copy()
    for dr, dc in ((-2, 0), (2, 0), (0, -2), (0, 2)):
        inner &= pad[2 + dr: 2 + dr + up.shape[0], 2 + dc: 2 + dc + up.shape[1]]
    return up & ~inner


def _centre(r: float, c: float, px: int) -> tuple[float, float]:
    return (c + 0.5) * px, (r + 0.5) * px


def _marker(draw: ImageDraw.ImageDraw, shape: str, x: float, y: float, s: float, fill) -> None:
    edge = (0, 0, 0)
    if shape == "circle":
        draw.ellipse((x - s, y - s, x + s, y + s), fill=fill, outline=edge)
    elif shape == "square":
        draw.rectangle((x - s, y - s, x + s, y + s), fill=fill, outline=edge)
    elif shape == "triangle":
        draw.polygon([(x, y - s * 1.2), (x - s * 1.1, y + s), (x + s * 1.1, y + s)], fill=fill, outline=edge)
    elif shape == "diamond":
        draw.polygon([(x, y - s * 1.3), (x + s, y), (x, y + s * 1.3), (x - s, y)], fill=fill, outline=edge)
    elif shape == "cross":
        w = max(1.0, s / 2.5)
        draw.rectangle((x - s, y - w, x + s, y + w), fill=fill, outline=edge)
        draw.rectangle((x - w, y - s, x + w, y + s), fill=fill, outline=edge)
    else:  # star: a drone
        pts = []
        for k in range(10):
            rad = s * (1.3 if k % 2 == 0 else 0.55)
            ang = np.pi / 2 + k * np.pi / 5
            pts.append((x + rad * np.cos(ang), y - rad * np.sin(ang)))
        draw.polygon(pts, fill=fill, outline=edge)


ROADS_FROM_PX = 3
"""Roads are drawn on an imported city's map when a cell is at least this many pixels wide."""

_roads_drawn: dict[int, tuple[weakref.ref, int, np.ndarray, np.ndarray]] = {}


def road_pixels(city, px: int) -> tuple[np.ndarray, np.ndarray]:
    """The pixels of an imported city's road network at ``px`` pixels a cell: a mask and their
    colours (foot-only ways white, roads grey, major roads dark), each traced to its centre
    lines (:func:`polsim.reports.city_map.street_lines`, as the reports' maps draw them). Drawn
    once per city and size.
    """
    kept = _roads_drawn.get(id(city))
    if kept is not None and kept[0]() is city and kept[1] == px:
        return kept[2], kept[3]
    layer = Image.new("RGBA", (city.cols * px, city.rows * px), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    drive = city.road_kmh > 0
    major = drive & (city.road_class >= 1) & (city.road_class <= MAJOR_ROAD_MAX_CODE)
    for mask, rgb, width in ((city.foot, FOOT_RGB, 1), (drive, MINOR_ROAD_RGB, max(1, px // 5)),
                             (major, MAJOR_ROAD_RGB, max(2, px // 3))):
        for (x0, y0), (x1, y1) in street_lines(mask) * px:
            draw.line((x0, y0, x1, y1), fill=(*rgb, 255), width=width)
    rgba = np.asarray(layer)
    mask, rgb = rgba[..., 3] > 0, rgba[..., :3].copy()
    for key in [k for k, v in _roads_drawn.items() if v[0]() is None]:  # cities gone: their drawings too
        del _roads_drawn[key]
    _roads_drawn[id(city)] = (weakref.ref(city), px, mask, rgb)
    return mask, rgb


def render_map(model: PolicingModel, options: MapOptions = MapOptions(), target: int = 600) -> Image.Image:
    """The map of ``model`` now: layer (and an imported city's roads), treated outline, people,
    open incidents, units.
    """
    city = model.city
    px = cell_pixels(city.rows, city.cols, target)
    base = layer_rgb(model, options.layer)
    img = np.repeat(np.repeat(base, px, axis=0), px, axis=1)
    if city.info and px >= ROADS_FROM_PX:
        mask, rgb = road_pixels(city, px)
        img[mask] = rgb[mask]
    treated = np.asarray(model.policy.treated_cells(model.policy_view), bool)
    if treated.any():
        img[_outline(treated, px)] = TREATED_RGB
    image = Image.fromarray(img, "RGB")
    draw = ImageDraw.Draw(image)
    dot = max(1.0, px / 4)
    if options.grid_workers:
        g = model.guardians
        for r, c in zip(g.r[g.grid_worker], g.c[g.grid_worker], strict=True):
            x, y = _centre(r, c, px)
            draw.rectangle((x - dot, y - dot, x + dot, y + dot), fill=GRID_WORKER_RGB)
    if options.offenders:
        o = model.offenders
        for status, colour in OFFENDER_RGB.items():
            for r, c in zip(o.r[o.status == status], o.c[o.status == status], strict=True):
                x, y = _centre(r, c, px)
                draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=colour)
    _draw_places(draw, city, px)
    _draw_incidents(draw, model, px)
    _draw_units(draw, model, px)
    if city.info:
        w, h = image.size
        box = draw.textbbox((0, 0), ATTRIBUTION_SHORT)
        draw.rectangle((w - box[2] - 6, h - box[3] - 4, w, h), fill=(255, 255, 255))
        draw.text((w - box[2] - 3, h - box[3] - 2), ATTRIBUTION_SHORT, fill=(0, 0, 0))
    return image


def _draw_places(draw: ImageDraw.ImageDraw, city, px: int) -> None:
    """Police stations, district HQs and workstations as outlined white squares; checkpoints as X."""
    for kind, (_, rgb, size) in PLACE_STYLE.items():
        s = max(3.0, px * size / 2)
        for r, c in city.bases.get(kind, np.zeros((0, 2), int)).tolist():
            x, y = _centre(r, c, px)
            draw.rectangle((x - s, y - s, x + s, y + s), fill=(255, 255, 255), outline=rgb, width=max(1, px // 5))
    s = max(2.0, px * 0.3)
    for r, c in np.argwhere(city.checkpoints).tolist():
        x, y = _centre(r, c, px)
        for dx in (-s, s):
            draw.line((x - s, y - dx, x + s, y + dx), fill=CHECKPOINT_RGB, width=max(1, px // 6))


def _draw_incidents(draw: ImageDraw.ImageDraw, model: PolicingModel, px: int) -> None:
    """Open incidents as red rings, each with a line to every unit on its way there.

    Only incidents reported by now: a crime whose call is still to come is nobody's incident yet.
    """
    u = model.units
    s = max(2.5, px * 0.6)
    now = model.now
    for inc in model.incidents.live():
        if inc.status(now) != "open":
            continue
        x, y = _centre(inc.r, inc.c, px)
        for j in inc.units:
            if u.incident[j] == inc.id and u.state[j] == DISPATCHED:
                draw.line((x, y, *_centre(u.r[j], u.c[j], px)), fill=INCIDENT_RGB, width=max(1, px // 5))
        draw.ellipse((x - s, y - s, x + s, y + s), outline=INCIDENT_RGB, width=max(1, px // 4))


def _draw_units(draw: ImageDraw.ImageDraw, model: PolicingModel, px: int) -> None:
    u = model.units
    s = max(2.0, px * 0.55)
    for j in range(len(u)):
        kind = u.types[u.type_idx[j]].kind
        x, y = _centre(u.r[j], u.c[j], px)
        _marker(draw, UNIT_SHAPES[kind], x, y, s, STATE_RGB[UNIT_STATES[u.state[j]]])


def png_bytes(image: Image.Image) -> bytes:
    """PNG of ``image``, compressed lightly: the page redraws it many times a second."""
    buf = io.BytesIO()
    image.save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def cell_at(model: PolicingModel, fx: float, fy: float) -> tuple[int, int] | None:
    """The cell under a click at fractions (``fx`` across, ``fy`` down) of the map, or None."""
    if not (0.0 <= fx < 1.0 and 0.0 <= fy < 1.0):
        return None
    return int(fy * model.city.rows), int(fx * model.city.cols)
