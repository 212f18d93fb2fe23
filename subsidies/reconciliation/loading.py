"""How a part of a reconciliation run finds its people and loads their inputs in a handful of bulk queries
(register, payments, identities, locked results), and takes the dirty marks. A mixin of `engine._Part`."""

# SQL here is assembled only from constant fragments and placeholders; every value is a parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from subsidies.models import DirtyPerson
from subsidies.reconciliation import rules as rr
from subsidies.reconciliation.writing import RESULT_COLUMNS, _identity, _parse_date, _parse_money


@dataclass
class _Inputs:
    persons: dict[str, tuple] = field(default_factory=dict)
    paid: dict[str, rr.Paid] = field(default_factory=dict)
    identities: dict[str, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    locked: dict[str, rr.Locked] = field(default_factory=dict)


class InputLoader:
    """`engine._Part`'s loading half (it sets the run, policy, county, year, townships and cursor)."""

    def _create_temp_tables(self) -> None:
        c = self.cursor
        c.execute("DROP TABLE IF EXISTS recon_ids")
        c.execute("DROP TABLE IF EXISTS recon_extra")
        c.execute("CREATE TEMPORARY TABLE recon_ids (id_number varchar(18) PRIMARY KEY)")
        c.execute("CREATE TEMPORARY TABLE recon_extra (id_number varchar(18) PRIMARY KEY)")
        if self.postgres:
            # What this part computed (`write` false: another part's household member, for the household flag).
            c.execute("DROP TABLE IF EXISTS recon_out")
            c.execute(
                "CREATE TEMPORARY TABLE recon_out AS SELECT "
                + ", ".join(RESULT_COLUMNS)
                + " FROM subsidies_reconciliationresult WITH NO DATA"
            )
            c.execute("ALTER TABLE recon_out ADD COLUMN write boolean NOT NULL DEFAULT true")

    def _drop_temp_tables(self) -> None:
        self.cursor.execute("DROP TABLE IF EXISTS recon_ids")
        self.cursor.execute("DROP TABLE IF EXISTS recon_extra")
        if self.postgres:
            for table in ("recon_out", "recon_standard", "recon_benefit"):
                self.cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def _fill_ids(self, table: str, ids) -> None:
        ids = sorted(set(ids))
        if not ids:
            return
        if self.postgres:
            with self.cursor.cursor.copy(f"COPY {table} (id_number) FROM STDIN") as copy:
                for id_number in ids:
                    copy.write_row((id_number,))
            # Without statistics the planner takes a handful of dirty IDs for thousands and scans whole tables.
            self.cursor.execute(f"ANALYZE {table}")
        else:
            self.cursor.executemany(f"INSERT INTO {table} (id_number) VALUES (%s)", [(i,) for i in ids])

    # --- which people ----------------------------------------------------------------------------------------

    def _take_dirty(self) -> list[str]:
        """Delete and return this part's dirty marks (a mark made after this point is left for the next run)."""
        # One statement per kind of person: joined by OR, the semi-join and the anti-join become a subquery
        # evaluated for every mark (un-hashed beyond work_mem); each on its own is planned as a join.
        person_sql, person_params = self._person_filter()
        wheres = []
        if self.township_ids or self.no_township:
            wheres.append((f"id_number IN (SELECT id_number FROM enrollment_person WHERE {person_sql})", person_params))
        if self.roster:
            wheres.append(
                (
                    "NOT EXISTS (SELECT 1 FROM enrollment_person p"
                    " WHERE p.county_id = %s AND p.id_number = subsidies_dirtyperson.id_number)",
                    [self.county_id],
                )
            )
        taken: set[str] = set()
        for where, params in wheres:
            self.cursor.execute(
                f"DELETE FROM subsidies_dirtyperson WHERE county_id = %s AND year IN (%s, %s) AND {where}"
                " RETURNING id_number",
                [self.county_id, self.year, DirtyPerson.ANY_YEAR, *params],
            )
            taken.update(row[0] for row in self.cursor.fetchall())
        return sorted(taken)

    def _full_ids_sql(self) -> tuple[str, list]:
        person_sql, person_params = self._person_filter()
        sql = f"SELECT id_number FROM enrollment_person WHERE {person_sql}"
        params = list(person_params)
        if self.roster:
            roster_sql, roster_params = self._roster_only_sql()
            sql = f"{sql} UNION {roster_sql}"
            params += roster_params
        return sql, params

    def _fill_household_extras(self, ids_sql: str, ids_params: list) -> int:
        """Members of this part's households who are not in it (into recon_extra): their statuses decide the
        household flag. Returns how many."""
        if self.run.full:
            outside, outside_params = self._township_clause("m.")
            where, params = self._person_filter()
            self.cursor.execute(
                f"""
                INSERT INTO recon_extra (id_number)
                SELECT m.id_number FROM enrollment_person m
                WHERE m.county_id = %s AND NOT COALESCE({outside}, false)
                  AND m.household_id IN (SELECT household_id FROM enrollment_person
                                         WHERE {where} AND household_id IS NOT NULL)
                """,
                [self.county_id, *outside_params, *params],
            )
        else:
            self.cursor.execute(
                f"""
                INSERT INTO recon_extra (id_number)
                SELECT m.id_number FROM enrollment_person m
                WHERE m.county_id = %s
                  AND m.household_id IN (SELECT household_id FROM enrollment_person
                                         WHERE county_id = %s AND household_id IS NOT NULL AND id_number IN ({ids_sql}))
                  AND NOT EXISTS (SELECT 1 FROM ({ids_sql}) x WHERE x.id_number = m.id_number)
                """,
                [self.county_id, self.county_id, *ids_params, *ids_params],
            )
        found = max(self.cursor.rowcount, 0)
        if self.postgres and found:
            self.cursor.execute("ANALYZE recon_extra")
        return found

    # --- loading --------------------------------------------------------------------------------------------

    def _load(self, ids_sql: str, ids_params: list, persons_filter: tuple[str, list] | None = None) -> _Inputs:
        """Persons, payments (aggregated per ID), identities and locked results of the people `ids_sql` selects.

        `persons_filter`: the register people of `ids_sql` selected directly (a full run's townships).
        """
        c = self.cursor
        to_date = _identity if self.postgres else _parse_date
        to_money = _identity if self.postgres else _parse_money
        inputs = _Inputs()
        if persons_filter is not None:
            where, where_params = persons_filter
        else:
            where, where_params = f"county_id = %s AND id_number IN ({ids_sql})", [self.county_id, *ids_params]
        c.execute(
            "SELECT id_number, name, township_id, village_id, household_id, is_student, id_warning, birth_date, "
            f"left_employee_insurance_on FROM enrollment_person WHERE {where}",
            where_params,
        )
        for row in c.fetchall():
            inputs.persons[row[0]] = (
                row[1],
                row[2],
                row[3],
                row[4],
                bool(row[5]),
                row[6],
                to_date(row[7]),
                to_date(row[8]),
            )

        pay_where = "county_id = %s AND year = %s AND paid_on <= %s"
        pay_params = [self.county_id, self.year, self.as_of]
        c.execute(
            f"SELECT id_number, COUNT(*), MIN(paid_on), MAX(tier), MAX(amount) FROM enrollment_payment "
            f"WHERE {pay_where} AND id_number IN ({ids_sql}) GROUP BY id_number",
            [*pay_params, *ids_params],
        )
        several = []
        for id_number, n, first_on, tier, amount in c.fetchall():
            if n == 1:
                inputs.paid[id_number] = rr.Paid(payments=((to_date(first_on), to_money(amount)),), tier=tier)
            else:
                several.append(id_number)
                inputs.paid[id_number] = rr.Paid(payments=(), tier=tier)
        if several:
            # Everyone with several payments (a refund is one) in one statement: their rows in date order.
            details = defaultdict(list)
            c.execute(
                f"SELECT id_number, paid_on, amount FROM enrollment_payment WHERE {pay_where} "
                f"AND id_number IN (SELECT id_number FROM enrollment_payment WHERE {pay_where} "
                f"AND id_number IN ({ids_sql}) GROUP BY id_number HAVING COUNT(*) > 1)",
                [*pay_params, *pay_params, *ids_params],
            )
            for id_number, paid_on, amount in c.fetchall():
                details[id_number].append((to_date(paid_on), to_money(amount)))
            for id_number, rows in details.items():
                inputs.paid[id_number] = rr.Paid(payments=tuple(sorted(rows)), tier=inputs.paid[id_number].tier)

        start, end = self.period
        c.execute(
            "SELECT id_number, category_id, department_id, valid_from, valid_to, name, township_name, village_name "
            "FROM subsidies_identity WHERE county_id = %s AND valid_from <= %s "
            f"AND (valid_to IS NULL OR valid_to >= %s) AND id_number IN ({ids_sql})",
            [self.county_id, end, start, *ids_params],
        )
        for id_number, cat, dept, vf, vt, name, township, village in c.fetchall():
            inputs.identities[id_number].append(
                (rr.Held(cat, dept, to_date(vf), to_date(vt) if vt is not None else None), name, township, village)
            )

        c.execute(
            "SELECT id_number, category_id, department_id, fund_id, subsidy, topup, topup_month, enrolled_on "
            "FROM subsidies_reconciliationresult WHERE county_id = %s AND year = %s AND locked "
            f"AND id_number IN ({ids_sql})",
            [self.county_id, self.year, *ids_params],
        )
        for id_number, cat, dept, fund, subsidy, topup, month, enrolled_on in c.fetchall():
            inputs.locked[id_number] = rr.Locked(
                cat,
                dept,
                fund,
                to_money(subsidy),
                to_money(topup),
                to_date(month) if month is not None else None,
                to_date(enrolled_on) if enrolled_on is not None else None,
            )
        return inputs

    # --- computing -------------------------------------------------------------------------------------------

    # Set to False to send everyone through `outcome_for` (the tests compare both ways).
    fast_path = True
