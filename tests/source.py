"""The project's own Python modules, parsed, for tests that hold a rule over all of them."""

import ast
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

NOT_OURS = {".venv", "tests", "staticfiles", "node_modules"}


def project_modules() -> Iterator[tuple[Path, ast.Module]]:
    """(path relative to the project, syntax tree) of every module outside the tests."""
    root = Path(settings.BASE_DIR)
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] not in NOT_OURS:
            yield relative, ast.parse(path.read_text(), filename=str(relative))
