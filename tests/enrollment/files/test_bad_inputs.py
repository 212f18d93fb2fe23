"""The bad-input suite: every malformed file or field gets a clear Chinese answer and changes nothing.

Files come from tests/builders/badfiles.py (real bytes: zip bombs, renamed executables, GBK mixed with UTF-8, …).
Each goes through the same pipeline as an upload (`import_file`: create, validate, commit when clean) and
every table's row count is compared before and after. The only row an attempt leaves is its own ImportJob,
the record that someone tried.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.apps import apps
from django.db import connection

from enrollment.imports.pipeline import import_file, import_job_cancel
from enrollment.models import ImportJob, ImportStatus
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department
from tests.builders.badfiles import bad_files

pytestmark = pytest.mark.django_db

CJK = re.compile(r"[\u4e00-\u9fff]")
BAD = bad_files()


def table_counts() -> dict[str, int]:
    """Rows in every table of the project, the attempt's own ImportJob (and its history) excepted."""
    counts = {}
    for model in apps.get_models():
        if model is ImportJob:
            continue
        counts[model._meta.label] = model._default_manager.count()
    return counts


@pytest.fixture
def county():
    county = county_ensure(code="620721")
    civil = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="dibao", name="低保对象", department=civil)
    return county


def test_the_suite_covers_at_least_thirty_distinct_bad_inputs():
    assert len({b.key for b in BAD}) == len(BAD) >= 30


@pytest.mark.parametrize("bad", BAD, ids=[b.key for b in BAD])
def test_bad_input_is_answered_in_chinese_and_changes_nothing(tmp_path, county, bad):
    path = tmp_path / bad.filename
    bad.write(path)
    before = table_counts()
    department = Department.objects.get(code="civil_affairs") if bad.kind == "roster" else None
    job = import_file(
        kind=bad.kind,
        county=county,
        path=path,
        department=department,
        snapshot_date=datetime.date(2026, 1, 31) if bad.kind == "roster" else None,
    )
    assert job.status != ImportStatus.COMMITTED
    reasons = [row["reason"] for row in job.summary.get("bad_rows", [])]
    if bad.row_level:
        assert job.rows_rejected >= 1, job.message
        assert reasons, job.message
        told = reasons[0]
        assert job.summary["bad_rows"][0]["line"] >= 2 and job.summary["bad_rows"][0]["column"]
    else:
        assert job.status == ImportStatus.INVALID
        told = job.message
    assert CJK.search(told) and bad.message in told, told
    import_job_cancel(job_id=job.pk)
    assert table_counts() == before
    with connection.cursor() as cur:
        tables = connection.introspection.table_names(cur)
    assert not [t for t in tables if str(job.pk) in t and "stag" in t], "the job's staging table was left behind"


def test_libreoffice_two_to_the_twenty_empty_rows_import_only_the_real_row(tmp_path, county):
    """LibreOffice can save 2^20 formatted empty rows: they are skipped quickly, not read as a million people."""
    import time

    from enrollment.models import Person
    from tests.builders.badfiles import libreoffice_empty_rows

    path = tmp_path / "名册.xlsx"
    path.write_bytes(libreoffice_empty_rows())
    started = time.monotonic()
    job = import_file(kind="register", county=county, path=path)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert Person.objects.count() == 1 and job.rows_accepted == 1
    assert time.monotonic() - started < 60


VIEW_CASES = [b for b in BAD if not b.row_level and b.kind == "register"][:8]


@pytest.mark.parametrize("bad", VIEW_CASES, ids=[b.key for b in VIEW_CASES])
def test_the_upload_page_refuses_a_bad_file_before_storing_anything(
    tmp_path, county, client, bad, django_capture_on_commit_callbacks
):
    """Through the upload page: the form names the problem in Chinese; not even an import job is created.

    An XML entity bomb inside a well-formed .xlsx (billion laughs) included: the workbook's bounds are measured
    at upload, and a DOCTYPE or entity declaration is refused there.
    """
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from accounts.models import Role
    from accounts.services import staff_user_create

    path = tmp_path / bad.filename
    bad.write(path)
    profile = staff_user_create(username="ju", password="x-Pass-2026!", role=Role.BUREAU, county=county)
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    before = {**table_counts(), "jobs": ImportJob.objects.count()}
    with django_capture_on_commit_callbacks(execute=True):  # the validation task runs (eagerly) on commit
        response = client.post(
            reverse("enrollment:import_upload"),
            {"kind": bad.kind, "file": SimpleUploadedFile(bad.filename, path.read_bytes())},
        )
    page = response.content.decode()
    assert response.status_code == 200
    # Django's own form check answers a 0-byte file first: "所提交的是空文件。"
    assert bad.message in page or (bad.key == "empty_file" and "空文件" in page), page[-1500:]
    assert {**table_counts(), "jobs": ImportJob.objects.count()} == before


def test_the_upload_page_refuses_a_future_snapshot_date(county, client):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from accounts.models import Role
    from accounts.services import staff_user_create
    from tests.builders.badfiles import GOOD_ID, ROSTER_HEADER

    civil = Department.objects.get(code="civil_affairs")
    profile = staff_user_create(
        username="mz", password="x-Pass-2026!", role=Role.DEPARTMENT, county=county, department=civil
    )
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    body = "\r\n".join([",".join(ROSTER_HEADER), f"{GOOD_ID},张三,低保对象,2025-01-01"]).encode()
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    response = client.post(
        reverse("enrollment:import_upload"),
        {
            "kind": "roster",
            "department": civil.pk,
            "snapshot_date": tomorrow,
            "file": SimpleUploadedFile("a.csv", body),
        },
    )
    assert response.status_code == 200
    assert "名册日期不能晚于今天" in response.content.decode()
    assert not ImportJob.objects.exists()
