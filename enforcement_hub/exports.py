"""Every cell of every CSV and XLSX export goes through here.

* Formula injection (OWASP "CSV injection"): text starting with `=`, `+`, `-`,
  `@`, tab or carriage return is what a spreadsheet takes for a formula. In CSV
  it gets a leading single quote; in XLSX it is written as a string cell, so
  the visible text stays as typed and nothing is evaluated.
* Control characters: openpyxl refuses C0 controls other than tab, line feed
  and carriage return (one pasted vertical tab made the whole export a 500).
  Vertical tab and form feed (Word's line and page breaks) become a line feed;
  the others are dropped. Forms now refuse them, but stored rows may hold them.
"""
from __future__ import annotations

import re

from openpyxl.cell import WriteOnlyCell

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MAX_CHARS = 32767   # what one Excel cell holds
_BREAKS = re.compile(r"[\x0b\x0c]")
_ILLEGAL = re.compile(r"[\x00-\x08\x0e-\x1f]")   # what openpyxl refuses, once \x0b \x0c are line feeds


def clean_text(value: str) -> str:
    """Text a worksheet can hold."""
    return _ILLEGAL.sub("", _BREAKS.sub("\n", value))


def safe_cell(value):
    """A CSV cell: clean text, quoted when a spreadsheet would read a formula."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def csv_row(values) -> list:
    return [safe_cell(v) for v in values]


def xlsx_cell(ws, value, *, font=None):
    """An XLSX cell for a write-only sheet: text is always a string cell (never
    a formula), with its visible text kept; numbers and dates stay typed."""
    if isinstance(value, str):
        cell = WriteOnlyCell(ws, value=clean_text(value)[:XLSX_MAX_CHARS])
        cell.data_type = "s"   # openpyxl would make "=…" a formula
    elif font is not None:
        cell = WriteOnlyCell(ws, value=value)
    else:
        return value
    if font is not None:
        cell.font = font
    return cell


def xlsx_row(ws, values, *, font=None) -> list:
    return [xlsx_cell(ws, v, font=font) for v in values]
