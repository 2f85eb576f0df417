"""Bar charts drawn on the server as inline SVG geometry (the template `dashboard/_chart.html` draws it)."""

from dataclasses import dataclass

from django.utils import timezone

WIDTH, HEIGHT = 720, 180
LEFT, RIGHT, TOP, BOTTOM = 44, 8, 10, 24


@dataclass
class Bar:
    x: float
    width: float
    processed_y: float
    processed_height: float
    failed_y: float
    failed_height: float
    label: str


@dataclass
class Tick:
    x: float
    text: str


@dataclass
class Chart:
    key: str
    title: str
    bars: list
    ticks: list
    y_max: int
    processed: int
    failed: int
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    bottom: float = HEIGHT - BOTTOM
    right: float = WIDTH - RIGHT

    @property
    def top(self):
        return TOP


def _nice_max(value):
    """The smallest of 1, 2, 5 x 10^n at or above `value` (at least 1), so the axis reads well."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            if step * scale >= value:
                return step * scale
        scale *= 10


def throughput_chart(series, *, key, title, time_format, tick_every):
    """Processed (all attempts) and failed bars per bucket of `series` (selectors.throughput)."""
    y_max = _nice_max(max((bucket.processed for bucket in series), default=0))
    plot_width, plot_height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_width / max(len(series), 1)
    gap = 1 if slot > 4 else 0

    def height(count):
        return round(count / y_max * plot_height, 1)

    bars, ticks = [], []
    for n, bucket in enumerate(series):
        x = round(LEFT + n * slot, 1)
        when = timezone.localtime(bucket.start).strftime(time_format)
        processed_height, failed_height = height(bucket.processed), height(bucket.failed)
        bars.append(
            Bar(
                x=x,
                width=round(slot - gap, 1),
                processed_y=round(TOP + plot_height - processed_height, 1),
                processed_height=processed_height,
                failed_y=round(TOP + plot_height - failed_height, 1),
                failed_height=failed_height,
                label=f"{when}: {bucket.processed} processed, {bucket.failed} failed",
            )
        )
        if n % tick_every == 0:
            ticks.append(Tick(x=x, text=when))
    return Chart(
        key=key,
        title=title,
        bars=bars,
        ticks=ticks,
        y_max=y_max,
        processed=sum(bucket.processed for bucket in series),
        failed=sum(bucket.failed for bucket in series),
    )
