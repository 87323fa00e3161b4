"""Shared admin helpers. What the operators' bulk actions share: apply a service call to each selected row and report."""

from collections.abc import Callable, Iterable

from django.contrib import messages


def apply_to_each(modeladmin, request, ids: Iterable, call: Callable, *, refusal: type[Exception],
                  done_message: str, refused_message: str) -> None:
    """Run ``call(id)`` for each id; ``refusal`` exceptions are collected, not raised.

    ``done_message`` and ``refused_message`` are formatted with ``count`` (and ``details``
    for the refusals: the first ten, each as "id: reason")."""
    done, refused = 0, []
    for row_id in ids:
        try:
            call(row_id)
        except refusal as exc:
            refused.append(f"{row_id}: {exc}")
        else:
            done += 1
    if done:
        modeladmin.message_user(request, done_message.format(count=done), messages.SUCCESS)
    if refused:
        details = "; ".join(refused[:10])
        modeladmin.message_user(request, refused_message.format(count=len(refused), details=details), messages.WARNING)
