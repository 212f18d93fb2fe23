"""Transfer pages: who sees which batches, who may act, self-approval refused by the server, downloads."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from subsidies.models import BatchStatus, Department, TransferBatch
from subsidies.transfers.services import batch_approve, batch_build, batch_check, batch_mark_exported
from tests.builders.transfers_helpers import categories, county, funds, result, staff

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(client):
    c = county()
    tekun, _, canji = categories(c)
    assistance, disabled_fund = funds()
    result(c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 4))
    result(c, status="enrolled", category=canji, fund=disabled_fund, subsidy="250", enrolled_on=date(2024, 3, 5))
    users = {
        "maker": staff("maker", c),
        "checker": staff("checker", c),
        "auditor": staff("audit", c, Role.AUDITOR),
        "canlian": staff("canlian", c, Role.DEPARTMENT, Department.objects.get(code="disabled_federation")),
        "minzheng": staff("minzheng", c, Role.DEPARTMENT, Department.objects.get(code="civil_affairs")),
    }
    return c, users, assistance, disabled_fund


def _login(client, user):
    client.force_login(user)
    return client


def test_bureau_builds_from_the_page(client, site):
    c, users, _, _ = site
    response = _login(client, users["maker"]).post(reverse("subsidies:transfer_build"), {"month": "2024-03"})
    assert response.status_code == 302
    assert TransferBatch.objects.filter(county=c).count() == 2
    assert set(TransferBatch.objects.values_list("built_by__username", flat=True)) == {"maker"}
    page = client.get(reverse("subsidies:transfer_list")).content.decode()
    assert "620721-202403-medical_assistance" in page and "620721-202403-disabled_federation" in page


def test_bad_month_is_refused_in_chinese(client, site):
    _, users, _, _ = site
    response = _login(client, users["maker"]).post(
        reverse("subsidies:transfer_build"), {"month": "2024-13"}, follow=True
    )
    assert "月份格式应为" in response.content.decode()
    assert not TransferBatch.objects.exists()


def test_department_user_sees_only_its_funds_batches(client, site):
    c, users, assistance, disabled_fund = site
    batch_build(county=c, month=date(2024, 3, 1), user=users["maker"])
    own = TransferBatch.objects.get(fund=disabled_fund)
    other = TransferBatch.objects.get(fund=assistance)
    _login(client, users["canlian"])
    page = client.get(reverse("subsidies:transfer_list")).content.decode()
    assert own.number in page and other.number not in page
    assert client.get(reverse("subsidies:transfer_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("subsidies:transfer_detail", args=[other.pk])).status_code == 404
    # Civil affairs has no fund of its own here (特困/低保 are paid from the medical assistance fund).
    _login(client, users["minzheng"])
    assert own.number not in client.get(reverse("subsidies:transfer_list")).content.decode()


def test_department_and_auditor_cannot_act(client, site):
    c, users, _, disabled_fund = site
    batch_build(county=c, month=date(2024, 3, 1), user=users["maker"])
    batch = TransferBatch.objects.get(fund=disabled_fund)
    for who in ("canlian", "auditor"):
        _login(client, users[who])
        url = reverse("subsidies:transfer_transition", args=[batch.pk])
        assert client.post(url, {"target": "checked"}).status_code == 403
        assert client.post(reverse("subsidies:transfer_build"), {"month": "2024-03"}).status_code == 403
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DRAFT
    # The auditor reads everything.
    assert client.get(reverse("subsidies:transfer_detail", args=[batch.pk])).status_code == 200


def test_township_user_sees_no_transfers(client, site):
    c, _, _, _ = site
    township_user = staff_township(c)
    assert _login(client, township_user).get(reverse("subsidies:transfer_list")).status_code == 403


def staff_township(c):
    from accounts.services import staff_user_create

    return staff_user_create(
        username="xz", password="x", role=Role.TOWNSHIP, county=c, township=c.townships.first()
    ).user


def test_server_refuses_self_approval_with_a_chinese_message(client, site):
    c, users, assistance, _ = site
    batch_build(county=c, month=date(2024, 3, 1), user=users["maker"])
    batch = TransferBatch.objects.get(fund=assistance)
    url = reverse("subsidies:transfer_transition", args=[batch.pk])
    _login(client, users["maker"])
    client.post(url, {"target": "checked"})
    response = client.post(url, {"target": "approved"}, follow=True)
    assert "必须由其他人审批" in response.content.decode()
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CHECKED
    _login(client, users["checker"]).post(url, {"target": "approved"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.APPROVED


def test_downloads_show_the_status_and_mask_ids_for_departments(client, site):
    c, users, _, disabled_fund = site
    batch_build(county=c, month=date(2024, 3, 1), user=users["maker"])
    batch = TransferBatch.objects.get(fund=disabled_fund)
    xlsx = reverse("subsidies:transfer_download_xlsx", args=[batch.pk])
    csv_url = reverse("subsidies:transfer_download_csv", args=[batch.pk])
    _login(client, users["checker"])
    draft = load_workbook(io.BytesIO(client.get(xlsx).content))["打印版"]
    assert draft["E3"].value == "草稿"  # a draft's file says so: for checking, not for the finance office
    batch_check(batch_id=batch.pk, user=users["checker"])
    batch_approve(batch_id=batch.pk, user=users["checker"])
    client.post(reverse("subsidies:transfer_transition", args=[batch.pk]), {"target": "exported"})
    batch.refresh_from_db()
    assert batch.status == BatchStatus.EXPORTED
    response = client.get(xlsx)
    assert response.status_code == 200 and response["Content-Disposition"].endswith('.xlsx"')
    full_id = batch.lines.get().id_number
    assert full_id.encode() in client.get(csv_url).content
    dept_csv = _login(client, users["canlian"]).get(csv_url).content
    assert full_id.encode() not in dept_csv and full_id[:6].encode() in dept_csv


def test_adjustment_from_the_page(client, site):
    c, users, assistance, _ = site
    batch_build(county=c, month=date(2024, 3, 1), user=users["maker"])
    march = TransferBatch.objects.get(fund=assistance)
    batch_check(batch_id=march.pk, user=users["maker"])
    batch_approve(batch_id=march.pk, user=users["checker"])
    batch_mark_exported(batch_id=march.pk, user=users["checker"])
    person = march.lines.get()
    result(
        c,
        status="proxy_enrolled",
        category=person.category,
        fund=assistance,
        subsidy="380",
        enrolled_on=date(2024, 4, 2),
    )
    batch_build(county=c, month=date(2024, 4, 1), user=users["maker"])
    april = TransferBatch.objects.get(fund=assistance, month=date(2024, 4, 1))
    _login(client, users["maker"])
    url = reverse("subsidies:transfer_adjust", args=[april.pk])
    client.post(url, {"id_number": person.id_number, "year": 2024, "amount": "-30", "reason": "多发30元"})
    assert april.lines.filter(kind="adjustment", amount=-30, reason="多发30元").exists()
    page = client.get(reverse("subsidies:transfer_detail", args=[april.pk])).content.decode()
    assert "多发30元" in page and "调整" in page


def test_counterpart_page(client, site):
    from decimal import Decimal

    from subsidies.models import FiscalShare, Policy

    c, users, _, _ = site
    policy = Policy.objects.create(
        county=c,
        year=2024,
        title="肃南 2024",
        collection_start=date(2023, 9, 1),
        collection_end=date(2023, 12, 31),
        fiscal_subsidy=Decimal("640"),
    )
    for level, amount in [("central", "512"), ("province", "112"), ("city_county", "16")]:
        FiscalShare.objects.create(policy=policy, level=level, amount=Decimal(amount))
    page = _login(client, users["auditor"]).get(reverse("subsidies:transfer_counterpart"), {"year": 2024})
    body = page.content.decode()
    assert page.status_code == 200
    assert "1024.00" in body and "224.00" in body and "32.00" in body and "1280.00" in body
    assert _login(client, users["canlian"]).get(reverse("subsidies:transfer_counterpart")).status_code == 403


def test_batch_totals_name_the_line_kinds_in_chinese(client, site):
    c, users, assistance, _ = site
    batch_build(county=c, month=date(2024, 3, 1), user=users["maker"])
    batch = TransferBatch.objects.get(fund=assistance)
    page = _login(client, users["auditor"]).get(reverse("subsidies:transfer_detail", args=[batch.pk])).content.decode()
    totals = page.split("按人员类别和资助方式合计", 1)[1]
    assert "<td>代缴</td>" in totals
    assert "<td>proxy</td>" not in page
