"""A payment file of most of the county marks the county as a whole (a full run next), a small one each payer."""

import datetime

import pytest

from enrollment.imports.pipeline import import_file
from enrollment.models import ImportKind, ImportStatus, Person
from enrollment.places.services import county_ensure
from subsidies.models import DirtyCounty, DirtyPerson
from tests.builders.importfiles import person_id, write_csv

pytestmark = pytest.mark.django_db
HEADER = ["证件号码", "姓名", "缴费年度", "缴费金额", "缴费日期", "档次", "缴费渠道"]


def _people(county, n):
    Person.objects.bulk_create(
        [
            Person(id_number=person_id(k), name="某人", sex="M", birth_date=datetime.date(1980, 1, 1), county=county)
            for k in range(n)
        ]
    )


def _payments(tmp_path, name, ks):
    rows = [[person_id(k), "某人", 2024, "380.00", "2023-10-09", 1, "微信"] for k in ks]
    return write_csv(tmp_path / name, [HEADER, *rows])


def test_payments_of_most_of_the_county_mark_it_whole_and_a_few_mark_each_payer(tmp_path, monkeypatch):
    from subsidies.reconciliation import dirty as reconcile_module
    from tests.builders import recon_data

    monkeypatch.setattr(reconcile_module, "WHOLE_COUNTY_MIN", 4)
    recon_data.sunan_2024()
    county = county_ensure(code="620721")
    _people(county, 8)
    job = import_file(kind=ImportKind.PAYMENTS, county=county, path=_payments(tmp_path, "a.csv", range(6)))
    assert job.status == ImportStatus.COMMITTED, job.message
    assert list(DirtyCounty.objects.filter(county=county).values_list("year", flat=True)) == [2024]
    assert not DirtyPerson.objects.exists()
    DirtyCounty.objects.all().delete()
    # The same file again (nothing new) and two new payers: those two are marked, not the county.
    job = import_file(kind=ImportKind.PAYMENTS, county=county, path=_payments(tmp_path, "b.csv", range(8)))
    assert job.status == ImportStatus.COMMITTED, job.message
    assert not DirtyCounty.objects.exists()
    assert sorted(DirtyPerson.objects.values_list("id_number", flat=True)) == sorted([person_id(6), person_id(7)])
