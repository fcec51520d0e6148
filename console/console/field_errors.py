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
    problem = context.get("problem")
    errors = getattr(problem, "field_errors", None)
    return errors if isinstance(errors, dict) else {}


@pass_context
def error_id(context, field):
    """The id of ``field``'s error paragraph on this page."""
    prefix = context.get("prefix") or ""
    return "error-" + re.sub(r"[^A-Za-z0-9_-]+", "-", f"{prefix}{field}").strip("-")


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
