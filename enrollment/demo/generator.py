"""A realistic synthetic county: register, department rosters with overlaps, payments and a quota table.

The categories, standard and collection window come from the county's seeded policy (the latest year);
ID numbers are valid numbers on the county's real area code; a controllable share of rows carries the
damage real files carry (Excel's 6.20721E+17, trailing 000, .0, typos, impossible birth dates).
"""

from __future__ import annotations

import csv
import datetime
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from enrollment.idnumbers import make_id
from enrollment.places.reference import TOWNSHIPS

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈安"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鑫波斌宇浩凯健俊帆帅旭宁龙林欣悦雪琳晨阳"
VILLAGE_WORDS = "红湾大河马蹄皇城康乐明花祁丰白银东柳西柳泉水黄草石岗滩口山前山后新庄上寨下寨寺沟"
ROSTER_SHARE = {
    "civil_affairs": 0.05,
    "rural_revitalization": 0.06,
    "disabled_federation": 0.02,
    "veterans_affairs": 0.01,
}
ROSTER_FILES = {
    "civil_affairs": "roster_civil_affairs.csv",
    "rural_revitalization": "roster_rural_revitalization.csv",
    "disabled_federation": "roster_disabled_federation.csv",
    "veterans_affairs": "roster_veterans_affairs.csv",
}


@dataclass
class DemoPerson:
    id_number: str
    name: str
    birth: datetime.date
    township: str
    village: str
    household: str
    relation: str
    student: bool


@dataclass
class DemoPolicy:
    year: int
    standard: Decimal
    window_start: datetime.date
    window_end: datetime.date
    categories: dict[str, list[tuple[str, Decimal]]]  # department code → [(category name, personal due)]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _damage(number: str, rng: random.Random) -> str:
    kind = rng.randrange(5)
    if kind == 0:
        return f"{float(number[:17] + '0'):.5E}"  # 6.20721E+17
    if kind == 1:
        return number[:15] + "000"
    if kind == 2 and number[-1] != "X":  # a number ending in X is text to Excel: it never gets a .0
        return number + ".0"
    if kind in (2, 3):
        digit = str((int(number[10]) + 1) % 10)
        return number[:10] + digit + number[11:]  # a typo: the check character no longer fits
    return number[:6] + "2099" + number[10:]


def generate_people(
    *, county_code: str, persons: int, seed: int, townships: list[str], today: datetime.date | None = None
) -> list[DemoPerson]:
    """The people of a county; `today` (default: the real one) bounds birth dates and sets ages."""
    rng = random.Random(seed)
    today = today or datetime.date.today()
    villages = {
        t: [
            rng.choice(VILLAGE_WORDS) + rng.choice(VILLAGE_WORDS) + ("村" if k % 5 else "社区")
            for k in range(rng.randint(4, 9))
        ]
        for t in townships
    }
    for t, names in villages.items():
        villages[t] = list(dict.fromkeys(names))
    people: list[DemoPerson] = []
    used: set[str] = set()
    household = 0
    while len(people) < persons:
        household += 1
        township = rng.choice(townships)
        village = rng.choice(villages[township])
        number = f"{county_code}{household:08d}"
        size = min(rng.choice((1, 2, 3, 3, 4, 4, 5, 6)), persons - len(people))
        surname = rng.choice(SURNAMES)
        head_birth = datetime.date(rng.randint(1940, 1995), rng.randint(1, 12), rng.randint(1, 28))
        for member in range(size):
            if member == 0:
                birth, relation = head_birth, "户主"
            elif member == 1:
                birth, relation = head_birth + datetime.timedelta(days=rng.randint(-1500, 1500)), "配偶"
            else:
                birth = head_birth + datetime.timedelta(days=rng.randint(20 * 365, 35 * 365))
                relation = "子女"
                if birth > today:
                    birth = today - datetime.timedelta(days=rng.randint(30, 3000))
            while True:
                sequence = rng.randint(1, 999)
                id_number = make_id(county_code, birth, sequence)
                if id_number not in used:
                    used.add(id_number)
                    break
            name = (surname if relation != "配偶" else rng.choice(SURNAMES)) + _name(rng)[1:]
            age = (today - birth).days // 365
            people.append(
                DemoPerson(
                    id_number, name, birth, township, village, number, relation, 18 <= age <= 22 and rng.random() < 0.5
                )
            )
    return people


