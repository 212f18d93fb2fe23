"""An import is one event in the audit trail (its ImportJob and the RosterVersion with its diff), never a history
row or a query per person."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enrollment.imports.pipeline import import_file
from enrollment.models import ImportKind, ImportStatus
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department, ReconciliationResult, RosterChange, RosterVersion, TransferLine
from tests.builders.badfiles import ROSTER_HEADER, person_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def civil():
    county = county_ensure(code="620721")
    dept = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="dibao", name="低保对象", department=dept)
    return county, dept


def roster_import(tmp_path, county, dept, n: int, day: datetime.date):
    path = tmp_path / f"roster-{n}-{day}.csv"
    lines = [",".join(ROSTER_HEADER)] + [f"{person_id(k)},人{k},低保对象,2025-01-01" for k in range(1, n + 1)]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    with CaptureQueriesContext(connection) as queries:
        job = import_file(kind=ImportKind.ROSTER, county=county, path=path, department=dept, snapshot_date=day)
    assert job.status == ImportStatus.COMMITTED, (job.message, job.summary)
    return job, len(queries)


def history_rows() -> int:
    return sum(m.history.count() for m in (RosterVersion, ReconciliationResult, TransferLine, Department, Category))


def test_a_roster_import_is_one_audit_event_whatever_its_size(tmp_path, civil, django_assert_max_num_queries):
    county, dept = civil
    _, small_queries = roster_import(tmp_path, county, dept, 20, datetime.date(2026, 1, 31))
    before = history_rows()
    with django_assert_max_num_queries(small_queries + 10):
        job, _ = roster_import(tmp_path, county, dept, 600, datetime.date(2026, 2, 28))
    version = RosterVersion.objects.get(import_job=job)
    # The event: who uploaded which file, and the diff against the previous version, as rows of its own.
    assert version.added == 580 and version.unchanged == 20
    assert RosterChange.objects.filter(version=version).count() == 580
    # History: the new version itself (a handful of rows), not 600 per-person rows.
    assert history_rows() - before <= 3
    assert RosterVersion.history.filter(id=version.pk).exists()
