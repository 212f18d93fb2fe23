"""In Chromium: the bureau builds this month's transfer batches and two different people check and approve one."""

import pytest

from subsidies.models import BatchStatus, TransferBatch, TransferLine
from tests.builders.dashboard_data import PASSWORD, build_dashboard_county
from tests.e2e.conftest import assert_chinese_page, login, logout

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("e2e"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def county():
    return build_dashboard_county(with_batch=False)


def test_build_check_and_approve_a_batch_as_two_people(page, shot, county):
    month = county.month.strftime("%Y-%m")
    login(page, "bureau", PASSWORD)
    page.click("nav.main-nav a[data-nav=transfers]")
    assert_chinese_page(page)
    page.fill("#id_month", month)
    page.click("form.transfer-build button[type=submit]")
    page.wait_for_load_state()
    assert f"已生成 {month} 的 2 个批次，新增 3 条明细。" in page.inner_text("ul.messages")
    shot(page, "built")
    # One batch per fund: medical assistance with 2 lines (380 proxy + 310 differential), rural revitalisation's top-up.
    ma = TransferBatch.objects.get(fund__code="medical_assistance")
    rr = TransferBatch.objects.get(fund__code="rural_revitalization")
    assert (ma.lines_count, str(ma.total), ma.status) == (2, "690.00", BatchStatus.DRAFT)
    assert (rr.lines_count, str(rr.total)) == (1, "100.00")
    table = page.inner_text("table.table")
    assert ma.number in table and "690.00" in table and "100.00" in table

    page.click(f"text={ma.number}")
    assert_chinese_page(page)
    assert "690.00" in page.inner_text("dl.batch-head")
    lines = page.inner_text("table.table >> nth=1")
    assert "张特困" in lines and "李低保" in lines
    page.click("form:has(input[name=target][value=checked]) button")
    page.wait_for_load_state()
    assert page.inner_text("dd.status") == "已复核"
    # The builder cannot approve it: maker-checker is enforced on the server.
    page.click("form:has(input[name=target][value=approved]) button")
    page.wait_for_load_state()
    assert f"批次 {ma.number} 由您生成，必须由其他人审批" in page.inner_text("ul.messages")
    ma.refresh_from_db()
    assert ma.status == BatchStatus.CHECKED
    shot(page, "self-approval-refused")
    logout(page)

    login(page, "bureau2", PASSWORD)
    page.goto(page.base_url + f"/subsidies/transfers/{ma.pk}/")
    page.click("form:has(input[name=target][value=approved]) button")
    page.wait_for_load_state()
    ma.refresh_from_db()
    assert ma.status == BatchStatus.APPROVED
    assert page.inner_text("dd.status") == "已审批"
    history = page.inner_text("table.events")
    assert "局办公室" in history and "复核员" in history
    shot(page, "approved", full_page=True)
    assert TransferLine.objects.filter(batch=ma).count() == 2

    # The dashboard now shows the approved batch for the fund.
    page.click("nav.main-nav a[data-nav=home]")
    funds = page.inner_text("#panel-funds")
    assert ma.number in funds and "已审批" in funds
