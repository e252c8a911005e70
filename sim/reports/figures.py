"""Figures of a policy comparison (matplotlib, Agg, PNG).

Each drawing function takes plain arrays and returns a ``Figure``; :func:`save` writes it
atomically as PNG and closes it. Plain arrays in, so the figures serve ``polsim compare``
and anyone with results loaded by hand.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: no display on servers and in CI

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.collections import LineCollection  # noqa: E402
from matplotlib.colors import PowerNorm, TwoSlopeNorm  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from polsim.engine.metrics import RESPONSE_TARGETS_MIN  # noqa: E402
from polsim.files import write_atomically  # noqa: E402
from polsim.reports.city_map import CityBase, draw_city, outline, show_values  # noqa: E402

DPI = 110


def save(fig: plt.Figure, path: Path) -> Path:
    """Write ``fig`` as PNG to ``path`` (via a temporary name) and close it."""
    write_atomically(Path(path), lambda p: fig.savefig(p, format="png", dpi=DPI, bbox_inches="tight"))
    plt.close(fig)
    return Path(path)


def response_cdf(curves: Mapping[str, tuple[np.ndarray, int]]) -> plt.Figure:
    """Share of calls reached within t minutes, per policy, with the 1/3/5-minute lines.

    ``curves[policy] = (reached response times, number of calls)``: calls never reached
    keep the curve below 1, as they count against the within-N shares.
    """
    fig, ax = plt.subplots(figsize=(7, 4.2))
    reached = {p: np.sort(np.asarray(t, float)) for p, (t, _) in curves.items()}
    # show the bulk of every curve; the last 1% of a long tail would squash the 1-5 min range
    right = max([RESPONSE_TARGETS_MIN[-1] * 1.5] + [float(np.percentile(t, 99)) for t in reached.values() if t.size])
    for policy, (_, calls) in curves.items():
        t = reached[policy]
        if calls == 0:
            ax.plot([], [], label=f"{policy} (no calls)")
            continue
        y = np.arange(1, t.size + 1) / calls
        # flat after the slowest reached call: unreached calls keep the curve below 1
        ax.step(np.r_[0.0, t, max(right, t[-1] if t.size else 0.0)], np.r_[0.0, y, y[-1] if y.size else 0.0],
                where="post", label=f"{policy} ({calls} calls)")
    for m in RESPONSE_TARGETS_MIN:
        ax.axvline(m, color="0.5", ls="--", lw=0.8)
        ax.text(m, 1.01, f"{m} min", ha="center", va="bottom", fontsize=8, color="0.3")
    ax.set(xlim=(0, right), ylim=(0, 1.06),
           xlabel="minutes from call to first unit on scene", ylabel="share of calls reached",
           title="Response time by policy (all replications)")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(alpha=0.3)
    return fig


def _values_panel(ax: plt.Axes, base: CityBase | None, values: np.ndarray, alpha: float, **imshow: object):
    """Per-cell ``values`` in one panel: over the city's streets, water and stations where
    ``base`` matches their shape, at ``alpha`` so the streets show through (returns the image
    and True), else as a bare, opaque raster.
    """
    if base is not None and base.shape == values.shape:
        draw_city(ax, base)
        return show_values(ax, base, values, alpha=alpha, **imshow), True
    ax.set_xticks([])
    ax.set_yticks([])
    return ax.imshow(values, interpolation="nearest", **imshow), False


def _inner_ylabels_off(axes: Sequence[plt.Axes], cols: int = 3) -> None:
    """Keep the y label of each row's first panel only: the panels stand close, and the inner
    ones' labels would run into the panel on their left.
    """
    for k, ax in enumerate(axes):
        if k % cols:
            ax.set_ylabel("")


def _grid(n: int, size: float = 3.6) -> tuple[plt.Figure, list[plt.Axes]]:
    cols = min(n, 3)
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(size * cols + 0.8, size * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    return fig, list(axes.flat)


CRIME_GAMMA = 0.5
"""The colour scale of crime maps: colour by the square root of the count."""


def crime_maps(maps: Mapping[str, np.ndarray], base: CityBase | None = None) -> plt.Figure:
    """Mean crimes per cell over replications, one panel per policy, on one colour scale;
    over the city's streets, water and stations when ``base`` is given.
    """
    fig, axes = _grid(len(maps), size=4.4 if base is not None else 3.6)
    vmax = max(float(m.max()) for m in maps.values()) or 1.0
    # square-root colours: crime is skewed (a few cells hold tens of times the typical cell),
    # and on a linear scale the typical cell would be as pale as an empty one
    norm = PowerNorm(CRIME_GAMMA, vmin=0.0, vmax=vmax)
    for ax, (policy, m) in zip(axes, maps.items(), strict=False):
        im, _ = _values_panel(ax, base, m, cmap="magma_r", norm=norm, alpha=0.85)
        ax.set_title(f"{policy}: {m.sum():,.0f} crimes", fontsize=9)
    _inner_ylabels_off(axes[:len(maps)])
    fig.colorbar(im, ax=axes[:len(maps)], shrink=0.8, label="mean crimes per cell")
    fig.suptitle("Where crime happened (mean over replications)")
    return fig


def cell_edges(mask: np.ndarray) -> list[tuple[tuple[float, float], tuple[float, float]]]:
    """Segments along the cell edges between ``mask`` and the rest, in image coordinates.

    Drawn exactly on cell borders (a contour would cut corners and shrink one-cell areas to
    diamonds); cell ``(r, c)`` spans ``c ± 0.5`` by ``r ± 0.5`` as ``imshow`` draws it.
    """
    m = np.pad(np.asarray(mask, bool), 1)
    rows, cols = np.nonzero(m[1:-1, 1:] != m[1:-1, :-1])  # left edge of column c
    segs = [((c - 0.5, r - 0.5), (c - 0.5, r + 0.5)) for r, c in zip(rows, cols, strict=True)]
    rows, cols = np.nonzero(m[1:, 1:-1] != m[:-1, 1:-1])  # top edge of row r
    segs += [((c - 0.5, r - 0.5), (c + 0.5, r - 0.5)) for r, c in zip(rows, cols, strict=True)]
    return segs


def difference_maps(diffs: Mapping[str, np.ndarray],
                    outlines: Mapping[str, tuple[np.ndarray, np.ndarray]],
                    baseline: str = "baseline", base: CityBase | None = None) -> plt.Figure:
    """Mean crimes per cell, policy minus baseline, with treated and buffer areas outlined;
    over the city's streets, water and stations when ``base`` is given.

    Blue: fewer crimes than under the baseline; red: more. ``outlines[policy] = (treated,
    buffer)`` boolean rasters drawn as contours (treated black, buffer's outer edge green).
    """
    fig, axes = _grid(len(diffs), size=4.4 if base is not None else 3.6)
    lim = max((float(np.abs(d).max()) for d in diffs.values()), default=0.0) or 1.0
    norm = TwoSlopeNorm(vcenter=0.0, vmin=-lim, vmax=lim)
    for ax, (policy, d) in zip(axes, diffs.items(), strict=False):
        im, on_map = _values_panel(ax, base, d, cmap="RdBu_r", norm=norm, alpha=0.9)
        treated, buffer = outlines.get(policy, (None, None))
        for mask, colour in ((treated, "black"), (None if buffer is None else buffer | treated, "green")):
            if mask is not None and mask.any():
                if on_map:
                    outline(ax, base, cell_edges(mask), colour)
                else:
                    ax.add_collection(LineCollection(cell_edges(mask), colors=colour, linewidths=1.0))
        ax.set_title(f"{policy} - {baseline}: {d.sum():+.1f} crimes", fontsize=9)
    _inner_ylabels_off(axes[:len(diffs)])
    fig.colorbar(im, ax=axes[:len(diffs)], shrink=0.8, label="change in mean crimes per cell")
    fig.legend(handles=[Line2D([], [], color="black", label="treated cells"),
                        Line2D([], [], color="green", label="buffer ring (outer edge)")],
               loc="lower center", ncol=2, fontsize=8)
    fig.suptitle("Change in crime against the baseline, same seeds")
    return fig


def crimes_by_type(means: Mapping[str, Sequence[float]], errors: Mapping[str, Sequence[float]],
                   types: Sequence[str]) -> plt.Figure:
    """Grouped bars: mean crimes of each type per policy, with 95% interval half-widths."""
    fig, ax = plt.subplots(figsize=(max(6.0, 1.4 * len(types) * max(1, len(means)) / 2), 4.2))
    width = 0.8 / max(1, len(means))
    x = np.arange(len(types))
    for k, (policy, m) in enumerate(means.items()):
        ax.bar(x + (k - (len(means) - 1) / 2) * width, m, width, yerr=errors.get(policy),
               capsize=3, label=policy)
    ax.set_xticks(x, [t.replace("_", " ") for t in types])
    ax.set(ylabel="crimes per run (mean, 95% CI)", title="Crimes by type")
    ax.set_ylim(bottom=0)  # counts: an interval reaching below zero is cut at zero
    ax.legend(fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    return fig
