"""The demo county: its users (one per role, fresh passwords) and its generated files loaded through the
import pipeline. It uses every app, so it sits at the top layer with the dashboard."""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, StaffProfile
from accounts.services import DEMO_DEPARTMENT_USERS, staff_user_create
from enrollment.demo.generator import DemoPolicy, _due, demo_townships, first_lists_of, write_campaign
from enrollment.imports.pipeline import import_file
from enrollment.models import County, ImportKind
from quotas.cases.services import case_record, cases_sync
from quotas.models import CaseReason, CaseStatus, FollowUpCase, QuotaTable
from quotas.progress.services import progress_snapshot_take
from subsidies.models import Category, CategoryAmount, Department, Policy
from subsidies.reconciliation.runs import reconcile
from subsidies.transfers.services import (
    batch_approve,
    batch_build,
    batch_check,
    batch_confirm,
    batch_mark_exported,
)

DEMO_MAKER = "jingban"


class DemoUser(NamedTuple):
    username: str
    password: str
    profile: StaffProfile


@transaction.atomic
def demo_users_create(*, county: County) -> list[DemoUser]:
    """One user per role (a department user per department, one township user), each with a fresh password."""
    # Two bureau users: jingban (经办) builds the transfer batches, bureau checks and approves them (maker-checker).
    specs = [
        ("bureau", Role.BUREAU, None, None),
        (DEMO_MAKER, Role.BUREAU, None, None),
        ("auditor", Role.AUDITOR, None, None),
    ]
    # A user per department the county's policies subsidise (a department with no category there has nothing to
    # show); a county without a policy yet gets one per department.
    used = set(Category.objects.filter(county=county).values_list("department__code", flat=True))
    for code, username in DEMO_DEPARTMENT_USERS.items():
        if not used or code in used:
            specs.append((username, Role.DEPARTMENT, Department.objects.get(code=code), None))
    # The township user keeps the township the demo gave it (the one with most follow-up cases, see below).
    existing = StaffProfile.objects.filter(user__username="xiangzhen", county=county, role=Role.TOWNSHIP).first()
    township = existing.township if existing else county.townships.order_by("code", "name").first()
    if township is not None:
        specs.append(("xiangzhen", Role.TOWNSHIP, None, township))
    users = []
    for username, role, department, township in specs:
        password = secrets.token_urlsafe(9)
        profile = staff_user_create(
            username=username, password=password, role=role, county=county, department=department, township=township
        )
        users.append(DemoUser(username, password, profile))
    return users


def demo_policy(*, county: County):
    """The county's latest policy as the demo generator needs it (categories by department, personal due)."""
    policy = Policy.objects.filter(county=county).order_by("-year").prefetch_related("tiers").first()
    if policy is None:
        return None
    tier = policy.tiers.order_by("number").first()
    standard = tier.standard if tier else Decimal(380)
    categories: dict[str, list] = {}
    amounts = CategoryAmount.objects.filter(policy_category__policy=policy, tier=tier).select_related(
        "policy_category__category__department"
    )
    for amount in amounts:
        category = amount.policy_category.category
        categories.setdefault(category.department.code, []).append(
            (category.name, _due(standard, amount.kind, amount.value))
        )
    return DemoPolicy(policy.year, standard, policy.collection_start, policy.collection_end, categories)


def demo_county_load(*, county: County, files: dict[str, Path], snapshot_date: datetime.date | None = None) -> list:
    """Import the generated register, rosters and payments (the register's and payments' bad rows skipped, as
    staff would after a look; a roster is taken whole or not at all)."""
    jobs = [import_file(kind=ImportKind.REGISTER, county=county, path=files["register"], skip_rejected=True)]
    for role, path in files.items():
        if role.startswith("roster:"):
            department = Department.objects.get(code=role.split(":", 1)[1])
            jobs.append(
                import_file(
                    kind=ImportKind.ROSTER,
                    county=county,
                    path=path,
                    department=department,
                    snapshot_date=snapshot_date,
                )
            )
    jobs.append(import_file(kind=ImportKind.PAYMENTS, county=county, path=files["payments"], skip_rejected=True))
    return jobs


# --- the campaign: the demo county at a realistic point of its benefit year -----------------------------------------

