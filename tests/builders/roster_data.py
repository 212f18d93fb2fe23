"""A county with 肃南's 2024 policy, three people in the register, a civil-affairs user and a bureau user,
and the roster workbook and upload steps the roster tests share."""

from datetime import date

import openpyxl

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.models import Person
from enrollment.places.services import county_ensure
from subsidies.models import Department
from subsidies.policies.services import seed_policies_load
from tests.builders.dashboard_data import PASSWORD, id_number
from tests.e2e.conftest import assert_chinese_page

GOOD = [
    (id_number(11), "马特困", "特困人员", "红湾寺镇"),
    (id_number(12), "杨低保", "农村一、二类低保", "红湾寺镇"),
    (id_number(13), "何低保", "农村一、二类低保", "皇城镇"),
]


def roster_county():
    county = county_ensure(code="620721")
    seed_policies_load(counties=["620721"])  # 肃南 2024: 特困 full (proxy), 一二类低保 310 of 380
    townships = {t.name: t for t in county.townships.all()}
    for number, name, _category, township in GOOD:
        Person.objects.create(
            id_number=number, name=name, sex="M", birth_date=date(1980, 1, 1), county=county,
            township=townships[township],
        )  # fmt: skip
    civil = Department.objects.get(code="civil_affairs")
    staff_user_create(username="minzheng", password=PASSWORD, role=Role.DEPARTMENT, county=county, department=civil)
    staff_user_create(username="bureau", password=PASSWORD, role=Role.BUREAU, county=county, full_name="局办公室")
    return county


def roster_xlsx(path, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["身份证号码", "姓名", "人员类别", "乡镇"])
    for row in rows:
        sheet.append(list(row))
    for cell in sheet["A"]:
        cell.number_format = "@"  # the ID column as text, as the downloadable template has it
    book.save(path)
    return path


def upload(page, path):
    page.click("nav.main-nav a[data-nav=upload]")
    assert_chinese_page(page)
    # The roster as it stood on 1 January 2024: the people are certified for the whole 2024 benefit year.
    page.fill("input[name=snapshot_date]", "2024-01-01")
    page.set_input_files("input[name=file]", str(path))
    page.click("form.import-upload button[type=submit]")
    page.wait_for_url("**/enrollment/imports/*/")
    assert_chinese_page(page)
