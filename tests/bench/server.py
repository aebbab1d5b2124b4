"""Shared by the on-demand scripts: a fresh PostgreSQL database and gunicorn serving the app."""

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def environment(database: str, redis_db: int, **extra: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "DEBUG": "false",
        "SECRET_KEY": "benchmark-only-" + "x" * 40,
        "DJANGO_SETTINGS_MODULE": "tests.bench.settings",
        "LOG_LEVEL": "WARNING",
        # plain HTTP on loopback: no TLS to redirect to, cookies must travel without it
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_COOKIES": "false",
        **extra,
    }


def run(env: dict, *command: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, check=True, **kwargs)


def fresh_database(env: dict, database: str, redis_db: int, static_root: str) -> None:
    """Drop and create `database`, migrate, collect static files, empty the Redis db."""
    env["STATIC_ROOT"] = static_root
    run(env, "dropdb", "-h", "127.0.0.1", "-U", "postgres", "--if-exists", database)
    run(env, "createdb", "-h", "127.0.0.1", "-U", "postgres", database)
    run(env, sys.executable, "manage.py", "migrate", "-v", "0")
    run(env, sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0")
    run(env, "redis-cli", "-n", str(redis_db), "flushdb", stdout=subprocess.DEVNULL)


def gunicorn(env: dict, port: int, workers: int = 2) -> subprocess.Popen:
    """Start gunicorn and wait until it answers; the caller stops it."""
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "coordination.wsgi",
            "-w",
            str(workers),
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not start")
