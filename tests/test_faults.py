"""Faults with real components: a worker killed by SIGKILL mid-task, the broker down, the database failing mid-import.

The worker here is a separate `celery worker` process (not a thread), started against the test database and
the real Redis, so it can be killed like a real one. To be sure it dies *inside* a task, the test holds a
lock on the results table: the worker's reconciliation part computes, then waits on the lock inside its
transaction; we see it waiting in pg_stat_activity and kill it there.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection, transaction

from subsidies.models import ReconciliationResult, ReconciliationRun, RunStatus
from subsidies.reconciliation.runs import reconcile
from subsidies.tasks import reconcile_enqueue
from tests.builders import recon_data as d
from tests.subsidies.reconciliation.test_reconcile_runs import mixed_county, snapshot

AS_OF = date(2024, 3, 1)
BASE_DIR = Path(settings.BASE_DIR)


def _dsn() -> str:
    db = settings.DATABASES["default"]
    return f"host={db['HOST'] or '127.0.0.1'} port={db['PORT'] or 5432} user={db['USER']} dbname={db['NAME']}"


class Worker:
    """`celery -A config worker -P solo` as a child process, on this test's queue and database."""

    def __init__(self, log: Path, *, pool: str = "solo", extra: tuple[str, ...] = (), measure: Path | None = None):
        db = settings.DATABASES["default"]
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.test",
            "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
            "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND or settings.CELERY_BROKER_URL,
            # Redeliver a task whose worker died after 5 s instead of hours.
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "PYTHONUNBUFFERED": "1",  # the log must hold every line written before the SIGKILL
            # A real worker: the chord's parts are separate tasks, not run inline by the dispatcher.
            "CELERY_TASK_ALWAYS_EAGER": "False",
            "CELERY_TASK_DEFAULT_QUEUE": settings.CELERY_TASK_DEFAULT_QUEUE,
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the uploads the test stored
        }
        self.log = log
        # Under tests/rss_launcher.py, which writes the worker's exit code and peak RSS to `measure` at its end.
        launcher = [sys.executable, str(BASE_DIR / "tests" / "rss_launcher.py"), str(measure)] if measure else []
        self.proc = subprocess.Popen(
            [
                *launcher,
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "-P",
                pool,
                "-c",
                "1",
                "-Q",
                settings.CELERY_TASK_DEFAULT_QUEUE,
                "-n",
                f"faults-{os.getpid()}-{time.monotonic_ns()}@%h",
                "-l",
                "info",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *extra,
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "ready." in self.log.read_text(errors="replace"):
                return
            assert self.proc.poll() is None, self.log.read_text(errors="replace")[-3000:]
            time.sleep(0.2)
        raise AssertionError("the worker did not start:\n" + self.log.read_text(errors="replace")[-3000:])

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture
def real_queue():
    """Tasks go to Redis (not run eagerly) for the test's duration, on a queue emptied first."""
    from config.celery import app

    if not settings.CELERY_BROKER_URL:
        pytest.fail("CELERY_BROKER_URL is not set: the fault tests need the real Redis")
    forget_queue(app)
    app.conf.task_always_eager = False
    try:
        yield app
    finally:
        app.conf.task_always_eager = True
        forget_queue(app)


def forget_queue(app) -> None:
    """Empty this test's queue, and drop its messages a killed worker left unacknowledged (only this queue's:
    other test runs share the Redis database)."""
    import json

    queue = settings.CELERY_TASK_DEFAULT_QUEUE
    with app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)
        client = conn.default_channel.client
        for tag, payload in client.hgetall("unacked").items():
            try:
                routing_key = json.loads(payload)[2]
            except (ValueError, IndexError, TypeError):
                continue
            if routing_key == queue:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


def wait_for(predicate, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def blocked_on_lock(pid_of_locker: int) -> str:
    """The table another session (the worker's) waits to lock, with the mode, or ""."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT concat_ws(' | ', a.pid, a.application_name, l.relation::regclass, l.mode, a.query)"
            " FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted"
            " WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'"
            " AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid() AND a.pid <> %s",
            [pid_of_locker],
        )
        row = cur.fetchone()
        return row[0] if row else ""


@pytest.mark.worker
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_worker_killed_mid_reconciliation_redelivers_and_gives_the_undisturbed_result(
    require_postgres, real_queue, tmp_path
):
    policy = d.sunan_2024()
    mixed_county(policy, n=60)
    reconcile(county=policy.county, year=2024, as_of=AS_OF, full=True)
    undisturbed = snapshot(policy)
    ReconciliationResult.objects.all().delete()

    first = Worker(tmp_path / "worker1.log")
    second = None
    try:
        first.wait_ready()
        # Hold the results table: the worker's part computes, then waits inside its transaction.
        with psycopg.connect(_dsn(), autocommit=False) as locker:
            locker.execute("LOCK TABLE subsidies_reconciliationresult IN EXCLUSIVE MODE")
            locker_pid = locker.info.backend_pid
            with transaction.atomic():
                run = reconcile_enqueue(county=policy.county, year=2024, as_of=AS_OF, full=True)
            waiting = wait_for(lambda: blocked_on_lock(locker_pid), timeout=60, what="the worker to block in a part")
            assert "subsidies_reconciliationresult" in waiting, waiting
            first.kill()
            locker.rollback()
        log = first.log.read_text(errors="replace")
        # The worker had received a part and died before finishing it.
        assert re.search(r"reconcile_chunk\[[^\]]+\] received", log), log[-3000:]
        assert not re.search(r"reconcile_chunk\[[^\]]+\] succeeded", log), log[-3000:]
        # Nothing half-written: the killed part's transaction died with its connection.
        assert ReconciliationResult.objects.count() == 0
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING and run.chunks_done == 0

        time.sleep(6)  # past the visibility timeout: the unacknowledged part is due again
        second = Worker(tmp_path / "worker2.log")
        second.wait_ready()

        def finished():
            run.refresh_from_db()
            return run.status != RunStatus.RUNNING

        wait_for(finished, timeout=120, what="the run to finish after redelivery")
        assert run.status == RunStatus.DONE, run.message
        assert run.chunks_done == run.chunks_total
        assert snapshot(policy) == undisturbed
        assert ReconciliationRun.objects.filter(status=RunStatus.RUNNING).count() == 0
    finally:
        first.stop()
        if second is not None:
            second.stop()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_database_error_mid_import_commits_nothing_and_the_retry_completes(require_postgres, tmp_path):
    """A real error raised by PostgreSQL on the 150th inserted person (a trigger): not one person is kept."""
    from enrollment.imports.pipeline import import_file, import_job_commit
    from enrollment.models import ImportStatus, Person
    from enrollment.places.services import county_ensure
    from tests.builders.badfiles import REGISTER_HEADER, person_id
    from tests.enrollment.files.test_bad_inputs import table_counts

    county = county_ensure(code="620721")
    ids = [person_id(k) for k in range(1, 301)]
    path = tmp_path / "户籍.csv"
    lines = [",".join(REGISTER_HEADER)] + [f"{i},人{k},红湾寺镇,一村" for k, i in enumerate(ids)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="gbk")
    with connection.cursor() as cur:
        cur.execute(
            "CREATE FUNCTION faults_fail_person() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            f" IF NEW.id_number = '{ids[149]}' THEN RAISE EXCEPTION 'could not extend file: No space left on device';"
            " END IF; RETURN NEW; END $$"
        )
        cur.execute(
            "CREATE TRIGGER faults_fail_person BEFORE INSERT ON enrollment_person"
            " FOR EACH ROW EXECUTE FUNCTION faults_fail_person()"
        )
    try:
        before = table_counts()
        job = import_file(kind="register", county=county, path=path)
        assert job.status == ImportStatus.FAILED
        assert "导入失败" in job.message and "No space left" in job.message, job.message
        assert table_counts() == before
        assert Person.objects.count() == 0
    finally:
        with connection.cursor() as cur:
            cur.execute("DROP TRIGGER faults_fail_person ON enrollment_person")
            cur.execute("DROP FUNCTION faults_fail_person()")
    job = import_job_commit(job_id=job.pk)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert Person.objects.count() == 300


@pytest.fixture
def broker_down(monkeypatch):
    """The producer pointed at a closed port: what the site sees when Redis is down."""
    from config.celery import app

    saved = app.conf.broker_url
    app.conf.task_always_eager = False
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration.
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://127.0.0.1:1/0")
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app._pool = app.amqp._producer_pool = None  # connections are made afresh, to the closed port
    try:
        yield app
    finally:
        monkeypatch.undo()
        app._pool = app.amqp._producer_pool = None
        app.conf.broker_url = saved
        app.conf.task_always_eager = True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_refuses_a_run_with_a_chinese_message_and_leaves_no_run_waiting(
    require_postgres, broker_down, client
):
    from django.urls import reverse

    from accounts.models import Role
    from accounts.services import staff_user_create

    policy = d.sunan_2024()
    mixed_county(policy, n=5)
    profile = staff_user_create(username="ju", password="x-Pass-2026!", role=Role.BUREAU, county=policy.county)
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    started = time.monotonic()
    response = client.post(reverse("subsidies:reconciliation_run_start"), {"year": 2024}, follow=True)
    assert time.monotonic() - started < 30
    assert response.status_code == 200
    page = response.content.decode()
    assert "任务队列" in page and "未能启动" in page, page[-2000:]
    # The run is recorded as failed with the reason, not left "running" for ever.
    assert not ReconciliationRun.objects.filter(status=RunStatus.RUNNING).exists()
    failed = ReconciliationRun.objects.get()
    assert failed.status == RunStatus.FAILED and "任务队列" in failed.message


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_broker_down_refuses_an_upload_in_chinese_and_the_job_says_why(require_postgres, broker_down, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from accounts.models import Role
    from accounts.services import staff_user_create
    from enrollment.models import ImportJob, ImportStatus
    from enrollment.places.services import county_ensure
    from subsidies.models import Category, Department, Identity
    from tests.builders.badfiles import ROSTER_HEADER, person_id

    county = county_ensure(code="620721")
    civil = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="dibao", name="低保对象", department=civil)
    profile = staff_user_create(
        username="mz", password="x-Pass-2026!", role=Role.DEPARTMENT, county=county, department=civil
    )
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    body = "\r\n".join([",".join(ROSTER_HEADER), f"{person_id(1)},张三,低保对象,2025-01-01"]).encode()
    response = client.post(
        reverse("enrollment:import_upload"),
        {"kind": "roster", "department": civil.pk, "file": SimpleUploadedFile("名册.csv", body)},
        follow=True,
    )
    assert response.status_code == 200
    assert "任务队列" in response.content.decode()
    job = ImportJob.objects.get()
    # Not lost silently: the upload is kept, marked failed with the reason, and nothing was imported.
    assert job.status == ImportStatus.FAILED and "任务队列" in job.message
    assert Identity.objects.count() == 0
