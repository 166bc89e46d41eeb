"""The /stats chart: dialogs begun per day (bars) and the median first reply (line), over the last
30 days, as a PNG readable on a phone.

matplotlib is imported here only, when a chart is drawn, and used through its object interface
(a `Figure` with the Agg canvas, no pyplot): nothing global is kept between charts, so memory does
not grow with each /stats. Drawing takes a few hundred milliseconds of CPU: callers run it in a
thread.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence

from bot.core.stats.figures import Day
from bot.telegram.texts.stats import CHART_DIALOGS, CHART_NO_DATA, CHART_REPLY, CHART_TITLE

WIDTH, HEIGHT, DPI = 8.0, 4.5, 150  # 1200 × 675 px
BARS, LINE = "#7fb2e5", "#d9534f"


def draw_chart(days: Sequence[Day]) -> bytes:
    """The chart as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - heavy import
    from matplotlib.figure import Figure  # noqa: PLC0415
    from matplotlib.ticker import MaxNLocator  # noqa: PLC0415

    figure = Figure(figsize=(WIDTH, HEIGHT), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    left = figure.add_subplot()
    positions = list(range(len(days)))
    left.bar(positions, [d.dialogs for d in days], color=BARS, label=CHART_DIALOGS)
    left.set_ylabel(CHART_DIALOGS)
    left.yaxis.set_major_locator(MaxNLocator(integer=True))
    step = max(1, math.ceil(len(days) / 10))
    left.set_xticks(positions[::step], [d.day.strftime("%d.%m") for d in days][::step])
    left.set_title(CHART_TITLE)
    left.grid(axis="y", alpha=0.3)
    right = left.twinx()
    hours = [
        d.first_reply_median.total_seconds() / 3600
        if d.first_reply_median is not None
        else math.nan
        for d in days
    ]
    right.plot(positions, hours, color=LINE, marker="o", markersize=4, label=CHART_REPLY)
    right.set_ylabel(CHART_REPLY)
    right.set_ylim(bottom=0)
    if not any(d.dialogs for d in days):
        left.text(0.5, 0.5, CHART_NO_DATA, transform=left.transAxes, ha="center")
    handles = left.get_legend_handles_labels()[0] + right.get_legend_handles_labels()[0]
    figure.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
