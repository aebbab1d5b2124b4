"""One CSV writer for the whole project, and cells that cannot turn into formulas."""

import ast
from pathlib import Path

import pytest

from shelter.spreadsheets import csv_lines, safe_cell
from tests.source import project_modules

WRITER = Path("shelter/spreadsheets.py")


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("+7 701 000 11 22", "+7 701 000 11 22"),  # a phone number is data
        ("Cinema Park", "Cinema Park"),
        (-33.5, -33.5),  # numbers are numbers
        (None, None),
    ],
)
def test_safe_cell(value, cell):
    assert safe_cell(value) == cell


def test_csv_lines_defuses_every_cell():
    assert list(csv_lines([["=1", "ok", 3]])) == ["'=1,ok,3\r\n"]


def _imports_csv(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "csv" for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "csv":
            return True
    return False


def test_no_module_writes_csv_but_the_one_writer():
    """Every CSV goes through shelter.spreadsheets: a module importing csv itself (csv.writer,
    DictWriter...) would write cells a spreadsheet runs as formulas."""
    modules = dict(project_modules())
    assert WRITER in modules and len(modules) > 50  # the scan sees the project
    offenders = [str(path) for path, tree in modules.items() if _imports_csv(tree)]
    assert offenders == [str(WRITER)]
