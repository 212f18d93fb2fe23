"""No admin page offers or accepts another county's places, categories, policies, tables or staff (issue 21, 3).

Generated for every ModelAdmin of `admin.site._registry`, like the permission matrix, so a new admin model or
inline cannot escape: as a bureau user of county A, every model choice of the add and change forms (inlines
included), every list filter and every autocomplete lists only county A's objects; a POST that puts county B's
object into any such field is refused on that field and nothing is stored (read back from the database).
A related model that reaches a county (`county_lookup_for`) is scoped; shared ones (departments, funds) are not.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django import forms
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from accounts.admin_mixins import county_lookup_for
from accounts.models import Role, StaffProfile
from enrollment import models as em
from quotas import models as qm
from subsidies import models as sm
from tests.builders.admin_post import form_data
from tests.builders.world import build_world, model_object

pytestmark = pytest.mark.django_db

FOREIGN_NAMES = ("乙县外乡", "乙县外村", "乙县低保户", "乙县参保政策", "乙县参保任务")


@pytest.fixture
def world(db):
    w = build_world()
    county_b = em.County.objects.get(code="620722")
    county_b.name = "乙县"
    county_b.save()
    town = em.Township.objects.create(county=county_b, code="620722901", name="乙县外乡")
    village = em.Village.objects.create(township=town, code="620722901001", name="乙县外村")
    dept = w.objects["department"]
    category = sm.Category.objects.create(county=county_b, code="dibao", name="乙县低保户", department=dept)
    policy = sm.Policy.objects.create(
        county=county_b,
        year=2026,
        title="乙县参保政策",
        collection_start=datetime.date(2025, 9, 1),
        collection_end=datetime.date(2025, 12, 31),
        fiscal_subsidy=Decimal("700.00"),
    )
    table = qm.QuotaTable.objects.create(county=county_b, year=2026, title="乙县参保任务")
    w.foreign = {"county": county_b, "township": town, "village": village, "category": category}
    w.foreign.update(policy=policy, table=table)
    return w


def bureau_client(world) -> Client:
    c = Client()
    c.force_login(world.users["bureau"], backend="django.contrib.auth.backends.ModelBackend")
    return c


def own_county(world):
    return world.objects["county"]


def foreign_object(world, model):
    """An object of `model` in county B (the test world must hold one for every scoped model a form offers)."""
    lookup = county_lookup_for(model)
    obj = model._default_manager.filter(**{lookup: world.foreign["county"].pk}).order_by("pk").first()
    assert obj is not None, f"add an object of {model._meta.label} in county B to this test's world"
    return obj


def scoped_fields(form):
    """(bound field name, field, related model, county lookup) of every county-scoped model choice of `form`."""
    for name, field in form.fields.items():
        if not isinstance(field, forms.ModelChoiceField):
            continue
        if name == form._meta.model._meta.pk.name:
            continue  # an inline row's own id: Django binds it to the parent's rows
        model = field.queryset.model
        lookup = county_lookup_for(model)
        if lookup:
            yield form.add_prefix(name), name, field, model, lookup


def all_forms(response):
    """The admin form and every inline form (the blank 'add another' form too), as the page rendered them."""
    yield response.context["adminform"].form
    for inline in response.context["inline_admin_formsets"]:
        yield from inline.formset.forms
        yield inline.formset.empty_form


def admin_pages(world):
    """(model, 'add' or 'change', url) for every registered model's add and change page."""
    for model in admin.site._registry:
        opts = model._meta
        yield model, "add", reverse(f"admin:{opts.app_label}_{opts.model_name}_add")
        obj = model_object(world, model)
        if obj is not None:
            yield model, "change", reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


def snapshot(model, response) -> dict:
    """Every row of the model and of its inline models, read from the database."""
    models = {model, *(i.formset.model for i in response.context["inline_admin_formsets"])}
    return {m._meta.label: list(m._default_manager.order_by("pk").values()) for m in models}


def field_errors(response, html_name: str) -> list:
    for form in all_forms(response):
        for bound in form:
            if bound.html_name == html_name:
                return list(bound.errors)
    raise AssertionError(f"{html_name} is not on the page after the POST")


