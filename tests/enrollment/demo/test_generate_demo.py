"""The synthetic county of `generate_demo` (enrollment.demo) and `setup_demo`, which `make run` runs.

The files are read back with the project's own readers and ID check, and the damaged share is checked row by
row against the undamaged people the same seed generates.
"""

import csv
import datetime
import io
from collections import Counter, defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from stdnum.cn.ric import calc_check_digit

from enrollment import idnumbers
from enrollment.demo.generator import ROSTER_FILES, DemoPolicy, demo_townships, generate_people, write_demo
from enrollment.files.readers import map_headers
from enrollment.models import ImportJob, ImportKind, ImportStatus, Payment, Person
from subsidies.models import RosterVersion

COUNTY = "620721"
# What Excel and typing do to a number (enrollment.demo._damage) and the codes the ID check names them by; a typo
# in the month's digits may make the birth date impossible instead of breaking the check character.
DAMAGE_KINDS = {"excel_scientific", "excel_trailing_zeros", "excel_decimal", "bad_checksum", "birth_date_range"}
DAMAGE_CODES = {*DAMAGE_KINDS, "bad_birth_date"}

POLICY = DemoPolicy(
    year=2024,
    standard=Decimal(380),
    window_start=datetime.date(2023, 9, 1),
    window_end=datetime.date(2023, 12, 31),
    categories={
        "civil_affairs": [("特困人员", Decimal(0)), ("农村一、二类低保", Decimal(70))],
        "rural_revitalization": [("已脱贫人口", Decimal(280))],
        "disabled_federation": [("重度残疾人", Decimal(130))],
        "veterans_affairs": [("重点优抚对象", Decimal(0))],
    },
)


def _valid_by_stdnum(value: str) -> bool:
    """The check character by python-stdnum and a real birth date from 1900 to today: an oracle independent of
    enrollment.idnumbers (the demo's damage never touches the province or area code)."""
    if len(value) != 18 or not value[:17].isdigit() or calc_check_digit(value) != value[17]:
        return False
    try:
        born = datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return datetime.date(1900, 1, 1) <= born <= datetime.date.today()


def read_csv(path, encoding="gb18030"):
    with path.open(encoding=encoding, newline="") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def demo_files(tmp_path, *, persons, damaged_share, policy=POLICY, seed=1):
    return write_demo(
        output=tmp_path,
        county_code=COUNTY,
        persons=persons,
        policy=policy,
        townships=demo_townships(COUNTY),
        damaged_share=damaged_share,
        seed=seed,
    )


def test_undamaged_register_has_valid_unique_ids_on_the_county_area_code(tmp_path):
    files = demo_files(tmp_path, persons=1200, damaged_share=0)
    header, rows = read_csv(files["register"])
    assert set(map_headers(header)) == {"id_number", "name", "township", "village", "household", "relation", "student"}
    assert len(rows) == 1200
    checks = [idnumbers.check(row[0]) for row in rows]
    assert [c for c in checks if c.errors or c.warnings] == []
    assert {row[0][:6] for row in rows} == {COUNTY}
    assert len({row[0] for row in rows}) == 1200
    # Household by household, as counties export it: one head each, members next to each other.
    heads = Counter(row[4] for row in rows if row[5] == "户主")
    households = [row[4] for row in rows]
    assert set(heads.values()) == {1} and set(heads) == set(households)
    assert households == sorted(households)
    # And therefore ID numbers in no particular order (what the register benchmark relies on).
    ids = [row[0] for row in rows]
    assert ids != sorted(ids)


def test_damaged_share_damages_that_share_of_rows_the_way_excel_and_typing_do(tmp_path):
    files = demo_files(tmp_path, persons=2000, damaged_share=0.2)
    clean = generate_people(county_code=COUNTY, persons=2000, seed=1, townships=demo_townships(COUNTY))
    _header, rows = read_csv(files["register"])
    damaged = [row[0] for row, person in zip(rows, clean, strict=True) if row[0] != person.id_number]
    assert 300 < len(damaged) < 500  # 400 expected; the binomial's standard deviation is 18
    for value in damaged:
        result = idnumbers.check(value)
        # Digits 16-18 replaced by 000 pass the check when the right check character happens to be 0.
        assert (result.errors and result.errors[0] in DAMAGE_CODES) or (result.ok and value.endswith("000")), value
    kinds = Counter(idnumbers.check(value).errors[:1] for value in damaged)
    assert {code for (code,) in filter(None, kinds)} >= DAMAGE_KINDS


