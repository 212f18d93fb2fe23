"""The quotas pages through the test client: scopes, masked IDs, charts, notice export, case recording."""

import io
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.models import Village
from enrollment.places.services import county_ensure
from quotas.cases.services import cases_sync
from quotas.models import (
    CaseReason,
    CaseStatus,
    FollowUpCase,
    ProgressSnapshot,
    QuotaTable,
    QuotaUnit,
    SnapshotRow,
    UnitKind,
)
from subsidies.models import Department
from subsidies.models import EnrolmentStatus as S
from tests.builders.factories import result

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"0" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64


@pytest.fixture
def place(db):
    county = county_ensure(code="620721")
    town_a, town_b = county.townships.order_by("code")[:2]
    village_a = Village.objects.create(township=town_a, name="甲村")
    village_b = Village.objects.create(township=town_b, name="乙村")
    table = QuotaTable.objects.create(county=county, year=2024, title="肃南参保任务", stated_total=15, file_total=14)
    unit_a = QuotaUnit.objects.create(
        table=table, seq=1, name=town_a.name, kind=UnitKind.TOWNSHIP, township=town_a, target=4
    )
    unit_b = QuotaUnit.objects.create(
        table=table, seq=2, name=town_b.name, kind=UnitKind.TOWNSHIP, township=town_b, target=10
    )
    return county, town_a, town_b, village_a, village_b, table, unit_a, unit_b


def login(client, username, role, county, **kw):
    profile = staff_user_create(username=username, password="x-Pass-2026!", role=role, county=county, **kw)
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    return profile.user


def test_ranking_page_shows_rates_the_total_mismatch_and_the_flag(client, place):
    county, town_a, town_b, village_a, _vb, table, unit_a, unit_b = place
    now = timezone.now()
    for days in (14, 7):
        snap = ProgressSnapshot.objects.create(table=table, taken_at=now - timezone.timedelta(days=days))
        SnapshotRow.objects.create(snapshot=snap, unit=unit_a, enrolled=1, target=4, rate="0.25", rank=2)
        SnapshotRow.objects.create(snapshot=snap, unit=unit_b, enrolled=9, target=10, rate="0.9", rank=1)
    for _ in range(3):
        result(county, village=village_a)
    login(client, "bureau", Role.BUREAU, county)
    body = client.get(reverse("quotas:ranking")).content.decode()
    assert town_a.name in body and town_b.name in body
    assert "75.00%" in body and "+50.00" in body  # 3 of 4 now, 25% at the last snapshot
    assert "约谈" in body  # two units: both are in the bottom three twice
    assert "与各行合计" in body  # stated 15 vs summed 14


def test_township_user_sees_only_its_own_units_in_the_ranking(client, place):
    county, town_a, town_b, *_ = place
    login(client, "xz", Role.TOWNSHIP, county, township=town_a)
    body = client.get(reverse("quotas:ranking")).content.decode()
    assert town_a.name in body.split("<table", 1)[1]
    assert town_b.name not in body.split("<table", 1)[1]


def test_department_users_have_no_ranking_but_their_own_special_groups(client, place):
    county, _town_a, _tb, village_a, *_ = place
    result(county, village=village_a, status=S.NOT_ENROLLED, department="civil_affairs")
    result(county, village=village_a, status=S.ENROLLED, department="disabled_federation")
    login(client, "mz", Role.DEPARTMENT, county, department=Department.objects.get(code="civil_affairs"))
    assert client.get(reverse("quotas:ranking")).status_code == 403
    body = client.get(reverse("quotas:special_groups") + "?year=2024").content.decode()
    assert Department.objects.get(code="civil_affairs").name in body
    assert Department.objects.get(code="disabled_federation").name not in body
    assert "0.00%" in body
    assert "目标为 100%。" in body


def test_progress_chart_is_inline_svg_without_scripts(client, place):
    _county, town_a, town_b, _va, _vb, table, unit_a, unit_b = place
    for days, rate in ((7, "0.1"), (0, "0.3")):
        snap = ProgressSnapshot.objects.create(table=table, taken_at=timezone.now() - timezone.timedelta(days=days))
        SnapshotRow.objects.create(snapshot=snap, unit=unit_a, enrolled=1, target=4, rate=rate, rank=1)
        SnapshotRow.objects.create(snapshot=snap, unit=unit_b, enrolled=1, target=4, rate=rate, rank=1)
    login(client, "xz", Role.TOWNSHIP, place[0], township=town_a)
    response = client.get(reverse("quotas:progress_chart"))
    body = response.content.decode()
    assert body.count("<svg") == 1 and "<polyline" in body
    assert town_a.name in body and town_b.name not in body
    assert "<script>" not in body and 'style="' not in body


