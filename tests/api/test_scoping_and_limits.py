"""Scope, paging and limits of the read endpoints: a department sees only its own (its fund's batches, the people
it certifies), results come in cursor pages without a COUNT, throttling is per token, oversized uploads are
refused before they are read."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from api.throttles import TokenRateThrottle
from enrollment.models import ImportJob
from tests.builders.api_clients import ApiClient, token_for
from tests.builders.world import OTHER_DEPARTMENTS, OWN_DEPARTMENT, build_world

pytestmark = pytest.mark.django_db
LISTS = ("api:import_list", "api:roster_list", "api:result_list", "api:batch_list")


@pytest.fixture
def world(db):
    return build_world()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_a_department_lists_only_its_own_rows(world):
    own = ApiClient(token_for(world.users[OWN_DEPARTMENT]))
    assert ids(own.get(reverse("api:import_list"))) == [world.import_job.pk]
    assert ids(own.get(reverse("api:roster_list"))) == [world.roster_version.pk]
    assert ids(own.get(reverse("api:result_list"), {"year": 2026})) == [world.result.pk]
    assert ids(own.get(reverse("api:batch_list"))) == [world.batch.pk]
    for code in OTHER_DEPARTMENTS:
        other = ApiClient(token_for(world.users[code]))
        for name in LISTS:
            params = {"year": 2026} if name == "api:result_list" else {}
            assert ids(other.get(reverse(name), params)) == [], (code, name)
        # Filtering by the own department's code changes nothing: the scope comes first.
        assert ids(other.get(reverse("api:roster_list"), {"department": OWN_DEPARTMENT})) == []
        # As on the results page: another department is no choice of its filter (naming it says nothing).
        refused = other.get(reverse("api:result_list"), {"year": 2026, "department": world.department.pk})
        assert refused.status_code == 400 and refused.json()["field"] == "department"


def test_results_come_in_cursor_pages_without_a_count(world):
    bureau = ApiClient(token_for(world.users["bureau"]))
    with CaptureQueriesContext(connection) as queries:
        response = bureau.get(reverse("api:result_list"), {"year": 2026, "status": "not_enrolled"})
    assert ids(response) == [world.result.pk]
    assert set(response.json()) == {"next", "previous", "results"}
    assert not [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    # The token and its last use, the years the county has and its as-of date (as every page: four statements for
    # the years, one for County.as_of), one page of rows, the record.
    assert len(queries) == 9, [q["sql"][:80] for q in queries]
    row = response.json()["results"][0]
    assert (row["id_number"], row["category"], row["department"], row["subsidy"]) == (
        world.result.id_number,
        "低保对象",
        OWN_DEPARTMENT,
        "200.00",
    )
    assert ids(bureau.get(reverse("api:result_list"), {"year": 2026, "status": "enrolled"})) == []
    bad = bureau.get(reverse("api:result_list"), {"year": 2026, "status": "nonsense"})
    assert bad.status_code == 400 and bad.json()["field"] == "status"


def test_throttling_counts_each_token_apart(world, monkeypatch):
    monkeypatch.setattr(TokenRateThrottle, "rate", "2/min", raising=False)
    first, second = (ApiClient(token_for(world.users["bureau"], name=n)) for n in ("甲", "乙"))
    assert [first.get(reverse("api:batch_list")).status_code for _ in range(3)] == [200, 200, 429]
    throttled = first.get(reverse("api:batch_list")).json()
    assert throttled["code"] == "throttled" and "秒后重试" in throttled["message"]
    assert second.get(reverse("api:batch_list")).status_code == 200


def test_with_a_redis_cache_every_process_counts_the_same_requests(world, settings, monkeypatch):
    """Production's cache (config/settings/production.py): the counters are in Redis, where another gunicorn
    worker reads them, not in this process's memory."""
    import os
    import uuid

    import redis
    from django.core.cache import caches

    url = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/5"
    prefix = f"api-throttle-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": prefix}
    }
    monkeypatch.setattr(TokenRateThrottle, "rate", "2/min", raising=False)
    monkeypatch.setattr(TokenRateThrottle, "cache", caches["default"])
    try:
        token = token_for(world.users["bureau"])
        assert [ApiClient(token).get(reverse("api:batch_list")).status_code for _ in range(2)] == [200, 200]
        # What a second process finds in Redis: this token's two request times, under Django's cache key.
        server = redis.Redis.from_url(url)
        keys = server.keys(f"{prefix}:*")
        assert len(keys) == 1 and b"throttle_token_token-" in keys[0]
        assert len(caches["default"].get(keys[0].decode().split(":", 2)[2])) == 2
        # A fresh client (another connection, as another worker would have) is counted with them.
        assert ApiClient(token).get(reverse("api:batch_list")).status_code == 429
    finally:
        server = redis.Redis.from_url(url)
        for key in server.scan_iter(f"{prefix}:*"):
            server.delete(key)


def test_a_process_local_cache_fails_the_deploy_check(settings):
    from api.checks import shared_cache_for_throttles

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert [w.id for w in shared_cache_for_throttles(None)] == ["api.W001"]
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://x"}}
    assert shared_cache_for_throttles(None) == []


@pytest.mark.parametrize(
    ("environment", "location"),
    [
        ({"CELERY_BROKER_URL": "redis://broker.example:6379/0"}, "redis://broker.example:6379/0"),
        (
            {"CELERY_BROKER_URL": "redis://b:6379/0", "CACHE_URL": "redis://cache.example:6379/3"},
            "redis://cache.example:6379/3",
        ),
    ],
)
def test_production_caches_in_redis(environment, location):
    import json
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "CELERY_BROKER_URL")}
    env |= environment | {
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "example.org",
    }
    code = "import json, django; django.setup(); from django.conf import settings; print(json.dumps(settings.CACHES))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    default = json.loads(out.strip().splitlines()[-1])["default"]
    assert default["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    assert default["LOCATION"] == location


def test_an_upload_over_the_limit_is_refused_before_it_is_read(world, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    before = ImportJob.objects.count()
    c = ApiClient(token_for(world.users[OWN_DEPARTMENT]))
    data = {
        "kind": "roster",
        "department": OWN_DEPARTMENT,
        "file": SimpleUploadedFile("名册.csv", b"x" * (200 * 1024)),
    }
    response = c.post(reverse("api:import_list"), data, json_body=False)
    assert response.status_code == 413 and response.json()["code"] == "request_too_large"
    assert ImportJob.objects.count() == before
