"""Exports: every file of people is recorded (who, what, filters, rows). Formulas: tests/accounts/test_downloads.py."""

import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from accounts.exports import record_export
from accounts.models import ExportRecord
from tests.builders.world import ID_A, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def as_user(user) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def test_record_export_keeps_who_what_filters_and_rows(world):
    record = record_export(
        user=world.users["bureau"],
        kind="reconciliation",
        rows=3,
        description="2026",
        filters={"status": "not_enrolled", "csrfmiddlewaretoken": "x"},
        full_ids=True,
    )
    assert record.username == "bureau" and record.county == world.county and record.rows == 3
    assert record.filters == {"status": "not_enrolled"} and record.full_ids


def test_result_export_is_recorded_with_its_filters_and_row_count(world):
    response = as_user(world.users["bureau"]).get(
        reverse("subsidies:reconciliation_export"), {"year": 2026, "status": "not_enrolled", "format": "xlsx"}
    )
    assert response.status_code == 200
    record = ExportRecord.objects.exclude(pk=world.export_record.pk).get()
    assert record.kind == "reconciliation" and record.username == "bureau" and record.full_ids
    assert record.filters.get("status") == "not_enrolled"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert record.rows == sheet.max_row - 1


def test_batch_download_is_recorded(world):
    response = as_user(world.users["civil_affairs"]).get(
        reverse("subsidies:transfer_download_csv", kwargs={"pk": world.batch.pk})
    )
    assert response.status_code == 200
    record = ExportRecord.objects.exclude(pk=world.export_record.pk).get()
    assert record.kind == "transfer_batch" and record.rows == world.batch.lines.count()
    assert record.username == "civil_affairs"


def test_department_users_see_masked_ids_in_the_result_export(world):
    response = as_user(world.users["civil_affairs"]).get(reverse("subsidies:reconciliation_export"), {"year": 2026})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert ID_A not in body and ID_A[:6] in body
    assert not ExportRecord.objects.exclude(pk=world.export_record.pk).get().full_ids
