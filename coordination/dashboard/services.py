"""The dashboard's own writes: exports are audited. (Its actions on shelters and assignments
are shelter services, which audit themselves.)"""

from django.contrib.auth.models import AbstractBaseUser

from shelter import services as shelter_services
from shelter.models import AuditAction, AuditEntry


def export_record(
    *, by: AbstractBaseUser, export: str, filters: dict, rows: int | None = None
) -> AuditEntry:
    """Audit an export before it is sent: who, when, which file, which filters, how many rows."""
    described = " ".join(f"{key}={value}" for key, value in sorted(filters.items()))
    what = f"{export} {described}".strip() + (f": {rows} rows" if rows is not None else "")
    return shelter_services.audit_record(
        action=AuditAction.EXPORT,
        by=by,
        what=what,
        details={"export": export, "filters": filters, "rows": rows},
    )
