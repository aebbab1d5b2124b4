"""The summary of a refused form's errors, at the top of every page (base.html includes it).

A phone reloads a refused form at the top while the message sits by a field far below; the
summary says what is wrong, links each message to its field and takes the focus. It finds
the page's forms in the template context by itself (forms, formsets, lists of forms), so a
new form gets it without anything to add.
"""

from dataclasses import dataclass

from django import forms, template
from django.forms.formsets import BaseFormSet

register = template.Library()


@dataclass(frozen=True)
class SummaryError:
    message: str
    label: str = ""
    field_id: str = ""  # the anchor of the field the message is about, if any


@register.inclusion_tag("partials/error_summary.html", takes_context=True)
def error_summary(context) -> dict:
    return {"errors": summary_errors(context.flatten().values())}


def summary_errors(values) -> list[SummaryError]:
    """Every error of the bound forms among `values`, in their order, each with its field."""
    errors: list[SummaryError] = []
    seen: set[int] = set()
    for form in _forms(values):
        if id(form) in seen or not form.is_bound:
            continue
        seen.add(id(form))
        if isinstance(form, BaseFormSet):
            errors += [SummaryError(str(message)) for message in form.non_form_errors()]
            continue
        errors += _form_errors(form)
    return errors


def _forms(values):
    for value in values:
        if isinstance(value, forms.BaseForm | BaseFormSet):
            yield value
            if isinstance(value, BaseFormSet):
                yield from value.forms
        elif isinstance(value, list | tuple):
            yield from (item for item in value if isinstance(item, forms.BaseForm))


def _form_errors(form: forms.BaseForm) -> list[SummaryError]:
    visible = form.visible_fields()
    first = visible[0].id_for_label if visible else ""
    # Rows of a list of forms (spaces) say which row: a form may name itself `summary_name`.
    name = getattr(form, "summary_name", "")
    errors = []
    for field_name, messages in form.errors.items():
        if field_name == forms.forms.NON_FIELD_ERRORS or field_name not in form.fields:
            errors += [SummaryError(str(m), label=name, field_id=first) for m in messages]
            continue
        field = form[field_name]
        label = f"{name} · {field.label}" if name else str(field.label or "")
        target = first if field.is_hidden else field.id_for_label
        errors += [SummaryError(str(m), label=label, field_id=target) for m in messages]
    return errors
