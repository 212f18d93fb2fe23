"""Everything the county knows about one person for one benefit year, as the viewer may see it (SPEC §14).

`person_file` reads each source once (register row, household, identities and their roster versions, payments,
the result and its explanation, transfer lines, the follow-up case, the audit trail): a bounded number of
queries whatever the size of the household or the number of payments. What a department user may see of another
department's identity is decided by the reconciliation's presenter, the one rule the results list applies too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from accounts.access import mask_id_number, scope_of
from accounts.history import Event, object_history, visible_objects
from enrollment import idnumbers
from enrollment.models import Household, ImportJob, ImportKind, ImportStatus, Payment, Person
from enrollment.places.clock import county_today
from people.selectors import member_ids_visible
from quotas.cases.selectors import case_rows
from quotas.models import FollowUpCase
from subsidies.models import (
    Identity,
    LineKind,
    Policy,
    ReconciliationResult,
    RosterChange,
    TransferLine,
)
from subsidies.reconciliation.explain import explain_person
from subsidies.reconciliation.presenter import OTHER_DEPARTMENT, present_winner, result_viewer
from subsidies.reconciliation.rules import flags_parse, household_partial
from subsidies.reconciliation.selectors import benefit_years_for
from subsidies.rosters.person_keys import PersonRef
from subsidies.transfers.selectors import line_rows


@dataclass(frozen=True)
class Who:
    name: str
    shown_id: str
    masked_id: str
    sex: str
    age: int | None
    birth_date: date | None
    township: str
    village: str
    household_number: str
    relation: str
    in_register: bool
    register_import: ImportJob | None = None
    updated_at: object = None
    left_employee_insurance_on: date | None = None


@dataclass(frozen=True)
class Member:
    key: str | None  # None: outside the viewer's scope (shown by relation only)
    name: str
    relation: str
    masked_id: str
    status: str
    subsidy: Decimal | None
    is_self: bool


@dataclass(frozen=True)
class HouseholdView:
    household: Household
    members: tuple[Member, ...]
    by_household: bool  # the policy of the year requires enrolment by household (肃南)
    partial: bool  # some members enrolled and some not
    hidden: int  # members outside the viewer's scope


@dataclass(frozen=True)
class IdentityRow:
    department: str
    category: str
    valid_from: date
    valid_to: date | None
    added_in: str
    added_kind: str
    ended_in: str


@dataclass(frozen=True)
class ResultView:
    result: ReconciliationResult
    category: str | None
    department: str | None
    topup_month: date | None
    benefit_start: date | None
    flags: tuple[str, ...]
    other_department: bool


@dataclass
class PersonFile:
    ref: PersonRef
    key: str
    year: int
    years: list[int]
    county_name: str
    who: Who
    household: HouseholdView | None
    identities: list[IdentityRow]
    other_department_note: str
    payments: list[Payment]
    paid_total: Decimal
    result: ResultView | None
    explanation: object
    lines: list[TransferLine]
    cases: list[FollowUpCase]
    history: list[tuple[str, Event]] = field(default_factory=list)
    today: date | None = None


def _age(birth: date | None, today: date) -> int | None:
    if birth is None:
        return None
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _flag_labels() -> dict[str, str]:
    from subsidies.models import Flag

    return {code: str(label) for code, label in Flag.choices}


def person_file(*, user, ref: PersonRef, key: str, requested_year: object = None) -> PersonFile:
    """The person's file for the year asked for (the one year rule), as `user` may see it."""
    scope = scope_of(user)
    viewer = result_viewer(user)
    years = benefit_years_for(user)
    year = years.year_to_open(requested_year)
    county_id, number = ref.county_id, ref.id_number
    today = county_today(county_id)
    person = ref.person
    shown_id = number if scope.full_ids else mask_id_number(number)

    result = (
        ReconciliationResult.objects.select_related("township", "village", "category", "department", "fund")
        .filter(county_id=county_id, year=year, id_number=number)
        .first()
    )
    identities = list(
        Identity.objects.select_related("department", "category", "version__department", "ended_by__department")
        .filter(county_id=county_id, id_number=number)
        .order_by("valid_from", "pk")
    )
    who = _who(person, identities, result, shown_id, number, today)
    household = _household(scope, person, county_id, year) if person is not None else None
    rows, note = _identities(viewer, identities, result)
    payments = list(
        Payment.objects.select_related("import_job", "refund_of")
        .filter(county_id=county_id, year=year, id_number=number)
        .order_by("paid_on", "pk")
    )
    lines = _lines(scope, year, number)
    cases = list(
        case_rows(FollowUpCase.objects.filter(county_id=county_id, year=year, id_number=number), scope)
        .select_related("recorded_by", "department")
        .order_by("-pk")
    )
    return PersonFile(
        ref=ref,
        key=key,
        year=year,
        years=years.years,
        county_name=_county_name(person, result, county_id),
        who=who,
        household=household,
        identities=rows,
        other_department_note=note,
        payments=payments,
        paid_total=sum((p.amount for p in payments), Decimal("0")),
        result=_result_view(viewer, result),
        explanation=_explanation(county_id, year, number, viewer.department_id),
        lines=lines,
        cases=cases,
        history=_history(user, result, cases),
        today=today,
    )


