"""Benchmark settings: the real settings plus a bare view, the framework's floor."""

from coordination.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