# Progress snapshots are taken on Mondays at 15:00 (the beat's default, SNAPSHOT_DAYS/SNAPSHOT_HOUR).
SNAPSHOT_HOUR = 15
EVIDENCE_PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82"
)
# What the township user finds when visiting the people the reconciliation lists as not enrolled.
CASE_NOTES = [
    (CaseReason.WORKING, "在新疆务工，电话联系本人，答应下月返乡后缴费。", False, False),
    (CaseReason.EMPLOYEE_INSURANCE, "已在张掖市参加职工医保，单位出具参保证明。", True, True),
    (CaseReason.STUDYING, "在兰州上大学，已随学校参保。", True, True),
    (CaseReason.MARRIED_AWAY, "已嫁至临泽县，户口尚未迁出。", False, False),
    (CaseReason.REFUSED, "本人表示今年不参保，已告知待遇等待期。", False, False),
    (CaseReason.ELSEWHERE, "户籍在本乡，常住酒泉，已在酒泉参保。", True, True),
]


@dataclass(frozen=True)
class CampaignPlan:
    """When things happen in the demo county's benefit year `year`, up to `as_of`."""

    year: int
    as_of: datetime.date
    first_lists: datetime.date  # the register and the departments' lists for the year (the end of August)
    import_days: list[datetime.date]  # the tax bureau's payment details (every other Monday, and `as_of`)
    snapshots: list[datetime.date]  # those Mondays: a progress snapshot after the day's imports
    roster_versions: list[datetime.date]  # the departments' monthly rosters after the year's first list
    batch_months: list[datetime.date]  # the months so far of the benefit year; all but the last approved


# The tax bureau's payment details arrive, and a progress snapshot is taken, every other Monday: weekly doubles
# the imports (each reconciles its people) and takes `setup_demo` past the minute `make run` may spend.
SNAPSHOT_EVERY_WEEKS = 2


def campaign_plan(policy: DemoPolicy) -> CampaignPlan:
    """The end of March of the benefit year; payments imported and snapshots taken every other Monday from the
    collection's start; rosters at the end of January and February; batches for January to March (pure)."""
    year = policy.year
    as_of = datetime.date(year, 3, 31)
    first = policy.window_start + datetime.timedelta(days=(7 - policy.window_start.weekday()) % 7 or 7)
    mondays = []
    day = first
    while day <= as_of:
        mondays.append(day)
        day += datetime.timedelta(weeks=SNAPSHOT_EVERY_WEEKS)
    february_end = datetime.date(year, 3, 1) - datetime.timedelta(days=1)
    return CampaignPlan(
        year=year,
        as_of=as_of,
        first_lists=first_lists_of(year),
        import_days=sorted({*mondays, as_of}),
        snapshots=mondays,
        roster_versions=[datetime.date(year, 1, 31), february_end],
        batch_months=[datetime.date(year, 1, 1), datetime.date(year, 2, 1), datetime.date(year, 3, 1)],
    )


