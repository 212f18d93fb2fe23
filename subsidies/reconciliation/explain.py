"""Why one person's result is what it is, in plain Chinese, from the code that computes it (SPEC §6, §7, §14).

`explain_person` loads the person's inputs with the engine's own loader (`loading.InputLoader._load`, the bulk
queries of a run restricted to one ID number), runs the engine's own per-person call (`engine._Part._outcome`,
i.e. `rules.outcome_for`) with a trace, and turns the recorded reasons into steps a clerk can read out. The
outcome it recomputes is compared with the stored result (`matches_stored`): the explanation is of what the site
really decided, never of a second implementation.

A department user (`viewer_department_id`) sees its own department's identities in full and of another
department's only what `presenter.OTHER_DEPARTMENT` says, with the amount: not which department, category or
dates, nor the top-up month or benefit start that follow from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.db import connection
from django.utils.translation import gettext as _

from enrollment import idnumbers
from enrollment.places.clock import county_today
from subsidies.models import Category, EnrolmentStatus, Flag, ReconciliationResult, ReconciliationRun, RunStatus
from subsidies.reconciliation import rules as rr
from subsidies.reconciliation.engine import ReconciliationError, _Part, _place_lookup, rules_for
from subsidies.reconciliation.presenter import OTHER_DEPARTMENT, ResultViewer
from subsidies.reconciliation.reasons import Reason

# The stored result's fields an explanation recomputes (the outcome's names).
COMPARED = (
    "reference_date",
    "tier",
    "category_id",
    "subsidy",
    "personal_due",
    "paid",
    "paid_on",
    "enrolled_on",
    "status",
    "topup",
    "topup_month",
    "benefit_start",
)


@dataclass(frozen=True)
class Step:
    code: str
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Explanation:
    county_id: int
    year: int
    id_number: str
    as_of: date
    outcome: rr.Outcome | None
    stored: ReconciliationResult | None
    steps: tuple[Step, ...]
    matches_stored: bool
    flags: tuple[str, ...] = ()  # the outcome's flags, with the household flag where it applies
    reasons: tuple[Reason, ...] = ()


def day(value: date | None) -> str:
    return f"{value.year}年{value.month}月{value.day}日" if value else "—"


def month(value: date | None) -> str:
    return f"{value.year}年{value.month}月" if value else "—"


def money(value) -> str:
    return _("%(amount)s yuan") % {"amount": f"{Decimal(value):,.2f}"}


def _as_of(county_id: int, year: int) -> date:
    """The as-of date of the county's last finished run for the year (what the stored results were computed at)."""
    run = (
        ReconciliationRun.objects.filter(county_id=county_id, year=year, status=RunStatus.DONE)
        .order_by("-started_at", "-pk")
        .only("as_of")
        .first()
    )
    return run.as_of if run is not None else county_today(county_id)


def explain_person(
    *,
    county_id: int,
    year: int,
    id_number: str,
    as_of: date | None = None,
    viewer_department_id: int | None = None,
) -> Explanation:
    """The explanation of one person's result for the year (see the module docstring)."""
    number = idnumbers.check(id_number).value  # any spelling SPEC §3 accepts: 15 digits, a lower-case x
    stored = (
        ReconciliationResult.objects.filter(county_id=county_id, year=year, id_number=number)
        .select_related("category", "department", "run")
        .first()
    )
    if as_of is None:
        # The as-of date the stored result was computed at (the run that last wrote it), else the last run's.
        as_of = stored.run.as_of if stored is not None and stored.run is not None else _as_of(county_id, year)
    try:
        policy = rules_for(county_id=county_id, year=year)
    except ReconciliationError:
        step = Step(
            "no_policy", _("No policy"), (_("The county has no policy for benefit year %(year)s.") % {"year": year},)
        )
        return Explanation(county_id, year, number, as_of, None, stored, (step,), stored is None)

    run = SimpleNamespace(county_id=county_id, year=year, as_of=as_of, full=False)
    part = _Part(run=run, policy=policy, keys=[])
    trace: list = []
    with connection.cursor() as cursor:
        part.cursor = cursor
        inputs = part._load("SELECT %s", [number])
    person = inputs.persons.get(number)
    held = inputs.identities.get(number) or ()
    if person is None and not held:
        step = Step(
            "unknown",
            _("Not known"),
            (
                _("This person is neither in the register nor on any roster valid in benefit year %(year)s.")
                % {"year": year},
            ),
        )
        return Explanation(county_id, year, number, as_of, None, stored, (step,), stored is None)
    places = _place_lookup(county_id) if person is None else None
    _name, _township, _village, outcome = part._outcome(
        number, person, held, inputs.paid.get(number, rr.NO_PAYMENT), inputs.locked.get(number), places, {}, trace
    )
    flags = outcome.flags
    household = None
    if policy.household_enrolment and person is not None and person[3] is not None:
        household = _household(county_id, year, number, person[3], outcome.status)
        if household["partial"]:
            flags = (*flags, "household_partial")
    matches = (
        stored is not None
        and all(getattr(outcome, field) == getattr(stored, field) for field in COMPARED)
        and rr.flags_text(flags) == (stored.flags or "")
    )
    renderer = Renderer(policy=policy, viewer=viewer_department_id, year=year, outcome=outcome)
    steps = renderer.steps(trace, outcome, household=household, in_register=person is not None)
    return Explanation(county_id, year, number, as_of, outcome, stored, steps, matches, flags, tuple(trace))