def _lines(scope, year: int, number: str) -> list[TransferLine]:
    """The person's transfer lines of the year and the adjustments made to them, in the batches the scope sees.

    Two statements: the subsidy lines through the partial unique index (year, id_number) that excludes
    adjustments, and the adjustments (a few rows a batch, made by hand) on their own.
    """
    lines = TransferLine.objects.filter(year=year, id_number=number)
    subsidy = lines.exclude(kind=LineKind.ADJUSTMENT)
    adjustments = lines.filter(kind=LineKind.ADJUSTMENT)
    rows = []
    for qs in (subsidy, adjustments):
        rows += line_rows(qs, scope).select_related("batch", "batch__fund", "category")
    return sorted(rows, key=lambda line: (line.batch.month, line.kind == LineKind.ADJUSTMENT, line.pk))


def _county_name(person, result, county_id) -> str:
    from enrollment.models import County

    if person is not None:
        return person.county.name
    return County.objects.filter(pk=county_id).values_list("name", flat=True).first() or ""


def _who(person, identities, result, shown_id, number, today) -> Who:
    masked = mask_id_number(number)
    if person is not None:
        return Who(
            name=person.name,
            shown_id=shown_id,
            masked_id=masked,
            sex=person.get_sex_display(),
            age=_age(person.birth_date, today),
            birth_date=person.birth_date,
            township=person.township.name if person.township else "",
            village=person.village.name if person.village else "",
            household_number=person.household.number if person.household else "",
            relation=person.relation,
            in_register=True,
            register_import=_register_import(person),
            updated_at=person.updated_at,
            left_employee_insurance_on=person.left_employee_insurance_on,
        )
    from enrollment.models import Sex

    sex = idnumbers.sex_of(number)
    birth = idnumbers.birth_date_of(number)
    first = identities[0] if identities else None
    return Who(
        name=(first.name if first else (result.name if result else "")),
        shown_id=shown_id,
        masked_id=masked,
        sex=str(dict(Sex.choices).get(sex, "")),
        age=_age(birth, today),
        birth_date=birth,
        township=(first.township_name if first else ""),
        village=(first.village_name if first else ""),
        household_number="",
        relation="",
        in_register=False,
    )


def _register_import(person: Person) -> ImportJob | None:
    """The register import that wrote the person's row last: the committed one whose run spans its update time."""
    return (
        ImportJob.objects.filter(
            county_id=person.county_id,
            kind=ImportKind.REGISTER,
            status=ImportStatus.COMMITTED,
            created_at__lte=person.updated_at,
            committed_at__gte=person.updated_at,
        )
        .order_by("-committed_at")
        .first()
    )


def _household(scope, person: Person, county_id: int, year: int) -> HouseholdView | None:
    if person.household_id is None:
        return None
    return household_view(scope=scope, household=person.household, year=year, self_pk=person.pk)