def _month_end(first: datetime.date) -> datetime.date:
    return (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(days=1)


def _user(username: str):
    return StaffProfile.objects.select_related("user").get(user__username=username).user


def _county_clock_set(county: County, day: datetime.date) -> None:
    County.objects.filter(pk=county.pk).update(as_of=day)
    county.as_of = day


def demo_campaign_run(*, county: County, files: dict[str, Path], output: Path, persons: int, seed: int = 1, log=None):
    """Carry the demo county through its campaign with the site's own services, day by day, its as-of date
    (`enrollment.places.clock`) moving with them so that every service dates its work on the demo's day:
    the register and the year's first rosters, the departments' monthly rosters, the newborns and the
    payment details (import pipeline, each import reconciling the people it changed), a progress snapshot
    every other Monday, the month's transfer batches (built by jingban, checked and approved by bureau, exported and
    confirmed; the current month's left a draft for its checker), and the township user's follow-up notes.
    The county's as-of date ends on `plan.as_of`, which the site then treats as today for it."""
    log = log or (lambda message: None)
    policy = demo_policy(county=county)
    plan = campaign_plan(policy)
    townships = list(county.townships.values_list("name", flat=True)) or demo_townships(county.code)
    campaign = write_campaign(
        output=output,
        files=files,
        county_code=county.code,
        persons=persons,
        policy=policy,
        townships=townships,
        versions=plan.roster_versions,
        import_days=plan.import_days,
        as_of=plan.as_of,
        seed=seed,
    )
    table = QuotaTable.objects.filter(county=county, year=plan.year).first()
    maker, checker = _user(DEMO_MAKER), _user("bureau")
    department_users = {
        profile.department.code: profile.user
        for profile in StaffProfile.objects.filter(county=county, role=Role.DEPARTMENT).select_related(
            "user", "department"
        )
    }

    def load(kind, path, *, day, department=None, **extra):
        job = import_file(
            kind=kind,
            county=county,
            path=path,
            user=department_users.get(department.code) if department else checker,
            department=department,
            **extra,
        )
        log(f"{day} {job.original_name}: {job.get_status_display()} {job.rows_accepted} {job.message}")

    _county_clock_set(county, plan.first_lists)
    load(ImportKind.REGISTER, files["register"], day=plan.first_lists, skip_rejected=True)
    for key, path in sorted(files.items()):
        if key.startswith("roster:"):
            department = Department.objects.get(code=key.split(":", 1)[1])
            load(ImportKind.ROSTER, path, day=plan.first_lists, department=department, snapshot_date=plan.first_lists)

    months = {_month_end(m): m for m in plan.batch_months}
    for day in sorted({*plan.import_days, *plan.roster_versions, *months}):
        _county_clock_set(county, day)
        for code, path in campaign.rosters.get(day, {}).items():
            department = Department.objects.get(code=code)
            load(ImportKind.ROSTER, path, day=day, department=department, snapshot_date=day)
        if day in campaign.newborns:
            load(ImportKind.REGISTER, campaign.newborns[day], day=day, skip_rejected=True)
        if day in campaign.payments:
            load(ImportKind.PAYMENTS, campaign.payments[day], day=day, skip_rejected=True)
        # Each committed import has started an incremental run of its people (`subsidies.tasks`, after the commit);
        # this one finds what is left, if anything: inside an outer transaction (a test) nothing has run yet.
        reconcile(county=county, year=plan.year)
        if day in plan.snapshots and table is not None:
            taken = timezone.make_aware(datetime.datetime.combine(day, datetime.time(SNAPSHOT_HOUR)))
            progress_snapshot_take(table=table, taken_at=taken)
        if day in months:
            built = batch_build(county=county, month=months[day], user=maker)
            log(f"{day} batches {[b.number for b in built.batches]}: {built.lines} lines")
            if months[day] != plan.batch_months[-1]:
                for batch in built.batches:
                    batch_check(batch_id=batch.pk, user=checker, note="已逐条核对。")
                    batch_approve(batch_id=batch.pk, user=checker)
                    batch_mark_exported(batch_id=batch.pk, user=checker)
                    batch_confirm(batch_id=batch.pk, user=maker, note="财政已拨付。")
    _county_clock_set(county, plan.as_of)
    _follow_up_notes(county=county, year=plan.year)
    return plan


def _follow_up_notes(*, county: County, year: int) -> None:
    """The township user, placed in the township with most open cases, records what the visits found for the
    first of them (some with a photo of the certificate, those covered elsewhere closed)."""
    # Each run has synced the cases after its commit; inside an outer transaction (a test) none has yet.
    cases_sync(county_id=county.pk, year=year)
    profile = StaffProfile.objects.filter(county=county, role=Role.TOWNSHIP).select_related("user").first()
    open_cases = FollowUpCase.objects.filter(county=county, year=year, status=CaseStatus.OPEN)
    busiest = (
        open_cases.exclude(township=None)
        .values_list("township_id", flat=True)
        .annotate(n=Count("id"))
        .order_by("-n", "township_id")
        .first()
    )
    if profile is None or busiest is None:
        return
    if profile.township_id != busiest:
        # The township user works where the visits are: the township with most open cases.
        profile.township_id = busiest
        profile.save(update_fields=["township"])
    cases = open_cases.filter(township_id=busiest)
    for case, (reason, note, evidence, close) in zip(cases.order_by("pk")[: len(CASE_NOTES)], CASE_NOTES, strict=False):
        case_record(
            case=case,
            user=profile.user,
            reason=reason,
            note=note,
            evidence_file=ContentFile(EVIDENCE_PNG, name="证明.png") if evidence else None,
            close=close,
        )
