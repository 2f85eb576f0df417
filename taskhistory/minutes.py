"""Time in whole minutes since the Unix epoch (UTC): the key of the per-minute counts (TaskStat.minute).

An integer bucket lets the database group minutes into hours with plain integer division, on any backend.
"""

import datetime as dt


def epoch_minute(when):
    return int(when.timestamp()) // 60


def minute_start(minute):
    return dt.datetime.fromtimestamp(minute * 60, tz=dt.UTC)