def test_rosters_overlap_and_payments_follow_the_personal_due(tmp_path):
    files = demo_files(tmp_path, persons=3000, damaged_share=0)
    assert set(files) == {"register", "payments", "quotas", *(f"roster:{d}" for d in ROSTER_FILES)}
    rosters = {}
    for department in ROSTER_FILES:
        header, rows = read_csv(files[f"roster:{department}"], encoding="utf-8-sig")
        assert {"id_number", "name", "category", "township", "village", "valid_from"} <= set(map_headers(header))
        labels = {label for label, _due in POLICY.categories[department]}
        assert {row[3] for row in rows} <= labels
        rosters[department] = {row[1] for row in rows}
    assert len(rosters["civil_affairs"]) == 150 and len(rosters["veterans_affairs"]) == 30
    # Some of civil affairs' people are certified by rural revitalization too: the highest identity must win.
    assert len(rosters["civil_affairs"] & rosters["rural_revitalization"]) >= 10
    _header, payments = read_csv(files["payments"])
    assert payments and {row[2] for row in payments} == {"2024"}
    paid = defaultdict(set)
    for row in payments:
        paid[row[0]].add(Decimal(row[3]))
        assert POLICY.window_start <= datetime.date.fromisoformat(row[4]) <= POLICY.window_end
    # Nobody certified for a full subsidy pays; everyone else pays their due (3 % of them half of it).
    _header, civil = read_csv(files["roster:civil_affairs"], encoding="utf-8-sig")
    full = {row[1] for row in civil if row[3] == "特困人员"} | rosters["veterans_affairs"]
    assert not full & set(paid)
    amounts = Counter(amount for values in paid.values() for amount in values)
    assert amounts[Decimal(380)] > amounts[Decimal(190)] > 0
    _header, quotas = read_csv(files["quotas"])
    assert sum(int(row[2]) for row in quotas) == 3000


@pytest.mark.django_db
def test_generate_demo_load_imports_every_good_row_and_reports_the_damaged_ones(tmp_path):
    call_command("seed_policies", stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "generate_demo", county=COUNTY, persons=800, output=str(tmp_path), damaged_share=0.05, load=True, stdout=out
    )
    _header, rows = read_csv(tmp_path / "register.csv")
    bad = sum(1 for row in rows if not _valid_by_stdnum(row[0]))
    assert 20 <= bad <= 60  # 5 % of 800 is 40
    register = ImportJob.objects.get(kind=ImportKind.REGISTER)
    assert (register.status, register.rows_accepted, register.rows_rejected) == (ImportStatus.COMMITTED, 800 - bad, bad)
    assert Person.objects.filter(county__code=COUNTY).count() == 800 - bad
    assert set(register.summary["reasons"]) <= {idnumbers.message(code) for code in DAMAGE_CODES}
    rosters = ImportJob.objects.filter(kind=ImportKind.ROSTER)
    assert rosters.count() >= 2 and set(rosters.values_list("status", flat=True)) == {ImportStatus.COMMITTED}
    assert RosterVersion.objects.count() == rosters.count()
    assert Payment.objects.filter(county__code=COUNTY).count() == ImportJob.objects.get(kind="payments").rows_accepted
    assert "register.csv" in out.getvalue()

    # `make run` runs it on every start: a county that has people is left as it is.
    again = io.StringIO()
    call_command("generate_demo", county=COUNTY, persons=800, output=str(tmp_path), load=True, stdout=again)
    assert again.getvalue() == "演示区县已有人员数据：未重复导入。\n"
    assert ImportJob.objects.count() == rosters.count() + 2


def test_every_roster_names_each_person_once_at_make_runs_size(tmp_path):
    """A roster naming someone twice is refused whole: `make run`'s 20,000-person county had 12 such rows in the
    rural revitalization roster (the overlap with civil affairs drew people the sample already held)."""
    files = demo_files(tmp_path, persons=20000, damaged_share=0)
    for department in ROSTER_FILES:
        _header, rows = read_csv(files[f"roster:{department}"], encoding="utf-8-sig")
        ids = [row[1] for row in rows]
        assert len(ids) == len(set(ids)), department
