"""`manage.py demo`: migrate, load the Uralsk demo once, print logins, serve on :8000.

Asks nothing, so it runs with no terminal attached. With REDIS_URL set it also runs a Celery
worker (with beat) beside the server and stops it when the server stops. The site speaks
Russian, as in Uralsk, unless LANGUAGE_CODE says otherwise.
"""

import logging
import os
import subprocess
import sys
import threading
import time

from celery.schedules import crontab, maybe_schedule
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from coordination.celery import app as celery_app
from coordination.demo import LOGINS, load_demo_data

logger = logging.getLogger(__name__)

# `demo 0.0.0.0:8000`: served on every address of the machine, for phones on its network.
EVERY_ADDRESS = ("0.0.0.0", "::")  # noqa: S104

# Uralsk: the people arriving and most volunteers read Russian first.
DEMO_LANGUAGE = "ru"


def _in_process_beat() -> None:
    """Without Redis there is no beat: run the periodic tasks here, on the same schedule.

    Intervals run at once and then every period; crontab entries wait for their time.
    """
    celery_app.loader.import_default_modules()  # autodiscovery is lazy: register the tasks
    entries = {
        name: maybe_schedule(entry["schedule"], app=celery_app)
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
    }
    now = celery_app.now()
    last_run = {
        name: now if isinstance(schedule, crontab) else None for name, schedule in entries.items()
    }
    while True:
        for name, schedule in entries.items():
            if last_run[name] is not None and not schedule.is_due(last_run[name]).is_due:
                continue
            last_run[name] = celery_app.now()
            task = settings.CELERY_BEAT_SCHEDULE[name]["task"]
            try:
                celery_app.tasks[task].apply(throw=True)
            except Exception:
                logger.exception("periodic task %s failed; it runs again on schedule", name)
        time.sleep(5)


class Command(BaseCommand):
    help = "Run the app with Uralsk demo data (migrates and loads the data first)."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument(
            "--no-serve", action="store_true", help="Prepare the data and print logins only."
        )

    def handle(self, *args, addrport: str, no_serve: bool, **options):
        language = self._site_language()
        call_command("migrate", interactive=False, verbosity=0)
        # The load logs every change it makes: a hundred lines that would push the logins away.
        logging.disable(logging.INFO)
        try:
            loaded = load_demo_data()
        finally:
            logging.disable(logging.NOTSET)
        if loaded:
            self.stdout.write(self.style.SUCCESS("Loaded the Uralsk demo data."))
        else:
            self.stdout.write("Shelters exist already: demo data left as it is.")
        self._print_logins(addrport)
        self.stdout.write(f"Site language: {language} (set LANGUAGE_CODE for another).")
        if no_serve:
            return
        self._serve_collected_static()
        self._serve_as_the_product(addrport)
        worker = self._start_worker(language)
        try:
            call_command("runserver", addrport, use_reloader=False)
        finally:
            if worker:
                worker.terminate()
                worker.wait(timeout=20)

    def _serve_collected_static(self) -> None:
        """Serve static files as production does, even with DEBUG on: collected, gzipped and
        brotli-compressed by WhiteNoise. Left to DEBUG's defaults, WhiteNoise would find them
        in static/ at each request and send them uncompressed (232 KB of Bootstrap once)."""
        call_command("collectstatic", interactive=False, verbosity=0)
        # Read when runserver builds its handler, after this.
        settings.WHITENOISE_USE_FINDERS = False
        settings.WHITENOISE_AUTOREFRESH = False

    def _serve_as_the_product(self, addrport: str) -> None:
        """The demo is tried as the product, by anyone who can reach it: its error pages are
        the app's own, never Django's debug pages (which list every URL of the site and show
        tracebacks), unless DEBUG is set in the environment. The links the app writes for
        paper and for sharing (the poster's QR codes, a hold slip: SITE_URL) point at the
        address served, unless SITE_URL is set. Read per request, so set before serving."""
        host, _sep, port = addrport.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        if "DEBUG" not in os.environ:
            settings.DEBUG = False
        every_address = host in EVERY_ADDRESS
        if every_address and "ALLOWED_HOSTS" not in os.environ:
            settings.ALLOWED_HOSTS = ["*"]  # reached by this machine's address on the network
        if "SITE_URL" not in os.environ:
            shown = "127.0.0.1" if every_address else host
            settings.SITE_URL = f"http://{'[' + shown + ']' if ':' in shown else shown}:{port}"
            if shown != host:
                self.stdout.write(
                    f"Printed and shared links use {settings.SITE_URL}: set SITE_URL to the "
                    "address phones reach this machine at."
                )

    def _site_language(self) -> str:
        """Russian unless LANGUAGE_CODE is set: for the pages of a browser asking for no
        language we have, and for alert texts (the server here, the worker by its env)."""
        language = os.environ.get("LANGUAGE_CODE") or DEMO_LANGUAGE
        settings.LANGUAGE_CODE = language  # read per request (LocaleMiddleware) and per alert text
        return language

    def _print_logins(self, addrport: str) -> None:
        self.stdout.write(f"\nOpen http://{addrport}/ ; volunteers log in at /accounts/login/")
        for login in LOGINS:
            self.stdout.write(f"  {login.username:<20} {login.password:<20} {login.role}")
        self.stdout.write("")

    def _start_worker(self, language: str) -> subprocess.Popen | None:
        if not settings.REDIS_URL:
            self.stdout.write("No REDIS_URL: Celery tasks (and periodic ones) run in this process.")
            threading.Thread(target=_in_process_beat, daemon=True).start()
            return None
        self.stdout.write("REDIS_URL set: starting a Celery worker with beat.")
        command = [sys.executable, "-m", "celery", "-A", "coordination", "worker", "--beat"]
        return subprocess.Popen(  # noqa: S603
            [*command, "--loglevel", "info", "--concurrency", "2"],
            env={**os.environ, "LANGUAGE_CODE": language},
        )
