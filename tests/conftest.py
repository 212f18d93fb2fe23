"""Shared fixtures: real PostgreSQL/SQLite through pytest-django, a real Celery worker on the real Redis."""

from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Property tests judge the rules, not the machine: on a loaded 2-core runner (xdist workers, a Celery worker,
# Chromium) input generation can exceed Hypothesis' time checks without anything being wrong.
hypothesis_settings.register_profile("project", suppress_health_check=[HealthCheck.too_slow], deadline=None)
hypothesis_settings.load_profile("project")


def pytest_report_header(config):
    from django.conf import settings as s

    db = s.DATABASES["default"]
    return [
        f"database: {db['ENGINE'].rsplit('.', 1)[-1]} {db.get('HOST') or db['NAME']}",
        f"broker: {s.CELERY_BROKER_URL}",
    ]


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def require_postgres():
    """For tests of PostgreSQL-only behaviour (COPY, concurrent transactions). Fails, never skips, elsewhere."""
    if connection.vendor != "postgresql":
        pytest.fail("this test needs PostgreSQL: run it with DATABASE_URL=postgres://… (make test does)")


@contextmanager
def running_worker(*, pool: str = "solo", concurrency: int = 1):
    """A real Celery worker consuming from the real Redis broker, against the test database.

    Tasks are sent to Redis (not run eagerly) while it runs. Tests using it must commit their data
    (transactional_db) so the worker's own connections see it. `pool="threads", concurrency=4` gives four
    workers taking tasks at once, each thread with its own database connection.
    """
    with broker_queue(), worker_thread(pool=pool, concurrency=concurrency) as worker:
        yield worker


@contextmanager
def worker_thread(*, pool: str = "solo", concurrency: int = 1):
    """The worker alone, taking what is already queued: inside `broker_queue`, for a test that queues first."""
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with start_worker(app, pool=pool, concurrency=concurrency, perform_ping_check=True, shutdown_timeout=30) as worker:
        yield worker


@contextmanager
def broker_queue():
    """Tasks go to this test process's own queue on the real Redis, emptied first; eager again afterwards."""
    from config.celery import app

    if not settings.CELERY_BROKER_URL:
        pytest.fail("CELERY_BROKER_URL is not set: the worker tests need the real Redis (make test sets it)")
    app.loader.import_task_module("celery.contrib.testing.tasks")
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)
    try:
        yield app
    finally:
        app.conf.task_always_eager = eager


@pytest.fixture
def celery_worker(transactional_db, django_db_serialized_rollback):
    """A real Celery worker for the whole test (see `running_worker`).

    Serialized rollback: a transactional test's flush would otherwise re-create content types and permissions
    (post_migrate), which the next serialized-rollback test then restores a second time (duplicate key).
    """
    with running_worker() as worker:
        yield worker
