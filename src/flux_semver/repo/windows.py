"""Time in the config: soak durations (``24h``) and freeze windows (dates, or weekly hours in a
time zone).

``parse_duration`` reads the durations people write in Flux manifests (``30m``, ``24h``,
``1h30m``) plus days (``2d``). ``freeze_window`` reads one ``freeze:`` entry into a
:class:`~flux_semver.model.FreezeWindow`; ``open_window`` says which window holds a moment and
until when. Each ``*Error`` message says what to write
instead; the config loader adds the file and line.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from flux_semver.model import FreezeWindow

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DURATION = re.compile(
    r"(?:(?P<d>[0-9]{1,4})d)?(?:(?P<h>[0-9]{1,6})h)?(?:(?P<m>[0-9]{1,8})m)?(?:(?P<s>[0-9]{1,9})s)?"
)
_CLOCK = re.compile(r"(?P<h>[0-9]{1,2}):(?P<m>[0-9]{2})")


class WindowError(ValueError):
    """A duration or freeze window that cannot be read; the message says how to write it.

    ``key`` names the entry's key at fault (``tz``, ``from``, ``to``), when one is.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


def parse_duration(text: str) -> timedelta:
    """``24h``, ``90m``, ``1d12h``, ``45s`` (Go's units h/m/s, plus d for days)."""
    match = _DURATION.fullmatch(text.strip())
    if not text.strip() or match is None or not any(match.groupdict().values()):
        raise WindowError(f"unknown duration {text!r} — write it like 24h, 90m, 1h30m or 2d")
    parts = {k: int(v or 0) for k, v in match.groupdict().items()}
    return timedelta(days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"])


def format_duration(span: timedelta) -> str:
    """A duration the way it is written in the config: ``1d2h``, ``23h59m``, ``0m``."""
    seconds = max(int(span.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = "".join(f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n)
    if secs and not days and not hours:
        text += f"{secs}s"
    return text or "0m"


def zone(name: str) -> tzinfo:
    """An IANA time zone (``Europe/Berlin``) or ``UTC``."""
    if name.upper() == "UTC":
        return UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # only for a zone other than UTC

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if not _has_database():
            raise WindowError(
                f"cannot read time zone {name!r}: this Python has no time zone "
                "database — install the tzdata package (pip install tzdata)"
            ) from None
        raise WindowError(
            f"unknown time zone {name!r} — use an IANA name such as "
            "Europe/Berlin, America/New_York or UTC"
        ) from None


def _has_database() -> bool:
    """Whether zoneinfo has zones to read: the system's, or the tzdata package's (slim
    container images ship without /usr/share/zoneinfo)."""
    try:
        importlib.import_module("tzdata")
    except ImportError:
        from zoneinfo import available_timezones

        return bool(available_timezones())
    return True


def spans(window: FreezeWindow, around: datetime) -> Iterable[tuple[datetime, datetime]]:
    """The frozen spans (aware datetimes) of ``window`` that could hold ``around``."""
    tz = zone(window.tz)
    if window.start_date is not None and window.end_date is not None:
        start = datetime.combine(window.start_date, time(0), tz)
        end = datetime.combine(window.end_date + timedelta(days=1), time(0), tz)
        yield start, end
        return
    local = around.astimezone(tz).date()
    first = window.start_time or time(0)
    for offset in (-1, 0):
        day = local + timedelta(days=offset)
        if DAYS[day.weekday()] not in window.days:
            continue
        start = datetime.combine(day, first, tz)
        end_day = (
            day + timedelta(days=1)
            if (window.end_time is None or window.end_time <= first)
            else day
        )
        end = datetime.combine(end_day, window.end_time or time(0), tz)
        yield start, end


def open_window(
    windows: Iterable[FreezeWindow], now: datetime
) -> tuple[FreezeWindow, datetime] | None:
    """The window that holds ``now`` and when it ends (the latest end among open ones)."""
    found: tuple[FreezeWindow, datetime] | None = None
    for window in windows:
        for start, end in spans(window, now):
            if start <= now < end and (found is None or end > found[1]):
                found = (window, end)
    return found


def _clock(text: Any, key: str) -> time | None:
    if not isinstance(text, str) or _CLOCK.fullmatch(text) is None:
        raise WindowError(f"{key} is {text!r} — write a time of day as HH:MM, e.g. 15:00", key)
    hours, minutes = int(text[:-3]), int(text[-2:])
    if hours == 24 and minutes == 0 and key == "to":
        return None
    if hours > 23 or minutes > 59:
        raise WindowError(
            f"{key} is {text!r} — hours go 00-23 (24:00 only as `to`), minutes 00-59", key
        )
    return time(hours, minutes)


def _day(text: Any, key: str) -> date:
    try:
        return date.fromisoformat(str(text))
    except ValueError:
        raise WindowError(f"{key} is {text!r} — write a date as YYYY-MM-DD", key) from None


def freeze_window(data: Mapping[str, Any]) -> FreezeWindow:
    """A window from one already schema-checked ``freeze:`` entry."""
    tz = str(data.get("tz", "UTC"))
    try:
        zone(tz)
    except WindowError as exc:
        raise WindowError(str(exc), "tz") from None
    reason = str(data.get("reason", ""))
    if "days" in data:
        days = tuple(str(d).lower() for d in data["days"])
        start = _clock(data.get("from", "00:00"), "from")
        end = _clock(data.get("to", "24:00"), "to")
        if start == end:
            raise WindowError(
                "from and to are the same time — give a window some length, "
                'e.g. from: "15:00", to: "24:00"',
                "to",
            )
        return FreezeWindow(tz=tz, days=days, start_time=start, end_time=end, reason=reason)
    first, last = _day(data.get("from"), "from"), _day(data.get("to"), "to")
    if last < first:
        raise WindowError(f"to ({last}) is before from ({first}) — swap them", "to")
    return FreezeWindow(tz=tz, start_date=first, end_date=last, reason=reason)
