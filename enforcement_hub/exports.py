"""Every cell of every CSV and XLSX export goes through here.

* Formula injection (OWASP "CSV injection"): text starting with `=`, `+`, `-`,
  `@`, tab or carriage return is what a spreadsheet takes for a formula. In CSV
  it gets a leading single quote; in XLSX it is written as a string cell, so
  the visible text stays as typed and nothing is evaluated.
* Control characters: openpyxl refuses C0 controls other than tab, line feed
  and carriage return (one pasted vertical tab made the whole export a 500).
  Vertical tab and form feed (Word's line and page breaks) become a line feed;
  the others are dropped. Forms now refuse them, but stored rows may hold them.
* Dates and instants: CSV gets text (`2026-11-18 10:00`, Asia/Shanghai); XLSX
  gets real date cells in local time with a number format, so they sort and
  filter as dates. Long or multi-line text is wrapped.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from django.utils import timezone
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CHARS = 32767   # what one Excel cell holds
_BREAKS = re.compile(r"[\x0b\x0c]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0e-\x1f]")   # what openpyxl refuses, once \x0b \x0c are line feeds
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
WRAP_OVER = 40   # characters: longer text is wrapped in its column
WRAP = Alignment(wrap_text=True, vertical="top")


def local_naive(value: datetime) -> datetime:
    """An instant as the platform's wall-clock time (spreadsheets have no time zones)."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None, second=0, microsecond=0)


def clean_text(value: str) -> str:
    """Text a worksheet can hold."""
    return _ILLEGAL.sub("", _BREAKS.sub("\n", value))


def safe_cell(value):
    """A CSV cell: clean text, quoted when a spreadsheet would read a formula."""
    if isinstance(value, datetime):
        return local_naive(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def csv_row(values) -> list:
    return [safe_cell(v) for v in values]


def xlsx_cell(ws, value, *, font=None):
    """An XLSX cell for a write-only sheet: text is always a string cell (never
    a formula), with its visible text kept, wrapped when long; dates are date
    cells with a number format; numbers stay typed."""
    if isinstance(value, str):
        text = clean_text(value)[:XLSX_MAX_CHARS]
        cell = WriteOnlyCell(ws, value=text)
        cell.data_type = "s"   # openpyxl would make "=…" a formula
        if font is None and ("\n" in text or len(text) > WRAP_OVER):
            cell.alignment = WRAP
    elif isinstance(value, datetime):
        cell = WriteOnlyCell(ws, value=local_naive(value))
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, date):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = DATE_FORMAT
    elif font is not None:
        cell = WriteOnlyCell(ws, value=value)
    else:
        return value
    if font is not None:
        cell.font = font
    return cell


def xlsx_row(ws, values, *, font=None) -> list:
    return [xlsx_cell(ws, v, font=font) for v in values]