def test_every_admin_form_offers_and_accepts_only_the_own_county(world):
    c = bureau_client(world)
    county = own_county(world)
    failures = []
    checked_fields = set()
    for model, action, url in admin_pages(world):
        response = c.get(url)
        if response.status_code != 200:
            continue  # the bureau may not add (or open) this model: the permission matrix checks that
        page = f"{action} {model._meta.label}"
        html = response.content.decode()
        failures += [f"{page}: the page names {name}" for name in FOREIGN_NAMES if name in html]
        for form in all_forms(response):
            for _html, name, field, _related, lookup in scoped_fields(form):
                leaked = field.queryset.exclude(**{lookup: county.pk})
                if leaked.exists():
                    failures.append(f"{page}: {name} offers {list(leaked[:3])}")
        writable = [
            (html_name, f"{form._meta.model._meta.label}.{name}", related)
            for form in all_forms(response)
            if form.prefix is None or "__prefix__" not in form.prefix
            for html_name, name, _f, related, _l in scoped_fields(form)
        ]
        for html_name, label, related in writable:
            checked_fields.add(label)
            before = snapshot(model, response)
            data = form_data(response)
            data[html_name] = str(foreign_object(world, related).pk)
            posted = c.post(url, data)
            if posted.status_code != 200 or not field_errors(posted, html_name):
                failures.append(f"{page}: {html_name} = county B's {related._meta.label} was not refused")
            if snapshot(model, response) != before:
                failures.append(f"{page}: a POST with county B's {related._meta.label} in {html_name} stored rows")
    assert not failures, "\n".join(failures)
    # The generated test really reached the forms the finding is about.
    assert {"accounts.StaffProfile.county", "accounts.StaffProfile.township", "subsidies.Category.county"} <= (
        checked_fields
    )
    assert {"subsidies.Policy.county", "subsidies.PolicyCategory.category"} <= checked_fields


def test_every_admin_list_filter_offers_only_the_own_county(world):
    c = bureau_client(world)
    county = own_county(world)
    failures = []
    for model in admin.site._registry:
        opts = model._meta
        response = c.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        if response.status_code != 200:
            continue
        html = response.content.decode()
        failures += [f"{opts.label} list: the page names {name}" for name in FOREIGN_NAMES if name in html]
        if str(world.foreign["county"]) in html:
            failures.append(f"{opts.label} list: the page names county B")
        for spec in response.context["cl"].filter_specs:
            field = getattr(spec, "field", None)
            related = getattr(field, "related_model", None)
            lookup = county_lookup_for(related) if related else None
            if not lookup:
                continue
            pks = [pk for pk, _label in spec.lookup_choices]
            leaked = related._default_manager.filter(pk__in=pks).exclude(**{lookup: county.pk})
            if leaked.exists():
                failures.append(f"{opts.label} list filter {spec.field_path} offers {list(leaked[:3])}")
    assert not failures, "\n".join(failures)


def test_every_admin_autocomplete_answers_only_the_own_county(world):
    c = bureau_client(world)
    county = own_county(world)
    failures = []
    asked = 0
    for model, model_admin in admin.site._registry.items():
        admins = [model_admin, *(i(model, admin.site) for i in model_admin.inlines)]
        for source in admins:
            for name in source.autocomplete_fields:
                remote = source.model._meta.get_field(name).related_model
                lookup = county_lookup_for(remote)
                url = reverse("admin:autocomplete")
                params = {"app_label": source.model._meta.app_label, "model_name": source.model._meta.model_name}
                response = c.get(url, {**params, "field_name": name, "term": ""})
                asked += 1
                if response.status_code != 200:
                    failures.append(f"autocomplete {source.model._meta.label}.{name}: {response.status_code}")
                    continue
                ids = [r["id"] for r in response.json()["results"]]
                if lookup:
                    leaked = remote._default_manager.filter(pk__in=ids).exclude(**{lookup: county.pk})
                    if leaked.exists():
                        failures.append(f"autocomplete {source.model._meta.label}.{name} offers {list(leaked)}")
    assert asked >= 2
    assert not failures, "\n".join(failures)


