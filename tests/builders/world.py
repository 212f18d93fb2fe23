"""A small county with one object of every model, and one user of every role, for the permission matrix.

Everything "own" belongs to county A, department civil_affairs (民政) and township A; the other users are
a department of every other kind, a user of township B, and a bureau user of county B. `world.objects`
maps a key (a model label like "subsidies.rosterversion", or a name the URL table uses) to the object.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role, StaffProfile
from accounts.services import staff_user_create
from enrollment import models as em
from enrollment.places.services import county_ensure
from quotas import models as qm
from subsidies import models as sm
from tests.builders.idnumbers import valid_id

PASSWORD = "Matrix-pass-2026!"
OWN_DEPARTMENT = "civil_affairs"
OTHER_DEPARTMENTS = ("rural_revitalization", "disabled_federation", "veterans_affairs")


# A valid resident ID number of county A (checksum correct).
ID_A = valid_id("62072119600101001")


@dataclass
class World:
    users: dict[str, object] = field(default_factory=dict)
    objects: dict[str, object] = field(default_factory=dict)

    def __getattr__(self, name):
        try:
            return self.__dict__["objects"][name]
        except KeyError as exc:
            raise AttributeError(name) from exc


def build_world() -> World:
    w = World()
    county = county_ensure(code="620721")
    county_b = county_ensure(code="620722")
    townships = list(county.townships.order_by("code")[:2])
    if len(townships) < 2:
        townships = [
            em.Township.objects.get_or_create(county=county, name=f"乡镇{i}", defaults={"code": f"620721{i:03d}"})[0]
            for i in (1, 2)
        ]
    town_a, town_b = townships
    village = em.Village.objects.create(township=town_a, code="620721001001", name="甲村")
    em.Village.objects.create(township=town_b, code="620721002001", name="乙村")
    dept = sm.Department.objects.get(code=OWN_DEPARTMENT)

    def user(key, role, *, c=county, department=None, township=None, is_staff=None):
        profile = staff_user_create(
            username=key, password=PASSWORD, role=role, county=c, department=department, township=township
        )
        if is_staff is not None:
            profile.user.is_staff = is_staff
            profile.user.save(update_fields=["is_staff"])
        w.users[key] = profile.user

    user("bureau", Role.BUREAU)
    user("auditor", Role.AUDITOR)
    user(OWN_DEPARTMENT, Role.DEPARTMENT, department=dept)
    for code in OTHER_DEPARTMENTS:
        user(code, Role.DEPARTMENT, department=sm.Department.objects.get(code=code))
    user("township", Role.TOWNSHIP, township=town_a)
    user("other_township", Role.TOWNSHIP, township=town_b)
    user("other_county_bureau", Role.BUREAU, c=county_b)
    # A department user wrongly marked as staff must still be kept out of the admin.
    user("staff_department", Role.DEPARTMENT, department=dept, is_staff=True)
    w.users["superuser"] = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)

    o = w.objects
    o["county"] = county
    o["township"] = town_a
    o["village"] = village
    o["department"] = dept
    o["fund"] = fund = sm.Fund.objects.create(code="civil_affairs_fund", name="民政资金", department=dept)
    o["category"] = category = sm.Category.objects.create(
        county=county, code="dibao", name="低保对象", department=dept, is_low_income=True
    )
    o["household"] = household = em.Household.objects.create(county=county, number="H0001")
    o["person"] = em.Person.objects.create(
        id_number=ID_A,
        name="张三",
        sex=em.Sex.MALE,
        birth_date=datetime.date(1960, 1, 1),
        county=county,
        township=town_a,
        village=village,
        household=household,
    )
    o["import_job"] = job = em.ImportJob.objects.create(
        kind=em.ImportKind.ROSTER,
        status=em.ImportStatus.COMMITTED,
        county=county,
        department=dept,
        snapshot_date=datetime.date(2026, 1, 31),
        file=ContentFile(b"\xef\xbb\xbf\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81\n", name="roster.csv"),
        original_name="roster.csv",
        rows_total=1,
        rows_processed=1,
        rows_accepted=1,
    )
    o["payment"] = em.Payment.objects.create(
        county=county,
        id_number=ID_A,
        name="张三",
        year=2026,
        amount=Decimal("400.00"),
        paid_on=datetime.date(2025, 10, 9),
    )
    o["roster_version"] = version = sm.RosterVersion.objects.create(
        county=county, department=dept, number=1, snapshot_date=datetime.date(2026, 1, 31), import_job=job, rows=1
    )
    o["roster_change"] = sm.RosterChange.objects.create(
        version=version, kind=sm.RosterChange.Kind.ADDED, id_number=ID_A, name="张三", new_category=category
    )
    o["identity"] = sm.Identity.objects.create(
        county=county,
        department=dept,
        category=category,
        id_number=ID_A,
        name="张三",
        valid_from=datetime.date(2025, 1, 1),
        version=version,
    )
    o["dirty_person"] = sm.DirtyPerson.objects.create(county=county, id_number=ID_A)
    o["policy"] = policy = sm.Policy.objects.create(
        county=county,
        year=2026,
        title="2026年度城乡居民医保参保资助政策",
        collection_start=datetime.date(2025, 9, 1),
        collection_end=datetime.date(2025, 12, 31),
        fiscal_subsidy=Decimal("700.00"),
    )
    o["tier"] = tier = sm.Tier.objects.create(policy=policy, number=1, standard=Decimal("400.00"))
    o["fiscal_share"] = sm.FiscalShare.objects.create(policy=policy, level=sm.FiscalLevel.CENTRAL, percent=80)
    o["policy_category"] = pc = sm.PolicyCategory.objects.create(
        policy=policy, category=category, fund=fund, priority=1
    )
    o["category_amount"] = sm.CategoryAmount.objects.create(policy_category=pc, tier=tier, value=Decimal("200.00"))
    o["mid_year_rule"] = sm.MidYearRule.objects.create(
        policy=policy,
        name="集中征缴期后",
        applies_from=datetime.date(2026, 1, 1),
        applies_to=datetime.date(2026, 12, 31),
        start=sm.MidYearRule.Start.AFTER_DAYS,
        wait=90,
    )
    o["special_rule"] = sm.SpecialEnrolmentRule.objects.create(
        policy=policy,
        kind=sm.SpecialEnrolmentRule.Kind.NEWBORN,
        grace=90,
        grace_unit=sm.SpecialEnrolmentRule.Unit.DAYS,
        start_within=sm.MidYearRule.Start.IMMEDIATE,
    )
    o["run"] = run = sm.ReconciliationRun.objects.create(
        county=county, year=2026, as_of=datetime.date(2026, 2, 1), status=sm.RunStatus.DONE
    )
    o["result"] = sm.ReconciliationResult.objects.create(
        county=county,
        year=2026,
        id_number=ID_A,
        name="张三",
        township=town_a,
        village=village,
        reference_date=datetime.date(2025, 12, 31),
        category=category,
        department=dept,
        fund=fund,
        subsidy=Decimal("200.00"),
        personal_due=Decimal("200.00"),
        status=sm.EnrolmentStatus.NOT_ENROLLED,
        run=run,
    )
    o["batch"] = batch = sm.TransferBatch.objects.create(
        county=county, fund=fund, month=datetime.date(2026, 1, 1), number="620721-civil-202601"
    )
    o["batch_event"] = sm.BatchEvent.objects.create(batch=batch, status=sm.BatchStatus.DRAFT)
    o["transfer_line"] = sm.TransferLine.objects.create(
        batch=batch,
        year=2026,
        id_number=ID_A,
        name="张三",
        township=town_a,
        category=category,
        kind=sm.LineKind.PROXY,
        amount=Decimal("200.00"),
    )
    o["case"] = qm.FollowUpCase.objects.create(
        county=county, year=2026, id_number=ID_A, name="张三", township=town_a, village=village, department=dept
    )
    o["quota_table"] = table = qm.QuotaTable.objects.create(county=county, year=2026, title="2026年参保任务")
    o["quota_unit"] = unit = qm.QuotaUnit.objects.create(
        table=table, seq=1, name=town_a.name, kind=qm.UnitKind.TOWNSHIP, township=town_a, target=100
    )
    o["snapshot"] = snap = qm.ProgressSnapshot.objects.create(table=table, taken_at=timezone.now())
    o["snapshot_row"] = qm.SnapshotRow.objects.create(
        snapshot=snap, unit=unit, enrolled=50, target=100, rate=Decimal("0.5"), rank=1
    )
    o["staff_profile"] = StaffProfile.objects.get(user=w.users["township"])
    o["user"] = w.users["township"]
    o["group"] = Group.objects.create(name="matrix")
    from accounts.exports import record_export

    o["export_record"] = record_export(user=w.users["bureau"], kind="reconciliation", rows=1, full_ids=True)
    _add_framework_objects(w)
    _add_extra_objects(w)
    # Rows loaded by data migrations have no history yet: one save gives their history pages a record.
    for obj in w.objects.values():
        if hasattr(type(obj), "history") and obj is not None and not obj.history.exists():
            obj.save()
    return w


def _add_framework_objects(w: World) -> None:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.contrib.contenttypes.models import ContentType
    from django.contrib.sessions.models import Session

    o = w.objects
    o["access_attempt"] = AccessAttempt.objects.create(
        username="nobody", ip_address="10.0.0.9", user_agent="t", failures_since_start=1
    )
    o["access_log"] = AccessLog.objects.create(username="bureau", ip_address="10.0.0.9", user_agent="t")
    o["access_failure_log"] = AccessFailureLog.objects.create(username="x", ip_address="10.0.0.9", user_agent="t")
    o["content_type"] = ContentType.objects.get_for_model(sm.Policy)
    o["session"] = Session.objects.first()


def _add_extra_objects(w: World) -> None:
    """Objects of models added after the matrix was first written (one hook per area, keep it small)."""
    for hook in EXTRA_OBJECT_HOOKS:
        hook(w)


def _quotas_objects(w: World) -> None:
    """The case carries an evidence file, so its access-checked download has something to serve."""
    w.objects["case"].evidence.save("matrix.png", ContentFile(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16), save=True)


def _people_objects(w: World) -> None:
    """One opening of the person's file, for the admin's read-only log."""
    from people.models import FileOpening, FilePage

    w.objects["file_opening"] = FileOpening.objects.create(
        user=w.users["bureau"], username="bureau", county=w.county, id_number=ID_A, page=FilePage.PERSON, year=2026
    )


EXTRA_OBJECT_HOOKS: list = [_quotas_objects, _people_objects]


def model_object(w: World, model) -> object | None:
    """The world's object of this model (for admin object URLs), found by type."""
    for obj in w.objects.values():
        if type(obj) is model:
            return obj
    return None
