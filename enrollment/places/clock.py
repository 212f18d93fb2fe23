"""Today as a county's pages and services see it.

A county normally lives in the present: its today is the local date. The demo county of `make run` is set at a
point of its campaign instead (`County.as_of`, written by `setup_demo`), so that "this month", the year a page
opens on and a reconciliation's as-of date follow the demo's date. Production counties never carry an as-of
date: nothing but the demo writes it.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from enrollment.places.models import County


def county_today(county) -> datetime.date:
    """The county's today: its as-of date when it has one (the demo county), else the local date.

    `county` is a County, its primary key, or None (no county: the local date)."""
    if county is None:
        return timezone.localdate()
    if isinstance(county, County):
        as_of = county.as_of
    else:
        as_of = County.objects.filter(pk=county).values_list("as_of", flat=True).first()
    return as_of or timezone.localdate()


def county_now(county) -> datetime.datetime:
    """The county's present moment: now, or, for a county with an as-of date, that day at the current local time
    (a snapshot taken in the demo county is dated inside its campaign, after the ones that led there)."""
    now = timezone.localtime()
    today = county_today(county)
    if today == now.date():
        return now
    return now.replace(year=today.year, month=today.month, day=today.day)