REGISTER_HEADER = ["身份证号码", "姓名", "乡镇（街道）", "村（社区）", "户号", "与户主关系", "是否学生"]


def write_register(
    path: Path, people: list[DemoPerson], *, encoding: str, id_text: Callable[[str], str] | None = None
) -> Path:
    """The bureau's population extract as a CSV: one row per person, household by household, as counties export
    it (so ID numbers come in no particular order). `id_text` may damage a number the way real files do."""
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(REGISTER_HEADER)
        for p in people:
            writer.writerow(
                [
                    id_text(p.id_number) if id_text else p.id_number,
                    p.name,
                    p.township,
                    p.village,
                    p.household,
                    p.relation,
                    "是" if p.student else "",
                ]
            )
    return path


def _due(standard: Decimal, kind: str, value: Decimal) -> Decimal:
    subsidy = (standard * value / 100).quantize(Decimal("0.01"), ROUND_HALF_UP) if kind == "percent" else value
    return max(Decimal(0), standard - min(subsidy, standard))


def first_lists_of(year: int) -> datetime.date:
    """The date of the departments' first lists for benefit year `year`: 31 August of the year before."""
    return datetime.date(year - 1, 8, 31)


def write_demo(
    *,
    output: Path,
    county_code: str,
    persons: int,
    policy: DemoPolicy | None,
    townships: list[str],
    damaged_share: float = 0.01,
    seed: int = 1,
    encoding: str = "gb18030",
    today: datetime.date | None = None,
) -> dict[str, Path]:
    """Write the demo files; return their paths by role (register, payments, quotas, roster:<department>).
    `today` (default: the real one) is the day the files are written on: nobody is born or pays after it."""
    output.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed + 1)
    today = today or datetime.date.today()
    people = generate_people(county_code=county_code, persons=persons, seed=seed, townships=townships, today=today)
    files: dict[str, Path] = {}

    def damaged(number: str) -> str:
        return _damage(number, rng) if rng.random() < damaged_share else number

    files["register"] = write_register(output / "register.csv", people, encoding=encoding, id_text=damaged)

    certified: dict[str, Decimal] = {}  # id → personal due of the highest identity
    year = policy.year if policy else datetime.date.today().year + 1
    window_start = policy.window_start if policy else datetime.date(year - 1, 9, 1)
    window_end = policy.window_end if policy else datetime.date(year - 1, 12, 31)
    standard = policy.standard if policy else Decimal(380)
    # The departments draw up the year's first lists at the end of August (or before an earlier window): nobody on
    # them is certified after the list's date.
    first_lists = min(window_start, first_lists_of(year))
    civil_ids: list[DemoPerson] = []
    for department, share in ROSTER_SHARE.items():
        categories = (policy.categories.get(department) if policy else None) or []
        if not categories:
            continue
        pool = rng.sample(people, int(len(people) * share))
        if department == "rural_revitalization" and civil_ids:
            # Overlaps: some of civil affairs' people are also certified by rural revitalization.
            # Each person once: a roster naming someone twice is refused whole.
            kept = pool[: len(pool) * 4 // 5]
            seen = {p.id_number for p in kept}
            pool = kept + [p for p in civil_ids if p.id_number not in seen][: len(pool) // 5]
        path = output / ROSTER_FILES[department]
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["序号", "身份证号码", "姓名", "人员类别", "乡镇（街道）", "村（社区）", "认定日期"])
            for k, p in enumerate(pool, start=1):
                category, due = rng.choice(categories)
                since = first_lists - datetime.timedelta(days=rng.randint(0, 900))
                certified[p.id_number] = min(due, certified.get(p.id_number, due))
                # A roster is committed whole or not at all: the departments' lists come undamaged (the damaged
                # share is in the register and the payments, whose good rows may be committed without the bad).
                writer.writerow([k, p.id_number, p.name, category, p.township, p.village, f"{since:%Y年%-m月%-d日}"])
        if department == "civil_affairs":
            civil_ids = pool
        files[f"roster:{department}"] = path

    path = output / "payments.csv"
    window_days = max(1, (window_end - window_start).days)
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次", "缴费渠道"])
        for p in people:
            due = certified.get(p.id_number, standard)
            if due == 0 or rng.random() > 0.88:
                continue
            amount = due if rng.random() > 0.03 else (due / 2).quantize(Decimal("0.01"))
            paid = min(today, window_start + datetime.timedelta(days=rng.randint(0, window_days)))
            channel = rng.choice(("微信", "支付宝", "银行柜台", "税务APP", "村代收"))
            writer.writerow([damaged(p.id_number), p.name, year, f"{amount:.2f}", f"{paid:%Y-%m-%d}", 1, channel])
    files["payments"] = path

    path = output / "quotas.csv"
    per_township: dict[str, int] = defaultdict(int)
    for p in people:
        per_township[p.township] += 1
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["序号", "乡镇（街道）", "户籍人口数", "任务数"])
        for k, (township, count) in enumerate(sorted(per_township.items()), start=1):
            writer.writerow([k, township, count, int(count * 0.95)])
    files["quotas"] = path
    return files


