"""The live charts of one model: crimes by hour and type, and the response-time CDF.

Units busy and calls waiting over time come from the model's ``DataCollector`` through
Mesa's own plot component (see :mod:`polsim.viz.app`); the CDF reuses the compare report's figure.
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure

from polsim.model import PolicingModel
from polsim.reports.figures import response_cdf

MARGINS = {"left": 0.1, "right": 0.98, "top": 0.9, "bottom": 0.15}
BUSY_SERIES = {"units_busy": "tab:blue", "calls_waiting": "tab:red"}
"""DataCollector columns of the units-busy chart and their colours."""


def crimes_by_hour(model: PolicingModel) -> Figure:
    """Crimes so far by hour of day, stacked by type."""
    fig = Figure(figsize=(6, 3.2))
    ax = fig.subplots()
    counts = model.metrics.crimes_by_hour
    bottom = np.zeros(24)
    for k, name in enumerate(model.crime_names):
        ax.bar(np.arange(24), counts[:, k], bottom=bottom, label=name.replace("_", " "), width=0.85)
        bottom += counts[:, k]
    ax.axvline(model.hour, color="0.3", ls=":", lw=1)
    ax.set(xlim=(-0.6, 23.6), xticks=range(0, 24, 3), xlabel="hour of day", ylabel="crimes",
           title=f"Crimes by hour and type ({int(counts.sum())} so far)")
    ax.legend(fontsize=7, ncol=2, loc="upper left")
    ax.grid(axis="y", alpha=0.3)
    fig.subplots_adjust(**MARGINS)  # fixed margins: tight_layout would draw the figure twice a frame
    return fig


def response_chart(model: PolicingModel) -> Figure:
    """Share of calls reached within t minutes, with the 1/3/5-minute lines."""
    policy = getattr(model.policy, "label", model.policy.name)
    fig = response_cdf({policy: model.response_times()})
    fig.axes[0].set_title("Response time so far")
    fig.set_size_inches(6, 3.2)
    fig.subplots_adjust(**MARGINS)
    return fig
