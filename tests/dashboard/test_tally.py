"""The home pages count from the results' tally a run writes (`subsidies.reconciliation.tally`): every figure the
same as counted from the results themselves, and fresh after every run that changed a result."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboard import selectors as sel
from subsidies.models import Department, ResultTally
from subsidies.reconciliation.dirty import dirty_mark
from subsidies.reconciliation.runs import reconcile
from tests.builders import recon_data as d

pytestmark = pytest.mark.django_db
AS_OF = date(2024, 3, 1)


def figures(policy) -> dict:
    """Every figure the home pages show, for the county, each township and each department, each month."""
    c, y = policy.county, policy.year
    months = [date(y - 1, m, 1) for m in range(1, 13)] + [date(y, m, 1) for m in range(1, 13)]
    departments = list(Department.objects.order_by("pk"))
    out = {
        "overview": sel.enrolment_overview(county=c, year=y),
        "townships": sel.township_progress(county=c, year=y),
        "categories": sel.subsidy_by_category(county=c, year=y),
    }
    for t in c.townships.order_by("pk"):
        out[f"overview {t.name}"] = sel.enrolment_overview(county=c, year=y, township=t)
        out[f"villages {t.name}"] = sel.village_progress(county=c, year=y, township=t)
    for m in months:
        out[f"funds {m}"] = sel.fund_totals_for_month(county=c, year=y, month=m)
        for dep in departments:
            out[f"funds {m} {dep.code}"] = sel.fund_totals_for_month(county=c, year=y, month=m, department=dep)
    for dep in departments:
        out[f"categories {dep.code}"] = sel.subsidy_by_category(county=c, year=y, department=dep)
    return out


def live(policy) -> dict:
    """The same figures counted from the results (the tally set aside, then put back)."""
    rows = list(ResultTally.objects.filter(county=policy.county, year=policy.year))
    ResultTally.objects.filter(county=policy.county, year=policy.year).delete()
    try:
        return figures(policy)
    finally:
        ResultTally.objects.bulk_create(rows)


def test_the_tally_gives_every_home_figure_the_results_give_and_follows_each_run():
    policy = d.sunan_2024()
    people = d.random_county(policy, seed=5, n=240)
    reconcile(county=policy.county, year=policy.year, as_of=AS_OF, full=True)
    tally = ResultTally.objects.filter(county=policy.county, year=policy.year)
    assert 0 < tally.count() < len(people)
    tallied = figures(policy)
    assert tallied == live(policy)
    # Figures that something is in them: people enrolled, subsidies per category, money owed in some month.
    assert tallied["overview"].enrolled > 0 and tallied["overview"].proxy_enrolled > 0
    assert sum(c.people for c in tallied["categories"]) > 0
    assert any(f.owed > 0 for key, rows in tallied.items() if key.startswith("funds ") for f in rows)

    # A change and its incremental run: the tally is rewritten with it.
    for number in people[:60]:
        d.payment(policy.county, number, "380", date(2023, 12, 20), year=policy.year)
    dirty_mark(county_id=policy.county_id, id_numbers=people[:60], years=[policy.year])
    run = reconcile(county=policy.county, year=policy.year, as_of=AS_OF)
    assert not run.full and run.changed > 0
    after = figures(policy)
    assert after == live(policy)
    assert after["overview"].enrolled > tallied["overview"].enrolled


def test_a_home_page_reads_the_tally_not_the_results():
    policy = d.sunan_2024()
    d.random_county(policy, seed=6, n=60)
    reconcile(county=policy.county, year=policy.year, as_of=AS_OF, full=True)
    with CaptureQueriesContext(connection) as ctx:
        figures(policy)
    read_results = [q["sql"] for q in ctx.captured_queries if "subsidies_reconciliationresult" in q["sql"]]
    assert read_results == []


def test_without_a_tally_the_results_are_counted():
    policy = d.sunan_2024()
    d.random_county(policy, seed=7, n=60)
    reconcile(county=policy.county, year=policy.year, as_of=AS_OF, full=True)
    counted = figures(policy)["overview"]
    ResultTally.objects.all().delete()
    assert figures(policy)["overview"] == counted and counted.people == 66
