"""Imports over the API: the upload page's form, checks, pipeline and rules, read back from the database."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ExportRecord, Role
from accounts.services import staff_user_create
from api.models import UploadKey
from enrollment.imports.forms import ImportUploadForm
from enrollment.models import ImportJob, ImportStatus
from subsidies.models import Department, Identity, ReconciliationResult, RosterVersion
from tests.builders.api_clients import ApiClient, token_for
from tests.builders.badfiles import zip_bomb
from tests.builders.dashboard_data import PASSWORD, id_number
from tests.builders.roster_data import GOOD, roster_county

pytestmark = pytest.mark.django_db

HEADER = "身份证号码,姓名,人员类别,乡镇"


def gbk_roster(rows) -> bytes:
    """A roster as Excel on Chinese Windows saves a CSV: GBK, CRLF."""
    return ("\r\n".join([HEADER, *(",".join(row) for row in rows)]) + "\r\n").encode("gbk")


@pytest.fixture
def county(db, django_capture_on_commit_callbacks):
    county = roster_county()
    auditor = staff_user_create(username="shenji", password=PASSWORD, role=Role.AUDITOR, county=county).user
    rural = staff_user_create(
        username="xiangcun",
        password=PASSWORD,
        role=Role.DEPARTMENT,
        county=county,
        department=Department.objects.get(code="rural_revitalization"),
    ).user
    users = {u.username: u for u in get_user_model().objects.all()}

    def around():
        return django_capture_on_commit_callbacks(execute=True)

    county.clients = {
        "minzheng": ApiClient(token_for(users["minzheng"], name="低保系统"), around=around),
        "bureau": ApiClient(token_for(users["bureau"]), around=around),
        "auditor": ApiClient(token_for(auditor), around=around),
        "xiangcun": ApiClient(token_for(rural), around=around),
    }
    return county


def job_of(client: ApiClient, job_id: int) -> dict:
    return client.get(reverse("api:import_detail", kwargs={"pk": job_id})).json()


def confirm(client: ApiClient, job_id: int, **body) -> dict:
    """Confirm, then read the job back (the commit runs after the confirming request)."""
    response = client.post(reverse("api:import_confirm", kwargs={"pk": job_id}), body)
    assert response.status_code == 202, response.json()
    return job_of(client, job_id)


def upload(client: ApiClient, content: bytes, *, name="名册.csv", key=None, **fields):
    data = {"kind": "roster", "department": "civil_affairs", "date": "2024-01-01", **fields}
    data["file"] = SimpleUploadedFile(name, content)
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(reverse("api:import_list"), data, json_body=False, headers=headers)


def table_counts() -> dict[str, int]:
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}


def test_a_department_pushes_a_gbk_roster_previews_and_confirms(county):
    c = county.clients["minzheng"]
    response = upload(c, gbk_roster(GOOD), key="2024-01-nightly")
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    assert response["Location"] == reverse("api:import_detail", kwargs={"pk": job_id})
    job = c.get(reverse("api:import_detail", kwargs={"pk": job_id})).json()
    # The tasks run eagerly in tests: the dry run is done when the upload answers.
    assert job["status"] == "validated"
    assert job["department"] == "civil_affairs" and job["date"] == "2024-01-01"
    assert job["progress"] == {"rows_processed": 3, "rows_total": 3, "percent": 100}
    preview = job["preview"]
    assert (preview["rows_read"], preview["accepted"], preview["rejected"]) == (3, 3, 0)
    assert preview["diff"]["added"] == 3 and preview["diff"]["removed"] == 0
    assert job["can_confirm"] is True and job["removals_to_confirm"] == 0
    assert not RosterVersion.objects.exists()

    confirmed = c.post(reverse("api:import_confirm", kwargs={"pk": job_id}), {})
    assert confirmed.status_code == 202, confirmed.json()
    assert confirmed.json()["status"] == "committing"  # queued; the commit runs once the request has committed
    job = c.get(reverse("api:import_detail", kwargs={"pk": job_id})).json()
    assert job["status"] == "committed" and job["preview"]["result"]["added"] == 3
    version = RosterVersion.objects.get()
    assert (version.department.code, version.number, version.rows, version.import_job_id) == (
        "civil_affairs",
        1,
        3,
        job_id,
    )
    assert sorted(Identity.objects.values_list("id_number", flat=True)) == sorted(row[0] for row in GOOD)
    # The reconciliation ran after the commit (the import_committed hook, as after the page's upload).
    results = dict(ReconciliationResult.objects.filter(year=2024).values_list("id_number", "category__name"))
    assert results == {row[0]: row[2] for row in GOOD}
    bureau_rows = county.clients["bureau"].get(reverse("api:result_list"), {"year": 2024}).json()["results"]
    assert sorted((r["id_number"], r["category"], r["department"]) for r in bureau_rows) == sorted(
        (row[0], row[2], "civil_affairs") for row in GOOD
    )
    records = list(
        ExportRecord.objects.filter(token_name="低保系统").order_by("pk").values_list("kind", "username", "rows")
    )
    assert records == [("api_import_upload", "minzheng", 0), ("api_import_confirm", "minzheng", 3)]


def test_a_retried_upload_with_the_same_key_returns_the_same_job(county):
    c = county.clients["minzheng"]
    first = upload(c, gbk_roster(GOOD), key="k-1")
    again = upload(c, gbk_roster(GOOD), key="k-1")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert ImportJob.objects.count() == 1
    assert list(UploadKey.objects.values_list("key", "job_id")) == [("k-1", first.json()["id"])]
    # Another key, or another user with the same key: a job of its own.
    assert upload(c, gbk_roster(GOOD), key="k-2").json()["id"] != first.json()["id"]
    bureau = upload(county.clients["bureau"], gbk_roster(GOOD), key="k-1")
    assert bureau.status_code == 202 and bureau.json()["id"] != first.json()["id"]
    assert ImportJob.objects.count() == 3


def test_a_version_removing_many_needs_the_number_confirmed(county):
    c = county.clients["minzheng"]
    job_id = upload(c, gbk_roster(GOOD)).json()["id"]
    assert confirm(c, job_id)["status"] == "committed"
    second = job_of(c, upload(c, gbk_roster(GOOD[:1]), date="2024-02-01").json()["id"])
    assert second["status"] == "validated" and second["removals_to_confirm"] == 2
    path = reverse("api:import_confirm", kwargs={"pk": second["id"]})
    refused = c.post(path, {"confirm_removals": 1})
    assert refused.status_code == 400
    assert refused.json()["code"] == "removals_unconfirmed" and refused.json()["field"] == "confirm_removals"
    assert RosterVersion.objects.count() == 1 and ImportJob.objects.get(pk=second["id"]).status == "validated"
    assert confirm(c, second["id"], confirm_removals=2)["status"] == "committed"
    assert list(RosterVersion.objects.order_by("number").values_list("number", "rows", "removed")) == [
        (1, 3, 0),
        (2, 1, 2),
    ]


def test_cancel_drops_the_preview_and_changes_nothing(county):
    c = county.clients["minzheng"]
    job_id = upload(c, gbk_roster(GOOD)).json()["id"]
    cancelled = c.post(reverse("api:import_cancel", kwargs={"pk": job_id}), {})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    refused = c.post(reverse("api:import_confirm", kwargs={"pk": job_id}), {})
    assert refused.status_code == 409 and refused.json()["code"] == "not_confirmable"
    assert not RosterVersion.objects.exists() and not Identity.objects.exists()


def test_rejected_rows_are_listed_with_line_column_and_reason_and_the_workbook_downloads(county):
    c = county.clients["minzheng"]
    rows = [*GOOD, ("62072119800101001X", "错号", "特困人员", "红湾寺镇")]
    job = job_of(c, upload(c, gbk_roster(rows)).json()["id"])
    assert job["status"] == "validated" and job["preview"]["rejected"] == 1
    bad = job["preview"]["bad_rows"][0]
    assert (bad["line"], bad["column"]) == ("5", "身份证号码")
    assert bad["value"].startswith("620721") and "*" in bad["value"] and bad["reason"]
    assert job["can_confirm"] is False  # a roster is taken whole
    assert c.post(reverse("api:import_confirm", kwargs={"pk": job["id"]}), {}).status_code == 409
    workbook = c.get(job["error_workbook"].replace("http://testserver", ""))
    assert workbook.status_code == 200
    assert b"".join(workbook.streaming_content)[:2] == b"PK"
    assert ExportRecord.objects.filter(kind="api_import_errors", rows=1).count() == 1
    assert not RosterVersion.objects.exists()


def test_a_department_cannot_upload_another_departments_roster(county):
    before = table_counts()
    response = upload(county.clients["xiangcun"], gbk_roster(GOOD))
    assert response.status_code == 400 and response.json()["field"] == "department"
    assert table_counts() == before


def test_an_auditor_token_cannot_upload_and_nothing_is_written(county):
    before = table_counts()
    response = upload(county.clients["auditor"], gbk_roster(GOOD))
    assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    assert table_counts() == before


@pytest.mark.parametrize(
    ("name", "content", "field", "words"),
    [
        ("名册.csv", b"", "file", "空"),
        ("名册.xlsx", None, "file", "炸弹"),
        ("名册.xlsx", b"MZ\x90\x00" + b"\x00" * 200, "file", ""),
    ],
    ids=["empty", "zip-bomb", "executable"],
)
def test_bad_files_get_the_upload_pages_refusal_and_nothing_is_written(county, name, content, field, words):
    content = zip_bomb() if content is None else content
    before = table_counts()
    response = upload(county.clients["minzheng"], content, name=name)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["field"] == field and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body
    assert words in body["message"]
    # The page's form says the same for the same file.
    form = ImportUploadForm(
        {
            "kind": "roster",
            "department": Department.objects.get(code="civil_affairs").pk,
            "snapshot_date": "2024-01-01",
        },
        {"file": SimpleUploadedFile(name, content)},
        user=get_user_model().objects.get(username="minzheng"),
    )
    assert not form.is_valid() and form.errors["file"][0] == body["message"]
    assert table_counts() == before


def test_unknown_fields_wrong_content_type_and_huge_json_are_refused(county):
    c = county.clients["minzheng"]
    before = table_counts()
    unknown = upload(c, gbk_roster(GOOD), department_code="civil_affairs")
    assert unknown.status_code == 400 and unknown.json() == {
        "code": "unknown_field",
        "message": "未知字段。",
        "field": "department_code",
    }
    as_text = c.client.post(reverse("api:import_list"), gbk_roster(GOOD), content_type="text/csv", headers=c.headers)
    assert as_text.status_code == 415 and as_text.json()["code"] == "unsupported_media_type"
    assert table_counts() == before
    job_id = upload(c, gbk_roster(GOOD)).json()["id"]
    before = table_counts()
    path = reverse("api:import_confirm", kwargs={"pk": job_id})
    huge = c.post(path, {"confirm_removals": 0, "padding": "x" * (200 * 1024)})
    assert huge.status_code == 413 and huge.json()["code"] == "request_too_large"
    typo = c.post(path, {"confirm_removal": 0})
    assert typo.status_code == 400 and typo.json()["field"] == "confirm_removal"
    broken = c.client.post(path, b"{not json", content_type="application/json", headers=c.headers)
    assert broken.status_code == 400 and broken.json()["code"] == "parse_error"
    assert table_counts() == before
    assert ImportJob.objects.get(pk=job_id).status == ImportStatus.VALIDATED


def test_unknown_query_parameters_are_refused(county):
    response = county.clients["bureau"].get(reverse("api:result_list"), {"townshp": 1})
    assert response.status_code == 400 and response.json()["field"] == "townshp"


def test_department_sees_only_its_own_jobs_and_rosters(county):
    mine = county.clients["minzheng"]
    job_id = upload(mine, gbk_roster(GOOD)).json()["id"]
    assert confirm(mine, job_id)["status"] == "committed"
    version = RosterVersion.objects.get()
    other = county.clients["xiangcun"]
    assert other.get(reverse("api:import_list")).json()["results"] == []
    assert other.get(reverse("api:roster_list")).json()["results"] == []
    assert other.get(reverse("api:result_list"), {"year": 2024}).json()["results"] == []
    for name, pk in (
        ("api:import_detail", job_id),
        ("api:import_errors", job_id),
        ("api:roster_detail", version.pk),
        ("api:roster_changes", version.pk),
    ):
        assert other.get(reverse(name, kwargs={"pk": pk})).status_code == 404, name
    for name in ("api:import_confirm", "api:import_cancel"):
        assert other.post(reverse(name, kwargs={"pk": job_id}), {}).status_code == 404, name
    # Its own: the version and its changes, ID numbers masked for a department.
    assert [v["id"] for v in mine.get(reverse("api:roster_list")).json()["results"]] == [version.pk]
    changes = mine.get(reverse("api:roster_changes", kwargs={"pk": version.pk})).json()["results"]
    assert sorted(ch["name"] for ch in changes) == sorted(row[1] for row in GOOD)
    assert all("*" in ch["id_number"] for ch in changes)
    assert id_number(11) not in str(changes)


def test_the_county_given_must_be_the_users_own(county):
    before = table_counts()
    response = upload(county.clients["bureau"], gbk_roster(GOOD), county="620722")
    assert response.status_code == 400
    assert response.json() == {"code": "wrong_county", "message": "不是您所属的县区。", "field": "county"}
    assert table_counts() == before
    assert upload(county.clients["bureau"], gbk_roster(GOOD), county="620721").status_code == 202
