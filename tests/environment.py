"""The environment for subprocesses the tests start."""

import os


def clean_environment() -> dict:
    """os.environ without what the browser tests set for themselves.

    They allow Django's ORM inside Playwright's event loop; a `manage.py` started by a test
    must not inherit that (check --deploy rightly warns about it).
    """
    return {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