def demo_townships(county_code: str) -> list[str]:
    return TOWNSHIPS.get(county_code) or [f"第{n}镇" for n in "一二三四五六"]


# --- the campaign: what a county's files look like month after month ---------------------------------------------

ROSTER_HEADER = ["序号", "身份证号码", "姓名", "人员类别", "乡镇（街道）", "村（社区）", "认定日期"]
PAYMENT_HEADER = ["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次", "缴费渠道"]


@dataclass(frozen=True)
class CampaignFiles:
    """The files of a campaign after the year's first rosters: each department's later roster versions (by
    snapshot date), and by import day the register rows of the newborns and the tax bureau's payment details."""

    rosters: dict[datetime.date, dict[str, Path]]  # snapshot date → department code → file
    newborns: dict[datetime.date, Path]  # import day → file
    payments: dict[datetime.date, Path]  # import day → file
    newborn_count: int
    later_payment_count: int
    refunds: int


def _read_roster(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))[1:]


def _write_rows(path: Path, header: list[str], rows: list[list], *, encoding: str) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _by_import_day(rows: list[list], days: list[datetime.date], day_of: Callable[[list], datetime.date]):
    """Rows grouped by the first import day on or after their date (a row after the last day: dropped)."""
    grouped: dict[datetime.date, list[list]] = defaultdict(list)
    for row in rows:
        when = day_of(row)
        day = next((d for d in days if d >= when), None)
        if day is not None:
            grouped[day].append(row)
    return grouped


