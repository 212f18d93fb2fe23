"""The OpenAPI schema validates without a warning and describes every route and method of the API; the docs page
is served from this site's own files under the site's Content Security Policy."""

from __future__ import annotations

import io

import pytest
import yaml
from django.core.management import call_command
from django.test import Client
from django.urls import resolve, reverse

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.places.services import county_ensure
from tests.accounts.test_permission_matrix import api_urls, csp_violations
from tests.builders.api_clients import ApiClient, token_for

# Routes that are no API operation: the schema and docs themselves, the JSON 404 for unknown paths.
NOT_OPERATIONS = {"api:schema", "api:docs", "api:not_found"}


def generated_schema() -> dict:
    out = io.StringIO()
    # --fail-on-warn: a view drf-spectacular cannot describe (no serializer, no extend_schema) fails here.
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    return yaml.safe_load(out.getvalue())


def test_the_schema_validates_and_every_route_and_method_is_described():
    schema = generated_schema()
    paths = schema["paths"]
    missing = []
    for url in api_urls():
        if url.name in NOT_OPERATIONS:
            continue
        # drf-spectacular names a `pk` parameter `id` (SCHEMA_COERCE_PATH_PK).
        template = reverse(url.name, kwargs={p: 12345 for p in url.params}).replace("12345", "{id}")
        view = resolve(template.replace("{id}", "1")).func.view_class
        methods = {m for m in view.http_method_names if hasattr(view, m) and m not in ("options", "head")}
        described = set(paths.get(template, {})) & {"get", "post", "put", "patch", "delete"}
        if methods - described:
            missing.append(f"{url.name} {template}: {sorted(methods - described)} not in the schema")
    assert not missing, "\n".join(missing)
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "在“API 令牌”页面创建的令牌：以您的角色和数据范围访问。",
    }
    upload = paths["/api/v1/imports/"]["post"]["requestBody"]["content"]
    assert set(upload) == {"multipart/form-data"}
    fields = upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][fields]["properties"]) == {
        "kind",
        "county",
        "department",
        "date",
        "file",
    }


@pytest.mark.django_db
def test_the_docs_page_uses_vendored_assets_and_keeps_the_csp():
    county = county_ensure(code="620721")
    user = staff_user_create(username="bureau", password="Docs-pass-2026!", role=Role.BUREAU, county=county).user
    c = Client()
    c.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    page = c.get(reverse("api:docs"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "//cdn" not in html and "https://" not in html
    assert csp_violations(page) == []
    script = c.get(reverse("api:docs") + "?script=")
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert reverse("api:schema") in script.content.decode()
    assert c.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js").status_code == 200
    assert c.get(reverse("api:schema")).status_code == 200
    # The schema with a token too; without either, 401.
    assert ApiClient(token_for(user)).get(reverse("api:schema")).status_code == 200
    assert Client().get(reverse("api:schema")).status_code == 401
