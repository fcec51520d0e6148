"""A refused field's error tied to its input, for people who do not see the page.

A field's error is shown under its input (_field_error.html); a screen reader reading the input
did not hear it, nor that the input was refused: the paragraph had no id and the input pointed at
nothing. ``error_id`` names the paragraph, ``invalid`` gives the input ``aria-invalid`` and
``aria-describedby`` naming it, both from the same ``problem`` the page shows, so they cannot
disagree. A register's inputs carry a ``prefix`` (several forms on one page), and so do their ids.
"""
import re

from jinja2 import pass_context
from markupsafe import Markup, escape


def _errors(context):
    """The field errors of the form being rendered: a row's form's own (``common.row_typed``: only
    the row sent has any), else the page's problem's."""
    own = getattr(context.get("form"), "field_errors", None)
    if isinstance(own, dict):
        return own
    problem = context.get("problem")
    errors = getattr(problem, "field_errors", None)
    return errors if isinstance(errors, dict) else {}


@pass_context
def errors_here(context):
    """``{field: message}`` for _field_error.html: the errors ``invalid`` ties its inputs to."""
    return _errors(context)


@pass_context
def error_id(context, field):
    """The id of ``field``'s error paragraph on this page."""
    return _error_id(context.get("prefix") or "", field)


def _error_id(prefix, field):
    return "error-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{prefix}{field}").strip("-")


_CONTROL = re.compile(r"<(?:input|select|textarea)\b[^>]*>")
_OWN_ID = re.compile(r'\sid="([^"]+)"')
_DESCRIBED_BY = re.compile(r'\saria-describedby="([^"]*)"')


def inputs_of(html, fields):
    """``{field: the id of its input}`` on a rendered page, for the refusal's summary to link each
    error it lists to its input (it listed them, and a keyboard had to find each field): the input
    ``invalid`` tied to the field's error, with a form's prefix too (error-n-borrower), the first
    found. None for a field no input with an id names: a group of choices (its fieldset), a field
    the page does not show."""
    described = {}
    for tag in _CONTROL.findall(str(html)):
        own, names = _OWN_ID.search(tag), _DESCRIBED_BY.search(tag)
        if own and names:
            for name in names.group(1).split():
                described.setdefault(name, own.group(1))
    found = {}
    for field in fields:
        plain = _error_id("", field)
        prefixed = "-" + plain.removeprefix("error-")
        target = described.get(plain) or next(
            (input_id for name, input_id in described.items() if name.endswith(prefixed)), None)
        if target:
            found[field] = target
    return found


@pass_context
def invalid(context, *fields, hint=None, group=False, errors=None):
    """The attributes tying an input (``group``: a fieldset of choices) to the errors of ``fields``
    and to its ``hint``'s id: `` aria-invalid="true" aria-describedby="…"``, or nothing.
    ``errors``: the page's ``{field: message}`` where it is not the problem's."""
    errors = _errors(context) if errors is None else errors
    described = [hint] if hint else []
    described += [error_id(context, field) for field in fields if errors.get(field)]
    attributes = []
    if len(described) > bool(hint) and not group:  # a fieldset is not itself invalid, its choices are
        attributes.append('aria-invalid="true"')
    if described:
        attributes.append(f'aria-describedby="{escape(" ".join(described))}"')
    return Markup(" " + " ".join(attributes)) if attributes else Markup("")
