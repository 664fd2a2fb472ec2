"""Time zones and timestamps for the calendar features (no TensorFlow here).

``utc_offsets`` turns an IANA time zone into the constant transition table the
``CalendarFeatures`` layer holds (so the served graph needs no time zone database);
``unix_seconds`` turns a split's record times (local wall-clock, naive ISO text) into
the Unix seconds the model's ``timestamp`` input takes (int64: Keras casts float64 arrays fed to
``model.predict`` to float32, which would round 2021's seconds to 128 s), the way a client
would send them.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone

import numpy as np
import pandas as pd

#: The span whose DST transitions are tabulated; outside it the nearest offset holds.
TABLE_YEARS = (1900, 2100)

#: ``calendar: auto``: the cycles a series with steps of at least this many seconds can
#: show (the first row that applies). A cycle needs several steps to be seen (hour of
#: day under a day, day of week under a week) and must be shorter than a long window.
AUTO_CALENDAR = ((365 * 86400, []),
                 (28 * 86400, ["month"]),
                 (7 * 86400, ["day_of_year"]),
                 (86400, ["day_of_week", "day_of_year"]),
                 (0, ["hour_of_day", "day_of_week", "day_of_year"]))


def auto_calendar(frequency: str) -> list[str]:
    """The calendar features ``calendar: auto`` gives a series of this frequency (a
    pandas offset name: ``1h``, ``1D``, ``7D``, ``MS``), after ``AUTO_CALENDAR``."""
    offset = pd.tseries.frequencies.to_offset(frequency)
    try:
        seconds = pd.Timedelta(offset).total_seconds()
    except ValueError:  # calendar offsets (week, month, quarter, year) have no fixed length
        days = {"W": 7, "Q": 91, "Y": 365, "A": 365}.get(offset.name.upper()[:1], 30)
        seconds = days * 86400 * abs(getattr(offset, "n", 1))
    return next(list(features) for floor, features in AUTO_CALENDAR if seconds >= floor)


def constant_features(features: list[str], frequency: str) -> list[str]:
    """Those of ``features`` that are the same at every step of a series of this
    frequency (a pandas offset name), so the model learns nothing from them:
    ``hour_of_day`` on whole days, ``day_of_week`` on whole weeks, ``day_of_year`` and
    ``month`` on years."""
    offset = pd.tseries.frequencies.to_offset(frequency)
    try:
        seconds = pd.Timedelta(offset).total_seconds()
        periods = {"hour_of_day": 86400, "day_of_week": 7 * 86400}
        return [f for f in features if f in periods and seconds % periods[f] == 0]
    except ValueError:  # months, quarters, years, anchored weeks: whole days at least
        name = offset.name.upper()
        constant = {"hour_of_day"}
        if name.startswith("W"):
            constant.add("day_of_week")
        if name[:1] in ("Y", "A"):
            constant |= {"day_of_year", "month"}
        return [f for f in features if f in constant]


def step_seconds(ingest_stats: dict | None) -> int | None:
    """Seconds between steps of the series ingest read (``stats.json``'s ``frequency``);
    None for a frequency without a fixed length (months, years) or no stats."""
    frequency = (ingest_stats or {}).get("frequency")
    if not frequency:
        return None
    try:
        return int(pd.Timedelta(pd.tseries.frequencies.to_offset(frequency)).total_seconds())
    except ValueError:
        return None


def resolved_calendar(series, ingest_stats: dict | None, records: list[dict]) -> list[str]:
    """The calendar features the model is built with: the YAML's list, or for ``auto``
    what ingest chose from the series' frequency (``ingest_stats``: ``stats.json``),
    else the choice for the spacing of two consecutive ``records`` (none without two)."""
    if series.calendar != "auto":
        return list(series.calendar)
    chosen = (ingest_stats or {}).get("calendar")
    if isinstance(chosen, list):
        return chosen
    for a, b in zip(records, records[1:]):
        if b["step"] == a["step"] + 1:
            spacing = pd.Timestamp(b["time"]) - pd.Timestamp(a["time"])
            return auto_calendar(pd.tseries.frequencies.to_offset(spacing).freqstr)
    return []


@functools.lru_cache(maxsize=8)
def utc_offsets(zone: str) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """(transitions: sorted Unix seconds, offsets: seconds east of UTC, one more than the
    transitions) of IANA time zone ``zone`` between ``TABLE_YEARS``: ``offsets[i + 1]``
    holds from ``transitions[i]`` on. Found on an hourly grid, each change then located
    to the second. Raises ``zoneinfo.ZoneInfoNotFoundError`` for an unknown name."""
    import zoneinfo

    tz = zoneinfo.ZoneInfo(zone)
    grid = pd.date_range(f"{TABLE_YEARS[0]}-01-01", f"{TABLE_YEARS[1]}-12-31", freq="h",
                         tz="UTC")
    local = grid.tz_convert(zone).tz_localize(None)
    offsets = (local - grid.tz_localize(None)).total_seconds().to_numpy()
    changes = np.flatnonzero(np.diff(offsets)) + 1
    seconds = grid.as_unit("s").asi8

    def offset_at(t: int) -> float:
        return datetime.fromtimestamp(t, tz=timezone.utc).astimezone(tz).utcoffset() \
            .total_seconds()

    transitions = []
    for i in changes:  # the change lies in (seconds[i - 1], seconds[i]]: bisect to the second
        lo, hi, before = int(seconds[i - 1]), int(seconds[i]), offsets[i - 1]
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if offset_at(mid) == before else (lo, mid)
        transitions.append(float(hi))
    return tuple(transitions), (float(offsets[0]), *(float(offsets[i]) for i in changes))


def unix_seconds(times, zone: str) -> np.ndarray:
    """int64 Unix seconds (whole seconds) of naive local wall-clock times in ``zone`` (ISO text or
    timestamps). A wall time that occurs twice (the hour DST repeats) is read as its
    first occurrence; one that does not exist (the hour DST skips, inserted as a missing
    step) is moved forward to the first time that does."""
    index = pd.DatetimeIndex(pd.to_datetime(list(times)))
    if index.tz is not None:
        index = index.tz_convert(zone).tz_localize(None)
    if len(index) == 0:
        return np.zeros(0, np.int64)
    local = index.tz_localize(zone, ambiguous=np.ones(len(index), bool),
                              nonexistent="shift_forward")
    return local.as_unit("s").asi8.astype(np.int64)
