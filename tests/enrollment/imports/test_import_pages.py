"""The import pages: upload → preview → confirm → result, scoped by role; templates with text IDs and drop-downs."""

import io
from urllib.parse import quote

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.models import ImportJob, ImportStatus
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department, Identity
from tests.builders.importfiles import person_id
from tests.pages import facts, tables

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    county = county_ensure(code="620721")
    civil = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="dibao", name="低保对象", department=civil)
    Category.objects.create(county=county, code="tekun", name="特困人员", department=civil)
    users = {}
    for key, role, dept in [
        ("bureau", Role.BUREAU, None),
        ("civil", Role.DEPARTMENT, civil),
        ("rural", Role.DEPARTMENT, Department.objects.get(code="rural_revitalization")),
        ("auditor", Role.AUDITOR, None),
    ]:
        users[key] = staff_user_create(
            username=key, password="x-Pass-12345", role=role, county=county, department=dept
        ).user
    return county, civil, users


PREVIEW_COUNTS = ("读取行数", "通过", "未通过", "有警告的行", "新增", "移出", "变更", "未变", "不在人员登记中")


def client_for(user):
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def roster_bytes(rows):
    text = "身份证号码,姓名,人员类别\r\n" + "".join(f"{a},{b},{c}\r\n" for a, b, c in rows)
    return text.encode("gbk")