def household_view(*, scope, household: Household, year: int, self_pk: int | None = None) -> HouseholdView:
    """The members of a household with this year's status and subsidy; members outside the scope by relation only."""
    members = list(Person.objects.filter(household=household).order_by("pk"))
    visible = member_ids_visible(scope, members)
    results = {
        r.id_number: r
        for r in ReconciliationResult.objects.filter(
            county_id=household.county_id, year=year, id_number__in=[m.id_number for m in members]
        ).only("id_number", "status", "subsidy")
    }
    by_household = Policy.objects.filter(county_id=household.county_id, year=year, household_enrolment=True).exists()
    labels = {code: str(label) for code, label in ReconciliationResult._meta.get_field("status").choices}
    rows = []
    for m in members:
        r = results.get(m.id_number)
        shown = m.pk in visible
        rows.append(
            Member(
                key=str(m.pk) if shown else None,
                name=m.name if shown else "",
                relation=m.relation,
                masked_id=mask_id_number(m.id_number) if shown else "",
                status=labels.get(r.status, r.status) if r is not None and shown else "",
                subsidy=r.subsidy if r is not None and shown else None,
                is_self=m.pk == self_pk,
            )
        )
    statuses = [results[m.id_number].status if m.id_number in results else "" for m in members]
    return HouseholdView(
        household=household,
        members=tuple(rows),
        by_household=by_household,
        partial=household_partial(statuses) if any(statuses) else False,
        hidden=sum(1 for m in members if m.pk not in visible),
    )


def _identities(viewer, identities, result) -> tuple[list[IdentityRow], str]:
    """The identities the viewer may see; for a department user, another department's only as the presenter's line."""
    versions = {i.version_id for i in identities}
    kinds = {}
    if identities:
        number = identities[0].id_number
        kinds = dict(
            RosterChange.objects.filter(version_id__in=versions, id_number=number)
            .exclude(kind=RosterChange.Kind.REMOVED)
            .values_list("version_id", "kind")
        )
    kind_labels = dict(RosterChange.Kind.choices)
    rows = []
    for i in identities:
        if viewer.hides(i.department_id):
            continue
        rows.append(
            IdentityRow(
                department=i.department.name,
                category=i.category.name,
                valid_from=i.valid_from,
                valid_to=i.valid_to,
                added_in=str(i.version),
                added_kind=str(kind_labels.get(kinds.get(i.version_id, RosterChange.Kind.ADDED), "")),
                ended_in=str(i.ended_by) if i.ended_by_id else "",
            )
        )
    note = ""
    if result is not None and viewer.hides(result.department_id):
        note = str(OTHER_DEPARTMENT)
    return rows, note


def _result_view(viewer, result) -> ResultView | None:
    if result is None:
        return None
    values = {
        "category": result.category.name if result.category else None,
        "department": result.department.name if result.department else None,
        "topup_month": result.topup_month,
        "benefit_start": result.benefit_start,
    }
    shown = present_winner(viewer, department_id=result.department_id, values=values)
    labels = _flag_labels()
    return ResultView(
        result=result,
        category=shown["category"],
        department=shown["department"],
        topup_month=shown["topup_month"],
        benefit_start=shown["benefit_start"],
        flags=tuple(labels.get(code, code) for code in flags_parse(result.flags)),
        other_department=viewer.hides(result.department_id),
    )


def _explanation(county_id: int, year: int, number: str, department_id: int | None):
    return explain_person(county_id=county_id, year=year, id_number=number, viewer_department_id=department_id)


def _history(user, result, cases) -> list[tuple[str, Event]]:
    """The audit trail of the person's result and follow-up case, newest first, where the user may read it."""
    events: list[tuple[str, Event]] = []
    for obj in [result, *cases]:
        if obj is None or not visible_objects(type(obj), user).filter(pk=obj.pk).exists():
            continue
        kind = str(type(obj)._meta.verbose_name)
        events += [(kind, e) for e in object_history(obj=obj, user=user)]
    events.sort(key=lambda pair: pair[1].at, reverse=True)
    return events
