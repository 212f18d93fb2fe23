"""The person file's server time and query count, on a database that already holds a county (e.g. `setup_demo`).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_people .venv/bin/python bench/person_file.py \
        --county 620721 --people 200

Opens the person page of `--people` people of the county (sampled across the register, in the richest year)
as a bureau user, through Django's test client in this process, and prints the median, p95 and maximum server
time and the query counts. The file openings it records are deleted again at the end.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--county", default="620721")
    parser.add_argument("--people", type=int, default=200)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.models import Role, StaffProfile
    from accounts.services import staff_user_create
    from enrollment.models import County, Person
    from people.models import FileOpening

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    county = County.objects.get(code=args.county)
    profile = StaffProfile.objects.filter(county=county, role=Role.BUREAU).select_related("user").first()
    if profile is None:
        password = "Bench-people-2026!"
        profile = staff_user_create(username="bench-people", password=password, role=Role.BUREAU, county=county)
    client = Client()
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")
    ids = list(Person.objects.filter(county=county).values_list("pk", flat=True))
    sample = random.Random(24).sample(ids, min(args.people, len(ids)))
    first_opening = FileOpening.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    times, queries = [], []
    client.get(reverse("people:person", kwargs={"key": sample[0]}))  # warm the process
    for pk in sample:
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(reverse("people:person", kwargs={"key": pk}))
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        queries.append(len(ctx.captured_queries))
    # The header's search (a POST), by ID number and by name, for a quarter of the sample.
    searched = {"id": [], "name": []}
    for number, name in Person.objects.filter(pk__in=sample[: max(1, len(sample) // 4)]).values_list(
        "id_number", "name"
    ):
        for kind, q in (("id", number), ("name", name)):
            start = time.perf_counter()
            response = client.post(reverse("people:search"), {"q": q})
            searched[kind].append((time.perf_counter() - start) * 1000)
            assert response.status_code in (200, 302), response.status_code
    FileOpening.objects.filter(pk__gt=first_opening).delete()

    times.sort()
    print(f"county {county.code}: {len(ids)} people in the register, {len(sample)} person pages opened")
    print(
        f"server time ms: median {statistics.median(times):.1f}, p95 {times[int(len(times) * 0.95) - 1]:.1f}, "
        f"max {times[-1]:.1f}"
    )
    print(f"queries per page: min {min(queries)}, max {max(queries)}")
    for kind, label in (("id", "by ID number"), ("name", "by name")):
        found = sorted(searched[kind])
        print(
            f"search {label} ({len(found)} searches): median {statistics.median(found):.1f} ms, max {found[-1]:.1f} ms"
        )


if __name__ == "__main__":
    main()
