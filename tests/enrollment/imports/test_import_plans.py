"""A roster diff and the register merge at a size beyond work_mem: joins and anti-joins, never a SubPlan per row."""

import datetime

import pytest

from enrollment.imports.pipeline import import_file
from enrollment.models import ImportKind, ImportStatus, Person
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department, Identity
from tests.builders.idnumbers import valid_id
from tests.builders.importfiles import write_csv
from tests.plan_guard import recorded_plans

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]
ROWS = 4000  # at work_mem 64 kB the planner cannot hash this many ID numbers
HEADER = ["身份证号码", "姓名", "人员类别", "乡镇", "村", "认定日期", "终止日期"]


def test_register_merge_and_roster_diff_plan_no_subplan_per_row_beyond_work_mem(tmp_path, require_postgres):
    county = county_ensure(code="620721")
    civil = Department.objects.get(code="civil_affairs")
    Category.objects.create(county=county, code="dibao", name="低保对象", department=civil)
    Category.objects.create(county=county, code="tekun", name="特困人员", department=civil)
    ids = [valid_id(f"620721{1950 + k // 1000}0101{k % 1000:03d}") for k in range(ROWS)]
    register = write_csv(
        tmp_path / "register.csv",
        [["身份证号码", "姓名", "乡镇（街道）", "村（社区）", "户号", "与户主关系"]]
        + [[i, "某人", "红湾寺镇", "一村", f"H{k // 4}", "户主"] for k, i in enumerate(ids)],
    )
    with recorded_plans() as plans:
        job = import_file(kind=ImportKind.REGISTER, county=county, path=register)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert not plans.unhashed_subplans(), plans.report()
    assert plans.matching(r"^\s*INSERT INTO enrollment_person"), "the merge was not recorded"
    assert Person.objects.filter(county=county).count() == ROWS
    first = write_csv(tmp_path / "v1.csv", [HEADER] + [[i, "某人", "低保对象", "", "", "", ""] for i in ids])
    day1, day2 = datetime.date(2024, 1, 1), datetime.date(2024, 3, 1)
    job = import_file(kind=ImportKind.ROSTER, county=county, path=first, department=civil, snapshot_date=day1)
    assert job.status == ImportStatus.COMMITTED, job.message
    # The next snapshot: a tenth gone, a tenth with another category, the rest unchanged.
    tenth = ROWS // 10
    rows = [[i, "某人", "特困人员" if k < tenth else "低保对象", "", "", "", ""] for k, i in enumerate(ids[tenth:])]
    second = write_csv(tmp_path / "v2.csv", [HEADER, *rows])
    with recorded_plans() as plans:
        job = import_file(kind=ImportKind.ROSTER, county=county, path=second, department=civil, snapshot_date=day2)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert not plans.unhashed_subplans(), plans.report()
    assert plans.matching(r"subsidies_identity"), "the diff was not recorded"
    open_now = Identity.objects.filter(county=county, department=civil, valid_to__isnull=True)
    assert open_now.count() == ROWS - tenth
    assert open_now.filter(category__code="tekun").count() == tenth
