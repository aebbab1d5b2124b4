"""The answer to a change sent again by the offline app (static/js/offline.js): JSON, not a page.

The same view, form and service decide; only the answer's shape differs: {"ok", "message"},
the message being what the page would have shown (the saved summary or the refusal)."""

from django.contrib import messages
from django.http import JsonResponse


def wants_json(request) -> bool:
    return request.headers.get("Accept", "").startswith("application/json")


def json_answer(request, *, ok: bool, errors: list[str] | tuple = ()) -> JsonResponse:
    said = [str(message) for message in messages.get_messages(request)]
    return JsonResponse(
        {"ok": ok, "message": " ".join([*said, *errors])},
        status=200 if ok else 409,
        json_dumps_params={"ensure_ascii": False},
    )


def form_errors(form, prefix: str = "") -> list[str]:
    """Every error of a bound form, as text, the field's label first."""
    texts = []
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        where = f"{prefix}{field.label}: " if field is not None and field.label else prefix
        texts += [f"{where}{error}" for error in errors]
    return texts
