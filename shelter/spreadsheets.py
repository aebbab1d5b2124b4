"""CSV for spreadsheets: rows as streamed lines, cells that cannot turn into formulas, and
one way of writing a moment.

The project's one CSV writer: every export (the public HXL file, the dashboard's, the
admin's actions) writes through csv_lines, so no cell anyone typed (a shelter's name, a
household's) reaches a spreadsheet as a live formula. tests/shelter/test_spreadsheets.py
fails if another module imports csv.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.utils import timezone

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_LIKE = re.compile(r"^\+?[0-9 ()\-]+$")  # "+7 701 ..." is data, not a formula


def safe_cell(value):
    """The value, with a leading ' when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


def export_time(moment: datetime | None) -> str:
    """A moment as every export writes it: ISO 8601 in the city's time, to the second, with
    its offset (2026-12-01T21:40:00+05:00); empty for none."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def yes_no(value: bool) -> str:
    return "yes" if value else "no"


class _Echo:
    """A file-like object that hands back what is written: csv.writer for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """Each row as one CSV line (for HttpResponse or StreamingHttpResponse)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])
