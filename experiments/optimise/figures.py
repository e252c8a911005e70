"""Figures of a study (matplotlib, Agg): the front's projections, parallel coordinates, maps, progress.

Each function takes the plain structures of ``front.json`` (the spec's parsed objectives, and
the city's arrays for the maps) and returns a ``Figure``; ``polsim.reports.figures.save`` writes it atomically.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from polsim.reports.city_map import CityBase, draw_city
from polsim.reports.figures import plt

if TYPE_CHECKING:
    from polsim.experiments.optimise.spec import Objective

SHIPPED_STYLE = {"marker": "*", "color": "black", "markersize": 15, "label": "shipped deployment"}
UNIT_COLOURS = plt.get_cmap("tab10").colors


def _value(entry: Mapping[str, Any], metric: str) -> tuple[float, float, float]:
    m = entry["metrics"][metric]
    mean = np.nan if m["mean"] is None else m["mean"]
    low = mean if m["ci_low"] is None else m["ci_low"]
    high = mean if m["ci_high"] is None else m["ci_high"]
    return mean, mean - low, high - mean


def projections(front: Mapping[str, Any], objectives: Sequence[Objective],
                cloud: Sequence[Sequence[float]]) -> plt.Figure:
    """Every pair of objectives: the search's candidates (grey), the front with 95% intervals, shipped (star)."""
    metrics = [o.metric for o in objectives]
    pairs = list(itertools.combinations(range(len(metrics)), 2)) or [(0, 0)]
    fig, axes = plt.subplots(1, len(pairs), figsize=(5.2 * len(pairs), 4.4), squeeze=False)
    cloud = np.asarray(cloud, float).reshape(-1, len(metrics))
    for ax, (i, j) in zip(axes[0], pairs, strict=True):
        xm, ym = metrics[i], metrics[j]
        if len(cloud):
            ax.scatter(cloud[:, i], cloud[:, j], s=12, color="0.75", label="candidates (search means)")
        pts = front["points"]
        x = np.array([_value(p, xm) for p in pts]).reshape(-1, 3)
        y = np.array([_value(p, ym) for p in pts]).reshape(-1, 3)
        if len(pts):
            ax.errorbar(x[:, 0], y[:, 0], xerr=x[:, 1:].T, yerr=y[:, 1:].T, fmt="o", color="tab:red",
                        capsize=3, label="Pareto points (final runs, 95%)")
            order = np.argsort(x[:, 0])
            ax.plot(x[order, 0], y[order, 0], color="tab:red", alpha=0.4)
            for p, xx, yy in zip(pts, x[:, 0], y[:, 0], strict=True):
                ax.annotate(str(p["point"]), (xx, yy), textcoords="offset points", xytext=(5, 5), fontsize=8)
        sx, sy = _value(front["shipped"], xm), _value(front["shipped"], ym)
        ax.errorbar([sx[0]], [sy[0]], xerr=[[sx[1]], [sx[2]]], yerr=[[sy[1]], [sy[2]]], capsize=3, **SHIPPED_STYLE)
        ax.set(xlabel=objectives[i].label(), ylabel=objectives[j].label())
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8)
    fig.suptitle("Pareto front: every pair of objectives")
    fig.tight_layout()
    return fig


