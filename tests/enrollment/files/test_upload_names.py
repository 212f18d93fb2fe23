"""Upload names on every upload page: cleaned and shortened before storage; an absurd one refused in Chinese.

The upload pages are found from the URL conf: every site page that renders a multipart form must be in
UPLOAD_PAGES. Each is posted through the in-memory and the temporary-file upload handler (Django keeps a large
upload in a temporary file named after its extension: a 300-character extension answered 500 there).
"""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from enrollment.files.filenames import MAX_STEM, upload_name
from enrollment.models import ImportJob
from quotas.models import FollowUpCase
from tests.accounts.test_permission_matrix import PAGES, all_urls, object_kwargs
from tests.builders.world import build_world

pytestmark = pytest.mark.django_db

LONG_EXTENSION = "名册." + "x" * 300  # Django keeps its last 255 characters: ".xxx…"
LONG_EXTENSION_KEPT = "名册." + "x" * 240  # under 255: the temporary file's name grew past the system's limit
ABSURD = (LONG_EXTENSION, LONG_EXTENSION_KEPT)
LONG_CHINESE = "二〇二六年度民政局低保对象身份名册（第一批）" * 8 + ".CSV"
PATHLIKE = '..\\..\\a<b>:"名册"|?*.csv'
CSV = "身份证号码,姓名\r\n620721196001010010,张三\r\n".encode()
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

# url name → the world object it points at (None: no object)
UPLOAD_PAGES = {"enrollment:import_upload": None, "quotas:case_edit": "case"}


@pytest.fixture
def world():
    return build_world()


def bureau(world) -> Client:
    c = Client()
    c.force_login(world.users["bureau"], backend="django.contrib.auth.backends.ModelBackend")
    return c


def test_every_upload_page_is_covered(world):
    client = bureau(world)
    found = set()
    for url in all_urls():
        if url.name.startswith("admin:") or not PAGES[url.name].get:
            continue
        p = PAGES[url.name]
        response = client.get(reverse(url.name, kwargs=object_kwargs(url, world.objects.get(p.obj), p.kwargs)))
        if (
            response.status_code == 200
            and not response.streaming
            and b'enctype="multipart/form-data"' in response.content
        ):
            found.add(url.name)
    assert found == set(UPLOAD_PAGES), "a new upload page: add it to UPLOAD_PAGES"


def _import_post(client, kind: str, name: str, content: bytes):
    data = {"kind": kind, "file": SimpleUploadedFile(name, content)}
    if kind == "roster":
        data |= {"department": client.world.department.pk, "snapshot_date": datetime.date(2026, 1, 31).isoformat()}
    return client.post(reverse("enrollment:import_upload"), data)


def _kinds(client) -> list[str]:
    form = client.get(reverse("enrollment:import_upload")).context["form"]
    return [value for value, _label in form.fields["kind"].choices]


@pytest.mark.parametrize("max_memory", [2 * 1024 * 1024, 0], ids=["in-memory", "temporary-file"])
def test_import_uploads_store_a_clean_short_name_and_refuse_absurd_ones(world, max_memory):
    client = bureau(world)
    client.world = world
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=max_memory):
        kinds = _kinds(client)
        assert {"register", "roster", "payments"} <= set(kinds)
        for kind in kinds:
            for absurd in ABSURD:
                before = ImportJob.objects.count()
                refused = _import_post(client, kind, absurd, CSV)
                assert refused.status_code == 200, kind
                assert "文件名" in refused.content.decode() and "重新上传" in refused.content.decode()
                assert ImportJob.objects.count() == before, f"{kind}: an absurd name must store nothing"
            for name in (LONG_CHINESE, PATHLIKE):
                accepted = _import_post(client, kind, name, CSV)
                assert accepted.status_code == 302, (kind, name, accepted.content.decode()[:2000])
                job = ImportJob.objects.latest("pk")
                stored = job.file.name.rsplit("/", 1)[-1]
                assert len(job.file.name) <= 100 and len(stored.encode()) < 255
                cleaned = default_storage.get_valid_name(upload_name(name))  # the storage drops （）too
                assert stored.startswith(cleaned.rsplit(".", 1)[0][:MAX_STEM])
                assert stored.endswith(".csv") and not set(stored) & set('<>:"|?*\\/')
                assert job.original_name == name.replace("\\", "/").rsplit("/", 1)[-1] or job.original_name == name


@pytest.mark.parametrize("max_memory", [2 * 1024 * 1024, 0], ids=["in-memory", "temporary-file"])
def test_evidence_uploads_refuse_absurd_names_and_store_their_own(world, max_memory):
    client = bureau(world)
    path = reverse("quotas:case_edit", kwargs={"pk": world.case.pk})
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=max_memory):
        old = FollowUpCase.objects.get(pk=world.case.pk).evidence.name
        for absurd in ABSURD:
            refused = client.post(path, {"reason": "", "note": "", "evidence": SimpleUploadedFile(absurd, PNG)})
            assert refused.status_code == 200
            assert "文件名" in refused.content.decode()
            assert FollowUpCase.objects.get(pk=world.case.pk).evidence.name == old
        accepted = client.post(path, {"reason": "", "note": "", "evidence": SimpleUploadedFile(LONG_CHINESE, PNG)})
        assert accepted.status_code == 302
        stored = FollowUpCase.objects.get(pk=world.case.pk).evidence.name
        assert stored != old and stored.endswith(".png") and len(stored.rsplit("/", 1)[-1]) == 36


@pytest.mark.parametrize("max_memory", [2 * 1024 * 1024, 0], ids=["in-memory", "temporary-file"])
def test_admin_import_pages_do_not_fail_on_an_absurd_name(world, max_memory):
    client = bureau(world)
    imports = [
        u.name
        for u in all_urls()
        if u.name.startswith("admin:") and u.name.endswith("_import") and "process" not in u.name
    ]
    assert imports
    with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=max_memory):
        for name in imports:
            page = client.get(reverse(name))
            assert page.status_code == 200, name
            for absurd in ABSURD:
                upload = SimpleUploadedFile(absurd, io.BytesIO(CSV).read())
                response = client.post(reverse(name), {"format": "0", "import_file": upload})
                assert response.status_code < 500, name
