"""Small fabricated data for the reconciliation tests: policies from the seed notices, people, rosters, payments."""

from __future__ import annotations

import io
import itertools
import random
from datetime import date, timedelta
from decimal import Decimal

from django.core.management import call_command

from enrollment.models import County, Household, Payment, Person, Township, Village
from subsidies.models import Category, Identity, Policy, RosterVersion
from tests.builders.idnumbers import id_number as make_id_number

_seq = itertools.count(1)


def id_number(*, area: str = "620721", born: str = "19800101", seq: int | None = None) -> str:
    """A valid 18-character resident ID number (correct check character)."""
    return make_id_number(next(_seq) if seq is None else seq, area=area, born=born)


def seeded(code: str, year: int) -> Policy:
    """The seed notice's policy as `seed_policies` loads it (the policy engine's data)."""
    call_command("seed_policies", counties=[code], stdout=io.StringIO())
    return Policy.objects.select_related("county").get(county__code=code, year=year)


def sunan_2024() -> Policy:
    """肃南 2024 (seed 001): standard 380, 380/310/250/100/100, top-up after full payment, enrolment by household."""
    return seeded("620721", 2024)


def sunan_for(year: int) -> Policy:
    """The 肃南 seed policy moved to `year` (collection from 1 January of the year before)."""
    import copy

    from subsidies.policies.seeds import SEED_POLICIES
    from subsidies.policies.services import policy_seed

    spec = copy.deepcopy(next(s for s in SEED_POLICIES if s["county"] == "620721"))
    spec.update(year=year, collection_start=date(year - 1, 1, 1), collection_end=date(year - 1, 12, 31))
    policy_seed(spec=spec)
    return Policy.objects.select_related("county").get(county__code="620721", year=year)


def zhuji_2023() -> Policy:
    """朱集 (灵璧) 2023 (seed 002): standard 350, 350/300/270/175/0, no subsidy after 2023-02-28 but for new people."""
    return seeded("341323", 2023)


def fuling_2023() -> Policy:
    """涪陵 2023 (seed 003): tier 1 = 350; collect-then-refund forbidden, so no top-up."""
    return seeded("500102", 2023)


def xiaoyi_2024() -> Policy:
    """孝义 2024 (seed 004): standard 380, subsidies as percentages and fixed amounts."""
    return seeded("141181", 2024)


def place(county: County, township: str = "", village: str = "一村") -> tuple[Township, Village]:
    t = Township.objects.filter(county=county, name=township).first() if township else None
    if t is None:
        t = county.townships.order_by("pk").first() or Township.objects.create(county=county, name="城关镇")
    v, _ = Village.objects.get_or_create(township=t, name=village)
    return t, v


def person(county: County, *, name: str = "张三", township: str = "", village: str = "一村", **extra) -> Person:
    t, v = place(county, township, village)
    number = extra.pop("id_number", None) or id_number()
    household = extra.pop("household", None)
    if isinstance(household, str):
        household, _ = Household.objects.get_or_create(county=county, number=household)
    return Person.objects.create(
        id_number=number,
        name=name,
        sex="M",
        birth_date=date(1980, 1, 1),
        county=county,
        township=t,
        village=v,
        household=household,
        **extra,
    )


def identity(
    county: County,
    who: Person | str,
    category_code: str,
    *,
    since: date,
    until: date | None = None,
    name: str | None = None,
    township: str = "",
    village: str = "",
) -> Identity:
    category = Category.objects.get(county=county, code=category_code)
    version = RosterVersion.objects.filter(county=county, department=category.department).first()
    if version is None:
        version = RosterVersion.objects.create(
            county=county, department=category.department, number=1, snapshot_date=since
        )
    number = who.id_number if isinstance(who, Person) else who
    return Identity.objects.create(
        county=county,
        department=category.department,
        category=category,
        id_number=number,
        name=name or (who.name if isinstance(who, Person) else "无名"),
        township_name=township,
        village_name=village,
        valid_from=since,
        valid_to=until,
        version=version,
    )


def payment(county: County, who: Person | str, amount: str, paid_on: date, *, year: int, tier: int = 1) -> Payment:
    number = who.id_number if isinstance(who, Person) else who
    return Payment.objects.create(
        county=county, id_number=number, year=year, amount=Decimal(amount), paid_on=paid_on, tier=tier
    )


def random_county(policy, *, seed: int, n: int = 150) -> list[str]:
    """A county of the policy's own categories: every tier and students, households, newborns, people without a
    township, employee-insurance leavers, identities starting and ending across the year, payments early, late,
    short, twice and refunded (a negative amount), roster-only people. Returns every ID number a run writes a
    result for."""
    rng = random.Random(seed)
    c = policy.county
    y = policy.year
    codes = list(Category.objects.filter(county=c).values_list("code", flat=True))
    assert len(codes) >= 5
    townships = ["甲乡", "乙镇", "丙乡"]
    for name in townships:
        Township.objects.get_or_create(county=c, name=name)
    numbers = []
    for i in range(n):
        born = date(y, 1, 1) + timedelta(days=rng.randrange(0, 200)) if i % 23 == 0 else date(1950 + i % 60, 5, 1)
        p = person(
            c,
            township=townships[i % 3],
            village=f"{i % 4}村",
            household=f"H{i // 3}" if i % 2 else None,
            id_number=id_number(area=c.code, born=born.strftime("%Y%m%d")),
        )
        left = date(y - 1, 11, 1) + timedelta(days=rng.randrange(0, 240)) if i % 13 == 0 else None
        Person.objects.filter(pk=p.pk).update(birth_date=born, is_student=i % 11 == 0, left_employee_insurance_on=left)
        if i % 17 == 0:
            Person.objects.filter(pk=p.pk).update(township=None, village=None)
        numbers.append(p.id_number)
        for _ in range(rng.choice([0, 0, 1, 1, 2, 3])):
            since = date(y - 2, 6, 1) + timedelta(days=rng.randrange(0, 900))
            until = since + timedelta(days=rng.randrange(10, 400)) if rng.random() < 0.3 else None
            identity(c, p, rng.choice(codes), since=since, until=until)
        for _ in range(rng.choice([0, 1, 1, 1, 2])):
            day = policy.collection_start + timedelta(days=rng.randrange(-20, 420))
            amount = rng.choice(["380", "350", "725", "70", "130", "280", "100", "35", "0.50", "-380"])
            payment(c, p, amount, day, year=y, tier=rng.choice([1, 1, 1, 2]))
    for _ in range(6):
        number = id_number(area=c.code)
        identity(c, number, rng.choice(codes), since=date(y - 1, 6, 1), name="名册外", township=townships[0])
        numbers.append(number)
    return numbers
