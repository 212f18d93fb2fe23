"""No command defaults to the demo county (issue 20): --county is required when the database holds more than one
county, taken from the database when it holds exactly one, and refused in Chinese otherwise."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from enrollment.models import County, ImportJob, Person
from enrollment.places.services import county_ensure
from quotas.models import QuotaTable
from subsidies.models import Identity, RosterVersion
from tests.builders.importfiles import person_id, write_csv

pytestmark = pytest.mark.django_db

SEVERAL = "数据库中有多个区县"
FULING = "500102"


def fuling_roster(tmp_path):
    """民政's 涪陵 list as the office writes it: its own labels, 涪陵 ID numbers."""
    rows = [
        [person_id(0, FULING), "人员0", "低保对象", "2023-01-05"],
        [person_id(1, FULING), "人员1", "特困人员", "2022-11-20"],
        [person_id(2, FULING), "人员2", "低保边缘户", "2022-10-01"],
    ]
    return str(write_csv(tmp_path / "涪陵民政名册.csv", [["身份证号码", "姓名", "人员类别", "认定日期"], *rows]))


def import_roster(path, **options):
    out = io.StringIO()
    call_command("import_roster", path, department="civil_affairs", date="2023-02-01", stdout=out, **options)
    return out.getvalue()


def test_the_fuling_roster_is_refused_without_county_when_several_exist_and_imported_with_it(tmp_path):
    call_command("seed_policies", stdout=io.StringIO())
    assert County.objects.count() > 1
    path = fuling_roster(tmp_path)
    with pytest.raises(CommandError) as failure:
        import_roster(path)
    assert str(failure.value).startswith(SEVERAL) and "--county" in str(failure.value)
    assert "500102 涪陵区" in str(failure.value) and "620721 肃南裕固族自治县" in str(failure.value)
    assert not ImportJob.objects.exists() and not Identity.objects.exists()

    import_roster(path, county=FULING)
    stored = sorted(Identity.objects.values_list("county__code", "category__county__code", "category__code"))
    assert stored == [
        (FULING, FULING, "dibao"),
        (FULING, FULING, "dibao_marginal"),
        (FULING, FULING, "extreme_poverty"),
    ]
    assert RosterVersion.objects.get().county.code == FULING


def test_with_one_county_in_the_database_it_is_taken(tmp_path):
    call_command("seed_policies", county=[FULING], stdout=io.StringIO())
    assert list(County.objects.values_list("code", flat=True)) == [FULING]
    import_roster(fuling_roster(tmp_path))
    assert set(Identity.objects.values_list("county__code", flat=True)) == {FULING}
    assert Identity.objects.count() == 3


def test_an_unknown_county_code_is_refused_and_no_county_is_made_up(tmp_path):
    county_ensure(code=FULING)
    path = str(write_csv(tmp_path / "r.csv", [["身份证号码", "姓名"], [person_id(0, FULING), "人员0"]]))
    with pytest.raises(CommandError) as failure:
        call_command("import_register", path, county="500120", stdout=io.StringIO())
    assert str(failure.value) == "没有代码为500120的区县。数据库中现有区县：500102 涪陵区。"
    assert list(County.objects.values_list("code", flat=True)) == [FULING]
    assert not Person.objects.exists()


def test_with_no_county_at_all_the_command_asks_for_one(tmp_path):
    path = str(write_csv(tmp_path / "r.csv", [["身份证号码", "姓名"], [person_id(0, FULING), "人员0"]]))
    with pytest.raises(CommandError) as failure:
        call_command("import_register", path, stdout=io.StringIO())
    assert str(failure.value) == "数据库中还没有区县：请用 --county 给出6位区县代码。"
    assert not County.objects.exists() and not Person.objects.exists()


def _commands(tmp_path):
    register = str(write_csv(tmp_path / "r.csv", [["身份证号码", "姓名"], [person_id(0), "人员0"]]))
    payments = str(
        write_csv(
            tmp_path / "p.csv",
            [
                ["身份证号码", "姓名", "缴费年度", "缴费金额", "缴费日期"],
                [person_id(0), "人员0", "2024", "380", "2023-10-01"],
            ],
        )
    )
    quotas = str(write_csv(tmp_path / "q.csv", [["乡镇（街道）", "任务数"], ["红湾寺镇", "100"]]))
    return [
        ("import_register", [register], {}),
        ("import_payments", [payments], {}),
        ("import_roster", [register], {"department": "civil_affairs", "date": "2024-01-01"}),
        ("import_quotas", [quotas], {"year": 2024}),
        ("snapshot_progress", [], {"year": 2024}),
        ("build_transfers", [], {"month": "2024-01"}),
        ("reconcile", [], {}),
        ("export_reconciliation", [], {"year": 2024, "output": str(tmp_path / "out.csv")}),
        ("generate_demo", [], {"output": str(tmp_path / "demo"), "persons": 10}),
        ("create_demo_users", [], {}),
        ("setup_demo", [], {"output": str(tmp_path / "demo"), "persons": 10}),
    ]


COMMANDS = [
    "import_register",
    "import_payments",
    "import_roster",
    "import_quotas",
    "snapshot_progress",
    "build_transfers",
    "reconcile",
    "export_reconciliation",
    "generate_demo",
    "create_demo_users",
    "setup_demo",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_that_takes_a_county_refuses_to_guess_among_several(tmp_path, command):
    county_ensure(code="620721")
    county_ensure(code=FULING)
    _name, args, options = next(c for c in _commands(tmp_path) if c[0] == command)
    with pytest.raises(CommandError) as failure:
        call_command(command, *args, stdout=io.StringIO(), **options)
    assert str(failure.value) == (
        "数据库中有多个区县（500102 涪陵区、620721 肃南裕固族自治县）：请用 --county 指定区县代码。"
    )
    assert not ImportJob.objects.exists() and not Person.objects.exists() and not QuotaTable.objects.exists()
    assert County.objects.count() == 2


def test_a_command_on_the_only_county_needs_no_option(tmp_path):
    county = county_ensure(code="620721")
    out = io.StringIO()
    commands = {name: args for name, args, _options in _commands(tmp_path)}
    call_command("import_register", *commands["import_register"], stdout=out)
    assert list(Person.objects.values_list("county", flat=True)) == [county.pk]
    call_command("build_transfers", month="2024-01", stdout=out)
    call_command("import_quotas", *commands["import_quotas"], year=2024, stdout=out)
    assert QuotaTable.objects.get().county == county
