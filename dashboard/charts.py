"""Bar charts drawn on the server as inline SVG: processed and failed attempts per bucket of time.

Drawn in Python with format_html (every text escaped) rather than a template loop: 84 bars are a few hundred
elements, and a template would spend more time on them than all the queries of the overview together.
"""

from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

WIDTH, HEIGHT = 720, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 24
PLOT_WIDTH, PLOT_HEIGHT = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


@dataclass
class Chart:
    key: str
    title: str
    series: list  # selectors.Bucket
    time_format: str
    tick_every: int

    @property
    def processed(self):
        return sum(bucket.processed for bucket in self.series)

    @property
    def failed(self):
        return sum(bucket.failed for bucket in self.series)

    @property
    def y_max(self):
        return nice_max(max((bucket.processed for bucket in self.series), default=0))

    def label(self, bucket):
        when = timezone.localtime(bucket.start).strftime(self.time_format)
        return f"{when}: {bucket.processed} processed, {bucket.failed} failed"

    @property
    def svg(self):
        return draw(self)


def nice_max(value):
    """The smallest of 1, 2, 5 x 10^n at or above `value` (at least 1), so the axis reads well."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def _bars(chart):
    slot = PLOT_WIDTH / max(len(chart.series), 1)
    width = round(slot - (1 if slot > 4 else 0), 1)
    y_max = chart.y_max
    for n, bucket in enumerate(chart.series):
        x = round(LEFT + n * slot, 1)
        processed = round(bucket.processed / y_max * PLOT_HEIGHT, 1)
        failed = round(bucket.failed / y_max * PLOT_HEIGHT, 1)
        yield (
            chart.label(bucket),
            x,
            round(TOP + PLOT_HEIGHT - processed, 1),
            width,
            processed,
            x,
            round(TOP + PLOT_HEIGHT - failed, 1),
            width,
            failed,
        )


def _ticks(chart):
    slot = PLOT_WIDTH / max(len(chart.series), 1)
    for n, bucket in enumerate(chart.series):
        if n % chart.tick_every == 0:
            yield round(LEFT + n * slot, 1), HEIGHT - 6, timezone.localtime(bucket.start).strftime(chart.time_format)


def draw(chart):
    summary = f"{chart.title}: {chart.processed} processed, {chart.failed} failed"
    bottom = TOP + PLOT_HEIGHT
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}"><title>{}</title>'
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
        '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}"></line>'
        '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>'
        '<text class="tick" x="{}" y="{}" text-anchor="end">0</text>{}{}</svg>',
        WIDTH,
        HEIGHT,
        summary,
        summary,
        LEFT,
        bottom,
        WIDTH - RIGHT,
        bottom,
        LEFT,
        TOP,
        LEFT,
        bottom,
        LEFT - 6,
        TOP + 8,
        chart.y_max,
        LEFT - 6,
        bottom,
        format_html_join(
            "",
            '<g><title>{}</title><rect class="bar-processed" x="{}" y="{}" width="{}" height="{}"></rect>'
            '<rect class="bar-failed" x="{}" y="{}" width="{}" height="{}"></rect></g>',
            _bars(chart),
        ),
        format_html_join("", '<text class="tick" x="{}" y="{}">{}</text>', _ticks(chart)) or mark_safe(""),
    )
