"""A county's today: the local date, unless the county carries an as-of date (only the demo county does)."""

import datetime

import pytest
from django.utils import timezone

from enrollment.places.clock import county_today
from enrollment.places.services import county_ensure
from subsidies.reconciliation.selectors import benefit_years

pytestmark = pytest.mark.django_db


def test_a_county_without_an_as_of_date_lives_in_the_present():
    county = county_ensure(code="620721")
    assert county.as_of is None  # what every county gets: nothing defaults to the demo's date
    assert county_today(county) == timezone.localdate()
    assert county_today(county.pk) == timezone.localdate()
    assert county_today(None) == timezone.localdate()


def test_a_county_with_an_as_of_date_treats_it_as_today_and_others_do_not():
    demo, other = county_ensure(code="620721"), county_ensure(code="341323")
    demo.as_of = datetime.date(2024, 3, 31)
    demo.save(update_fields=["as_of"])
    assert county_today(demo) == datetime.date(2024, 3, 31)
    assert county_today(demo.pk) == datetime.date(2024, 3, 31)
    assert county_today(other) == timezone.localdate()
    # The year a page opens on follows it: with no policy or run, the county's this year.
    assert benefit_years(county_id=demo.pk).year_to_open() == 2024
    assert benefit_years(county_id=other.pk).year_to_open() == timezone.localdate().year


def test_a_countys_now_is_its_as_of_day_at_the_current_time():
    from enrollment.places.clock import county_now

    demo, other = county_ensure(code="620721"), county_ensure(code="341323")
    demo.as_of = datetime.date(2024, 2, 29)
    demo.save(update_fields=["as_of"])
    before = timezone.localtime()
    at, present = county_now(demo), county_now(other)
    after = timezone.localtime()
    assert at.date() == datetime.date(2024, 2, 29) and timezone.is_aware(at)
    assert before.time() <= at.time() <= after.time() or before.date() != after.date()
    assert before <= present <= after
