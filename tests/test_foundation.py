"""The foundation: Chinese pages, demo users, role constraints, the real worker, the shipped catalogue."""

import ast
import re
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import Role, StaffProfile
from dashboard.demo import demo_users_create
from enrollment.places.services import county_ensure
from subsidies.models import Department

pytestmark = pytest.mark.django_db


def test_login_page_is_in_chinese(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "登录" in body
    assert "用户名" in body


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_every_demo_user_can_log_in_with_the_printed_password(client):
    users = demo_users_create(county=county_ensure(code="620721"))
    assert {u.profile.role for u in users} == set(Role.values)
    for user in users:
        response = client.post(reverse("login"), {"username": user.username, "password": user.password})
        assert response.status_code == 302, user.username
        assert response.url == reverse("home")
        client.post(reverse("logout"))


def test_create_demo_users_command_prints_passwords(client):
    from io import StringIO

    out = StringIO()
    call_command("create_demo_users", county="620721", stdout=out)
    title, *lines = out.getvalue().splitlines()
    assert title == "演示用户（每次运行都会重新生成密码）："
    printed = {line.split()[0]: line.split()[1] for line in lines}
    staff = set(StaffProfile.objects.values_list("user__username", flat=True))
    assert set(printed) == staff and {"bureau", "minzheng", "xiangzhen"} <= staff
    # Each printed password logs its user in (and so is the password, not a placeholder).
    for username, password in printed.items():
        response = client.post(reverse("login"), {"username": username, "password": password})
        assert (response.status_code, response.url) == (302, reverse("home")), username
        client.post(reverse("logout"))
        wrong = client.post(reverse("login"), {"username": username, "password": password + "x"})
        assert wrong.status_code == 200, username


def test_reference_departments_are_loaded():
    codes = set(Department.objects.values_list("code", flat=True))
    assert {"civil_affairs", "rural_revitalization", "disabled_federation", "veterans_affairs"} <= codes
    assert {"health_commission", "enterprise_office"} <= codes


def test_department_role_needs_a_department(django_user_model):
    county = county_ensure(code="620721")
    user = django_user_model.objects.create_user("x")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.create(user=user, role=Role.DEPARTMENT, county=county)


def test_township_role_cannot_carry_a_department(django_user_model):
    county = county_ensure(code="620721")
    user = django_user_model.objects.create_user("y")
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffProfile.objects.create(
            user=user,
            role=Role.TOWNSHIP,
            county=county,
            township=county.townships.first(),
            department=Department.objects.get(code="civil_affairs"),
        )


def test_admin_is_branded_in_chinese(admin_client):
    body = admin_client.get("/admin/").content.decode()
    assert "居民医保参保资助对账" in body


@pytest.mark.worker
def test_real_worker_runs_tasks_from_redis(celery_worker):
    from config.celery import app

    result = app.send_task("celery.ping")
    assert result.get(timeout=20) == "pong"


def _po_files():
    root = Path(settings.BASE_DIR)
    return sorted(p for p in root.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_zh_hans_catalogues_are_complete_and_compiled(tmp_path):
    files = _po_files()
    assert files, "no zh_Hans catalogue found"
    for po in files:
        text = po.read_text(encoding="utf-8")
        assert "#, fuzzy" not in text.split("\n\n", 1)[1], f"{po}: fuzzy entries"
        entries = text.split("\n\n")[1:]
        for entry in entries:
            if "msgid" in entry and entry.rstrip().endswith('msgstr ""'):
                pytest.fail(f"{po}: untranslated entry:\n{entry}")
        mo = po.with_suffix(".mo")
        assert mo.exists(), f"{mo} is not compiled"
        fresh = tmp_path / "fresh.mo"
        subprocess.run(["msgfmt", "--check-format", "-o", str(fresh), str(po)], check=True)
        assert fresh.read_bytes() == mo.read_bytes(), f"{mo} is stale: run make messages"


GETTEXT_CALLS = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}


def test_no_message_is_translated_inside_an_f_string():
    """xgettext does not read calls inside f-strings: such a message never reaches the catalogue, and staff read
    it in English (the import commands' 'Error workbook' did)."""
    root = Path(settings.BASE_DIR)
    found = []
    for app in ("accounts", "config", "enrollment", "quotas", "subsidies"):
        for path in sorted((root / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.JoinedStr):
                    continue
                found += [
                    f"{path.relative_to(root)}:{call.lineno}"
                    for call in ast.walk(node)
                    if isinstance(call, ast.Call) and getattr(call.func, "id", None) in GETTEXT_CALLS
                ]
    assert found == []


def _translations(po: Path) -> dict[tuple[str, str], str]:
    """(msgctxt, msgid) -> msgstr for the single-line entries of a catalogue made with --no-wrap."""
    string = r'"((?:[^"\\]|\\.)*)"'
    entry = re.compile(rf"^(?:msgctxt {string}\n)?msgid {string}\nmsgstr {string}$", re.M)
    matches = entry.finditer(po.read_text(encoding="utf-8"))
    return {(m.group(1) or "", m.group(2)): m.group(3) for m in matches if m.group(2)}


def test_one_translation_per_message_across_the_catalogues():
    """The project catalogue (LOCALE_PATHS) wins over an app's: a message translated two ways would show the
    project's wording everywhere while the app's catalogue claims another, so each message has one wording."""
    seen: dict[tuple[str, str], tuple[str, Path]] = {}
    conflicts = []
    for po in _po_files():
        for key, text in _translations(po).items():
            if key in seen and seen[key][0] != text:
                conflicts.append(f"{key[1]!r}: {seen[key][0]!r} ({seen[key][1]}) vs {text!r} ({po})")
            seen.setdefault(key, (text, po))
    assert not conflicts, "\n".join(conflicts)
