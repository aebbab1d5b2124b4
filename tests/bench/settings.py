"""Benchmark settings: the real settings plus a bare view, the framework's floor."""

import os

from coordination.settings import *  # noqa: F403
from coordination.settings import MIDDLEWARE

ROOT_URLCONF = "tests.bench.urls"
if os.environ.get("BENCH_RATE_LIMIT") == "off":  # to measure what the limiter costs
    MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("coordination.ratelimit.")]
