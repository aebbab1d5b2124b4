"""Helper for race tests: threads with their own database connections, released together."""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connection

from shelter.errors import ShelterError


def race(count: int, action) -> list[str]:
    """Run `action(index)` in `count` threads started at one moment; return each outcome.

    An outcome is "ok" or the name of the ShelterError (or subclass) the action raised.
    """
    barrier = threading.Barrier(count)

    def run(index: int) -> str:
        try:
            barrier.wait(timeout=10)
            action(index)
            return "ok"
        except ShelterError as refused:
            return type(refused).__name__
        finally:
            connection.close()  # each thread opened its own connection

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))