def staff_change(world, c, profile):
    url = reverse("admin:accounts_staffprofile_change", args=[profile.pk])
    response = c.get(url)
    assert response.status_code == 200
    return url, response, form_data(response)


def stored(profile):
    return StaffProfile.objects.filter(pk=profile.pk).values("role", "county", "township", "department").get()


def test_a_bureau_user_cannot_move_its_own_profile_to_another_county(world):
    c = bureau_client(world)
    own = StaffProfile.objects.get(user=world.users["bureau"])
    before = stored(own)
    url, _response, data = staff_change(world, c, own)
    data["county"] = str(world.foreign["county"].pk)
    posted = c.post(url, data)
    assert posted.status_code == 200
    assert field_errors(posted, "county")
    assert stored(own) == before


def test_a_bureau_user_grants_no_role_beyond_its_own_rights(world):
    c = bureau_client(world)
    township_user = StaffProfile.objects.get(user=world.users["township"])
    url, response, data = staff_change(world, c, township_user)
    offered = [value for value, _label in response.context["adminform"].form.fields["role"].choices if value]
    assert Role.BUREAU not in offered
    assert set(offered) == {Role.DEPARTMENT, Role.TOWNSHIP, Role.AUDITOR}
    before = stored(township_user)
    data.update(role=Role.BUREAU, township="")
    posted = c.post(url, data)
    assert posted.status_code == 200
    assert field_errors(posted, "role")
    assert stored(township_user) == before
    # What it may grant still works: the township user becomes an auditor of the county.
    data.update(role=Role.AUDITOR, township="")
    assert c.post(url, data).status_code == 302
    assert stored(township_user)["role"] == Role.AUDITOR


def test_a_bureau_user_keeps_its_own_bureau_role_when_saving_its_profile(world):
    c = bureau_client(world)
    own = StaffProfile.objects.get(user=world.users["bureau"])
    url, _response, data = staff_change(world, c, own)
    assert c.post(url, data).status_code == 302
    assert stored(own)["role"] == Role.BUREAU


def test_a_superuser_still_sees_and_assigns_every_county(world):
    c = Client()
    c.force_login(world.users["superuser"], backend="django.contrib.auth.backends.ModelBackend")
    township_user = StaffProfile.objects.get(user=world.users["township"])
    url, response, data = staff_change(world, c, township_user)
    counties = response.context["adminform"].form.fields["county"].queryset
    assert world.foreign["county"] in counties
    data.update(role=Role.BUREAU, township="", county=str(world.foreign["county"].pk))
    assert c.post(url, data).status_code == 302
    assert stored(township_user)["county"] == world.foreign["county"].pk


def import_categories(c, rows: list[str]):
    """The admin's category import (django-import-export), first step: the file and its format (CSV)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from subsidies.policies.admin import CategoryAdmin

    url = reverse("admin:subsidies_category_import")
    formats = [f().get_title() for f in CategoryAdmin(sm.Category, admin.site).get_import_formats()]
    body = "\n".join(["区县,代码,名称,认定部门,其他写法,低收入人群", *rows]).encode()
    upload = SimpleUploadedFile("categories.csv", body, content_type="text/csv")
    return c.post(url, {"import_file": upload, "format": formats.index("csv")})


def test_the_category_import_refuses_another_countys_code(world):
    c = bureau_client(world)
    before = list(sm.Category.objects.order_by("pk").values())
    response = import_categories(c, ["620722,tekun,特困人员,civil_affairs,,是"])
    assert response.status_code == 200
    assert response.context["result"].has_validation_errors() or response.context["result"].has_errors()
    assert "不是您所在的区县" in response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert list(sm.Category.objects.order_by("pk").values()) == before
    # The own county's code goes through to the confirm step.
    ok = import_categories(c, ["620721,tekun,特困人员,civil_affairs,,是"])
    assert not ok.context["result"].has_validation_errors()
    assert not ok.context["result"].has_errors()
