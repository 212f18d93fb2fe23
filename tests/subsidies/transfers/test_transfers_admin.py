"""The admin shows batches but refuses every edit: approved batches are immutable, drafts are rebuilt by service."""

from datetime import date

import pytest
from django.urls import reverse

from subsidies.models import TransferBatch
from subsidies.transfers.services import batch_approve, batch_build, batch_check
from tests.builders.transfers_helpers import categories, county, funds, result, staff

pytestmark = pytest.mark.django_db


def test_admin_shows_but_refuses_edits_of_an_approved_batch(admin_client):
    c = county()
    tekun, _, _ = categories(c)
    assistance, _ = funds()
    result(c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 4))
    (batch,) = batch_build(county=c, month=date(2024, 3, 1), user=staff("maker", c)).batches
    batch_check(batch_id=batch.pk, user=staff("checker", c))
    batch_approve(batch_id=batch.pk, user=staff("checker", c))
    assert admin_client.get(reverse("admin:subsidies_transferbatch_changelist")).status_code == 200
    change = reverse("admin:subsidies_transferbatch_change", args=[batch.pk])
    assert admin_client.get(change).status_code == 200  # view only
    admin_client.post(change, {"status": "draft", "total": "0"})
    batch.refresh_from_db()
    assert batch.status == "approved" and batch.lines_count == 1
    delete = reverse("admin:subsidies_transferbatch_delete", args=[batch.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    line = batch.lines.get()
    line_change = reverse("admin:subsidies_transferline_change", args=[line.pk])
    admin_client.post(line_change, {"amount": "1"})
    line.refresh_from_db()
    assert line.amount == 380
    assert (
        admin_client.post(reverse("admin:subsidies_transferline_delete", args=[line.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert TransferBatch.objects.filter(pk=batch.pk).exists()