def parallel(front: Mapping[str, Any], columns: Sequence[tuple[str, Sequence[float | None]]],
             shipped: Sequence[float | None]) -> plt.Figure:
    """Parallel coordinates: one line per Pareto point over objectives and decisions, scaled per axis."""
    names = [c[0] for c in columns]
    values = np.array([[np.nan if v is None else v for v in c[1]] for c in columns], float)  # axis x point
    ship = np.array([np.nan if v is None else v for v in shipped], float)
    both = np.concatenate([values, ship[:, None]], axis=1)
    low, high = np.nanmin(both, axis=1), np.nanmax(both, axis=1)
    span = np.where(high > low, high - low, 1.0)
    scaled = (values - low[:, None]) / span[:, None]
    fig, ax = plt.subplots(figsize=(max(6.0, 1.3 * len(names)), 4.2))
    cmap = plt.get_cmap("viridis")
    n = values.shape[1]
    for k in range(n):
        ax.plot(range(len(names)), scaled[:, k], marker="o", color=cmap(k / max(n - 1, 1)),
                label=f"point {front['points'][k]['point']}")
    ax.plot(range(len(names)), (ship - low) / span, linestyle="--", color="black", marker="*", label="shipped")
    for i in range(len(names)):
        ax.annotate(f"{low[i]:.3g}", (i, 0), textcoords="offset points", xytext=(0, -14), ha="center", fontsize=7)
        ax.annotate(f"{high[i]:.3g}", (i, 1), textcoords="offset points", xytext=(0, 6), ha="center", fontsize=7)
    ax.set_xticks(range(len(names)), names, rotation=25, ha="right", fontsize=8)
    ax.set_yticks([])
    ax.set_ylim(-0.12, 1.12)
    ax.grid(axis="x", alpha=0.4)
    ax.legend(fontsize=7, ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title("Pareto points: objectives and decisions (each axis from its least to its largest value)")
    fig.tight_layout()
    return fig


def deployment_maps(entries: Sequence[Mapping[str, Any]], base: CityBase,
                    candidates: Mapping[str, Sequence[Sequence[int]]], titles: Sequence[str],
                    units: Sequence[str]) -> plt.Figure:
    """Each deployment of ``units`` over the city ``base`` (streets, water, stations): candidate
    bases (hollow), staffed bases (filled, units written in).
    """
    entries = [{**e, "plan": {u: p for u, p in e["plan"].items() if u in units}} for e in entries]
    n = len(entries)
    cols = min(n, 3)
    rows = -(-n // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(5.0 * cols, 4.8 * rows), squeeze=False)
    units = sorted({u for e in entries for u in e["plan"]})
    colour = {u: UNIT_COLOURS[i % len(UNIT_COLOURS)] for i, u in enumerate(units)}
    for ax in axes.ravel()[n:]:
        ax.axis("off")
    for ax, entry, title in zip(axes.ravel(), entries, titles, strict=False):
        draw_city(ax, base)
        for unit, cells in candidates.items():
            if cells:
                c = np.asarray(cells)
                x, y = base.to_map(c[:, 1] + 0.5, c[:, 0] + 0.5)
                ax.scatter(x, y, s=70, facecolors="none", edgecolors=colour.get(unit, "0.3"), lw=1, zorder=6)
        for unit, p in entry["plan"].items():
            if not p["bases"] or not p["count"]:
                continue
            b = np.asarray(p["bases"])
            jitter = 0.25 * (units.index(unit) - (len(units) - 1) / 2)
            x, y = base.to_map(b[:, 1] + 0.5 + jitter, b[:, 0] + 0.5 + jitter)
            sizes = 30 + 25 * np.asarray(p["per_base"], float)
            ax.scatter(x, y, s=sizes, color=colour[unit], alpha=0.85, label=f"{unit} ({p['count']})", zorder=7)
            for xi, yi, k in zip(x, y, p["per_base"], strict=True):
                ax.annotate(str(k), (xi, yi), ha="center", va="center", fontsize=6, color="white", zorder=8)
        ax.set_title(title, fontsize=9)
        ax.legend(fontsize=6, loc="lower right")
    fig.suptitle("Where the units stand (filled: staffed bases, units written in; hollow: candidate bases)")
    fig.tight_layout()
    return fig


def progress(history: Sequence[Mapping[str, Any]], objectives: Sequence[Objective]) -> plt.Figure:
    """Per generation: runs so far, front size, and the best search mean of each objective on the front."""
    gens = [h["generation"] for h in history]
    fig, axes = plt.subplots(1, 1 + len(objectives), figsize=(4.2 * (1 + len(objectives)), 3.4), squeeze=False)
    ax = axes[0][0]
    ax.plot(gens, [h["runs"] for h in history], marker="o", label="runs so far")
    ax2 = ax.twinx()
    ax2.step(gens, [h["front_size"] for h in history], where="mid", color="tab:red", label="front size")
    ax.set(xlabel="generation", ylabel="runs so far")
    ax2.set_ylabel("front size", color="tab:red")
    for k, (ax, objective) in enumerate(zip(axes[0][1:], objectives, strict=True)):
        best = []
        for h in history:
            vals = [m["objectives"][k] for m in h["population"] if m["front"]]
            best.append(objective.best(vals) if vals else np.nan)
        ax.plot(gens, best, marker="o")
        ax.set(xlabel="generation", ylabel=f"best on the front ({objective.label()})")
        ax.grid(alpha=0.3)
    fig.suptitle("Search progress (search means: optimistic for the best; the table uses fresh runs)")
    fig.tight_layout()
    return fig
