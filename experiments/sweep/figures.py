"""Figures of a sweep (matplotlib, Agg): a metric against each parameter per policy, heatmaps.

Each function takes tables from :mod:`polsim.experiments.sweep.analysis` and returns a ``Figure``;
``polsim.reports.figures.save`` writes it atomically.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from polsim.measures.vocabulary import label
from polsim.reports.figures import plt


def metric_vs_parameters(metric: str, tables: Mapping[str, pd.DataFrame], policies: Sequence[str]) -> plt.Figure:
    """One panel per parameter: the metric's mean and 95% interval against its value, per policy."""
    fig, axes = plt.subplots(1, len(tables), figsize=(4.6 * len(tables), 3.6), squeeze=False)
    for ax, (param, table) in zip(axes[0], tables.items(), strict=True):
        for policy in policies:
            t = table[table["policy"] == policy].sort_values(param)
            x = pd.to_numeric(t[param], errors="coerce")
            x = x if x.notna().all() else np.arange(len(t))
            low = (t["mean"] - t["ci_low"]).fillna(0).to_numpy()
            high = (t["ci_high"] - t["mean"]).fillna(0).to_numpy()
            ax.errorbar(x, t["mean"], yerr=[low, high], marker="o", capsize=3, label=str(policy))
        ax.set(xlabel=param, ylabel=label(metric))
        ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=8, title="policy", title_fontsize=8)
    fig.suptitle(f"{label(metric)}: mean and 95% interval over replications")
    fig.tight_layout()
    return fig


def heatmap(metric: str, table: pd.DataFrame, x: str, y: str, policies: Sequence[str]) -> plt.Figure:
    """The metric's mean over two parameters (x, y), one panel per policy, values written in."""
    fig, axes = plt.subplots(1, len(policies), figsize=(4.8 * len(policies), 4.0), squeeze=False)
    vmin, vmax = np.nanmin(table["mean"].astype(float)), np.nanmax(table["mean"].astype(float))
    for ax, policy in zip(axes[0], policies, strict=True):
        grid = table[table["policy"] == policy].pivot_table(index=y, columns=x, values="mean", aggfunc="mean",
                                                             dropna=False)
        image = ax.imshow(grid.to_numpy(float), origin="lower", aspect="auto", cmap="viridis",
                          vmin=vmin, vmax=vmax)
        ax.set_xticks(range(grid.shape[1]), [_tick(v) for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [_tick(v) for v in grid.index])
        for (i, j), v in np.ndenumerate(grid.to_numpy(float)):
            if np.isfinite(v):
                ax.text(j, i, f"{v:.3g}", ha="center", va="center", fontsize=8,
                        color="white" if v < (vmin + vmax) / 2 else "black")
        ax.set(xlabel=x, ylabel=y, title=str(policy))
    fig.colorbar(image, ax=list(axes[0]), label=label(metric), shrink=0.9)
    return fig


def _tick(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else str(v)


def displacement(table: pd.DataFrame, param: str) -> plt.Figure:
    """Success and buffer measures (pooled over seeds, with 95% intervals) against a parameter."""
    fig, axes = plt.subplots(1, 2, figsize=(9.5, 3.6))
    for policy, t in table.groupby("policy", sort=False):
        t = t.sort_values(param)
        for ax, name, lo, hi in ((axes[0], "success", "success_low", "success_high"),
                                 (axes[1], "buffer_measure", "buffer_low", "buffer_high")):
            y = t[name].astype(float)
            err = [(y - t[lo].astype(float)).fillna(0), (t[hi].astype(float) - y).fillna(0)]
            ax.errorbar(t[param], y, yerr=err, marker="o", capsize=3, label=str(policy))
    axes[0].set(xlabel=param, ylabel="success measure (< 0: crime fell in treated cells)")
    axes[1].set(xlabel=param, ylabel="buffer measure (> 0 displacement, < 0 diffusion)")
    for ax in axes:
        ax.axhline(0, color="0.4", lw=0.8)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    return fig
