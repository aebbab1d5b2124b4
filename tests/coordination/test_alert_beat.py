"""The beat schedule: defaults from a migration, editable, kept across beat restarts; the
demo's in-process loop; the receiver and its fallback."""

import logging
from unittest import mock

import pytest
from django_celery_beat.models import PeriodicTask

from coordination.alerts.models import Alert
from coordination.beat import DatabaseScheduler
from coordination.celery import app as celery_app
from shelter import services as shelter_services
from shelter.models import OccupancyReason
from tests.factories import SpaceFactory

pytestmark = pytest.mark.django_db


def test_migration_installed_every_default_periodic_task(settings):
    rows = {task.name: task for task in PeriodicTask.objects.select_related("interval", "crontab")}
    assert set(settings.CELERY_BEAT_SCHEDULE) <= set(rows)
    assert rows["alerts-sweep-deliveries"].interval.every == 60
    assert rows["alerts-sweep-deliveries"].task == "coordination.alerts.sweep_deliveries"
    summary = rows["alerts-morning-summary"].crontab
    assert (summary.minute, summary.hour) == ("30", "7")
    assert rows["expire-holds"].interval.every == 60
    celery_app.loader.import_default_modules()  # autodiscovery is lazy: register the tasks
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        assert entry["task"] in celery_app.tasks, name


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the scheduler closes it
def test_beat_keeps_an_edited_schedule_and_adds_missing_entries(settings):
    task = PeriodicTask.objects.get(name="alerts-check-all")
    task.interval.every = 900
    task.interval.save()
    PeriodicTask.objects.filter(name="alerts-check-meals").delete()

    DatabaseScheduler(app=celery_app, lazy=True).update_from_dict(settings.CELERY_BEAT_SCHEDULE)

    assert PeriodicTask.objects.get(name="alerts-check-all").interval.every == 900
    assert PeriodicTask.objects.filter(name="alerts-check-meals").exists()


def test_every_alert_task_runs_as_a_plain_function_twice():
    from coordination.alerts import tasks

    space = SpaceFactory(places=1)
    for _ in range(2):
        tasks.check_all()
        tasks.check_stale_data()
        tasks.check_meals()
        tasks.sweep_deliveries()
        tasks.morning_summary()
        tasks.reconcile()
        tasks.evaluate_shelter(space.shelter_id)


def test_occupancy_change_evaluates_on_commit(django_capture_on_commit_callbacks):
    space = SpaceFactory(places=1)
    with django_capture_on_commit_callbacks(execute=True):
        shelter_services.occupancy_change(
            space_id=space.pk, delta=1, reason=OccupancyReason.CHECK_IN, by=None
        )
    assert Alert.objects.filter(kind="full", shelter=space.shelter).exists()


def test_a_failing_evaluation_never_breaks_the_change(django_capture_on_commit_callbacks, caplog):
    space = SpaceFactory(places=1)
    with (
        mock.patch(
            "coordination.alerts.services.alerts_evaluate_changes", side_effect=RuntimeError
        ),
        caplog.at_level(logging.ERROR),
        django_capture_on_commit_callbacks(execute=True),
    ):
        shelter_services.occupancy_change(
            space_id=space.pk, delta=1, reason=OccupancyReason.CHECK_IN, by=None
        )
    assert "alert evaluation for shelter" in caplog.text
    space.refresh_from_db()
    assert space.occupied == 1


def test_demo_loop_runs_intervals_at_once_and_waits_for_crontabs(monkeypatch, settings):
    from coordination.management.commands import demo

    ran = []
    monkeypatch.setattr(demo.time, "sleep", mock.Mock(side_effect=StopIteration))
    for task in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}:
        monkeypatch.setattr(
            celery_app.tasks[task], "apply", lambda *a, _t=task, **k: ran.append(_t)
        )
    with pytest.raises(StopIteration):
        demo._in_process_beat()
    assert "coordination.alerts.sweep_deliveries" in ran
    assert "coordination.tasks.expire_holds" in ran
    assert "coordination.alerts.morning_summary" not in ran
