"""In Chromium: a department uploads a roster with errors, fixes it from the error workbook, confirms it;
the bureau then finds the new people in the reconciliation results (the import triggers the run)."""

import openpyxl
import pytest

from enrollment.models import ImportJob, ImportStatus
from subsidies.models import EnrolmentStatus, Identity, ReconciliationResult, ReconciliationRun
from tests.builders.dashboard_data import PASSWORD, id_number
from tests.builders.roster_data import GOOD, roster_county, roster_xlsx, upload
from tests.e2e.conftest import login, logout

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("e2e"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def county():
    return roster_county()


def test_department_fixes_a_roster_from_the_error_workbook_and_the_bureau_sees_the_result(page, shot, county, tmp_path):
    bad_id = id_number(14)[:-1] + ("0" if id_number(14)[-1] != "0" else "1")  # wrong check character
    first = roster_xlsx(
        tmp_path / "民政名册.xlsx",
        [*GOOD, (bad_id, "错号码", "特困人员", "红湾寺镇"), (id_number(15), "错类别", "不存在的类别", "红湾寺镇")],
    )
    login(page, "minzheng", PASSWORD)
    upload(page, first)
    job = ImportJob.objects.get()
    assert job.status == ImportStatus.VALIDATED
    assert (job.rows_accepted, job.rows_rejected) == (3, 2)
    assert page.inner_text("dt:text-is('未通过') + dd") == "2"
    # The bad rows inline, with their spreadsheet line (the header is line 1), column and reason.
    bad = page.locator("main table.table tbody tr").all_inner_texts()
    assert bad[0].split("\t")[:2] == ["5", "身份证号码"] and "校验码" in bad[0]
    assert bad[0].split("\t")[2] == "620721********" + bad_id[-4:]  # masked for a department user
    assert bad[1].split("\t")[:3] == ["6", "人员类别", "不存在的类别"] and "未知的人员类别" in bad[1]
    # A roster is a full snapshot: nothing to confirm while rows are rejected.
    assert page.locator("form[action$='/confirm/']").count() == 0
    assert "名册是全量名单" in page.inner_text("main")
    shot(page, "preview-with-errors", full_page=True)

    with page.expect_download() as download_info:
        page.click("a[href$='/errors/']")
    workbook = tmp_path / "errors.xlsx"
    download_info.value.save_as(workbook)
    sheet = openpyxl.load_workbook(workbook).active
    header = [c.value for c in sheet[1]]
    assert header[-1] == "错误原因"
    rejected = {row[1]: row[-1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert set(rejected) == {"错号码", "错类别"}
    assert all(reason for reason in rejected.values())

    # Fixed: the wrong number corrected, the unknown category set to a real one.
    fixed_rows = [
        *GOOD,
        (id_number(14), "错号码", "特困人员", "红湾寺镇"),
        (id_number(15), "错类别", "特困人员", "皇城镇"),
    ]
    fixed = roster_xlsx(tmp_path / "民政名册-已改.xlsx", fixed_rows)
    upload(page, fixed)
    job = ImportJob.objects.latest("created_at")
    assert (job.status, job.rows_accepted, job.rows_rejected) == (ImportStatus.VALIDATED, 5, 0)
    shot(page, "preview-clean", full_page=True)
    page.click("form[action$='/confirm/'] button[type=submit]")
    page.wait_for_load_state()
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED
    assert Identity.objects.filter(department__code="civil_affairs").count() == 5
    assert page.inner_text("#import-status") == "已入库"
    assert page.inner_text("dt:text-is('新增') + dd") == "5"
    shot(page, "committed", full_page=True)
    logout(page)

    # The commit triggered an incremental reconciliation for 2024: the bureau sees the new people.
    assert ReconciliationRun.objects.filter(county=county, year=2024).exists()
    tekun = ReconciliationResult.objects.get(year=2024, id_number=GOOD[0][0])
    assert tekun.status == EnrolmentStatus.PROXY_ENROLLED and tekun.category.name == "特困人员"
    login(page, "bureau", PASSWORD)
    assert "本月已报送" in page.inner_text("#panel-rosters")
    page.click("nav.main-nav a[data-nav=results]")
    page.fill("input[name=q]", "马特困")
    page.click("form.filters button[type=submit], form.filter-form button[type=submit]")
    page.wait_for_load_state()
    rows = page.inner_text("table.table tbody")
    assert "马特困" in rows and "特困人员" in rows and "代缴参保" in rows, rows
    shot(page, "bureau-results")