def write_campaign(
    *,
    output: Path,
    files: dict[str, Path],
    county_code: str,
    persons: int,
    policy: DemoPolicy,
    townships: list[str],
    versions: list[datetime.date],
    import_days: list[datetime.date],
    as_of: datetime.date,
    seed: int = 1,
    encoding: str = "gb18030",
) -> CampaignFiles:
    """The files that follow `write_demo`'s register and first rosters until `as_of`: for each date of `versions`
    a new roster per department (3 % of its people removed, 3 % moved to another category, 2 % newly certified
    in its last days), the newborns of the benefit year (born in January until `as_of`, enrolled within weeks), and
    `write_demo`'s payments together with the later ones (the newborns', the newly certified people's own
    share, one refund) split by the day they are imported (`import_days`, sorted: each file holds the payments
    since the day before).

    Deterministic for a seed; nobody appears twice in a roster, and the rosters are undamaged (a roster is taken
    whole or not at all)."""
    rng = random.Random(seed + 7)
    people = generate_people(county_code=county_code, persons=persons, seed=seed, townships=townships, today=as_of)
    rostered = {row[1] for key, path in files.items() if key.startswith("roster:") for row in _read_roster(path)}
    with files["payments"].open(encoding=encoding, newline="") as fh:
        _header, *payment_rows = list(csv.reader(fh))
    paid = {row[0]: row for row in payment_rows}
    free = [p for p in people if p.id_number not in rostered and p.id_number not in paid]
    rng.shuffle(free)
    later: list[list] = []
    rosters: dict[datetime.date, dict[str, Path]] = {}
    current = {
        key.split(":", 1)[1]: _read_roster(path)
        for key, path in sorted(files.items())
        if key.startswith("roster:") and key.split(":", 1)[1] in policy.categories
    }
    for number, snapshot in enumerate(versions, start=2):
        month_first = snapshot.replace(day=1)
        rosters[snapshot] = {}
        for department, rows in current.items():
            categories = policy.categories[department]
            owing_first = sorted(categories, key=lambda c: c[1] == 0)
            n = max(1, len(rows) * 3 // 100)
            removed = set(rng.sample(range(len(rows)), min(n, len(rows) - 1)))
            kept = [list(row) for k, row in enumerate(rows) if k not in removed]
            if len(categories) > 1:
                for row in rng.sample(kept, min(n, len(kept))):
                    row[3] = rng.choice([name for name, _due in categories if name != row[3]])
            # Certified in the roster's last ten days, each category in turn (those owing a share first); who owes
            # a share pays it 10 to 20 days later (a special group enrols at any time of the year), so in the
            # month after the roster.
            for k in range(max(2, len(rows) * 2 // 100)):
                if not free:
                    break
                p = free.pop()
                category, due = owing_first[k % len(owing_first)]
                since = snapshot - datetime.timedelta(days=rng.randint(0, min(9, (snapshot - month_first).days)))
                kept.append(["", p.id_number, p.name, category, p.township, p.village, f"{since:%Y年%-m月%-d日}"])
                if due:
                    day = since + datetime.timedelta(days=rng.randint(10, 20))
                    if day <= as_of:
                        later.append([p.id_number, p.name, policy.year, f"{due:.2f}", f"{day:%Y-%m-%d}", 1, "村代收"])
            for k, row in enumerate(kept, start=1):
                row[0] = k
            current[department] = kept
            rosters[snapshot][department] = _write_rows(
                output / f"roster_{department}_v{number}.csv", ROSTER_HEADER, kept, encoding="utf-8-sig"
            )

    # Newborns of the benefit year, each in an existing household, enrolled by their parents within weeks.
    used = {p.id_number for p in people}
    newborn_rows = []
    born: dict[str, datetime.date] = {}
    start = datetime.date(policy.year, 1, 1)
    parents = [p for p in people if p.relation in ("户主", "配偶") and p.birth.year >= 1975]
    for _k in range(max(3, persons // 400)):
        parent = rng.choice(parents)
        birth = start + datetime.timedelta(days=rng.randint(0, max(0, (as_of - start).days - 10)))
        while True:
            id_number = make_id(county_code, birth, rng.randint(1, 999))
            if id_number not in used:
                used.add(id_number)
                break
        name = parent.name[0] + _name(rng)[1:]
        born[id_number] = birth
        newborn_rows.append([id_number, name, parent.township, parent.village, parent.household, "子女", ""])
        day = min(as_of, birth + datetime.timedelta(days=rng.randint(7, 60)))
        later.append([id_number, name, policy.year, f"{policy.standard:.2f}", f"{day:%Y-%m-%d}", 1, "微信"])

    # One refund: a person who paid the full standard in the window and then joined the employees' insurance.
    full_payers = sorted(idn for idn, row in paid.items() if row[3] == f"{policy.standard:.2f}")
    refunds = 0
    if full_payers:
        row = paid[rng.choice(full_payers)]
        day = policy.window_end + datetime.timedelta(days=rng.randint(20, 40))
        later.append([row[0], row[1], policy.year, f"-{policy.standard:.2f}", f"{day:%Y-%m-%d}", 1, "银行柜台"])
        refunds = 1

    days = sorted(import_days)
    newborns = {
        day: _write_rows(output / f"register_newborns_{day:%Y%m%d}.csv", REGISTER_HEADER, rows, encoding=encoding)
        for day, rows in sorted(_by_import_day(newborn_rows, days, lambda r: born[r[0]]).items())
    }
    every = sorted(payment_rows + later, key=lambda r: r[4])
    payments = {
        day: _write_rows(output / f"payments_{day:%Y%m%d}.csv", PAYMENT_HEADER, rows, encoding=encoding)
        for day, rows in sorted(_by_import_day(every, days, lambda r: datetime.date.fromisoformat(r[4])).items())
    }
    return CampaignFiles(rosters, newborns, payments, len(newborn_rows), len(later), refunds)
