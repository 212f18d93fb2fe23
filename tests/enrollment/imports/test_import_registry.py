"""The registry of import kinds and the hooks the apps above enrollment fill (enrollment imports none of them)."""

import pytest

from enrollment.imports import registry
from enrollment.imports.importer import ImportError_
from enrollment.imports.pipeline import import_file
from enrollment.models import ImportJob, ImportKind, ImportStatus, Person
from enrollment.payments.importer import PaymentsImporter
from enrollment.places.services import county_ensure
from enrollment.register.importer import RegisterImporter
from enrollment.signals import people_changed
from subsidies.models import DirtyPerson
from subsidies.rosters.importer import RosterImporter
from tests.builders.importfiles import person_id, write_csv

HEADER = ["身份证号码", "姓名", "乡镇（街道）", "村（社区）"]


def test_each_app_registers_its_kinds_in_ready():
    assert registry.kind_entry(ImportKind.REGISTER).importer is RegisterImporter
    assert registry.kind_entry(ImportKind.PAYMENTS).importer is PaymentsImporter
    roster = registry.kind_entry(ImportKind.ROSTER)
    assert roster.importer is RosterImporter
    assert roster.label_categories is not None and roster.label_add is not None


def test_an_unregistered_kind_is_refused():
    with pytest.raises(ImportError_):
        registry.importer_for(ImportJob(kind="quotas"))


def test_a_kind_without_labels_offers_no_categories():
    assert registry.label_categories(kind=ImportKind.REGISTER, county=None, department=object()) == []


@pytest.mark.django_db
def test_the_people_an_import_changed_are_marked_dirty_in_its_transaction(tmp_path):
    """A receiver of people_changed that fails rolls the whole merge back: the marks and the people go together."""
    county = county_ensure(code="620721")
    rows = [[person_id(k), f"人员{k}", "红湾寺镇", "红湾村"] for k in range(3)]
    path = write_csv(tmp_path / "r.csv", [HEADER, *rows])

    def refuse(sender, **kwargs):
        raise RuntimeError("marks refused")

    people_changed.connect(refuse, dispatch_uid="test.refuse")
    try:
        job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    finally:
        people_changed.disconnect(dispatch_uid="test.refuse")
    assert job.status == ImportStatus.FAILED and "marks refused" in job.message
    assert not Person.objects.exists() and not DirtyPerson.objects.exists()
    job = import_file(kind=ImportKind.REGISTER, county=county, path=path)
    assert job.status == ImportStatus.COMMITTED, job.message
    assert set(DirtyPerson.objects.values_list("id_number", flat=True)) == {person_id(k) for k in range(3)}
