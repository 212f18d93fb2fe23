"""The reconciliation pages: scoped by role, filtered and sorted without a COUNT, exported safely, 'run now'."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from accounts.services import staff_user_create
from subsidies.models import Department, ReconciliationResult, ReconciliationRun, RunStatus
from subsidies.reconciliation.runs import reconcile
from tests.builders import recon_data as d
from tests.pages import facts, tables

pytestmark = pytest.mark.django_db
RESULTS = reverse("subsidies:reconciliation_results")
EXPORT = reverse("subsidies:reconciliation_export")


@pytest.fixture
def county_data():
    policy = d.sunan_2024()
    c = policy.county
    t1, t2 = list(c.townships.order_by("pk")[:2])
    a = d.person(c, name="甲", township=t1.name, village="一村")
    b = d.person(c, name="=SUM(A1)", township=t1.name, village="二村")
    e = d.person(c, name="丙", township=t2.name, village="三村")
    d.identity(c, a, "rural_dibao_1_2", since=date(2023, 1, 1))  # 民政
    d.identity(c, e, "poverty_relieved", since=date(2023, 1, 1))  # 乡村振兴
    d.payment(c, b, "380", date(2023, 10, 1), year=2024)
    reconcile(county=c, year=2024, as_of=date(2024, 3, 1), full=True)
    return {"policy": policy, "county": c, "t1": t1, "t2": t2, "a": a, "b": b, "e": e}


def login(client, county, role, username, **extra):
    profile = staff_user_create(username=username, password="x-Pass-12345", role=role, county=county, **extra)
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    return profile.user


def listed(response):
    return [row.record.id_number for row in response.context["table"].page.object_list]


def test_bureau_sees_the_county_with_full_ids(client, county_data):
    login(client, county_data["county"], Role.BUREAU, "b1")
    response = client.get(RESULTS)
    assert response.status_code == 200
    ids = {county_data[k].id_number for k in "abe"}
    assert set(listed(response)) == ids
    body = response.content.decode()
    assert county_data["a"].id_number in body and "农村一、二类低保" in body and "已参保" in body


def test_department_sees_only_its_roster_people_masked(client, county_data):
    login(client, county_data["county"], Role.DEPARTMENT, "mz", department=Department.objects.get(code="civil_affairs"))
    response = client.get(RESULTS)
    a = county_data["a"].id_number
    assert listed(response) == [a]
    body = response.content.decode()
    assert a not in body and f"{a[:6]}********{a[-4:]}" in body


def test_township_sees_only_its_township(client, county_data):
    login(client, county_data["county"], Role.TOWNSHIP, "tw", township=county_data["t2"])
    assert listed(client.get(RESULTS)) == [county_data["e"].id_number]


def test_village_filter_and_sort_without_counting_the_table(client, county_data):
    login(client, county_data["county"], Role.BUREAU, "b1")
    village = county_data["a"].village
    with CaptureQueriesContext(connection) as queries:
        response = client.get(RESULTS, {"village": village.pk, "sort": "-paid"})
    assert listed(response) == [county_data["a"].id_number]
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper() and "reconciliationresult" in q["sql"]]
    response = client.get(RESULTS, {"sort": "-paid"})
    assert listed(response)[0] == county_data["b"].id_number


def test_filters_by_flag_status_and_search(client, county_data):
    login(client, county_data["county"], Role.BUREAU, "b1")
    a, b, e = (county_data[k].id_number for k in "abe")
    assert set(listed(client.get(RESULTS, {"flag": "certified_not_enrolled"}))) == {a, e}
    assert listed(client.get(RESULTS, {"status": "enrolled"})) == [b]
    assert listed(client.get(RESULTS, {"q": a})) == [a]
    assert listed(client.get(RESULTS, {"q": "丙"})) == [e]
    dept = Department.objects.get(code="rural_revitalization")
    assert listed(client.get(RESULTS, {"department": dept.pk})) == [e]


def test_csv_export_escapes_formulas_and_masks_for_townships(client, county_data):
    login(client, county_data["county"], Role.TOWNSHIP, "tw", township=county_data["t1"])
    response = client.get(EXPORT, {"format": "csv"})
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["身份证号码", "姓名", "乡镇"]
    names = {r[1] for r in rows[1:]}
    assert names == {"甲", "'=SUM(A1)"}
    assert all("*" in r[0] for r in rows[1:])


def test_xlsx_export_writes_formula_like_text_as_text(client, county_data):
    login(client, county_data["county"], Role.BUREAU, "b1")
    response = client.get(EXPORT, {"format": "xlsx", "status": "enrolled"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "身份证号码"
    assert rows[1][0] == county_data["b"].id_number and rows[1][1] == "=SUM(A1)"
    assert sheet.cell(row=2, column=2).data_type == "s"
    assert rows[1][9] == 380


def test_run_now_is_for_the_bureau(client, county_data):
    login(client, county_data["county"], Role.AUDITOR, "au")
    assert client.post(reverse("subsidies:reconciliation_run_start"), {"year": 2024}).status_code == 403
    assert client.get(reverse("subsidies:reconciliation_runs")).status_code == 200
    login(client, county_data["county"], Role.BUREAU, "b1")
    before = ReconciliationRun.objects.count()
    response = client.post(reverse("subsidies:reconciliation_run_start"), {"year": 2024, "full": "on"})
    run = ReconciliationRun.objects.latest("started_at")
    assert ReconciliationRun.objects.count() == before + 1
    assert response.status_code == 302 and response.url == run.get_absolute_url()
    run.refresh_from_db()
    assert run.full and run.started_by.username == "b1"
    page = client.get(run.get_absolute_url())
    shown = dict(facts(page.content.decode()))
    assert shown.pop("开始时间") == f"{timezone.localtime(run.started_at):%Y-%m-%d %H:%M:%S}"
    assert shown == {
        "状态": "运行中 0% 0/10",
        "全量对账": "全量",
        "截至日期": f"{run.as_of:%Y-%m-%d}",
        "发起人": "b1",
        "完成时间": "—",
        "重新计算人数": "0",
        "变更结果数": "0",
    }
    (history,) = tables(client.get(reverse("subsidies:reconciliation_runs")).content.decode())
    assert history[0] == [
        "开始时间",
        "待遇享受年度",
        "截至日期",
        "全量对账",
        "发起人",
        "状态",
        "重新计算人数",
        "变更结果数",
        "各状态人数",
        "用时",
    ]
    assert history[1][1:] == ["2024", f"{run.as_of:%Y-%m-%d}", "全量", "b1", "运行中 0%", "0", "0", "", "—"]
    assert history[2][1:] == [
        "2024",
        "2024-03-01",
        "全量",
        "自动",
        "已完成",
        "3",
        "3",
        "代缴参保 0，已参保 1，欠缴 0，未参保 2",
        history[2][9],
    ]


def test_run_now_finishes_on_commit(client, county_data, django_capture_on_commit_callbacks):
    login(client, county_data["county"], Role.BUREAU, "b1")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("subsidies:reconciliation_run_start"), {"year": 2024})
    run = ReconciliationRun.objects.latest("started_at")
    assert run.status == RunStatus.DONE and not run.full and run.changed == 0


# SPEC §14: of another department's winning identity a department user sees only that it exists, and its amount.
OTHER_WINS = "另一部门的类别资助更高（或相同且优先）"


@pytest.fixture
def two_departments(county_data):
    """民政 certifies 丁 as 低保边缘 (100 yuan); 乡村振兴 certifies the same 丁 as 返贫致贫 (310 yuan), which wins."""
    c = county_data["county"]
    w = d.person(c, name="丁", township=county_data["t1"].name, village="一村")
    d.identity(c, w, "dibao_marginal", since=date(2023, 1, 1))  # 民政
    d.identity(c, w, "returned_poverty", since=date(2023, 5, 17))  # 乡村振兴
    reconcile(county=c, year=2024, as_of=date(2024, 3, 1), full=True)
    result = ReconciliationResult.objects.get(year=2024, id_number=w.id_number)
    assert result.category.code == "returned_poverty" and result.subsidy == 310  # the data is as the test says
    return {**county_data, "w": w, "result": result}


def row_cells(response, id_number: str) -> dict:
    table = response.context["table"]
    for row in table.page.object_list:
        if row.record.id_number == id_number:
            return {name: str(row.get_cell(name)) for name in ("category", "department", "subsidy", "benefit_start")}
    raise AssertionError(f"{id_number} is not on the page")


def export_rows(client, fmt: str) -> list[list[str]]:
    response = client.get(EXPORT, {"format": fmt})
    if fmt == "csv":
        return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(response.content)).active
    return [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]


def export_row(rows, name: str) -> dict:
    header = rows[0]
    return next(dict(zip(header, row, strict=True)) for row in rows[1:] if row[1] == name)


def test_a_department_sees_only_that_another_departments_category_wins_and_its_amount(client, two_departments):
    data = two_departments
    login(client, data["county"], Role.DEPARTMENT, "mz", department=Department.objects.get(code="civil_affairs"))
    w, a = data["w"].id_number, data["a"].id_number
    response = client.get(RESULTS)
    assert set(listed(response)) == {a, w}
    cells = row_cells(response, w)
    assert cells["category"] == OTHER_WINS and cells["subsidy"] == "310.00"
    assert cells["department"] == "—" and cells["benefit_start"] == "—"
    body = response.content.decode()
    assert "农村返贫致贫人口" not in body and "乡村振兴" not in body and "2023-05-17" not in body
    assert row_cells(response, a)["category"] == "农村一、二类低保"  # its own winner in full
    # Filtering by the other department's category or department is not offered, and not answered.
    other = ReconciliationResult.objects.get(id_number=w).category
    assert other not in response.context["filter"].form.fields["category"].queryset
    assert w not in listed(client.get(RESULTS, {"category": other.pk}))
    assert w not in listed(client.get(RESULTS, {"department": other.department_id}))
    # Sorting by the category column is not offered either (rows would line up by the hidden category).
    assert not response.context["table"].columns["category"].orderable
    for fmt in ("csv", "xlsx"):
        rows = export_rows(client, fmt)
        row = export_row(rows, "丁")
        assert row["资助类别"] == OTHER_WINS and row["资助部门"] == "" and row["待遇起始日期"] == ""
        assert row["资助金额"] in ("310.00", "310")
        flat = "\n".join(",".join(r) for r in rows)
        assert "农村返贫致贫人口" not in flat and "乡村振兴" not in flat
        assert export_row(rows, "甲")["资助类别"] == "农村一、二类低保"


@pytest.mark.parametrize(
    ("role", "department"), [(Role.BUREAU, None), (Role.AUDITOR, None), (Role.DEPARTMENT, "rural_revitalization")]
)
def test_the_bureau_auditors_and_the_winning_department_see_the_winner_in_full(
    client, two_departments, role, department
):
    data = two_departments
    extra = {"department": Department.objects.get(code=department)} if department else {}
    login(client, data["county"], role, f"u-{role}", **extra)
    result = data["result"]
    cells = row_cells(client.get(RESULTS), data["w"].id_number)
    assert cells["category"] == "农村返贫致贫人口" and cells["department"] == "乡村振兴"
    assert cells["benefit_start"] == (result.benefit_start.isoformat() if result.benefit_start else "—")
    for fmt in ("csv", "xlsx"):
        row = export_row(export_rows(client, fmt), "丁")
        assert row["资助类别"] == "农村返贫致贫人口" and row["资助部门"] == "乡村振兴"
        assert row["待遇起始日期"] == (result.benefit_start.isoformat() if result.benefit_start else "")
