"""Every page with a year switch offers the same years and opens on the same one (one rule, one selector)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from quotas.models import QuotaTable
from subsidies.models import ReconciliationRun, RunStatus
from subsidies.reconciliation.selectors import benefit_years
from tests.builders.world import build_world

pytestmark = pytest.mark.django_db

YEAR_PAGES = (
    "home",
    "quotas:ranking",
    "quotas:progress_chart",
    "quotas:special_groups",
    "quotas:notice_list",
    "subsidies:reconciliation_results",
)


@pytest.fixture
def world(db):
    w = build_world()  # a policy, a finished run and a quota table for 2026
    QuotaTable.objects.create(county=w.county, year=2027, title="2027年参保任务")
    return w


def bureau(world) -> Client:
    c = Client()
    c.force_login(world.users["bureau"], backend="django.contrib.auth.backends.ModelBackend")
    return c


def test_the_county_years_include_the_quota_tables_registered_by_quotas(world):
    years = benefit_years(county_id=world.county.pk)
    assert years.years == [2027, 2026]
    assert years.last_run_year == 2026


def test_every_page_opens_on_the_last_run_year_not_the_newest_table(world):
    c = bureau(world)
    for name in YEAR_PAGES:
        response = c.get(reverse(name))
        assert response.status_code == 200, name
        assert response.context["year"] == 2026, name


def test_every_page_honours_a_year_the_county_has_and_ignores_one_it_has_not(world):
    c = bureau(world)
    for name in YEAR_PAGES:
        assert c.get(reverse(name) + "?year=2027").context["year"] == 2027, name
        assert c.get(reverse(name) + "?year=1999").context["year"] == 2026, name


def test_an_unfinished_run_does_not_move_the_opening_year(world):
    ReconciliationRun.objects.create(county=world.county, year=2027, as_of="2027-01-01", status=RunStatus.RUNNING)
    assert benefit_years(county_id=world.county.pk).year_to_open() == 2026


def test_a_year_without_a_quota_table_still_offers_the_switch_to_one_with(world):
    QuotaTable.objects.filter(county=world.county, year=2026).delete()
    html = bureau(world).get(reverse("quotas:ranking")).content.decode()
    assert 'name="year"' in html and '<option value="2027"' in html


def test_the_counterpart_report_form_starts_on_the_same_year(world):
    response = bureau(world).get(reverse("subsidies:transfer_counterpart"))
    assert response.context["form"]["year"].value() == 2026
