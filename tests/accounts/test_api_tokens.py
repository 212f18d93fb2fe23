"""API tokens: created and named on the API 令牌 page, shown once, kept as a digest, revoked, last use shown."""

from __future__ import annotations

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken, Role
from accounts.services import staff_user_create
from accounts.tokens import api_token_authenticate, api_token_create
from enrollment.places.services import county_ensure
from tests.builders.api_clients import ApiClient

pytestmark = pytest.mark.django_db
PASSWORD = "Token-pass-2026!"


@pytest.fixture
def users(db):
    county = county_ensure(code="620721")
    return {
        role: staff_user_create(username=role, password=PASSWORD, role=role, county=county).user
        for role in (Role.BUREAU, Role.AUDITOR)
    }


def page_client(user) -> Client:
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return c


def test_a_token_is_shown_once_and_stored_only_as_its_digest(users):
    c = page_client(users[Role.BUREAU])
    response = c.post(reverse("accounts:api_tokens"), {"name": " 财政 系统 "})
    assert response.status_code == 200
    raw = response.context["new_token"]
    assert raw.startswith("yb_") and raw in response.content.decode()
    token = ApiToken.objects.get()
    assert (token.name, token.user, token.last_used_at, token.revoked_at) == (
        "财政 系统",
        users[Role.BUREAU],
        None,
        None,
    )
    assert token.digest == hashlib.sha256(raw.encode()).hexdigest()
    assert raw[len("yb_") :].split(".")[0] == token.key_id
    stored = " ".join(str(v) for v in ApiToken.objects.values_list().get())
    assert raw.split(".", 1)[1] not in stored  # the secret part is nowhere in the row
    listing = c.get(reverse("accounts:api_tokens")).content.decode()
    assert raw not in listing and "财政 系统" in listing and f"yb_{token.key_id}…" in listing
    assert "尚未使用" in listing


def test_a_name_is_needed_and_unique_among_active_tokens(users):
    c = page_client(users[Role.BUREAU])
    assert c.post(reverse("accounts:api_tokens"), {"name": "  "}).context["error"] == "请为令牌起个名称。"
    c.post(reverse("accounts:api_tokens"), {"name": "低保"})
    assert c.post(reverse("accounts:api_tokens"), {"name": "低保"}).context["error"] == "您已有同名的令牌。"
    assert ApiToken.objects.count() == 1


def test_use_is_recorded_and_a_revoked_token_is_refused(users):
    token, raw = api_token_create(user=users[Role.BUREAU], name="夜间同步")
    api = ApiClient(raw)
    assert api.get(reverse("api:batch_list")).status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    page = page_client(users[Role.BUREAU])
    assert (
        token.last_used_at.astimezone().strftime("%Y-%m-%d")
        in page.get(reverse("accounts:api_tokens")).content.decode()
    )
    response = page.post(reverse("accounts:api_token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    refused = api.get(reverse("api:batch_list"))
    assert refused.status_code == 401 and refused.json()["code"] == "authentication_failed"
    assert api_token_authenticate(raw) is None
    # A revoked token is kept (who had which token, when), and its name may be used again.
    assert ApiToken.objects.count() == 1
    api_token_create(user=users[Role.BUREAU], name="夜间同步")
    assert ApiToken.objects.count() == 2


def test_nobody_revokes_another_users_token(users):
    token, raw = api_token_create(user=users[Role.BUREAU], name="夜间同步")
    response = page_client(users[Role.AUDITOR]).post(reverse("accounts:api_token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None and ApiClient(raw).get(reverse("api:batch_list")).status_code == 200


def test_a_forged_or_inactive_users_token_is_refused(users):
    _token, raw = api_token_create(user=users[Role.BUREAU], name="夜间同步")
    forged = raw[:-2] + ("AA" if not raw.endswith("AA") else "BB")
    assert ApiClient(forged).get(reverse("api:batch_list")).status_code == 401
    assert ApiClient("not-a-token").get(reverse("api:batch_list")).status_code == 401
    users[Role.BUREAU].is_active = False
    users[Role.BUREAU].save()
    assert ApiClient(raw).get(reverse("api:batch_list")).status_code == 401


def test_an_auditors_token_reads_but_never_writes(users):
    c = page_client(users[Role.AUDITOR])
    raw = c.post(reverse("accounts:api_tokens"), {"name": "审计"}).context["new_token"]
    assert "您的令牌只能读取数据。" in c.get(reverse("accounts:api_tokens")).content.decode()
    api = ApiClient(raw)
    assert api.get(reverse("api:import_list")).status_code == 200
    refused = api.post(reverse("api:import_list"), {})
    assert refused.status_code == 403 and refused.json()["message"] == "此令牌只能读取：审计人员不能修改任何数据。"
