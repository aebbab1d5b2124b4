"""Unlocking a login: a coordinator lets a locked (user name, address) pair try again now."""

import logging

from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from shelter import services as shelter_services
from shelter.models import AuditAction

logger = logging.getLogger(__name__)


def login_unlock(*, username: str, ip_address: str | None, by: AbstractBaseUser) -> int:
    """Forget the failed logins of one (user name, address) pair; audited in the same transaction.

    Other pairs (the same name elsewhere, others at the same address) are left as they are.
    Returns the attempt rows removed: 0 when the pair was not locked (or unlocked already), and
    then nothing is recorded, so a second press changes nothing.
    """
    with transaction.atomic():
        _, removed = AccessAttempt.objects.filter(
            username=username, ip_address=ip_address or None
        ).delete()
        attempts = removed.get(AccessAttempt._meta.label, 0)
        if attempts:
            shelter_services.audit_record(
                action=AuditAction.LOGIN_UNLOCKED,
                by=by,
                what=f"login {username} from {ip_address or '?'}",
                subject=get_user_model().objects.filter(username=username).first(),
                details={"username": username, "ip_address": ip_address, "attempts": attempts},
            )
    if attempts:
        logger.info("user %s unlocked a login (%s attempt rows)", by.pk, attempts)
    return attempts
