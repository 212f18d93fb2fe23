"""The reasons `outcome_for` records when asked, and that asking changes nothing: pure, no database."""

from datetime import date
from decimal import Decimal

from subsidies.reconciliation import rules as rr
from tests.builders.seed_rules import seed_rules
from tests.subsidies.reconciliation.test_outcome_cases import AS_OF, DIBAO, MZ, TEKUN, TUOPIN, XC, paid, policy


def traced(p, **kw):
    trace: list = []
    outcome = rr.outcome_for(p, trace=trace, **kw)
    assert outcome == rr.outcome_for(p, **kw)  # the trace only records
    return outcome, trace


def test_a_winner_among_two_with_its_amounts_and_the_window_rule():
    held = [rr.Held(TUOPIN, XC, date(2023, 1, 1)), rr.Held(DIBAO, MZ, date(2023, 5, 1))]
    _, trace = traced(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 10), "70")))
    assert [r[0] for r in trace] == [
        "payments",
        "reference",
        "unsubsidised",
        "identities",
        "winner",
        "amounts",
        "status",
        "no_topup",
        "window",
        "flags",
    ]
    reasons = dict((r[0], r[1]) for r in trace)
    assert reasons["identities"]["valid"] == [(held[0], Decimal("100")), (held[1], Decimal("310"))]
    assert (reasons["winner"]["held"], reasons["winner"]["subsidy"], reasons["winner"]["tied"]) == (held[1], 310, [])
    assert reasons["no_topup"] == {"why": "subsidised_at_payment", "paid_on": date(2023, 10, 10)}
    assert reasons["window"]["start"] == date(2024, 1, 1)


def test_a_tie_names_the_category_it_beat():
    held = [rr.Held(4, 30, date(2023, 1, 1)), rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    _, trace = traced(policy(), as_of=AS_OF, identities=held, paid=paid((date(2023, 10, 10), "70")))
    winner = next(r[1] for r in trace if r[0] == "winner")
    assert (winner["held"], winner["tied"]) == (held[1], [held[0]])


def test_a_top_up_and_a_proxy_under_no_readjustment():
    later = [rr.Held(DIBAO, MZ, date(2023, 11, 5))]
    _, trace = traced(policy(), as_of=AS_OF, identities=later, paid=paid((date(2023, 10, 10), "380")))
    topup = next(r[1] for r in trace if r[0] == "topup")
    assert (topup["held"], topup["amount"], topup["month"]) == (later[0], Decimal("310"), date(2023, 12, 1))
    ended = [rr.Held(TEKUN, MZ, date(2023, 10, 15), date(2024, 1, 31))]
    _, trace = traced(policy(no_readjustment=True), as_of=AS_OF, identities=ended)
    kept = next(r[1] for r in trace if r[0] == "proxy_kept")
    assert (kept["held"], kept["day"], kept["subsidy"]) == (ended[0], date(2023, 10, 15), Decimal("380"))


def test_the_deadline_and_the_rules_of_the_benefit_start():
    held = [rr.Held(DIBAO, MZ, date(2023, 1, 1))]
    _, trace = traced(
        policy(subsidy_deadline=date(2024, 2, 28)), as_of=AS_OF, identities=held, paid=paid((date(2024, 2, 29), "380"))
    )
    deadline = next(r[1] for r in trace if r[0] == "deadline")
    assert (deadline["deadline"], deadline["refused"]) == (date(2024, 2, 28), held)
    fuling = seed_rules("500102")
    _, trace = traced(fuling, as_of=date(2023, 8, 1), paid=paid((date(2023, 4, 10), "350")))
    start = [r for r in trace if r[0] == "mid_year"]
    assert start == [
        (
            "mid_year",
            {
                "paid_on": date(2023, 4, 10),
                "start": date(2023, 7, 10),
                "window": "3—6月参保",
                "kind": "after_days",
                "wait": 90,
            },
        )
    ]
    sunan = seed_rules("620721")
    _, trace = traced(
        sunan, as_of=date(2024, 6, 1), paid=paid((date(2024, 4, 20), "380")), birth_date=date(2024, 1, 20)
    )
    assert next(r for r in trace if r[0] == "newborn")[1]["start"] == date(2024, 1, 20)
    _, trace = traced(sunan, as_of=date(2024, 6, 1), paid=paid((date(2024, 4, 21), "380")))
    assert [r[0] for r in trace][-2] == "no_period"
