"""Handing work to the Celery workers without losing it silently when the broker (Redis) is down.

`send_on_commit` sends a task once the current transaction commits. If the broker cannot be reached the
caller's `on_failure()` runs (e.g. mark the run or import failed, so no page waits for it forever) and
`QueueUnavailable` is raised with a message for the user; the view shows it instead of a server error.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext as _

log = logging.getLogger(__name__)


class QueueUnavailable(Exception):
    """The task queue could not take the job; the message says so in the user's language."""


def send_now(task, *args, on_failure: Callable[[str], None] | None = None, **kwargs):
    """`task.delay(*args, **kwargs)`, turning a broker failure into `QueueUnavailable` after `on_failure(msg)`."""
    from kombu.exceptions import OperationalError

    try:
        return task.apply_async(args=args, kwargs=kwargs, retry=True, retry_policy={"max_retries": 2})
    except (OperationalError, ConnectionError, OSError) as exc:
        log.error("task queue unreachable, %s not sent: %s", task.name, exc)
        message = _("The task queue is not reachable, so the job was not started. Try again in a few minutes.")
        if on_failure is not None:
            on_failure(message)
        raise QueueUnavailable(message) from exc


def send_on_commit(task, *args, on_failure: Callable[[str], None] | None = None, **kwargs) -> None:
    """Send `task` after the current transaction commits (see `send_now` for a broker that is down)."""
    transaction.on_commit(lambda: send_now(task, *args, on_failure=on_failure, **kwargs))
