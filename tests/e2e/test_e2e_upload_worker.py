"""In Chromium, with the real Redis and a real Celery worker: an upload waits in the queue with its progress
bar on the page, and the page follows the worker through validation, commit and reconciliation by itself
(the page's script polls the status and reloads; the test never reloads it)."""

import pytest

from enrollment.models import ImportJob, ImportStatus
from subsidies.models import EnrolmentStatus, ReconciliationResult, ReconciliationRun, RunStatus
from tests.builders.dashboard_data import PASSWORD
from tests.builders.roster_data import GOOD, roster_county, roster_xlsx, upload
from tests.conftest import broker_queue, worker_thread
from tests.e2e.conftest import login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.worker,
    pytest.mark.xdist_group("e2e"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def county():
    return roster_county()


def status_is(page, text: str, timeout: float = 60_000):
    page.wait_for_function(
        "text => document.getElementById('import-status')?.textContent.trim() === text", arg=text, timeout=timeout
    )


def test_upload_waits_for_the_worker_and_the_page_follows_it_to_the_result(page, shot, county, tmp_path):
    path = roster_xlsx(tmp_path / "民政名册.xlsx", GOOD)
    login(page, "minzheng", PASSWORD)
    with broker_queue():
        # No worker yet: the file is stored, the check is queued on Redis, and the page says so.
        upload(page, path)
        job = ImportJob.objects.get()
        assert job.status == ImportStatus.PENDING
        assert page.inner_text("#import-status") == "等待中"
        assert page.locator("progress#import-progress").get_attribute("value") == "0"
        assert page.inner_text("#import-progress-text") == "0 / 0"
        shot(page, "queued")

        with worker_thread():
            # The worker checks the file; the page notices and shows the preview without being reloaded.
            status_is(page, "待确认")
            assert page.locator("progress#import-progress").count() == 0
            assert page.inner_text("dt:text-is('通过') + dd") == "3"
            assert page.inner_text("dt:text-is('新增') + dd") == "3"
            shot(page, "preview")

            page.click("form[action$='/confirm/'] button[type=submit]")
            status_is(page, "已入库")
            assert page.inner_text("dt:text-is('新增') + dd") == "3"
            shot(page, "committed")

            # The commit queued the incremental reconciliation, which the same worker runs.
            runs = ReconciliationRun.objects.filter(county=county, year=2024)
            for _ in range(120):
                if runs.filter(status=RunStatus.DONE).exists():
                    break
                page.wait_for_timeout(500)
            assert runs.filter(status=RunStatus.DONE).exists(), list(runs.values("status", "message"))

    job.refresh_from_db()
    assert (job.status, job.rows_accepted, job.rows_processed) == (ImportStatus.COMMITTED, 3, 3)
    tekun = ReconciliationResult.objects.get(year=2024, id_number=GOOD[0][0])
    assert tekun.status == EnrolmentStatus.PROXY_ENROLLED and tekun.category.name == "特困人员"
