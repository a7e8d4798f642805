"""Writes to the calendar: loading an official year, editing a day. Both
recompute the open deadlines the change touches."""
from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from .models import CalendarDay, CalendarYear

OFFICIAL_SOURCE = "chinesecalendar"


def official_years() -> range:
    from chinese_calendar import constants

    years = {d.year for d in constants.holidays}
    return range(min(years), max(years) + 1)


def official_days(year: int) -> list[tuple[date, bool, str]]:
    """(date, working, note) for every holiday and adjusted working day of a year."""
    from chinese_calendar import constants

    if year not in official_years():
        raise ValueError(_("No official schedule is known for %(year)d.") % {"year": year})
    out = [(d, False, _holiday_name(n)) for d, n in constants.holidays.items() if d.year == year]
    # Notes are data in the users' language, like the seed data.
    out += [(d, True, f"调休上班（{_holiday_name(n)}）")
            for d, n in constants.workdays.items() if d.year == year]
    return sorted(out)


def _holiday_name(name) -> str:
    from chinese_calendar import constants

    names = {
        "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节", "Dragon Boat Festival": "端午节", "National Day": "国庆节",
        "Mid-autumn Festival": "中秋节", "Anti-Fascist 70th Day": "抗战胜利纪念日",
    }
    value = name.value[0] if isinstance(name, constants.Holiday) else str(name)
    return names.get(value, value)


def calendar_load_year(*, year: int, actor=None) -> int:
    """Load (or reload) a year's official schedule. Manual edits of that year
    are replaced. Returns how many open deadlines moved."""
    from .services import deadlines_recompute

    rows = official_days(year)
    with transaction.atomic():
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(date=d, is_working=w, note=n, source=CalendarDay.Source.OFFICIAL) for d, w, n in rows
        )
        CalendarYear.objects.update_or_create(year=year, defaults={"source": OFFICIAL_SOURCE})
    return deadlines_recompute(start=date(year, 1, 1), end=date(year, 12, 31), actor=actor)


def calendar_day_set(*, day: date, is_working: bool, note: str = "", actor=None) -> int:
    """Enter or change one day by hand (e.g. a schedule published after the
    library). Returns how many open deadlines moved."""
    from .services import deadlines_recompute

    with transaction.atomic():
        CalendarDay.objects.update_or_create(
            date=day, defaults={"is_working": is_working, "note": note, "source": CalendarDay.Source.MANUAL}
        )
    return deadlines_recompute(start=day, end=day, actor=actor)


def calendar_day_delete(*, day: date, actor=None) -> int:
    with transaction.atomic():
        CalendarDay.objects.filter(date=day).delete()
    from .services import deadlines_recompute

    return deadlines_recompute(start=day, end=day, actor=actor)


def calendar_year_mark(*, year: int, source: str = "manual") -> int:
    """Declare a year's schedule complete (entered by hand); provisional
    deadlines in it become final."""
    from .services import deadlines_recompute

    CalendarYear.objects.update_or_create(year=year, defaults={"source": source})
    return deadlines_recompute(start=date(year, 1, 1), end=date(year, 12, 31))
