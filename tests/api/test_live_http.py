"""End to end over real HTTP (pytest-django's live server): a department's system pushes its roster workbook,
polls the job, reads the preview and confirms; the reconciliation follows; the bureau's system reads the results;
an auditor's POST and a revoked token are refused."""

from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
import uuid

import openpyxl
import pytest
from django.contrib.auth import get_user_model

from accounts.models import ExportRecord, Role
from accounts.services import staff_user_create
from subsidies.models import Identity, ReconciliationResult, RosterVersion
from tests.builders.api_clients import revoked_token_for, token_for
from tests.builders.dashboard_data import PASSWORD
from tests.builders.roster_data import GOOD, roster_county

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def roster_workbook() -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["身份证号码", "姓名", "人员类别", "乡镇"])
    for row in GOOD:
        sheet.append(list(row))
    for cell in sheet["A"]:
        cell.number_format = "@"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def call(
    base: str, method: str, path: str, token: str, *, body: bytes | None = None, content_type: str = "", headers=None
):
    """(status, parsed JSON or raw bytes) of one real HTTP request."""
    request = urllib.request.Request(base + path, data=body, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, data, kind = response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        status, data, kind = exc.code, exc.read(), exc.headers.get("Content-Type", "")
    return status, (json.loads(data) if kind.startswith("application/json") else data)


def multipart(fields: dict[str, str], filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: application/octet-stream\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def poll(base: str, path: str, token: str, *, until: set[str]) -> dict:
    for _ in range(120):
        status, job = call(base, "GET", path, token)
        assert status == 200, job
        if job["status"] in until:
            return job
        time.sleep(0.25)
    raise AssertionError(f"the job stayed {job['status']}")


def test_a_departments_system_pushes_its_roster_and_the_bureau_reads_the_results(live_server):
    county = roster_county()
    users = {u.username: u for u in get_user_model().objects.all()}
    auditor = staff_user_create(username="shenji", password=PASSWORD, role=Role.AUDITOR, county=county).user
    department, bureau = token_for(users["minzheng"], name="低保系统"), token_for(users["bureau"], name="财政系统")
    base = live_server.url

    body, content_type = multipart(
        {"kind": "roster", "department": "civil_affairs", "date": "2024-01-01"}, "民政名册.xlsx", roster_workbook()
    )
    status, created = call(
        base, "POST", "/api/v1/imports/", department, body=body, content_type=content_type,
        headers={"Idempotency-Key": "2024-01"},
    )  # fmt: skip
    assert status == 202, created
    job_path = f"/api/v1/imports/{created['id']}/"
    job = poll(base, job_path, department, until={"validated", "invalid", "failed"})
    assert job["status"] == "validated", job["message"]
    assert (job["preview"]["accepted"], job["preview"]["rejected"], job["preview"]["diff"]["added"]) == (3, 0, 3)
    # The night's retry (the answer was lost): the same job, no second upload.
    status, again = call(
        base, "POST", "/api/v1/imports/", department, body=body, content_type=content_type,
        headers={"Idempotency-Key": "2024-01"},
    )  # fmt: skip
    assert (status, again["id"]) == (200, created["id"])

    status, _ = call(base, "POST", job_path + "confirm/", department, body=b"{}", content_type="application/json")
    assert status == 202
    assert poll(base, job_path, department, until={"committed", "failed"})["status"] == "committed"

    version = RosterVersion.objects.get()
    assert (version.department.code, version.rows, version.import_job_id) == ("civil_affairs", 3, created["id"])
    assert Identity.objects.count() == 3
    stored = dict(ReconciliationResult.objects.filter(year=2024).values_list("id_number", "category__name"))
    assert stored == {row[0]: row[2] for row in GOOD}

    status, page = call(base, "GET", "/api/v1/results/?year=2024&page_size=2", bureau)
    assert status == 200 and len(page["results"]) == 2 and page["next"]
    status, rest = call(base, "GET", page["next"].removeprefix(base), bureau)
    assert status == 200 and rest["next"] is None
    read = {r["id_number"]: r["category"] for r in page["results"] + rest["results"]}
    assert read == stored  # the bureau reads full ID numbers
    assert list(
        ExportRecord.objects.filter(kind="api_reconciliation")
        .order_by("pk")
        .values_list("username", "token_name", "rows")
    ) == [("bureau", "财政系统", 2), ("bureau", "财政系统", 1)]

    status, refused = call(base, "POST", "/api/v1/imports/", token_for(auditor), body=body, content_type=content_type)
    assert (status, refused["code"]) == (403, "permission_denied")
    status, refused = call(base, "GET", "/api/v1/results/", revoked_token_for(users["bureau"]))
    assert (status, refused["code"]) == (401, "authentication_failed")
    assert RosterVersion.objects.count() == 1 and Identity.objects.count() == 3
