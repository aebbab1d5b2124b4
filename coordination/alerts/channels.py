"""Senders for the alert channels: email (Django's backend) and signed JSON webhooks.

A sender raises TransientError for what may work later (the delivery is retried) and
PermanentError for what never will (the delivery is marked failed).
"""

import hashlib
import hmac
import json
import smtplib
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from .models import Alert
from .texts import alert_text, alert_text_in

SIGNATURE_HEADER = "X-Shelter-Signature"
DELIVERY_HEADER = "X-Shelter-Delivery"
# Servers that may answer differently later: busy, rate-limited, or broken for now.
RETRY_STATUSES = {408, 425, 429}


class TransientError(Exception):
    """The channel failed in a way that may work on a later attempt."""


class PermanentError(Exception):
    """The channel refused in a way no retry will change (a bad address, a 404)."""


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: "sha256=" and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def alert_payload(alert: Alert, *, delivery_id: int) -> dict:
    """What a webhook receives: shelter names and figures only, never a household's data.

    `message` is in the site's language; `kind` and `params` say the same for a receiver
    that writes its own text (in its own language).
    """
    return {
        "delivery": delivery_id,
        "alert": alert.pk,
        "kind": alert.kind,
        "level": alert.level,
        "city": alert.city,
        "shelter": {"id": alert.shelter_id, "name": alert.shelter.name} if alert.shelter else None,
        "message": alert_text_in(alert, settings.LANGUAGE_CODE),
        "params": alert.params,
        "created": alert.created_at.isoformat(),
        "cleared": alert.cleared_at.isoformat() if alert.cleared_at else None,
    }


def send_webhook(*, url: str, secret: str, payload: dict, delivery_id: int) -> None:
    """POST the payload as JSON with its signature; any 2xx answer counts as delivered."""
    if not url.startswith(("https://", "http://")):
        raise PermanentError(f"not an http(s) URL: {url}")
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "shelter-coordination-alerts",
            SIGNATURE_HEADER: sign(body, secret),
            DELIVERY_HEADER: str(delivery_id),  # lets a receiver drop a repeat
        },
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.ALERTS_WEBHOOK_TIMEOUT
        ) as response:
            response.read(1024)
    except urllib.error.HTTPError as exc:
        if exc.code >= 500 or exc.code in RETRY_STATUSES:
            raise TransientError(f"HTTP {exc.code}") from exc
        raise PermanentError(f"HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError) as exc:  # refused, unreachable, timed out
        raise TransientError(str(exc)[:400]) from exc


def alert_subject(alert: Alert) -> str:
    """In the active language."""
    return (_("[Shelter alert] %(message)s") % {"message": alert_text(alert)})[:200]


def send_alert_email(*, alert: Alert, to: str, language: str = "") -> None:
    """The alert to one address, written in `language` (empty: the site's)."""
    link = settings.SITE_URL.rstrip("/") + reverse("coordination:alerts")
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = alert_subject(alert)
        body = _("%(message)s\n\nRaised %(when)s. Open alerts: %(link)s\n") % {
            "message": alert_text(alert),
            "when": localtime(alert.created_at).strftime("%Y-%m-%d %H:%M %Z"),
            "link": link,
        }
    send_email(subject=subject, body=body, to=to)


def send_email(*, subject: str, body: str, to: str) -> None:
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [to], fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError(f"address refused: {to}") from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientError(str(exc)[:400]) from exc
