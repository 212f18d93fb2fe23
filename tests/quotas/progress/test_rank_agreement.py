"""One rank per township on every page: the home dashboard and the ranking page share `rank_by_rate` (SPEC §9)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import staff_user_create
from enrollment.places.services import county_ensure
from quotas.models import QuotaTable, QuotaUnit, UnitKind
from quotas.progress.ranking import rank_by_rate, rate_against_target
from subsidies.models import EnrolmentStatus as S
from tests.builders.factories import result

pytestmark = pytest.mark.django_db

# (enrolled, target) per township: three share 50% with 2, 5 and 1 enrolled people.
FIGURES = [(3, 3), (2, 4), (5, 10), (1, 2), (1, 4)]
EXPECTED_RANKS = [1, 2, 2, 2, 5]


@pytest.fixture
def tied_county(db):
    county = county_ensure(code="620721")
    townships = list(county.townships.order_by("code")[: len(FIGURES)])
    table = QuotaTable.objects.create(county=county, year=2024, title="并列的参保任务")
    for seq, (township, (enrolled, target)) in enumerate(zip(townships, FIGURES, strict=True), start=1):
        QuotaUnit.objects.create(
            table=table, seq=seq, name=township.name, kind=UnitKind.TOWNSHIP, township=township, target=target
        )
        for _ in range(enrolled):
            result(county, township=township)
        result(county, township=township, status=S.NOT_ENROLLED)
    return county, townships


def login(client, county, username, role, **kw):
    profile = staff_user_create(username=username, password="x-Pass-2026!", role=role, county=county, **kw)
    client.force_login(profile.user, backend="django.contrib.auth.backends.ModelBackend")


def test_equal_rates_share_a_rank_whatever_the_enrolled_count():
    rates = {"a": Decimal("0.5000"), "b": Decimal("0.5"), "c": Decimal("1"), "d": Decimal("0.25")}
    assert rank_by_rate(rates) == {"c": 1, "a": 2, "b": 2, "d": 4}


def test_a_place_without_a_target_has_no_rate_rather_than_zero():
    assert rate_against_target(5, 10) == rate_against_target(1, 2) == Decimal("0.5000")
    assert rate_against_target(3, None) is None and rate_against_target(3, 0) is None


def test_home_dashboard_and_ranking_page_give_every_township_the_same_rank(client, tied_county):
    county, townships = tied_county
    login(client, county, "bureau", Role.BUREAU)
    home = client.get(reverse("home"))
    page = client.get(reverse("quotas:ranking"), {"year": 2024})
    assert home.status_code == page.status_code == 200
    on_home = {row.pk: row.rank for row in home.context["townships"] if row.rank is not None}
    on_ranking = {row.unit.township_id: row.rank for row in page.context["ranking"].rows}
    expected = {t.pk: rank for t, rank in zip(townships, EXPECTED_RANKS, strict=True)}
    assert on_ranking == expected
    assert on_home == expected
    # The enrolled counts differ inside the tie, so a rule that also ties on them would split it.
    tied = [row for row in home.context["townships"] if row.rank == 2]
    assert sorted(row.enrolled for row in tied) == [1, 2, 5]


def test_a_tied_township_reads_the_shared_rank_on_its_own_home_page(client, tied_county):
    county, townships = tied_county
    login(client, county, "xz", Role.TOWNSHIP, township=townships[2])  # 5 of 10: tied with 2/4 and 1/2
    home = client.get(reverse("home"))
    assert home.context["mine"].rank == 2 and home.context["ranked"] == len(FIGURES)
    assert "2 / 5" in home.content.decode()


def test_the_home_chart_marks_the_bottom_three_as_the_ranking_page_flags_them():
    from dashboard import views
    from dashboard.selectors import PlaceProgress

    figures = {"甲": (4, 4), "乙": (3, 4), "丙": (2, 4), "丁": (2, 4), "戊": (1, 4)}
    rows = [PlaceProgress(k, name, enrolled=e, target=t) for k, (name, (e, t)) in enumerate(figures.items())]
    tones = {bar.label: bar.tone for bar in views._township_bars(rows)}
    # 乙 has three below it: not in the bottom three; 丙 and 丁 tie on its boundary, both are.
    assert tones == {"甲": "good", "乙": "", "丙": "bad", "丁": "bad", "戊": "bad"}