def test_notice_masks_ids_and_lists_paid_and_unpaid(client, place):
    county, _town_a, _tb, village_a, *_ = place
    paid = result(county, village=village_a, status=S.PROXY_ENROLLED, name="王五")
    unpaid = result(county, village=village_a, status=S.NOT_ENROLLED, name="赵六")
    login(client, "bureau", Role.BUREAU, county)  # even the bureau, who sees full IDs elsewhere
    body = client.get(reverse("quotas:notice", args=[village_a.pk]) + "?year=2024").content.decode()
    for person in (paid, unpaid):
        assert person.id_number not in body
        assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in body
    assert body.index("王五") < body.index("赵六")
    assert "css/print.css" in body


def test_print_stylesheet_makes_an_a4_page():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "print.css").read_text()
    assert "@page" in css and "A4" in css
    assert ".site-header" in css


def test_notice_of_another_township_is_404(client, place):
    county, town_a, _tb, _va, village_b, *_ = place
    login(client, "xz", Role.TOWNSHIP, county, township=town_a)
    assert client.get(reverse("quotas:notice", args=[village_b.pk])).status_code == 404
    assert client.get(reverse("quotas:notice_xlsx", args=[village_b.pk])).status_code == 404


def test_notice_xlsx_masks_ids_and_keeps_formula_like_names_as_text(client, place):
    county, town_a, _tb, village_a, *_ = place
    person = result(county, village=village_a, status=S.ENROLLED, name="=HYPERLINK(1)")
    login(client, "xz", Role.TOWNSHIP, county, township=town_a)
    response = client.get(reverse("quotas:notice_xlsx", args=[village_a.pk]) + "?year=2024")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    values = [c.value for c in cells]
    assert person.id_number not in values
    assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in values
    name_cell = next(c for c in cells if c.value == "=HYPERLINK(1)")
    assert name_cell.data_type == "s"


@pytest.fixture
def cases(place):
    county, _town_a, _town_b, village_a, village_b, *_ = place
    own = result(county, village=village_a, status=S.NOT_ENROLLED, department="civil_affairs", name="甲某")
    other = result(county, village=village_b, status=S.NOT_ENROLLED, department="civil_affairs", name="乙某")
    cases_sync(county_id=county.pk, year=2024)
    return FollowUpCase.objects.get(id_number=own.id_number), FollowUpCase.objects.get(id_number=other.id_number)


