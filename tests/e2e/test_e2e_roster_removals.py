"""In Chromium: a one-row roster that would remove most of the previous version's people is not committed
until the uploader ticks the box that names the number removed (issue 21)."""

import pytest

from enrollment.models import ImportJob, ImportStatus
from subsidies.models import Identity
from tests.builders.dashboard_data import PASSWORD
from tests.builders.roster_data import GOOD, roster_county, roster_xlsx, upload
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("e2e"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CONFIRM = "form[action$='/confirm/'] button[type=submit]"


def open_identities():
    return sorted(Identity.objects.filter(ended_by__isnull=True).values_list("id_number", flat=True))


def test_a_roster_removing_most_people_is_confirmed_by_its_number(page, shot, tmp_path):
    roster_county()
    login(page, "minzheng", PASSWORD)
    upload(page, roster_xlsx(tmp_path / "民政名册.xlsx", GOOD))
    page.click(CONFIRM)
    page.wait_for_load_state()
    assert ImportJob.objects.get().status == ImportStatus.COMMITTED
    everyone = open_identities()
    assert len(everyone) == 3

    upload(page, roster_xlsx(tmp_path / "民政名册-一行.xlsx", GOOD[:1]))
    job = ImportJob.objects.latest("pk")
    assert page.inner_text("dt:text-is('移出') + dd") == "2"
    assert "此版本将移出上一版本 3 人中的 2 人" in page.inner_text("#removals-warning")
    box = page.locator("input[name=confirm_removals]")
    assert box.get_attribute("value") == "2"
    assert "是的，从名册中移出这 2 人" in page.inner_text("form[action$='/confirm/']")
    shot(page, "removals-to-confirm", full_page=True)
    # The button alone does not submit: the browser asks for the box first; nothing is committed.
    page.click(CONFIRM)
    job.refresh_from_db()
    assert job.status == ImportStatus.VALIDATED
    assert open_identities() == everyone
    box.check()
    page.click(CONFIRM)
    page.wait_for_load_state()
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED
    assert page.inner_text("#import-status") == "已入库"
    assert open_identities() == [GOOD[0][0]]
    assert Identity.objects.filter(ended_by=job.roster_version).count() == 2
    shot(page, "removals-committed", full_page=True)
