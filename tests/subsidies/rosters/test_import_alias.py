"""The bureau adds an alias to a category from a roster upload's error page and the same upload is checked again
(issue 20): the alias is kept in the category's audit trail, no second upload is needed."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.models import ImportJob, ImportStatus
from enrollment.places.services import county_ensure
from subsidies.models import Category, Department, Identity
from tests.builders.importfiles import person_id

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    county = county_ensure(code="620721")
    civil = Department.objects.get(code="civil_affairs")
    dibao = Category.objects.create(county=county, code="dibao", name="低保对象", department=civil)
    users = {
        key: staff_user_create(username=key, password="x-Pass-12345", role=role, county=county, department=dept).user
        for key, role, dept in [("bureau", Role.BUREAU, None), ("civil", Role.DEPARTMENT, civil)]
    }
    return county, civil, dibao, users


def client_for(user):
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def upload(c, capture):
    text = "身份证号码,姓名,人员类别\r\n" + "".join(
        f"{person_id(k)},人员{k},{label}\r\n"
        for k, label in enumerate(["低保对象", "最低生活保障户", "最低生活保障户"])
    )
    with capture(execute=True):
        c.post(
            reverse("enrollment:import_upload"),
            {
                "kind": "roster",
                "department": Department.objects.get(code="civil_affairs").pk,
                "snapshot_date": "2024-01-01",
                "file": SimpleUploadedFile("名册.csv", text.encode("gbk")),
            },
        )
    return ImportJob.objects.get()


def test_the_bureau_gives_an_unknown_label_to_a_category_and_the_same_upload_passes(
    world, django_capture_on_commit_callbacks
):
    _county, _civil, dibao, users = world
    job = upload(client_for(users["civil"]), django_capture_on_commit_callbacks)
    assert (job.status, job.rows_rejected) == (ImportStatus.VALIDATED, 2)
    assert job.summary["unknown_categories"] == [["最低生活保障户", 2]]
    bureau = client_for(users["bureau"])
    page = bureau.get(reverse("enrollment:import_detail", args=[job.pk])).content.decode()
    assert "未能对应人员类别的类别写法" in page and "添加为别名并重新校验" in page
    # A department user sees no alias form (the categories are the bureau's policy data) and may not post one.
    civil_page = client_for(users["civil"]).get(reverse("enrollment:import_detail", args=[job.pk])).content.decode()
    assert "添加为别名并重新校验" not in civil_page
    refused = client_for(users["civil"]).post(
        reverse("enrollment:import_alias", args=[job.pk]), {"label": "最低生活保障户", "category": dibao.pk}
    )
    assert refused.status_code == 403 and Category.objects.get(pk=dibao.pk).aliases == []

    with django_capture_on_commit_callbacks(execute=True):
        bureau.post(
            reverse("enrollment:import_alias", args=[job.pk]), {"label": "最低生活保障户", "category": dibao.pk}
        )
    dibao.refresh_from_db()
    assert dibao.aliases == ["最低生活保障户"]
    record = dibao.history.order_by("-history_date").first()
    assert record.history_user == users["bureau"] and "最低生活保障户" in record.history_change_reason
    # The same job, the same stored file, checked again: now clean, and the department may confirm it.
    job.refresh_from_db()
    assert (job.status, job.rows_accepted, job.rows_rejected) == (ImportStatus.VALIDATED, 3, 0)
    assert ImportJob.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        client_for(users["civil"]).post(reverse("enrollment:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportStatus.COMMITTED
    assert set(Identity.objects.values_list("category__code", flat=True)) == {"dibao"}
    assert Identity.objects.count() == 3
    assert Identity.objects.get(id_number=person_id(1)).valid_from == datetime.date(2024, 1, 1)


def test_a_label_of_another_category_or_not_in_the_upload_is_refused(world, django_capture_on_commit_callbacks):
    county, civil, dibao, users = world
    tekun = Category.objects.create(county=county, code="tekun", name="特困人员", department=civil, aliases=["五保户"])
    job = upload(client_for(users["civil"]), django_capture_on_commit_callbacks)
    bureau = client_for(users["bureau"])
    bureau.post(reverse("enrollment:import_alias", args=[job.pk]), {"label": "别的写法", "category": dibao.pk})
    assert Category.objects.get(pk=dibao.pk).aliases == []
    job.summary["unknown_categories"].append(["五保户", 1])
    ImportJob.objects.filter(pk=job.pk).update(summary=job.summary)
    bureau.post(reverse("enrollment:import_alias", args=[job.pk]), {"label": "五保户", "category": dibao.pk})
    assert Category.objects.get(pk=dibao.pk).aliases == [] and Category.objects.get(pk=tekun.pk).aliases == ["五保户"]
