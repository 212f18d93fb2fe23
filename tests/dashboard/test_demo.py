"""The demo county `setup_demo` builds (`make run`): a county in the middle of its campaign, built by the site's
own services, whose pages each role opens first all have something to show.

One run of `setup_demo` on an empty database at a small size (the campaign's steps cost per import, not per
person), read through the pages as each demo user sees them; then a second run that must change nothing.
"""

import datetime
import io
import re

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from dashboard.demo import campaign_plan, demo_policy
from enrollment.models import County, ImportJob, ImportKind, ImportStatus, Payment, Person
from enrollment.places.clock import county_today
from quotas.models import CaseStatus, FollowUpCase, ProgressSnapshot
from subsidies.models import BatchStatus, RosterVersion, TransferBatch

pytestmark = pytest.mark.django_db

COUNTY = "620721"
PERSONS = 1000  # enough for open follow-up cases in a township; the steps cost per import, not per person
# What an empty page says ("nothing yet", "no … yet", "none"): none of the demo's pages may say it.
EMPTY = re.compile("暂无|尚无|没有")
USERS = ["bureau", "jingban", "auditor", "minzheng", "xiangcun", "xiangzhen"]


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        return {
            model._meta.db_table: model.objects.count()
            for model in apps.get_models(include_auto_created=True)
            if model._meta.db_table in connection.introspection.table_names(cursor)
        }


def _text(html: str) -> str:
    """The page's words, one space between them (scripts and tags left out)."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _page(client, username, name, **params):
    client.force_login(get_user_model().objects.get(username=username))
    response = client.get(reverse(name), params)
    assert response.status_code == 200, (username, name)
    body = response.content.decode()
    found = [body[max(0, m.start() - 300) : m.end() + 40] for m in EMPTY.finditer(body)]
    assert found == [], (username, name)
    return body


def _setup_demo(tmp_path) -> str:
    out = io.StringIO()
    call_command("setup_demo", county=COUNTY, persons=PERSONS, output=str(tmp_path / "files"), stdout=out)
    return out.getvalue()


def test_setup_demo_builds_a_county_in_the_middle_of_its_campaign_and_twice_changes_nothing(tmp_path, settings, client):
    """One set-up (it takes a few seconds): its history, the pages each role opens, then a second run."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    demo = _setup_demo(tmp_path)
    _history(demo)
    _pages(client)
    _second_run(tmp_path)


def _history(demo):
    # Every demo user is printed with its password (a department the policy does not subsidise has none).
    users = set(get_user_model().objects.filter(staff__isnull=False).values_list("username", flat=True))
    assert users == set(USERS)
    for username in USERS:
        assert f"  {username} " in demo
    county = County.objects.get(code=COUNTY)
    assert county.as_of == datetime.date(2024, 3, 31)
    assert county_today(county) == datetime.date(2024, 3, 31)
    assert "2024-03-31" in demo
    # The plan is pure: snapshots every other Monday from the collection's start, the months so far.
    plan = campaign_plan(demo_policy(county=county))
    assert plan.snapshots[:3] == [datetime.date(2023, 9, 11), datetime.date(2023, 9, 25), datetime.date(2023, 10, 9)]
    assert plan.snapshots[-1] == datetime.date(2024, 3, 25)
    assert list(ProgressSnapshot.objects.order_by("taken_at").values_list("taken_at__date", flat=True)) == (
        plan.snapshots
    )
    # Every import went through the pipeline and was committed.
    jobs = ImportJob.objects.filter(county=county)
    assert set(jobs.values_list("status", flat=True)) == {ImportStatus.COMMITTED}
    assert jobs.filter(kind=ImportKind.ROSTER).count() == 6  # two departments, three versions each
    assert Payment.objects.filter(county=county, amount__lt=0).count() == 1  # the refund
    assert Payment.objects.filter(county=county, paid_on__gt=datetime.date(2023, 12, 31)).count() > 5


def _pages(client):
    county = County.objects.get(code=COUNTY)
    for username in USERS:
        _page(client, username, "home")
    # The month's figures follow the demo's March (the site's "this month" is the county's as-of date).
    home = _text(_page(client, "bureau", "home"))
    assert "3月应划拨资助 1,180.00 已入划拨批次 1,180.00 元" in home
    department = _text(_page(client, "minzheng", "home"))
    assert "2024-03 本部门资金" in department and "医疗救助资金 2 620.00 620721-202403-medical_assistance · 草稿" in (
        department
    )
    assert "本月名册须于 2024-03-31 前报送" in department

    # The trend with every snapshot, and the ranking's change since the snapshot before.
    chart = _text(_page(client, "bureau", "quotas:progress_chart"))
    assert ProgressSnapshot.objects.count() == 15
    assert "马蹄乡（09-11 15:00：0.1%，09-25 15:00：0.7%，10-09 15:00：0.9%" in chart
    ranking = _text(_page(client, "xiangzhen", "quotas:ranking"))
    assert "完成率 较上次快照变化 名次变化 连续两次排名后三位 4 马蹄乡 乡镇（街道） 4,427 123 2.78% +0.00 0" in ranking

    # Roster versions with a diff: the latest of each department added, removed and re-categorised people.
    versions = _text(_page(client, "minzheng", "subsidies:roster_versions"))
    assert "3 民政 2024-02-29 52 2 1 1 49 minzheng" in versions
    assert "2 民政 2024-01-31 51 2 1 1 48 minzheng" in versions
    latest = RosterVersion.objects.filter(county=county, department__code="civil_affairs").order_by("-number").first()
    assert (latest.number, latest.snapshot_date) == (3, datetime.date(2024, 2, 29))
    assert latest.added > 0 and latest.removed > 0 and latest.changed > 0
    assert latest.created_by.username == "minzheng"

    # January and February approved (built by jingban, approved by bureau) and confirmed; March a draft.
    batches = _text(_page(client, "bureau", "subsidies:transfer_list"))
    by_month = {
        (b.month, b.status)
        for b in TransferBatch.objects.filter(county=county).select_related("built_by")
        if b.built_by.username == "jingban"
    }
    assert {status for month, status in by_month if month.month in (1, 2)} == {BatchStatus.CONFIRMED}
    assert {status for month, status in by_month if month.month == 3} == {BatchStatus.DRAFT}
    assert "620721-202403-medical_assistance 2024-03 医疗救助资金 草稿 2 620.00" in batches
    assert "620721-202401-medical_assistance 2024-01 医疗救助资金 已确认 41 12480.00" in batches

    # Follow-up cases, some with the reason and evidence the township user recorded.
    cases = _page(client, "xiangzhen", "quotas:case_list")
    recorded = FollowUpCase.objects.filter(county=county, recorded_by__username="xiangzhen")
    assert recorded.count() >= 3 and recorded.exclude(evidence="").exists()
    assert recorded.filter(status=CaseStatus.CLOSED).exists()
    for case in recorded.filter(status=CaseStatus.OPEN):
        assert case.get_reason_display() in cases


def _second_run(tmp_path):
    """`make run` runs setup_demo on every start: the second run prints new passwords and changes no table."""
    before = _counts()
    assert before["enrollment_person"] == Person.objects.count() > PERSONS * 0.9
    printed = _setup_demo(tmp_path)
    assert "演示区县已载入：未重复导入。" in printed
    assert _counts() == before
