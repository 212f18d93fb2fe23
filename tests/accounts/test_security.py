"""Login throttling on user name + address, session expiry, production hardening."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.places.services import county_ensure

pytestmark = pytest.mark.django_db

PASSWORD = "Right-pass-2026!"


@pytest.fixture
def two_users():
    county = county_ensure(code="620721")
    township = county.townships.first()
    for name in ("wang", "li"):
        staff_user_create(username=name, password=PASSWORD, role=Role.TOWNSHIP, county=county, township=township)


def login(client, username, password, ip):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_five_failures_lock_the_user_on_that_address_only(client, two_users):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert login(client, "wang", "wrong", "10.1.1.1").status_code == 200
    assert login(client, "wang", "wrong", "10.1.1.1").status_code == 429  # the fifth failure locks
    locked = login(client, "wang", PASSWORD, "10.1.1.1")
    assert locked.status_code == 429
    body = locked.content.decode()
    assert "账户已锁定" in body and "其他用户和其他计算机不受影响" in body
    # The same user from another computer, and another user behind the same address, still log in.
    assert login(client, "wang", PASSWORD, "10.1.1.2").status_code == 302
    client.post(reverse("logout"))
    assert login(client, "li", PASSWORD, "10.1.1.1").status_code == 302


def test_fewer_failures_do_not_lock_and_success_resets_the_count(client, two_users):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "wang", "wrong", "10.1.1.3")
    assert login(client, "wang", PASSWORD, "10.1.1.3").status_code == 302
    client.post(reverse("logout"))
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        login(client, "wang", "wrong", "10.1.1.3")
    assert login(client, "wang", PASSWORD, "10.1.1.3").status_code == 302


def test_sessions_expire_after_a_working_day_and_with_the_browser(client, two_users):
    assert login(client, "wang", PASSWORD, "10.1.1.4").status_code == 302
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    assert 0 < client.session.get_expiry_age() <= 8 * 3600
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == ""  # a browser-session cookie


def test_every_page_carries_a_self_only_content_security_policy(client):
    response = client.get(reverse("login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp


def test_production_settings_harden_cookies_and_transport():
    code = (
        "import json, django; from django.conf import settings as s; django.setup(); print(json.dumps({k: getattr(s, k)"
        " for k in ['DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SECURE_HSTS_SECONDS',"
        " 'SECURE_SSL_REDIRECT', 'SESSION_COOKIE_HTTPONLY', 'X_FRAME_OPTIONS', 'SECURE_CONTENT_TYPE_NOSNIFF']}))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "example.org",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True, cwd=Path(settings.BASE_DIR)
    )
    values = json.loads(out.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "SECURE_SSL_REDIRECT": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "X_FRAME_OPTIONS": "DENY",
        "SECURE_CONTENT_TYPE_NOSNIFF": True,
    }
