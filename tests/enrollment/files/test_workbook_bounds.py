"""Crafted workbooks cost a bounded amount of memory wherever a file is read (issue 21, finding 1).

Every read here runs in its own process, started through tests/rss_launcher.py, whose peak RSS is read with
os.wait4: the readers, the upload page (Django's test client), the four import commands and a real Celery
worker. A crafted file must be refused with a Chinese message naming the limit, or read (when it is harmless
within its real used range), and the process must stay within `BOUND_MB` of the same process reading a normal
two-row workbook. Before the bounds, python-calamine aborted the process on the far corner (512 GiB asked) and
grew by 214 MB on ZZ10000; openpyxl and xlrd padded rows to what the file claimed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.builders.boundfiles import CRAFTED, far_corner, workbook

BASE_DIR = Path(settings.BASE_DIR)
BOUND_MB = 60  # above the same process reading a normal two-row workbook
CJK_REFUSAL = "已拒绝"

READ = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
import django; django.setup()
from enrollment.files.readers import ReadError, open_table
try:
    with open_table(sys.argv[1]) as table:
        print("read", sum(1 for _ in table.rows()))
except ReadError as exc:
    print("refused", exc)
"""


def measured(command: list[str], tmp_path: Path, *, env: dict | None = None, timeout: float = 300) -> dict:
    """Run `command` under the launcher: {"exit", "peak_mb", "output"}."""
    out = tmp_path / f"rss-{time.monotonic_ns()}.json"
    proc = subprocess.run(
        [sys.executable, str(BASE_DIR / "tests" / "rss_launcher.py"), str(out), *command],
        cwd=BASE_DIR,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    result = json.loads(out.read_text())
    result["output"] = proc.stdout + proc.stderr
    return result


def normal_workbook(directory: Path) -> Path:
    from tests.builders.boundfiles import _header_and_person, sheet_xml

    path = directory / "normal" / "名册.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook(sheet_xml(_header_and_person())))
    return path


def crafted_in_subprocess(key: str, directory: Path) -> Path:
    """Written by a child: the test process never holds the large XML strings (its children would report them)."""
    code = (
        "import sys; from pathlib import Path; from tests.builders.boundfiles import CRAFTED, write; "
        f"print(write(next(c for c in CRAFTED if c.key == {key!r}), Path({str(directory)!r})))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, check=True, capture_output=True, text=True)
    return Path(out.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    directory = tmp_path_factory.mktemp("crafted")
    paths = {c.key: crafted_in_subprocess(c.key, directory) for c in CRAFTED}
    paths["normal"] = normal_workbook(directory)
    return paths


@pytest.fixture(scope="module")
def reader_baseline(files, tmp_path_factory):
    result = measured([sys.executable, "-c", READ, str(files["normal"])], tmp_path_factory.mktemp("rss"))
    assert result["exit"] == 0 and "read 1" in result["output"], result
    return result["peak_mb"]


@pytest.mark.parametrize("crafted", CRAFTED, ids=[c.key for c in CRAFTED])
def test_the_reader_refuses_or_reads_a_crafted_workbook_within_bounded_memory(
    crafted, files, reader_baseline, tmp_path
):
    result = measured([sys.executable, "-c", READ, str(files[crafted.key])], tmp_path)
    assert result["exit"] == 0, f"the reading process died ({result['exit']}): {result['output'][-2000:]}"
    if crafted.refused:
        assert "refused" in result["output"] and crafted.refused in result["output"], result["output"][-1500:]
        assert CJK_REFUSAL in result["output"] or "损坏" in result["output"], result["output"][-1500:]
    else:
        # The one person, and a far value as a row of its own: read, never dropped without a word.
        assert f"read {crafted.rows}\n" in result["output"], result["output"][-1500:]
    assert result["peak_mb"] <= reader_baseline + BOUND_MB, (result["peak_mb"], reader_baseline)


def test_the_limits_come_from_settings_and_the_refusal_names_them(files, tmp_path):
    """WORKBOOK_MAX_ROWS from the environment: a normal file beyond it is refused, naming the limit."""
    result = measured([sys.executable, "-c", READ, str(files["normal"])], tmp_path, env={"WORKBOOK_MAX_ROWS": "1"})
    assert "refused" in result["output"] and "第 2 行" in result["output"] and "1 行" in result["output"], result


# -- the upload page, the commands, a real worker (separate processes on the committed test database) ---------

pg = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _database_env() -> dict:
    db = settings.DATABASES["default"]
    return {
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "CELERY_TASK_ALWAYS_EAGER": "True",
        "AXES_ENABLED": "False",
    }


@pytest.fixture
def county():
    from enrollment.places.services import county_ensure
    from subsidies.models import Category, Department

    county = county_ensure(code="620721")
    civil = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="dibao", name="低保对象", department=civil)
    return county


UPLOAD = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
import django; django.setup()
from django.test.utils import setup_test_environment; setup_test_environment()
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from enrollment.models import ImportJob
client = Client()
client.force_login(get_user_model().objects.get(username="ju"), backend="django.contrib.auth.backends.ModelBackend")
path = sys.argv[1]
with open(path, "rb") as fh:
    upload = SimpleUploadedFile(os.path.basename(path), fh.read())
response = client.post(reverse("enrollment:import_upload"), {"kind": "register", "file": upload})
print("status", response.status_code)
if response.status_code == 302:
    job = ImportJob.objects.latest("pk")
    print("job", job.status, job.rows_accepted, job.message)
else:
    print(response.content.decode())
"""

UPLOAD_CASES = ["far_corner_xfd1048576", "zz10000_streamed", "false_dimension", "million_styled_empty_rows"]


@pytest.mark.parametrize("key", UPLOAD_CASES)
@pytest.mark.usefixtures("require_postgres")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_upload_page_answers_a_crafted_workbook_within_bounded_memory(key, files, county, tmp_path):
    from accounts.models import Role
    from accounts.services import staff_user_create
    from enrollment.models import ImportJob

    staff_user_create(username="ju", password="x-Pass-2026!", role=Role.BUREAU, county=county)
    env = _database_env()
    baseline = measured([sys.executable, "-c", UPLOAD, str(files["normal"])], tmp_path, env=env)
    assert "job validated 1" in baseline["output"], baseline["output"][-2000:]
    result = measured([sys.executable, "-c", UPLOAD, str(files[key])], tmp_path, env=env)
    assert result["exit"] == 0, f"the web process died ({result['exit']}): {result['output'][-2000:]}"
    crafted = next(c for c in CRAFTED if c.key == key)
    if crafted.refused:
        # Refused by the form before anything is stored: the page names the limit; no second job.
        assert "status 200" in result["output"] and crafted.refused in result["output"], result["output"][-2000:]
        assert ImportJob.objects.count() == 1
    else:
        assert "job validated 1" in result["output"], result["output"][-2000:]
    assert result["peak_mb"] <= baseline["peak_mb"] + BOUND_MB, (result["peak_mb"], baseline["peak_mb"])


COMMANDS = {
    "import_register": ["--county", "620721"],
    "import_payments": ["--county", "620721"],
    "import_roster": ["--county", "620721", "--department", "civil_affairs", "--date", "2026-01-31"],
    "import_quotas": ["--county", "620721", "--year", "2026"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.usefixtures("require_postgres")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_import_commands_refuse_the_far_corner_within_bounded_memory(command, files, county, tmp_path):
    env = _database_env()
    manage = [sys.executable, "manage.py", command]
    baseline = measured([*manage, str(files["normal"]), *COMMANDS[command]], tmp_path, env=env)
    result = measured([*manage, str(files["far_corner_xfd1048576"]), *COMMANDS[command]], tmp_path, env=env)
    assert result["exit"] == 1, f"the command died or succeeded ({result['exit']}): {result['output'][-2000:]}"
    assert "XFD" in result["output"] and "1,024 列" in result["output"], result["output"][-2000:]
    assert result["peak_mb"] <= baseline["peak_mb"] + BOUND_MB, (result["peak_mb"], baseline["peak_mb"])


@pytest.mark.usefixtures("require_postgres")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_quota_import_reads_a_false_dimension_within_its_real_range(files, county, tmp_path):
    """openpyxl pads every row to the claimed <dimension> (16,384 cells): read within the used range instead."""
    from tests.builders.boundfiles import sheet_xml

    head = '<c r="A1" t="inlineStr"><is><t>乡镇</t></is></c><c r="B1" t="inlineStr"><is><t>任务数</t></is></c>'
    rows = f'<row r="1">{head}</row>'
    rows += "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>第{r}镇</t></is></c><c r="B{r}"><v>{r}</v></c></row>'
        for r in range(2, 4000)
    )
    path = tmp_path / "任务表.xlsx"
    path.write_bytes(workbook(sheet_xml(rows, dimension="A1:XFD1048576")))
    normal = tmp_path / "任务表-正常.xlsx"
    normal.write_bytes(workbook(sheet_xml(rows)))
    env = _database_env()
    manage = [sys.executable, "manage.py", "import_quotas", "--create-places", "--county", "620721"]
    # The crafted file first (it creates the places), the normal one for another year: the same work or less.
    result = measured([*manage, str(path), "--year", "2026"], tmp_path, env=env)
    baseline = measured([*manage, str(normal), "--year", "2027"], tmp_path, env=env)
    assert baseline["exit"] == 0 and result["exit"] == 0, result["output"][-2000:]
    assert "3998" in result["output"], result["output"][-2000:]  # every unit read
    assert result["peak_mb"] <= baseline["peak_mb"] + BOUND_MB, (result["peak_mb"], baseline["peak_mb"])


@pytest.mark.worker
@pytest.mark.usefixtures("require_postgres")
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_refuses_the_far_corner_within_bounded_memory_and_goes_on(files, county, tmp_path):
    """A real `celery worker` (solo pool: the task runs in the measured process) validates two uploads."""
    from config.celery import app
    from enrollment.imports.pipeline import import_job_create
    from enrollment.models import ImportStatus
    from enrollment.tasks import validate_import
    from tests.test_faults import Worker, forget_queue, wait_for

    jobs = []
    for key in ("far_corner_xfd1048576", "zz10000_streamed", "normal"):
        with files[key].open("rb") as fh:
            jobs.append(import_job_create(kind="register", county=county, file=fh, original_name="名册.xlsx"))
    measure = tmp_path / "worker-rss.json"
    forget_queue(app)
    app.conf.task_always_eager = False
    worker = Worker(tmp_path / "worker.log", measure=measure)
    try:
        worker.wait_ready()
        for job in jobs:
            validate_import.delay(job.pk)

        def done():
            for job in jobs:
                job.refresh_from_db()
            return all(job.status not in (ImportStatus.PENDING, ImportStatus.VALIDATING) for job in jobs)

        wait_for(done, timeout=180, what="the worker to validate the three uploads")
    finally:
        app.conf.task_always_eager = True
        worker.stop()
        forget_queue(app)
    bomb, wide, normal = jobs
    assert bomb.status == ImportStatus.INVALID and "XFD" in bomb.message and "1,024 列" in bomb.message, bomb.message
    assert wide.status == ImportStatus.VALIDATED and wide.rows_accepted == 1, wide.message  # streamed, in range
    assert normal.status == ImportStatus.VALIDATED and normal.rows_accepted == 1, normal.message
    result = json.loads(measure.read_text())
    log = worker.log.read_text(errors="replace")
    assert result["exit"] == 0, log[-3000:]
    # A worker's own size (Celery, Django, the import code) plus the bound; ZZ10000 alone added 214 MB before.
    assert result["peak_mb"] <= 200 + BOUND_MB, (result, log[-2000:])


def test_the_far_corner_is_a_few_kilobytes(files):
    """An attack because it is small: the far corner is under 5 KB, yet asked python-calamine for 512 GiB."""
    assert files["far_corner_xfd1048576"].stat().st_size < 5_000
    assert len(far_corner()) < 5_000
