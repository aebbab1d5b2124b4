"""CSV for spreadsheets: rows as streamed lines, and cells that cannot turn into formulas.

The project's one CSV writer: every export (the public HXL file, the dashboard's, the
admin's actions) writes through csv_lines, so no cell anyone typed (a shelter's name, a
household's) reaches a spreadsheet as a live formula. tests/shelter/test_spreadsheets.py
fails if another module imports csv.
"""

import csv
import re
from collections.abc import Iterable, Iterator

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PHONE_LIKE = re.compile(r"^\+?[0-9 ()\-]+$")  # "+7 701 ..." is data, not a formula


def safe_cell(value):
    """The value, with a leading ' when a spreadsheet would read it as a formula."""
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PHONE_LIKE.match(value):
        return "'" + value
    return value


class _Echo:
    """A file-like object that hands back what is written: csv.writer for streaming."""

    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list]) -> Iterator[str]:
    """Each row as one CSV line (for HttpResponse or StreamingHttpResponse)."""
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow([safe_cell(value) for value in row])