def _household(county_id: int, year: int, number: str, household_id: int, status: str) -> dict:
    """The household's members (relation, name, stored status; the person's own status recomputed), and whether
    the household is partly enrolled (as the engine flags it: `rules.household_partial`)."""
    from enrollment.models import Person

    members = list(
        Person.objects.filter(county_id=county_id, household_id=household_id)
        .order_by("id_number")
        .values_list("id_number", "relation", "name")
    )
    statuses = dict(
        ReconciliationResult.objects.filter(
            county_id=county_id, year=year, id_number__in=[m[0] for m in members if m[0] != number]
        ).values_list("id_number", "status")
    )
    statuses[number] = status
    listed = [(relation, name, statuses.get(id_number)) for id_number, relation, name in members]
    all_statuses = [s for _r, _n, s in listed if s is not None]
    return {
        "members": len(members),
        "enrolled": sum(1 for s in all_statuses if rr.is_enrolled(s)),
        "partial": len(members) > 1 and rr.household_partial(all_statuses),
        "listed": listed,
    }


class Renderer:
    """Reasons → steps, in Chinese, with another department's identity hidden from a department viewer.

    `names`: category id → name (read from the database when not given; the pure tests give them)."""

    def __init__(self, *, policy, viewer: int | None, year: int, outcome: rr.Outcome, names: dict | None = None):
        self.policy = policy
        self.viewer = viewer
        self.year = year
        self.shown = ResultViewer(department_id=viewer)
        # presenter.py's rule: the result's winning identity (its department) is another department's.
        self.hide_winner = self.shown.hides(outcome.department_id)
        if names is None:
            names = dict(Category.objects.filter(pk__in=list(policy.categories)).values_list("pk", "name"))
        self.names = names

    def hidden(self, held) -> bool:
        return held is not None and self.shown.hides(held.department_id)

    def category(self, category_id) -> str:
        return self.names.get(category_id) or (
            self.policy.categories[category_id].name if category_id in self.policy.categories else str(category_id)
        )

    def identity(self, held) -> str:
        to = day(held.valid_to) if held.valid_to else _("no end date")
        return _("%(category)s (valid from %(start)s to %(end)s)") % {
            "category": self.category(held.category_id),
            "start": day(held.valid_from),
            "end": to,
        }

    def steps(self, trace: list, outcome: rr.Outcome, *, household: dict | None, in_register: bool) -> tuple[Step, ...]:
        out: list[Step] = []
        by_code: dict[str, list[dict]] = {}
        for code, params in trace:
            by_code.setdefault(code, []).append(params)
        hide_winner = self.hide_winner
        if not in_register:
            out.append(
                Step(
                    "register",
                    _("Population register"),
                    (
                        _(
                            "This person is on a roster but not in the county's population register: the name and "
                            "place come from the roster, and the result is flagged for follow-up."
                        ),
                    ),
                )
            )
        for code, params in trace:
            lines = getattr(self, f"on_{code}", None)
            if lines is None:
                continue
            step = lines(params, outcome)
            if step is None:
                continue
            if code in ("winner", "proxy_kept", "topup") and self.hidden(params.get("held")):
                hide_winner = True
            out.append(step)
        # The benefit start: from policies.rules.benefit_start's recorded rule (plain tuples, not Reasons).
        start = [r for r in trace if not isinstance(r, Reason)]
        if outcome.enrolled_on is not None:
            out.append(self._benefit(start, outcome, hidden=hide_winner))
        out.append(self._flags(outcome, by_code, household=household, in_register=in_register))
        if household is not None:
            lines = [
                _("The policy enrols by household: %(enrolled)s of the household's %(members)s members are enrolled.")
                % household
            ]
            for relation, name, status in household["listed"]:
                lines.append(
                    _("%(relation)s %(name)s: %(status)s")
                    % {
                        "relation": relation or _("member"),
                        "name": name,
                        "status": EnrolmentStatus(status).label if status else _("no result yet"),
                    }
                )
            out.append(Step("household", _("Household"), tuple(lines)))
        return tuple(s for s in out if s is not None)

    # --- one method per reason code ------------------------------------------------------------------------------

    def on_payments(self, p, outcome) -> Step:
        if not p["payments"]:
            lines = [_("No payment for benefit year %(year)s is recorded.") % {"year": self.year}]
            if p["refunded"]:
                lines.append(
                    _("Everything paid was refunded (%(amount)s): as if nothing had been paid.")
                    % {"amount": money(p["refunded"])}
                )
            return Step("payments", _("Payments"), tuple(lines))
        lines = [
            _("Paid %(amount)s on %(day)s.") % {"amount": money(a), "day": day(d)}
            if a > 0
            else _("Refunded %(amount)s on %(day)s.") % {"amount": money(-a), "day": day(d)}
            for d, a in p["payments"]
        ]
        lines.append(
            _("Net paid for the year: %(amount)s; tier %(tier)s%(student)s.")
            % {
                "amount": money(p["total"]),
                "tier": p["tier"],
                "student": _(" (student standard)") if p["student"] else "",
            }
        )
        return Step("payments", _("Payments"), tuple(lines))

    def on_reference(self, p, outcome) -> Step:
        if p["paid_on"] is not None:
            line = _("Reference date %(day)s: the day of the first payment for the year.") % {"day": day(p["day"])}
        else:
            line = _("Reference date %(day)s: no payment, so the as-of date of the reconciliation.") % {
                "day": day(p["day"])
            }
        return Step("reference_date", _("Reference date"), (line,))

    def on_unsubsidised(self, p, outcome) -> Step | None:
        held = [h for h in p["held"] if not self.hidden(h)]
        if not held:
            return None
        return Step(
            "unsubsidised",
            _("Identities the policy does not subsidise"),
            tuple(
                _("%(identity)s: the policy gives this category no subsidy.") % {"identity": self.identity(h)}
                for h in held
            ),
        )

    def on_identities(self, p, outcome) -> Step:
        lines = []
        shown = [(h, a) for h, a in p["valid"] if not self.hidden(h)]
        for h, amount in shown:
            lines.append(
                _("%(identity)s is valid on the reference date: subsidy %(amount)s in this tier.")
                % {"identity": self.identity(h), "amount": money(amount)}
            )
        for h in p["not_valid"]:
            if not self.hidden(h):
                lines.append(
                    _("%(identity)s is not valid on %(day)s.") % {"identity": self.identity(h), "day": day(p["day"])}
                )
        if not lines:
            lines.append(
                _("No identity of yours is valid on %(day)s.") % {"day": day(p["day"])}
                if self.viewer
                else _("No identity is valid on %(day)s.") % {"day": day(p["day"])}
            )
        return Step("identities", _("Identities on the reference date"), tuple(lines))

    def on_deadline(self, p, outcome) -> Step:
        lines = [
            _("Paid after the subsidy deadline %(deadline)s: only people certified after it are still subsidised.")
            % {"deadline": day(p["deadline"])}
        ]
        for h in p["refused"]:
            if not self.hidden(h):
                lines.append(
                    _("%(identity)s was certified before the deadline: no subsidy.") % {"identity": self.identity(h)}
                )
        return Step("deadline", _("Subsidy deadline"), tuple(lines))

    def on_no_winner(self, p, outcome) -> Step | None:
        if not p["any_valid"]:
            return None
        return Step("winner", _("Subsidy"), (_("No identity valid on the reference date may be subsidised."),))

    def on_winner(self, p, outcome) -> Step:
        held = p["held"]
        if self.hidden(held):
            return Step("winner", _("Subsidy"), (f"{OTHER_DEPARTMENT}：{money(p['subsidy'])}。",))
        lines = [
            _("Subsidy: %(category)s, %(amount)s.")
            % {"category": self.category(held.category_id), "amount": money(p["subsidy"])}
        ]
        if p["tied"]:
            lines.append(
                _("%(others)s gives the same amount; the policy's priority order puts %(category)s first.")
                % {
                    "others": "、".join(self.category(h.category_id) for h in p["tied"] if not self.hidden(h))
                    or _("Another category"),
                    "category": self.category(held.category_id),
                }
            )
        elif p["others"] > 0:
            lines.append(_("The highest subsidy of the identities valid that day wins, and only one (就高不重复)."))
        return Step("winner", _("Subsidy"), tuple(lines))

    def on_proxy_kept(self, p, outcome) -> Step:
        held = p["held"]
        if self.hidden(held):
            line = _(
                "%(other)s: %(amount)s, a full subsidy; the policy does not re-adjust, so the proxy enrolment "
                "stands for the year."
            ) % {"other": OTHER_DEPARTMENT, "amount": money(p["subsidy"])}
        else:
            line = _(
                "%(identity)s gave a full subsidy from %(day)s: the policy does not re-adjust, "
                "so the proxy enrolment stands for the year."
            ) % {"identity": self.identity(held), "day": day(p["day"])}
        return Step("proxy", _("No re-adjustment"), (line,))

    def on_locked(self, p, outcome) -> Step:
        return Step(
            "locked",
            _("Locked by an approved transfer batch"),
            (
                _(
                    "The subsidy (%(amount)s) went into an approved transfer batch: later "
                    "roster changes do not alter it this year."
                )
                % {"amount": money(p["locked"].subsidy)},
            ),
        )

    def on_amounts(self, p, outcome) -> Step:
        return Step(
            "amounts",
            _("Amounts"),
            (
                _("Standard %(standard)s − subsidy %(subsidy)s = personal due %(due)s; paid %(paid)s.")
                % {
                    "standard": money(p["standard"]),
                    "subsidy": money(p["subsidy"]),
                    "due": money(p["due"]),
                    "paid": money(p["paid"]),
                },
            ),
        )

    def on_status(self, p, outcome) -> Step:
        status = p["status"]
        label = EnrolmentStatus(status).label
        if status == rr.PROXY_ENROLLED and self.hide_winner:
            # The day of a proxy enrolment is the other department's identity's first day: not shown.
            why = _("The subsidy covers the whole standard: the bureau enrols the person (代缴).")
        elif status == rr.PROXY_ENROLLED:
            why = _(
                "The subsidy covers the whole standard: the bureau enrols the person (代缴), enrolled on %(day)s."
            ) % {"day": day(p["enrolled_on"])}
        elif status == rr.ENROLLED:
            why = _("The personal due was paid in full on %(day)s.") % {"day": day(p["enrolled_on"])}
        elif status == rr.UNDERPAID:
            why = _("Paid %(paid)s, less than the personal due %(due)s: %(short)s short.") % {
                "paid": money(p["paid"]),
                "due": money(p["due"]),
                "short": money(p["due"] - p["paid"]),
            }
        else:
            why = _("Nothing was paid and no subsidy covers the whole standard.")
        return Step("status", _("Status: %(status)s") % {"status": label}, (why,))

    def on_topup(self, p, outcome) -> Step:
        if self.hidden(p["held"]):
            line = f"{OTHER_DEPARTMENT}：{money(p['amount'])}。"
        else:
            line = _(
                "Paid in full on %(paid)s before being certified; %(identity)s was certified later: a "
                "top-up of %(amount)s is owed in %(month)s (当月参保、次月资助)."
            ) % {
                "paid": day(p["paid_on"]),
                "identity": self.identity(p["held"]),
                "amount": money(p["amount"]),
                "month": month(p["month"]),
            }
        return Step("topup", _("Top-up"), (line,))

    def on_no_topup(self, p, outcome) -> Step | None:
        why = p["why"]
        if why == "not_paid":
            return None
        text = {
            "locked": _("No new top-up: the result is locked by an approved transfer batch."),
            "policy": _("No top-up: this county's policy does not give one after a full payment."),
            "subsidised_at_payment": _("No top-up: the person was already certified on the payment day."),
            "not_paid_in_full": _("No top-up: the standard was not paid in full."),
            "no_later_identity": _(
                "No top-up: no identity certified after the payment, by the as-of date "
                "and within the year, gives a subsidy."
            ),
        }[why]
        return Step("topup", _("Top-up"), (text,))

    def _benefit(self, rules: list, outcome: rr.Outcome, *, hidden: bool) -> Step:
        title = _("Benefit start")
        if hidden:
            return Step("benefit_start", title, (_("Follows from another department's identity."),))
        if not rules:
            return Step("benefit_start", title, (day(outcome.benefit_start),))
        code, p = rules[-1]
        start = day(p["start"])
        text = {
            "before_window": _("Paid before the collection window opened (%(window_start)s): no benefits this year."),
            "after_year": _("Paid after the benefit year: no benefits this year."),
            "newborn": _(
                "A newborn registered within the grace period after birth (%(birth)s): covered from %(start)s."
            ),
            "window": _("Enrolled within the collection window (until %(window_end)s): benefits from %(start)s."),
            "employee_leaver": _(
                "Left employee insurance on %(left)s and enrolled within the grace period: benefits from %(start)s."
            ),
            "employee_leaver_late": _(
                "Enrolled later than the grace period after leaving employee insurance: a "
                "%(wait)s-month wait, benefits from %(start)s."
            ),
            "mid_year_exempt": _(
                "Paid in the period %(window)s by a person of an exempt category: no "
                "waiting period, benefits from %(start)s."
            ),
            "mid_year": _("Paid in the period %(window)s (outside the collection window): benefits from %(start)s."),
            "no_period": _(
                "Paid outside the collection window and no later period of the policy applies: no benefits this year."
            ),
            "starts_next_year": _("The waiting period ends after the benefit year: no benefits this year."),
        }[code]
        values = {
            "start": start,
            "window_start": day(p.get("window_start")),
            "window_end": day(p.get("window_end")),
            "birth": day(p.get("birth_date")),
            "left": day(p.get("left_on")),
            "wait": p.get("wait"),
            "window": p.get("window", ""),
        }
        lines = [text % values]
        if code == "mid_year" and p.get("kind") == "after_days":
            lines.append(_("The policy sets a waiting period of %(wait)s days after full payment.") % values)
        return Step("benefit_start", title, tuple(lines))

    def _flags(self, outcome, by_code, *, household, in_register) -> Step | None:
        flags = list(outcome.flags)
        if household is not None and household["partial"]:
            flags.append("household_partial")
        if not flags:
            return Step("flag", _("Flags"), (_("No flag."),))
        why = {
            "invalid_id": _("the ID number fails the check of GB 11643"),
            "suspect_id": _("the register's ID number carries a warning"),
            "name_mismatch": _("a roster spells the name differently from the register"),
            "not_in_register": _("certified on a roster, but not in the population register"),
            "certified_not_enrolled": _("certified on the reference date, but not enrolled"),
            "underpaid": _("paid less than the personal due"),
            "overpaid": _(
                "paid the whole standard while already certified: the part the subsidy covers was paid by the "
                "person too"
            ),
            "enrolled_twice": _("more than one full payment for the year"),
            "refunded": _("a payment was refunded"),
            "refund_after_transfer": _(
                "refunded after the subsidy went into an approved batch: to follow up, nothing is clawed back"
            ),
            "household_partial": _("some members of the household are enrolled and some are not"),
            "after_deadline": _("a higher subsidy was refused because the payment came after the subsidy deadline"),
        }
        labels = dict(Flag.choices)
        return Step("flag", _("Flags"), tuple(f"{labels[f]}：{why[f]}。" for f in flags))