def test_township_user_sees_only_its_cases_and_another_townships_case_is_404(client, place, cases):
    county, town_a, *_ = place
    own, other = cases
    login(client, "xz", Role.TOWNSHIP, county, township=town_a)
    body = client.get(reverse("quotas:case_list")).content.decode()
    assert "甲某" in body and "乙某" not in body
    assert own.id_number not in body  # township users see masked IDs
    assert client.get(reverse("quotas:case_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("quotas:case_detail", args=[other.pk])).status_code == 404
    assert client.get(reverse("quotas:case_edit", args=[other.pk])).status_code == 404
    assert client.post(reverse("quotas:case_edit", args=[other.pk]), {"reason": "other"}).status_code == 404


def test_township_records_reason_note_evidence_and_closes(client, place, cases):
    county, town_a, *_ = place
    own, _other = cases
    user = login(client, "xz", Role.TOWNSHIP, county, township=town_a)
    upload = SimpleUploadedFile("证明.png", PNG, content_type="image/png")
    response = client.post(
        reverse("quotas:case_edit", args=[own.pk]),
        {"reason": CaseReason.EMPLOYEE_INSURANCE, "note": "已在单位参加职工医保", "evidence": upload, "close": "on"},
    )
    assert response.status_code == 302
    own.refresh_from_db()
    assert (own.status, own.reason, own.recorded_by) == (CaseStatus.CLOSED, CaseReason.EMPLOYEE_INSURANCE, user)
    assert own.evidence.name.endswith(".png") and "证明" not in own.evidence.name
    download = client.get(reverse("quotas:case_evidence", args=[own.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == PNG
    # A staff decision survives the next reconciliation.
    cases_sync(county_id=county.pk, year=2024)
    own.refresh_from_db()
    assert own.status == CaseStatus.CLOSED


def test_a_pdf_is_accepted_as_evidence(client, place, cases):
    county, town_a, *_ = place
    own, _ = cases
    login(client, "xz", Role.TOWNSHIP, county, township=town_a)
    upload = SimpleUploadedFile("scan.pdf", PDF)
    client.post(reverse("quotas:case_edit", args=[own.pk]), {"reason": "studying", "evidence": upload})
    own.refresh_from_db()
    assert own.evidence.name.endswith(".pdf") and own.status == CaseStatus.OPEN


def test_evidence_upload_refuses_a_renamed_exe(client, place, cases):
    county, town_a, *_ = place
    own, _ = cases
    login(client, "xz", Role.TOWNSHIP, county, township=town_a)
    upload = SimpleUploadedFile("证明.png", EXE, content_type="image/png")
    response = client.post(reverse("quotas:case_edit", args=[own.pk]), {"reason": "working", "evidence": upload})
    assert response.status_code == 200
    assert "不是 PDF、JPEG 或 PNG 文件" in response.content.decode()
    own.refresh_from_db()
    assert not own.evidence and own.reason == ""


def test_evidence_over_10_mb_is_refused(client, place, cases):
    county, town_a, *_ = place
    own, _ = cases
    login(client, "xz", Role.TOWNSHIP, county, township=town_a)
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    response = client.post(reverse("quotas:case_edit", args=[own.pk]), {"reason": "working", "evidence": upload})
    assert response.status_code == 200
    assert "佐证材料文件大小为 10.0 MB，最大允许 10 MB。" in response.content.decode()
    own.refresh_from_db()
    assert (own.evidence.name, own.reason, own.status) == ("", "", CaseStatus.OPEN)


def test_closing_needs_a_reason(client, place, cases):
    county, town_a, *_ = place
    own, _ = cases
    login(client, "xz", Role.TOWNSHIP, county, township=town_a)
    response = client.post(reverse("quotas:case_edit", args=[own.pk]), {"close": "on"})
    assert response.status_code == 200
    assert "办结前请选择未参保原因。" in response.content.decode()
    own.refresh_from_db()
    assert (own.status, own.reason, own.closed_at) == (CaseStatus.OPEN, "", None)


def test_auditors_read_cases_but_cannot_record(client, place, cases):
    county, *_ = place
    own, _ = cases
    login(client, "sj", Role.AUDITOR, county)
    assert client.get(reverse("quotas:case_detail", args=[own.pk])).status_code == 200
    assert client.post(reverse("quotas:case_edit", args=[own.pk]), {"reason": "other"}).status_code == 403
    assert client.post(reverse("quotas:snapshot_take"), {"table": place[5].pk}).status_code == 403


def test_department_sees_the_cases_of_its_own_department_only(client, place, cases):
    county, *_ = place
    own, _ = cases
    login(client, "cl", Role.DEPARTMENT, county, department=Department.objects.get(code="disabled_federation"))
    assert client.get(reverse("quotas:case_detail", args=[own.pk])).status_code == 404
    login(client, "mz", Role.DEPARTMENT, county, department=Department.objects.get(code="civil_affairs"))
    assert client.get(reverse("quotas:case_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("quotas:case_edit", args=[own.pk])).status_code == 403


def test_bureau_takes_a_snapshot_from_the_ranking_page(client, place):
    county, *_rest = place
    table = place[5]
    login(client, "bureau", Role.BUREAU, county)
    response = client.post(reverse("quotas:snapshot_take"), {"table": table.pk})
    assert response.status_code == 302
    assert table.snapshots.get().rows.count() == 2


def test_navigation_offers_the_ranking_only_to_roles_that_may_open_it(place):
    from accounts.navigation import nav_links

    county = place[0]
    department = staff_user_create(
        username="mz2",
        password="x-Pass-2026!",
        role=Role.DEPARTMENT,
        county=county,
        department=Department.objects.get(code="civil_affairs"),
    )
    bureau = staff_user_create(username="jz2", password="x-Pass-2026!", role=Role.BUREAU, county=county)
    assert "progress" not in {link.key for link in nav_links(department.user)}
    assert "progress" in {link.key for link in nav_links(bureau.user)}
