"""Charts drawn on the server as SVG: no script, readable by screen readers (a title, and
each bar's value in its own title), and printable."""

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape

WIDTH = 720
HEIGHT = 200
MARGIN_LEFT = 48
MARGIN_BOTTOM = 24
MARGIN_TOP = 12


def daily_points(counts: dict[date, int], first: date, last: date) -> list[tuple[date, int]]:
    """Every day from `first` to `last`, zero where nothing was counted."""
    days = (last - first).days + 1
    return [
        (first + timedelta(days=n), counts.get(first + timedelta(days=n), 0))
        for n in range(max(days, 0))
    ]


def bar_chart(points: Sequence[tuple[date, int]], *, label: str) -> str:
    """Bars of daily values with the largest value and the first and last day marked."""
    title = escape(label)
    if not points:
        return (
            f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} 40" aria-label="{title}">'
            f'<title>{title}</title><text x="0" y="24">Nothing counted yet.</text></svg>'
        )
    peak = max(value for _, value in points) or 1
    plot_width = WIDTH - MARGIN_LEFT
    plot_height = HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    step = plot_width / len(points)
    bars = []
    for index, (day, value) in enumerate(points):
        height = plot_height * value / peak
        x = MARGIN_LEFT + index * step
        y = MARGIN_TOP + plot_height - height
        bars.append(
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(step - 1, 0.5):.1f}" '
            f'height="{height:.1f}"><title>{day.isoformat()}: {value}</title></rect>'
        )
    baseline = MARGIN_TOP + plot_height
    first, last = points[0][0].isoformat(), points[-1][0].isoformat()
    return (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {HEIGHT}" aria-label="{title}">'
        f'<title>{title}</title>'
        f'<text class="axis" x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + 10}" '
        f'text-anchor="end">{peak}</text>'
        f'<text class="axis" x="{MARGIN_LEFT - 6}" y="{baseline}" text-anchor="end">0</text>'
        f'<line class="axis-line" x1="{MARGIN_LEFT}" y1="{baseline}" x2="{WIDTH}" '
        f'y2="{baseline}"/>'
        f'<g class="bars">{"".join(bars)}</g>'
        f'<text class="axis" x="{MARGIN_LEFT}" y="{HEIGHT - 6}">{first}</text>'
        f'<text class="axis" x="{WIDTH}" y="{HEIGHT - 6}" text-anchor="end">{last}</text>'
        '</svg>'
    )
