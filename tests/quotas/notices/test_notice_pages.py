"""The village notice on screen reads one page of each list at a time; the .xlsx holds the whole notice."""

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.models import Village
from enrollment.places.services import county_ensure
from quotas.models import QuotaTable
from quotas.notices import views
from subsidies.models import EnrolmentStatus as S
from tests.builders.factories import result
from tests.pages import tables

pytestmark = pytest.mark.django_db


@pytest.fixture
def village_notice(client, monkeypatch):
    monkeypatch.setattr(views, "NOTICE_PAGE_ROWS", 2)
    county = county_ensure(code="620721")
    village = Village.objects.create(township=county.townships.order_by("code").first(), name="甲村")
    QuotaTable.objects.create(county=county, year=2024, title="肃南参保任务")  # the county's year 2024
    for n in range(1, 6):
        result(county, village=village, status=S.ENROLLED if n % 2 else S.PROXY_ENROLLED, name=f"已缴{n}")
    result(county, village=village, status=S.UNDERPAID, name="未缴1")
    profile = staff_user_create(username="bureau", password="x-Pass-2026!", role=Role.BUREAU, county=county)
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    return village


def _rows(body):
    paid, unpaid = tables(body)
    return [row[:2] for row in paid[1:]], [row[:2] for row in unpaid[1:]]


def test_each_list_is_paged_and_numbered_across_its_pages(client, village_notice):
    url = reverse("quotas:notice", args=[village_notice.pk])
    body = client.get(url + "?year=2024").content.decode()
    assert _rows(body) == ([["1", "已缴1"], ["2", "已缴2"]], [["1", "未缴1"]])
    assert "已缴费名单（5 人）" in body and "未缴费名单（1 人）" in body
    assert "此处每页显示 2 人；打印整份公示请导出 .xlsx。" in body

    body = client.get(url + "?year=2024&paid-page=3").content.decode()
    assert _rows(body) == ([["5", "已缴5"]], [["1", "未缴1"]])


def test_the_page_reads_one_page_of_rows_whatever_the_village_size(client, village_notice):
    url = reverse("quotas:notice", args=[village_notice.pk]) + "?year=2024"
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    selects = [q["sql"] for q in queries.captured_queries if "reconciliationresult" in q["sql"].lower()]
    assert selects and all("LIMIT" in sql or "COUNT(" in sql.upper() for sql in selects)


def test_the_workbook_holds_the_whole_notice(client, village_notice):
    response = client.get(reverse("quotas:notice_xlsx", args=[village_notice.pk]) + "?year=2024")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in sheet.iter_rows(values_only=True) if row[1] and str(row[1]).startswith(("已缴", "未缴"))]
    assert names == ["已缴1", "已缴2", "已缴3", "已缴4", "已缴5", "未缴1"]


def test_each_lists_page_links_keep_the_year_and_the_other_lists_page(client, village_notice):
    url = reverse("quotas:notice", args=[village_notice.pk])
    body = client.get(url + "?year=2024&paid-page=2&unpaid-page=1").content.decode()
    assert 'href="?year=2024&amp;paid-page=1&amp;unpaid-page=1">上一页</a>' in body
    assert 'href="?year=2024&amp;paid-page=3&amp;unpaid-page=1">下一页</a>' in body
    assert "第 2 页，共 3 页" in body
    assert body.count('class="pagination"') == 1  # the unpaid list has one page: no pager
    # The wall never shows a full ID number (the links to the person's file: tests/people/test_person_page.py).
    paid, _unpaid = tables(body)
    assert [row[1] for row in paid[1:]] == ["已缴3", "已缴4"]
    assert [(len(row[2]), row[2][6:14]) for row in paid[1:]] == [(18, "********")] * 2
