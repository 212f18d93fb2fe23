"""The audit trail: who changed a policy, a case, a roster version; viewable per object by those who may see it."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.history import object_history
from subsidies.models import RosterVersion
from tests.builders.world import build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def as_user(user) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def history_url(obj) -> str:
    return reverse("accounts:history_object", kwargs={"label": obj._meta.label_lower, "pk": obj.pk})


def test_a_policy_change_is_kept_with_who_and_what(world):
    policy = world.policy
    bureau = as_user(world.users["bureau"])
    policy.fiscal_subsidy = Decimal("720.00")
    policy._history_user = world.users["bureau"]  # what the request middleware does for a page's save()
    policy.save()
    events = object_history(obj=policy, user=world.users["bureau"])
    assert [e.kind for e in events] == ["~", "+"]
    assert events[0].user == "bureau"
    change = {c.field: (c.old, c.new) for c in events[0].changes}
    assert change == {"人均财政补助": ("700.00", "720.00")}
    page = bureau.get(history_url(policy)).content.decode()
    assert "700.00 → 720.00" in page and "bureau" in page


def test_history_page_follows_who_may_see_the_object(world):
    case = world.case
    case.note = "外出务工，已电话联系"
    case.save()
    assert as_user(world.users["township"]).get(history_url(case)).status_code == 200
    assert as_user(world.users["other_township"]).get(history_url(case)).status_code == 404
    assert as_user(world.users["auditor"]).get(history_url(case)).status_code == 200
    assert as_user(world.users["other_county_bureau"]).get(history_url(case)).status_code == 404
    # Policies are the bureau's: a department user reads the policy page, not its audit trail.
    assert as_user(world.users["civil_affairs"]).get(history_url(world.policy)).status_code == 404
    # An untracked model, or a model that does not exist, is simply not found.
    assert (
        as_user(world.users["bureau"])
        .get(reverse("accounts:history_object", kwargs={"label": "enrollment.person", "pk": 1}))
        .status_code
        == 404
    )
    assert (
        as_user(world.users["bureau"])
        .get(reverse("accounts:history_object", kwargs={"label": "nope.nothing", "pk": 1}))
        .status_code
        == 404
    )


def test_bulk_statements_write_no_history_rows(world):
    version = world.roster_version
    before = RosterVersion.history.count()
    RosterVersion.objects.filter(pk=version.pk).update(rows=5)
    assert RosterVersion.history.count() == before


def _tracked_models():
    from django.apps import apps

    from accounts.history import tracked_model

    return [m for m in apps.get_models() if tracked_model(m._meta.label_lower) is m]


def test_the_history_page_works_for_every_object_even_without_history_rows(world):
    """Rows written by bulk statements (imports, transfer lines, results) have no history row at all."""
    from tests.builders.world import model_object

    models = _tracked_models()
    assert len(models) >= 10
    failures = []
    for model in models:
        obj = model_object(world, model)
        assert obj is not None, f"no {model._meta.label} in tests/builders/world.py"
        for with_rows in (True, False):
            if not with_rows:
                obj.history.all().delete()
            for role in ("bureau", "superuser"):
                response = as_user(world.users[role]).get(history_url(obj))
                if response.status_code != 200:
                    failures.append(f"{model._meta.label} ({with_rows=}) as {role}: {response.status_code}")
                elif not with_rows and "暂无变更记录" not in response.content.decode():
                    failures.append(f"{model._meta.label} as {role}: no 'nothing recorded' message")
    assert not failures, "\n".join(failures)
