"""The first load of every volunteer page on a slow 3G phone (run on demand, not in the suite).

    uv run python -m tests.bench.bench_slow3g [--runs 3] [--root PATH]

Starts the app exactly as `uv run manage.py demo` does (a fresh SQLite database in a temporary
folder with the Uralsk demo data, static files collected and compressed, Django's runserver,
DEBUG on, Celery in-process), then opens each page in Chromium with DevTools network
emulation of slow 3G (400 ms latency, 400 kbit/s = 50,000 bytes/s down and up), each load in
a new browser context (an empty cache: a phone's first visit), logged in beforehand through
the login form. For each page it prints the bytes received (compressed, response headers
included) and the time to the load event, the median over `--runs` loads, against the
targets of issue 13: at most 50 KB and under 3 s. `--root` measures another checkout
(`git archive <commit> | tar -x -C DIR`) with this checkout's virtualenv, for a before/after.

`run()` returns the rows, for a combined benchmark command.
"""

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 50_000}
SLOW_3G["uploadThroughput"] = 50_000
TARGET_BYTES, TARGET_SECONDS = 50_000, 3.0
PHONE = {"width": 360, "height": 640}
PASSWORDS = {"aigerim": "uralsk-volunteer", "coordinator": "uralsk-coordinator"}

# The demo's own objects, looked up in its database by the app's code.
IDS = """
import json
from coordination.models import Household, HouseholdStatus
from shelter.models import Shelter
cinema = Shelter.objects.get(name="Cinema Park")
waiting = Household.objects.filter(status=HouseholdStatus.WAITING, registered_at=cinema)
print(json.dumps({"cinema": cinema.pk, "waiting": waiting.order_by("pk").first().pk}))
"""


def _pages(ids: dict) -> list[tuple[str, str, str]]:
    """(label, user or None, path) for every page measured."""
    volunteer = [
        ("my shelters", "/shelters/mine/"),
        ("bed count", f"/shelters/{ids['cinema']}/"),
        ("waiting list", "/households/waiting/"),
        ("find a place", f"/households/{ids['waiting']}/place/"),
        ("household", f"/households/{ids['waiting']}/"),
        ("meals", "/meals/"),
    ]
    coordinator = [
        ("dashboard", "/dashboard/"),
        ("shelter panel", f"/dashboard/shelters/{ids['cinema']}/"),
        ("alerts", "/alerts/"),
    ]
    return [
        ("public page", None, "/"),
        *((label, "aigerim", path) for label, path in volunteer),
        *((label, "coordinator", path) for label, path in coordinator),
    ]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_demo(root: Path, folder: Path, port: int) -> tuple[subprocess.Popen, dict]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_SETTINGS_MODULE")
    }
    env |= {
        "DATABASE_URL": f"sqlite:///{folder / 'demo.sqlite3'}",
        "STATIC_ROOT": str(folder / "static"),
        "LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "manage.py", "demo", f"127.0.0.1:{port}"],
        cwd=root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
            break
        except OSError:
            if server.poll() is not None:
                raise SystemExit("manage.py demo stopped before serving") from None
            time.sleep(0.2)
    else:
        server.kill()
        raise SystemExit("manage.py demo did not start")
    ids = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", IDS],
        cwd=root,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return server, json.loads(ids.stdout.strip().splitlines()[-1])


def _session(browser, url: str, username: str) -> dict:
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.goto(f"{url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    with page.expect_navigation():
        page.click("main button[type=submit]")
    state = context.storage_state()
    context.close()
    return state


def first_load(browser, url: str, state: dict | None) -> tuple[int, float]:
    """Bytes received and seconds to the load event, in a new context on slow 3G."""
    context = browser.new_context(viewport=PHONE, storage_state=state)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    received = {}
    cdp.on(
        "Network.loadingFinished",
        lambda event: received.__setitem__(event["requestId"], event["encodedDataLength"]),
    )
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, (url, response and response.status)
    load_ms = page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")
    page.wait_for_load_state("networkidle")
    context.close()
    return int(sum(received.values())), load_ms / 1000


def run(runs: int = 3, root: Path = ROOT) -> list[dict]:
    """Serve the demo, measure every page; one dict per page (medians over `runs`)."""
    from playwright.sync_api import sync_playwright

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-slow3g-") as folder:
        port = _free_port()
        server, ids = _start_demo(root, Path(folder), port)
        url = f"http://127.0.0.1:{port}"
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM,
                    args=[
                        "--headless",
                        "--no-sandbox",
                        "--disable-gpu",
                        "--disable-background-networking",
                    ],
                )
                sessions = {user: _session(browser, url, user) for user in PASSWORDS}
                for label, user, path in _pages(ids):
                    state = sessions[user] if user else None
                    first_load(browser, url + path, state)  # the server's own first render
                    loads = [first_load(browser, url + path, state) for _ in range(runs)]
                    size = statistics.median(b for b, _ in loads)
                    seconds = statistics.median(s for _, s in loads)
                    rows.append(
                        {
                            "page": label,
                            "user": user or "anonymous",
                            "path": path,
                            "bytes": int(size),
                            "seconds": round(seconds, 2),
                            "ok": size <= TARGET_BYTES and seconds < TARGET_SECONDS,
                        }
                    )
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=20)
    return rows


def table(rows: list[dict]) -> str:
    lines = [
        "| page | as | bytes (compressed) | load (s) | target (≤50 KB, <3 s) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        verdict = "met" if row["ok"] else "MISSED"
        lines.append(
            f"| {row['page']} `{row['path']}` | {row['user']} | {row['bytes']:,} "
            f"| {row['seconds']:.2f} | {verdict} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--root", type=Path, default=ROOT, help="another checkout to measure")
    args = parser.parse_args()
    rows = run(runs=args.runs, root=args.root.resolve())
    print(table(rows))
    if not all(row["ok"] for row in rows):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