def test_department_uploads_its_roster_previews_and_confirms(setup, django_capture_on_commit_callbacks):
    _county, civil, users = setup
    c = client_for(users["civil"])
    data = roster_bytes([(person_id(1), "甲", "低保对象"), (person_id(2), "乙", "特困人员")])
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(
            reverse("enrollment:import_upload"),
            {
                "kind": "roster",
                "department": civil.pk,
                "snapshot_date": "2024-01-01",
                "file": SimpleUploadedFile("名册.csv", data),
            },
        )
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("enrollment:import_detail", args=[job.pk])
    assert job.status == ImportStatus.VALIDATED  # eager task in tests
    page = c.get(response.url).content.decode()
    shown = dict(facts(page))
    assert {k: shown.get(k) for k in PREVIEW_COUNTS} == {
        "读取行数": "2",
        "通过": "2",
        "未通过": "0",
        "有警告的行": "0",
        "新增": "2",
        "移出": "0",
        "变更": "0",
        "未变": "0",
        "不在人员登记中": "2",
    }
    assert (shown["状态"], shown["部门"], shown["名册日期"]) == ("待确认", "民政", "2024-01-01")
    assert '<button type="submit">确认导入</button>' in page
    status = c.get(reverse("enrollment:import_status", args=[job.pk])).json()
    assert status["status"] == "validated" and not status["running"]
    with django_capture_on_commit_callbacks(execute=True):
        c.post(reverse("enrollment:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED
    assert Identity.objects.count() == 2
    (versions,) = tables(c.get(reverse("subsidies:roster_versions")).content.decode())
    assert versions[0][:8] == ["版本", "部门", "名册日期", "人数", "新增", "移出", "类别变更", "未变"]
    assert versions[1:][0][:9] == ["1", "民政", "2024-01-01", "2", "2", "0", "0", "0", "civil"]
    assert len(versions) == 2
    version = job.roster_version
    detail = c.get(reverse("subsidies:roster_version", args=[version.pk])).content.decode()
    assert "甲" in detail
    # Another department neither sees the job nor the version.
    other = client_for(users["rural"])
    assert other.get(reverse("enrollment:import_detail", args=[job.pk])).status_code == 404
    assert other.get(reverse("subsidies:roster_version", args=[version.pk])).status_code == 404
    assert job.original_name not in other.get(reverse("enrollment:import_list")).content.decode()


def test_department_cannot_upload_another_departments_roster_or_a_register(setup):
    _county, civil, users = setup
    c = client_for(users["rural"])
    response = c.post(
        reverse("enrollment:import_upload"),
        {"kind": "roster", "department": civil.pk, "file": SimpleUploadedFile("r.csv", roster_bytes([]))},
    )
    assert response.status_code == 200 and not ImportJob.objects.exists()
    response = c.post(
        reverse("enrollment:import_upload"),
        {"kind": "register", "file": SimpleUploadedFile("r.csv", roster_bytes([]))},
    )
    assert response.status_code == 200 and not ImportJob.objects.exists()


def test_binary_upload_is_refused_with_a_chinese_message(setup):
    _county, _civil, users = setup
    c = client_for(users["bureau"])
    response = c.post(
        reverse("enrollment:import_upload"),
        {"kind": "register", "file": SimpleUploadedFile("r.xlsx", b"\x00\x01\x02\x03 not a workbook")},
    )
    assert response.status_code == 200 and not ImportJob.objects.exists()
    assert "Excel" in response.content.decode()


def test_roster_with_rejected_rows_cannot_be_confirmed(setup, django_capture_on_commit_callbacks):
    _county, civil, users = setup
    c = client_for(users["civil"])
    data = roster_bytes([(person_id(1), "甲", "低保对象"), ("6.20721E+17", "乙", "低保对象")])
    with django_capture_on_commit_callbacks(execute=True):
        c.post(
            reverse("enrollment:import_upload"),
            {"kind": "roster", "department": civil.pk, "file": SimpleUploadedFile("r.csv", data)},
        )
    job = ImportJob.objects.get()
    page = c.get(reverse("enrollment:import_detail", args=[job.pk])).content.decode()
    shown = dict(facts(page))
    assert (shown["读取行数"], shown["通过"], shown["未通过"]) == ("2", "1", "1")
    (rejected,) = tables(page)
    assert rejected == [
        ["行号", "列", "值", "问题说明"],
        [
            "3",
            "身份证号码",
            "6.2072*E+17",
            "身份证号码已被Excel损坏（显示为科学计数法，如6.20721E+17）：请将该列设置为文本格式后重新录入号码。",
        ],
    ]
    assert '<button type="submit">确认导入</button>' not in page  # a roster with rejected rows cannot be confirmed
    c.post(reverse("enrollment:import_confirm", args=[job.pk]), {"skip_rejected": "1"})
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED and not Identity.objects.exists()
    errors = c.get(reverse("enrollment:import_errors", args=[job.pk]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(errors.streaming_content)))
    assert book.active.cell(row=1, column=4).value == "错误原因"
    c.post(reverse("enrollment:import_cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.CANCELLED


def test_roster_template_has_text_id_column_and_category_drop_down(setup):
    _county, _civil, users = setup
    response = client_for(users["civil"]).get(reverse("enrollment:import_template", args=["roster"]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = book["数据"]
    assert ws["A1"].value == "身份证号码" and ws["A2"].number_format == "@"
    validations = ws.data_validations.dataValidation
    assert validations and "人员类别" in validations[0].formula1
    assert [r[0].value for r in book["人员类别"].iter_rows()] == ["低保对象", "特困人员"]
    payments = client_for(users["bureau"]).get(reverse("enrollment:import_template", args=["payments"]))
    assert payments["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("税务缴费明细导入模板.xlsx")
    book = openpyxl.load_workbook(io.BytesIO(payments.content))
    ws = book["数据"]
    assert [c.value for c in ws[1]][:7] == [
        "身份证号码",
        "姓名",
        "缴费年度",
        "缴费金额",
        "缴费日期",
        "档次",
        "缴费渠道",
    ]
    assert ws["A2"].number_format == "@"


def upload_roster(c, civil, rows, day, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        c.post(
            reverse("enrollment:import_upload"),
            {
                "kind": "roster",
                "department": civil.pk,
                "snapshot_date": day,
                "file": SimpleUploadedFile("名册.csv", roster_bytes(rows)),
            },
        )
    return ImportJob.objects.latest("pk")


def confirm(c, job, django_capture_on_commit_callbacks, **data):
    with django_capture_on_commit_callbacks(execute=True):
        response = c.post(reverse("enrollment:import_confirm", args=[job.pk]), data, follow=True)
    job.refresh_from_db()
    return response.content.decode()


def open_identities(civil):
    return sorted(Identity.objects.filter(department=civil, ended_by__isnull=True).values_list("id_number", flat=True))


def test_a_roster_removing_most_people_needs_the_number_confirmed(setup, django_capture_on_commit_callbacks):
    _county, civil, users = setup
    c = client_for(users["civil"])
    people = [(person_id(k), f"人员{k}", "低保对象") for k in range(10)]
    first = upload_roster(c, civil, people, "2024-01-01", django_capture_on_commit_callbacks)
    confirm(c, first, django_capture_on_commit_callbacks)
    assert first.status == ImportStatus.COMMITTED
    everyone = open_identities(civil)
    assert len(everyone) == 10
    # One row left in the file: the preview names the 9 removals and the form asks for them to be confirmed.
    job = upload_roster(c, civil, people[:1], "2024-02-01", django_capture_on_commit_callbacks)
    page = c.get(reverse("enrollment:import_detail", args=[job.pk])).content.decode()
    assert "此版本将移出上一版本 10 人中的 9 人" in page
    assert '<input type="checkbox" name="confirm_removals" value="9" required>' in page
    assert "是的，从名册中移出这 9 人" in page
    # Confirming without the number, or with a wrong one, is refused and changes nothing.
    for data in ({}, {"confirm_removals": "5"}, {"confirm_removals": "abc"}):
        answer = confirm(c, job, django_capture_on_commit_callbacks, **data)
        assert job.status == ImportStatus.VALIDATED
        assert "此版本将移出" in answer and "9 人" in answer
        assert open_identities(civil) == everyone
    assert not Identity.objects.filter(ended_by__isnull=False).exists()
    # The number confirmed: the 9 are removed, the one on the file stays.
    confirm(c, job, django_capture_on_commit_callbacks, confirm_removals="9")
    assert job.status == ImportStatus.COMMITTED
    assert open_identities(civil) == [person_id(0)]
    assert Identity.objects.filter(department=civil, ended_by=job.roster_version).count() == 9


def test_a_roster_removing_few_people_needs_no_extra_confirmation(setup, django_capture_on_commit_callbacks):
    _county, civil, users = setup
    c = client_for(users["civil"])
    people = [(person_id(k), f"人员{k}", "低保对象") for k in range(10)]
    first = upload_roster(c, civil, people, "2024-01-01", django_capture_on_commit_callbacks)
    confirm(c, first, django_capture_on_commit_callbacks)
    job = upload_roster(c, civil, people[:8], "2024-02-01", django_capture_on_commit_callbacks)  # 2 of 10: 20 %
    page = c.get(reverse("enrollment:import_detail", args=[job.pk])).content.decode()
    assert "confirm_removals" not in page and "此版本将移出" not in page
    confirm(c, job, django_capture_on_commit_callbacks)
    assert job.status == ImportStatus.COMMITTED
    assert open_identities(civil) == sorted(p[0] for p in people[:8])
