"""Settings read from the environment, and the static files pipeline."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.environment import clean_environment

ROOT = Path(__file__).resolve().parents[2]


def _check(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in clean_environment().items() if k not in {"SECRET_KEY", "DEBUG"}}
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_refuses_to_start_without_secret_key_when_debug_is_off():
    result = _check({"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_starts_with_a_secret_key_when_debug_is_off():
    result = _check({"DEBUG": "false", "SECRET_KEY": "x" * 50})
    assert result.returncode == 0, result.stderr


def test_the_old_single_public_rate_limit_is_named_as_replaced():
    result = _check({"PUBLIC_RATE_LIMIT": "300/m"})
    assert result.returncode == 0, result.stderr  # it starts, and says what to set instead
    assert "PUBLIC_RATE_LIMIT is no longer read" in result.stderr
    assert "PUBLIC_RATE_LIMIT_NEW" in result.stderr


def test_a_public_rate_limit_that_is_not_per_minute_fails_the_check():
    result = _check({"PUBLIC_RATE_LIMIT_CLIENT": "120/h"})
    assert result.returncode != 0
    assert "PUBLIC_RATE_LIMIT_CLIENT: (coordination.E001)" in result.stderr
    assert "must read like '120/m', not '120/h'" in result.stderr


def test_defaults_to_sqlite_and_in_process_tasks():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME'], "
        "s.CELERY_TASK_ALWAYS_EAGER, s.TIME_ZONE)"
    )
    clean = {k: v for k, v in clean_environment().items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "coordination.settings"},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    engine, name, eager, zone = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert Path(name).parent == ROOT
    assert (eager, zone) == ("True", "Asia/Oral")


def test_tests_run_against_postgres_and_redis(settings):
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert settings.CACHES["default"]["BACKEND"].endswith("RedisCache")


@pytest.mark.django_db
def test_collectstatic_writes_hashed_compressed_bootstrap(tmp_path, settings):
    from django.core.management import call_command

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    hashed = list((tmp_path / "vendor" / "bootstrap").glob("bootstrap.min.*.css"))
    assert hashed, "no hashed Bootstrap CSS"
    assert list((tmp_path / "vendor" / "bootstrap").glob("bootstrap.min.*.css.gz"))
    assert list((tmp_path / "vendor" / "bootstrap").glob("bootstrap.min.*.css.br"))


def test_no_page_template_loads_anything_from_another_host():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert "://" not in text.replace("http://www.w3.org", ""), template
