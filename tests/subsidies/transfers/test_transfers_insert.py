"""How a build inserts its lines on PostgreSQL: a plain INSERT with an anti-join, and the ON CONFLICT fallback
when the unique index refuses it (a concurrent build of another county took the same person meanwhile)."""

from datetime import date

import pytest
from django.db import connection

from enrollment.places.services import county_ensure
from subsidies.models import TransferLine
from subsidies.transfers import services as transfers
from subsidies.transfers.services import batch_build
from tests.builders.transfers_helpers import categories, county, funds, id_number, result

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

MAR = date(2024, 3, 1)


def _nestloop():
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_nestloop")
        return cursor.fetchone()[0]


def test_a_build_leaves_the_planner_settings_as_it_found_them(require_postgres):
    c = county()
    tekun, _, _ = categories(c)
    assistance, _ = funds()
    result(c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 2))
    assert _nestloop() == "on"
    assert batch_build(county=c, month=MAR).lines == 1
    assert _nestloop() == "on"


def test_a_person_taken_meanwhile_by_another_county_is_skipped_not_an_error(require_postgres, monkeypatch):
    c = county()
    other = county_ensure(code="141181")
    tekun, _, _ = categories(c)
    assistance, _ = funds()
    shared = id_number()
    result(
        c,
        status="proxy_enrolled",
        category=tekun,
        fund=assistance,
        subsidy="380",
        enrolled_on=date(2024, 3, 2),
        idn=shared,
    )
    batch_build(county=c, month=MAR)
    result(
        other,
        status="proxy_enrolled",
        category=tekun,
        fund=assistance,
        subsidy="380",
        enrolled_on=date(2024, 3, 3),
        idn=shared,
    )
    newcomer = result(
        other, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 4)
    )
    # As if the anti-join had read the lines before the other county's build committed its line for `shared`:
    # the plain INSERT then meets the unique index.
    monkeypatch.setattr(
        transfers, "INSERT_NEW_LINES_SQL", transfers.INSERT_LINES_SQL.replace("ON CONFLICT DO NOTHING", "")
    )

    built = batch_build(county=other, month=MAR)

    assert built.lines == 1
    assert TransferLine.objects.filter(id_number=shared).count() == 1
    assert TransferLine.objects.get(id_number=shared).batch.county == c
    assert TransferLine.objects.get(id_number=newcomer.id_number).batch.county == other
    assert _nestloop() == "on"


def test_a_rebuild_counts_the_stale_lines_it_removed(require_postgres):
    c = county()
    tekun, _, _ = categories(c)
    assistance, _ = funds()
    kept = result(
        c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 2)
    )
    changed = result(
        c, status="proxy_enrolled", category=tekun, fund=assistance, subsidy="380", enrolled_on=date(2024, 3, 3)
    )
    batch_build(county=c, month=MAR)
    assert (batch_build(county=c, month=MAR).removed, batch_build(county=c, month=MAR).lines) == (0, 0)
    changed.subsidy = 250
    changed.save(update_fields=["subsidy"])

    rebuilt = batch_build(county=c, month=MAR)

    assert (rebuilt.removed, rebuilt.lines) == (1, 1)
    assert sorted(TransferLine.objects.values_list("id_number", "amount")) == sorted(
        [(kept.id_number, 380), (changed.id_number, 250)]
    )
    assert _nestloop() == "on"
