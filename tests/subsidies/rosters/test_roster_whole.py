"""A roster version is the whole file or nothing (issue 20): no option ends the identity of a person in the file.

`import_roster --skip-bad-rows` (which the refusal message suggested) committed the good rows of a full snapshot,
so the people on its bad rows, still on the department's list, were ended. The browser never allowed it; the
command and the service no longer do either.
"""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enrollment.imports.pipeline import ImportError_, import_file, import_job_commit
from enrollment.models import ImportKind, ImportStatus
from enrollment.places.services import county_ensure
from subsidies.models import Identity, RosterVersion
from tests.builders.importfiles import civil_affairs_with_categories, person_id, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["身份证号码", "姓名", "人员类别"]


@pytest.fixture
def civil():
    return civil_affairs_with_categories(county_ensure(code="620721"))


def identities():
    return sorted(Identity.objects.values_list("id_number", "category__code", "valid_to", "ended_by_id"))


def first_version(tmp_path, civil):
    rows = [[person_id(k), f"人员{k}", "低保对象"] for k in range(4)]
    job = import_file(
        kind=ImportKind.ROSTER,
        county=civil.categories.first().county,
        path=write_csv(tmp_path / "v1.csv", [HEADER, *rows]),
        department=civil,
        snapshot_date=datetime.date(2024, 1, 1),
    )
    assert job.status == ImportStatus.COMMITTED, job.message
    return identities()


def second_file(tmp_path):
    # Person 1 is still on the list but their row names a category nobody knows; person 2's number was damaged
    # by Excel; person 3 left the list.
    rows = [
        [person_id(0), "人员0", "低保对象"],
        [person_id(1), "人员1", "孤儿"],
        ["6.20721E+17", "人员2", "低保对象"],
    ]
    return str(write_csv(tmp_path / "v2.csv", [HEADER, *rows]))


def test_import_roster_offers_no_option_to_commit_around_bad_rows(tmp_path, civil):
    before = first_version(tmp_path, civil)
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_roster",
            second_file(tmp_path),
            "--skip-bad-rows",
            "--department=civil_affairs",
            "--date=2024-02-01",
            "--county=620721",
            stdout=out,
        )
    assert "skip-bad-rows" in str(failure.value)
    # Nobody's identity was ended, changed or added: persons 1 and 2 are still certified as before.
    assert identities() == before
    assert RosterVersion.objects.count() == 1


def test_the_refusal_of_a_roster_with_bad_rows_says_the_list_is_taken_whole(tmp_path, civil):
    before = first_version(tmp_path, civil)
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command(
            "import_roster", second_file(tmp_path), department="civil_affairs", date="2024-02-01", county="620721"
        )
    assert str(failure.value) == "有2行未通过校验：名册是完整名单，须整份导入：请修改后重新上传文件。"
    assert "--skip-bad-rows" not in str(failure.value) + out.getvalue()
    assert identities() == before


def test_the_service_never_commits_a_roster_with_rejected_rows(tmp_path, civil):
    before = first_version(tmp_path, civil)
    county = civil.categories.first().county
    job = import_file(
        kind=ImportKind.ROSTER,
        county=county,
        path=second_file(tmp_path),
        department=civil,
        snapshot_date=datetime.date(2024, 2, 1),
        skip_rejected=True,
    )
    assert (job.status, job.rows_rejected) == (ImportStatus.VALIDATED, 2)
    with pytest.raises(ImportError_):
        import_job_commit(job_id=job.pk, skip_rejected=True)
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED
    assert identities() == before
    assert RosterVersion.objects.count() == 1
