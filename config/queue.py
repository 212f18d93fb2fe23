"""Handing work to the Celery workers without losing it silently when the broker (Redis) is down.

`send_on_commit` sends a task once the current transaction commits. If the broker cannot be reached the
caller's `on_failure()` runs (e.g. mark the run or import failed, so no page waits for it forever) and
`QueueUnavailable` is raised with a message for the user; the view shows it instead of a server error.

`BoundedDeliveries` is the base of the acks_late tasks: a message whose task kills its worker is run at most
`CELERY_TASK_MAX_DELIVERIES` times, then the job is marked failed and the message is not queued again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import Task
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


# -- deliveries: a task that keeps killing its worker is stopped -------------------------------------------------

DELIVERY_KEY = "celery:deliveries:%s"
_redis_clients: dict[int, object] = {}


def _redis():
    """A Redis client on the broker's database, one per process (worker children are forked)."""
    import os

    import redis
    from django.conf import settings

    client = _redis_clients.get(os.getpid())
    if client is None:
        _redis_clients.clear()
        client = _redis_clients[os.getpid()] = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    return client


def delivery_count(task_id: str) -> int:
    """This delivery's number for the task id: counted in Redis, next to the queue itself, before the task runs.

    A worker killed inside the task (out of memory, a crash in a C library, SIGKILL) never reaches its end, so the
    count survives it; acks_late and reject_on_worker_lost then deliver the same message (same id) again.
    """
    from django.conf import settings

    key = DELIVERY_KEY % task_id
    pipe = _redis().pipeline()
    pipe.incr(key)
    # Kept while redeliveries can still come: one visibility timeout per allowed delivery, and a day more.
    pipe.expire(key, settings.CELERY_VISIBILITY_TIMEOUT * (settings.CELERY_TASK_MAX_DELIVERIES + 1) + 86400)
    return int(pipe.execute()[0])


def delivery_forget(task_id: str) -> None:
    _redis().delete(DELIVERY_KEY % task_id)


class BoundedDeliveries(Task):
    """A task base that runs a message at most `CELERY_TASK_MAX_DELIVERIES` times.

    Tasks are acknowledged late and re-queued when their worker is lost, so a message whose task kills the
    worker would kill worker after worker. Each delivery is counted (Redis) before the task runs; past the
    limit the task does not run: `deliveries_exceeded(count, *args, **kwargs)` records why (the job failed, in
    Chinese) and the message is acknowledged, so it is not queued again. A task that ends, however it ends,
    forgets its count. Eager runs (no broker) are not counted.
    """

    abstract = True

    def __call__(self, *args, **kwargs):
        from django.conf import settings

        task_id = self.request.id
        counted = bool(task_id) and not self.request.is_eager and bool(settings.CELERY_BROKER_URL)
        if counted:
            count = delivery_count(task_id)
            if count > settings.CELERY_TASK_MAX_DELIVERIES:
                log.error("%s[%s]: delivery %s, past the limit: not run again", self.name, task_id, count)
                try:
                    self.deliveries_exceeded(count - 1, *args, **kwargs)
                finally:
                    delivery_forget(task_id)
                return None
        try:
            return super().__call__(*args, **kwargs)
        finally:
            if counted:
                delivery_forget(task_id)

    def deliveries_exceeded(self, runs: int, *args, **kwargs) -> None:
        """Record that the task was stopped after `runs` runs that never ended (override per task)."""


def lost_worker_message(runs: int) -> str:
    """The reason a job was stopped, in Chinese (workers run without a request's language)."""
    from django.utils import translation

    with translation.override("zh-hans"):
        return _(
            "The job was started %(count)s times and each time the background worker stopped in the middle of it "
            "(the file may be too large or damaged); it will not be started again. Check the file and upload it "
            "again, or ask the administrator."
        ) % {"count": runs}
