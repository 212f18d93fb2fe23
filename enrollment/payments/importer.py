"""Tax payment details' import: payments and refunds, each tier checked against the year's policy (SPEC §13).

The policy is subsidies' (a higher layer): it provides the county's tiers through `registry.payment_tiers`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import mask_id_number
from enrollment.files.readers import (
    FIELD_LABELS,
    TierChoice,
    TierError,
    parse_amount,
    parse_date,
    parse_int,
    parse_tier,
    text,
    tiers_fitting,
)
from enrollment.imports.importer import PREVIEW_ROWS, Importer, Problem
from enrollment.imports.registry import payment_tiers
from enrollment.models import ImportKind

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class YearTiers:
    """What a payment file is checked against for one benefit year: the policy's tiers, the amounts each tier
    explains (its standards, the dues of every category of the policy in it, a mid-year price), and the amount
    beyond which a payment is implausible (twice the highest of them)."""

    tiers: tuple[TierChoice, ...]
    explained: dict[int, frozenset[Decimal]]
    limit: Decimal


def _tier_list(tiers: tuple[TierChoice, ...]) -> str:
    return "、".join(f"{t.name or f'第{t.number}档'}（{t.standard}元）" for t in tiers)


_REFUND_WORDS = frozenset({"退费", "退款", "退", "是", "y", "yes", "true", "1", "√", "-1"})


_PAYMENT_WORDS = frozenset({"", "缴费", "征收", "收费", "缴款", "正常", "否", "n", "no", "false", "0"})


class PaymentsImporter(Importer):
    """Tax payment details. A row identical to one already imported (same person, year, date, amount, tier,
    channel) is not added twice, so importing the same file again changes nothing.

    A negative amount, or a 退费 marker, is a refund: stored as a negative payment linked to the payment it
    returns. The tier comes from the 档次 column, checked against the year's policy; without the column, a county
    with one tier gives it, one with several gives the only tier whose standard or dues explain the amount."""

    kind = ImportKind.PAYMENTS
    written_tables = ("enrollment_payment", "subsidies_dirtyperson")
    required = ("id_number", "year", "amount", "paid_on")
    fields = ("id_number", "name", "year", "amount", "paid_on", "tier", "channel", "refund")
    stage_columns = [
        ("line", "int"),
        ("id_number", "text"),
        ("name", "text"),
        ("year", "int"),
        ("amount", "money"),
        ("paid_on", "date"),
        ("tier", "int"),
        ("channel", "text"),
    ]

    @property
    def duplicate_message(self):
        return _("The same payment already appears on line %(line)s.")

    @property
    def duplicate_message_at(self):
        return _("The same payment already appears at %(where)s.")

    def prepare(self, columns):
        super().prepare(columns)
        self.years = payment_tiers(county=self.county)
        self._tiers_seen: dict[tuple[str, int | None], tuple[int, str | None]] = {}
        self.msgs = {
            "year": _("The contribution year is not a year between 2000 and 2100."),
            "amount": _(
                "The amount is not a sum of money in yuan with at most two decimals (a refund is negative; "
                "a comma only as thousands separator or decimal comma)."
            ),
            "zero": _("The amount is zero."),
            "date": _("The date is not a date (2023-09-01, 2023/9/1, 2023年9月1日, 20230901)."),
            "future": _("The payment date lies in the future."),
            "tier": _("The tier is not a whole number from 1 to 20, nor a tier name such as 一档 or 第二档."),
            "tier_unknown": _("The %(year)s policy has no such tier: its tiers are %(tiers)s."),
            "tier_ambiguous": _("Two tiers of the %(year)s policy have this standard: write the tier (一档, 二档)."),
            "tier_standard": _("The amount in brackets is not this tier's standard: the %(year)s tiers are %(tiers)s."),
            "tier_none": _(
                "No tier is given and no tier of the %(year)s policy explains the amount: add the tier (its tiers "
                "are %(tiers)s)."
            ),
            "tier_several": _(
                "No tier is given and the amount fits tiers %(numbers)s of the %(year)s policy: add the tier."
            ),
            "no_policy": _("No policy for %(year)s is on record: tier 1 was taken without checking."),
            "implausible": _(
                "The amount is more than twice the highest amount the %(year)s policy asks (%(limit)s yuan): check it."
            ),
            "refund_marker": _("The refund marker is neither 退费/是 nor 缴费/否."),
            "long": _("The text is too long."),
        }
        return []

    def _tier(self, raw_tier, amount, year, errors, warnings) -> int:
        """The row's tier number (1 when a problem was recorded: the row is then rejected or warned)."""
        policy = self.years.get(year) if year is not None else None
        tiers = policy.tiers if policy else None
        written = text(raw_tier)
        if written:
            # A file repeats a handful of tier labels: each is parsed once per year.
            known = self._tiers_seen.get((written, year))
            if known is None:
                try:
                    known = self._tiers_seen[(written, year)] = (parse_tier(written, tiers), None)
                except TierError as exc:
                    key = {"unknown": "tier_unknown", "ambiguous": "tier_ambiguous", "standard": "tier_standard"}
                    params = {"year": year, "tiers": _tier_list(tiers) if tiers else ""}
                    reason = self.msgs[key[exc.code]] % params if exc.code in key else self.msgs["tier"]
                    known = self._tiers_seen[(written, year)] = (1, reason)
            if known[1] is not None:
                errors.append(Problem("tier", raw_tier, known[1]))
            return known[0]
        if policy is None:
            if year is not None:
                warnings.append(Problem("tier", raw_tier, self.msgs["no_policy"] % {"year": year}))
            return 1
        if len(tiers) == 1:
            return tiers[0].number
        if amount is None:
            return 1
        # No tier written (no 档次 column, or an empty cell): the only tier that explains the amount.
        fits = tiers_fitting(amount, policy.explained)
        if len(fits) == 1:
            return fits[0]
        params = {"year": year, "tiers": _tier_list(tiers)}
        if fits:
            numbers = "、".join(str(n) for n in fits)
            errors.append(Problem("tier", amount, self.msgs["tier_several"] % {**params, "numbers": numbers}))
        else:
            errors.append(Problem("tier", amount, self.msgs["tier_none"] % params))
        return 1

    def clean(self, line, cells):
        errors: list[Problem] = []
        warnings: list[Problem] = []
        raw_id = self.cell(cells, "id_number")
        checked = self.check_id(raw_id, errors, warnings)
        name = text(self.cell(cells, "name"))[:50]
        self.name_warning(name, warnings)
        raw_year = self.cell(cells, "year")
        try:
            year = parse_int(raw_year)
            if not 2000 <= year <= 2100:
                raise ValueError
        except ValueError:
            year = None
            errors.append(Problem("year", raw_year, self.msgs["year"]))
        raw_amount = self.cell(cells, "amount")
        try:
            amount = parse_amount(raw_amount)
            if abs(amount) >= 10**8 or amount != amount.quantize(_CENT):
                raise ValueError
            amount = amount.quantize(_CENT)
            if amount == 0:
                errors.append(Problem("amount", raw_amount, self.msgs["zero"]))
        except ValueError:
            amount = None
            errors.append(Problem("amount", raw_amount, self.msgs["amount"]))
        raw_refund = self.cell(cells, "refund")
        marker = text(raw_refund).lower()
        if marker in _REFUND_WORDS:
            if amount is not None:
                amount = -abs(amount)
        elif marker not in _PAYMENT_WORDS:
            errors.append(Problem("refund", raw_refund, self.msgs["refund_marker"]))
        raw_date = self.cell(cells, "paid_on")
        try:
            paid_on = parse_date(raw_date)
            if paid_on is None:
                raise ValueError
            if paid_on > self.today:
                errors.append(Problem("paid_on", raw_date, self.msgs["future"]))
            self.date_warning("paid_on", raw_date, warnings)
        except ValueError:
            paid_on = None
            errors.append(Problem("paid_on", raw_date, self.msgs["date"]))
        tier = self._tier(self.cell(cells, "tier"), amount or None, year, errors, warnings)
        policy = self.years.get(year) if year is not None else None
        if amount is not None and policy is not None and abs(amount) > policy.limit:
            implausible = self.msgs["implausible"] % {"year": year, "limit": policy.limit}
            warnings.append(Problem("amount", raw_amount, implausible))
        channel = text(self.cell(cells, "channel"))
        if len(channel) > 30:
            errors.append(Problem("channel", channel, self.msgs["long"]))
        if errors:
            return None, None, errors, warnings
        row = (line, checked.value, name, year, amount, paid_on, tier, channel)
        return row, (checked.value, year, paid_on, amount, tier, channel), errors, warnings

    def _new_rows_sql(self, s: str) -> str:
        return (
            f"SELECT s.* FROM {s} s WHERE NOT EXISTS (SELECT 1 FROM enrollment_payment x WHERE x.county_id = %s "
            "AND x.id_number = s.id_number AND x.year = s.year AND x.paid_on = s.paid_on AND x.amount = s.amount "
            "AND x.tier = s.tier AND x.channel = s.channel)"
        )

    def _over_refunded_sql(self, s: str) -> str:
        """The new refund rows of people whose refunds for the year (stored and new) exceed their payments (stored
        and new): line, ID, name, year, paid. Set-based: one indexed look-up per person-year refunded."""
        return f"""
            WITH n AS ({self._new_rows_sql(s)}),
                 r AS (SELECT id_number, year FROM n WHERE amount < 0 GROUP BY id_number, year),
                 t AS (SELECT r.id_number, r.year,
                              (SELECT COALESCE(SUM(x.amount), 0) FROM enrollment_payment x
                                WHERE x.county_id = %s AND x.year = r.year AND x.id_number = r.id_number) AS stored,
                              (SELECT COALESCE(SUM(m.amount), 0) FROM n m
                                WHERE m.id_number = r.id_number AND m.year = r.year) AS new,
                              (SELECT COALESCE(SUM(x.amount), 0) FROM enrollment_payment x
                                WHERE x.county_id = %s AND x.year = r.year AND x.id_number = r.id_number
                                  AND x.amount > 0) AS paid_stored,
                              (SELECT COALESCE(SUM(m.amount), 0) FROM n m
                                WHERE m.id_number = r.id_number AND m.year = r.year AND m.amount > 0) AS paid_new
                         FROM r)
            SELECT n.line, n.id_number, n.name, n.year, t.paid_stored + t.paid_new
              FROM n JOIN t ON t.id_number = n.id_number AND t.year = n.year
             WHERE n.amount < 0 AND t.stored + t.new < 0
             ORDER BY n.line
        """

    def preview(self, stage):
        s = stage.name
        county = self.county.pk
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {s}")
            total = cur.fetchone()[0]
            cur.execute(
                f"SELECT count(*), COALESCE(SUM(CASE WHEN n.amount < 0 THEN 1 ELSE 0 END), 0) "
                f"FROM ({self._new_rows_sql(s)}) n",
                [county],
            )
            new, refunds = cur.fetchone()
            cur.execute(self._over_refunded_sql(s), [county, county, county])
            over_refunded = cur.fetchmany(PREVIEW_ROWS)
            cur.execute(
                f"SELECT s.line, s.id_number, s.name, p.name FROM {s} s JOIN enrollment_person p "
                "ON p.id_number = s.id_number WHERE s.name <> '' AND p.name <> s.name ORDER BY s.line",
            )
            mismatches = cur.fetchmany(PREVIEW_ROWS)
            cur.execute(
                f"SELECT count(*) FROM {s} s WHERE NOT EXISTS (SELECT 1 FROM enrollment_person p "
                "WHERE p.id_number = s.id_number)"
            )
            not_in_register = cur.fetchone()[0]
        reason = _("The name differs from the register's (%(name)s).")
        warn_rows = [
            {
                "line": line,
                "column": FIELD_LABELS["name"],
                "value": mask_id_number(idn) + " " + name,
                "reason": reason % {"name": registered},
            }
            for line, idn, name, registered in mismatches
        ]
        over = _("The refunds exceed what this person paid for %(year)s (%(paid)s yuan): nothing is left to refund.")
        warn_rows += [
            {
                "line": line,
                "column": FIELD_LABELS["amount"],
                "value": mask_id_number(idn) + " " + name,
                "reason": over % {"year": year, "paid": Decimal(paid).quantize(_CENT)},
            }
            for line, idn, name, year, paid in over_refunded
        ]
        diff = {"rows": total, "added": new, "refunds": refunds, "already_imported": total - new}
        if not refunds:
            del diff["refunds"]
        return {**diff, "not_in_register": not_in_register}, warn_rows

    def commit(self, stage):
        s = stage.name
        county = self.county.pk
        now = timezone.now()
        new_rows = self._new_rows_sql(s)
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {s}")
            total = cur.fetchone()[0]
            # How many people the new rows are: a payment file of most of the county marks it as a whole (one
            # row, a full run next) instead of a mark per person and an incremental run of them all (at a
            # million: 22 s of marks and a 306 s run instead of a 69 s full one).
            cur.execute(f"SELECT count(DISTINCT id_number) FROM ({new_rows}) n", [county])
            payers = cur.fetchone()[0]
            self.people_changed(
                cur,
                county_id=county,
                now=now,
                select_ids_sql=f"SELECT id_number FROM ({new_rows}) n",
                params=[county],
                count=payers,
            )
            cur.execute(
                "INSERT INTO enrollment_payment (county_id, id_number, name, year, amount, paid_on, tier, channel, "
                f"import_job_id) SELECT %s, n.id_number, n.name, n.year, n.amount, n.paid_on, n.tier, n.channel, %s "
                f"FROM ({new_rows}) n",
                [county, self.job.pk, county],
            )
            added = cur.rowcount
            # Each refund of these people not yet linked (this file's, or an earlier one's whose payment came only
            # now) is kept with the payment it returns: the latest on or before the refund day, the same amount
            # first; else the first later one.
            cur.execute(
                """
                WITH ranked AS (
                    SELECT r.id AS refund, o.id AS original,
                           ROW_NUMBER() OVER (
                               PARTITION BY r.id
                               ORDER BY CASE WHEN o.paid_on <= r.paid_on THEN 0 ELSE 1 END,
                                        CASE WHEN o.amount = -r.amount THEN 0 ELSE 1 END,
                                        CASE WHEN o.paid_on <= r.paid_on THEN o.paid_on END DESC,
                                        o.paid_on, o.id DESC) AS pos
                      FROM enrollment_payment r
                      JOIN enrollment_payment o
                        ON o.county_id = r.county_id AND o.year = r.year AND o.id_number = r.id_number
                       AND o.amount > 0
                     WHERE r.county_id = %s AND r.amount < 0 AND r.refund_of_id IS NULL"""
                f"""
                       AND r.id_number IN (SELECT id_number FROM {s}))
                UPDATE enrollment_payment
                   SET refund_of_id = (SELECT m.original FROM ranked m
                                        WHERE m.refund = enrollment_payment.id AND m.pos = 1)
                 WHERE id IN (SELECT refund FROM ranked WHERE pos = 1)""",
                [county],
            )
            cur.execute(
                "SELECT COUNT(*) FROM enrollment_payment WHERE import_job_id = %s AND amount < 0",
                [self.job.pk],
            )
            refunds = cur.fetchone()[0]
        result = {"rows": total, "added": added, "refunds": refunds, "already_imported": total - added}
        if not refunds:
            del result["refunds"]  # a file without refunds is summed up as before
        return result
