"""Sessions logged in before the login backend became OneQueryPermissionsBackend name
Django's ModelBackend, no longer in AUTHENTICATION_BACKENDS: Django would log them out.
They are moved to the new backend, so nobody is logged out by the upgrade (a volunteer with
changes waiting on the phone would have to log in again mid-shift)."""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.db import migrations

OLD = "django.contrib.auth.backends.ModelBackend"
NEW = "coordination.accounts.backends.OneQueryPermissionsBackend"


def _move(apps, schema_editor, old: str, new: str) -> None:
    from coordination.sessions import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    moved = []
    for session in Session.objects.iterator(chunk_size=1000):
        data = store.decode(session.session_data)
        if data.get(BACKEND_SESSION_KEY) == old:
            data[BACKEND_SESSION_KEY] = new
            session.session_data = store.encode(data)
            moved.append(session)
        if len(moved) >= 1000:
            Session.objects.bulk_update(moved, ["session_data"])
            moved = []
    Session.objects.bulk_update(moved, ["session_data"])


def forwards(apps, schema_editor):
    _move(apps, schema_editor, OLD, NEW)


def backwards(apps, schema_editor):
    _move(apps, schema_editor, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0016_dashboard_indexes"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
