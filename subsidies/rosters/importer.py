"""Identity rosters (SPEC §4): a department's full snapshot becomes a version, diffed against the previous one.

An identity belongs to the department's current roster until a later version ends it (`ended_by`).
Against the open identities of the same county and department a snapshot dated D yields:

- added: a new identity, valid_from = the certification date, or D when the file has none;
- removed: the identity ends: valid_to = the day before D (the snapshot says the person is not certified
  on D), or the end date the file gave earlier if that is sooner;
- changed category: the old identity ends the day before the new one starts, a new identity begins;
- unchanged: kept open; its end date, name and place follow the new file.

Everything happens in the caller's transaction (`import_job_commit`), set-based: one statement per step.
"""

from __future__ import annotations

import datetime
from collections import Counter

from django.db import connection
from django.db.models import Max, ProtectedError
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import mask_id_number
from enrollment import idnumbers
from enrollment.files.readers import FIELD_LABELS, parse_date, text
from enrollment.imports.importer import PREVIEW_ROWS, Importer, ImportError_, Problem, given_fields
from enrollment.imports.staging import Stage, sql_day_before, sql_distinct, sql_greatest
from enrollment.models import ImportKind
from enrollment.places.clock import county_today
from enrollment.places.selectors import place_index
from subsidies.models import Category, Department, Identity, RosterVersion
from subsidies.rosters.labels import EXACT
from subsidies.rosters.removals import removal_share, removals_message, removals_to_confirm
from subsidies.rosters.services import category_labels

OPEN = "i.county_id = %s AND i.department_id = %s AND i.ended_by_id IS NULL"
# Roster fields a file may leave out: an unchanged identity then keeps its stored end date or place.
_OPTIONAL_FIELDS = ("valid_to", "township", "village")
_MISSING = object()
_BAD_DATE = object()
_MEMO_MAX = 10_000


def _memo_key(value):
    """A dict key that tells 1, 1.0 and True apart (they are judged differently as cells)."""
    return value if value.__class__ is str else (value.__class__, value)


class RosterImporter(Importer):
    kind = ImportKind.ROSTER
    required = ("id_number", "name", "category")
    fields = ("id_number", "name", "category", "valid_from", "valid_to", "township", "village")
    written_tables = ("subsidies_identity", "subsidies_rosterchange", "subsidies_dirtyperson")
    stage_columns = [
        ("line", "int"),
        ("id_number", "text"),
        ("name", "text"),
        ("category_id", "bigint"),
        ("valid_from", "date"),
        ("valid_to", "date"),
        ("township", "text"),
        ("village", "text"),
    ]

    def __init__(self, job):
        super().__init__(job)
        if job.department_id is None:
            raise ImportError_(_("A roster import needs its department."))
        self.department = job.department
        self.snapshot = job.snapshot_date or county_today(job.county)

    @property
    def duplicate_message(self):
        return _("The ID number already appears on line %(line)s.")

    def prepare(self, columns):
        super().prepare(columns)
        # Labels and places are resolved against dictionaries built once per import (a handful of categories and
        # places, each distinct cell value judged once: see the memos below).
        self.labels, self.category_of = category_labels(county_id=self.county.pk)
        self.own = frozenset(pk for pk, (dep, _name) in self.category_of.items() if dep == self.department.pk)
        self.places = place_index(county=self.county)
        self.unknown_labels: Counter = Counter()
        own = sorted(name for pk, (_dep, name) in self.category_of.items() if pk in self.own)
        self.msgs = {
            "name": _("The name is empty."),
            "long": _("The text is too long."),
            "no_category": _("The category is empty."),
            "unknown_category": _("Unknown category. This department's categories: %(list)s")
            % {"list": "、".join(own) or _("none yet")},
            "closest_category": _("Unknown category. The closest of this department's categories: %(list)s"),
            "ambiguous_category": _("The category could be any of %(list)s: write one of them."),
            "read_as_category": _("“%(label)s” was read as the category “%(category)s”."),
            "other_department": _("This category is certified by another department (%(department)s)."),
            "date": _("The date is not a date (2023-09-01, 2023/9/1, 2023年9月1日, 20230901)."),
            "order": _("The end date lies before the certification date."),
            "end_before_snapshot": _(
                "The end date lies before the snapshot date while no certification date is given."
            ),
            "future_from": _("The certification date lies after the snapshot date."),
            "unknown_township": _("Unknown township in this county."),
            "unknown_village": _("Unknown village in this township."),
            "ambiguous_place": _("The name fits several places of this county (%(list)s): kept as written."),
            "read_as_place": _("“%(name)s” was read as “%(place)s”."),
        }
        self._departments = dict(Department.objects.values_list("pk", "name"))
        c = columns.get
        self._idx = tuple(c(f) for f in ("id_number", "name", "category", "valid_from", "valid_to"))
        self._place_idx = (c("township"), c("village"))
        # A roster repeats a handful of categories, dates and places: each distinct cell value is judged once.
        self._category_memo: dict = {}
        self._date_memo: dict = {}
        self._place_memo: dict = {}
        return []

    def _category(self, raw) -> tuple[int | None, Problem | None, Problem | None]:
        """(category id, error, warning) for a category cell; memoised per distinct value.

        A label matched only after normalising brackets, qualifiers or order is taken with a warning naming the
        category, and only where one category fits; otherwise the error lists the candidates or the closest.
        """
        key = _memo_key(raw)
        found = self._category_memo.get(key, _MISSING)
        if found is not _MISSING:
            return found
        error = warning = None
        category_id = None
        if not text(raw):
            error = Problem("category", "", self.msgs["no_category"])
        else:
            match = self.labels.match(text(raw), prefer=self.own)
            names = "、".join(self.category_of[pk][1] for pk in match.ids)
            if not match.ids:
                closest = self.labels.closest(text(raw), among=sorted(self.own))
                message = (
                    self.msgs["closest_category"] % {"list": "、".join(self.category_of[pk][1] for pk in closest)}
                    if closest
                    else self.msgs["unknown_category"]
                )
                error = Problem("category", raw, message)
            elif len(match.ids) > 1:
                error = Problem("category", raw, self.msgs["ambiguous_category"] % {"list": names})
            elif match.found not in self.own:
                department = self._departments.get(self.category_of[match.found][0], "")
                error = Problem("category", raw, self.msgs["other_department"] % {"department": department})
            else:
                category_id = match.found
                if match.stage != EXACT:
                    warning = Problem(
                        "category", raw, self.msgs["read_as_category"] % {"label": text(raw), "category": names}
                    )
        found = (category_id, error, warning)
        if len(self._category_memo) < _MEMO_MAX:
            self._category_memo[key] = found
        return found

    def _date(self, raw):
        """parse_date memoised per distinct cell value; _BAD_DATE when the cell is not a date."""
        if raw is None:
            return None
        key = _memo_key(raw)
        found = self._date_memo.get(key, _MISSING)
        if found is _MISSING:
            try:
                found = parse_date(raw)
            except (ValueError, OverflowError):
                found = _BAD_DATE
            if len(self._date_memo) < _MEMO_MAX:
                self._date_memo[key] = found
        return found

    def _place(self, township: str, village: str) -> tuple[str, str, Problem | None]:
        """The stored township and village the names fit (马蹄乡 → 马蹄藏族乡), with a warning when they are read
        otherwise than written or not known; a roster never creates a place. Memoised per distinct pair."""
        key = (township, village)
        found = self._place_memo.get(key, _MISSING)
        if found is _MISSING:
            found = (township, village, None)
            if township:
                stored, candidates = self.places.township(township)
                if stored is None:
                    reason = (
                        self.msgs["ambiguous_place"] % {"list": "、".join(candidates)}
                        if candidates
                        else self.msgs["unknown_township"]
                    )
                    found = (township, village, Problem("township", township, reason))
                else:
                    warning = None
                    if stored != township:
                        warning = Problem(
                            "township", township, self.msgs["read_as_place"] % {"name": township, "place": stored}
                        )
                    place = stored
                    if village:
                        stored_village, candidates = self.places.village(stored, village)
                        if stored_village is None:
                            reason = (
                                self.msgs["ambiguous_place"] % {"list": "、".join(candidates)}
                                if candidates
                                else self.msgs["unknown_village"]
                            )
                            warning = warning or Problem("village", village, reason)
                        elif stored_village != village:
                            read_as = self.msgs["read_as_place"] % {"name": village, "place": stored_village}
                            warning = warning or Problem("village", village, read_as)
                            village = stored_village
                    found = (place, village, warning)
            if len(self._place_memo) < _MEMO_MAX:
                self._place_memo[key] = found
        return found

    def clean(self, line, cells):
        errors: list[Problem] = []
        warnings: list[Problem] = []
        n = len(cells)
        i_id, i_name, i_cat, i_from, i_to = self._idx
        raw_id = cells[i_id] if i_id < n else None
        checked = idnumbers.check(raw_id, today=self.today)
        if checked.errors:
            errors.extend(Problem("id_number", raw_id, idnumbers.message(c)) for c in checked.errors)
        elif checked.warnings:
            warnings.extend(Problem("id_number", raw_id, idnumbers.message(c)) for c in checked.warnings)
        name = text(cells[i_name] if i_name < n else None)
        if not name:
            errors.append(Problem("name", "", self.msgs["name"]))
        elif len(name) > 50:
            errors.append(Problem("name", name, self.msgs["long"]))
        else:
            self.name_warning(name, warnings)
        raw_category = cells[i_cat] if i_cat < n else None
        category_id, problem, category_warning = self._category(raw_category)
        if problem is not None:
            errors.append(problem)
            if problem.value != "":
                self.unknown_labels[text(raw_category)] += 1
        elif category_warning is not None:
            warnings.append(category_warning)
        raw_from = cells[i_from] if i_from is not None and i_from < n else None
        raw_to = cells[i_to] if i_to is not None and i_to < n else None
        valid_from = self._date(raw_from)
        if valid_from is _BAD_DATE:
            valid_from = None
            errors.append(Problem("valid_from", raw_from, self.msgs["date"]))
        elif valid_from is not None:
            self.date_warning("valid_from", raw_from, warnings)
        valid_to = self._date(raw_to)
        if valid_to is _BAD_DATE:
            valid_to = None
            errors.append(Problem("valid_to", raw_to, self.msgs["date"]))
        elif valid_to is not None:
            self.date_warning("valid_to", raw_to, warnings)
        if valid_from and valid_from > self.snapshot:
            errors.append(Problem("valid_from", raw_from, self.msgs["future_from"]))
        if valid_to and valid_to < (valid_from or self.snapshot):
            key = "order" if valid_from else "end_before_snapshot"
            errors.append(Problem("valid_to", raw_to, self.msgs[key]))
        i_tw, i_vil = self._place_idx
        township = text(cells[i_tw]) if i_tw is not None and i_tw < n else ""
        village = text(cells[i_vil]) if i_vil is not None and i_vil < n else ""
        township, village = township[:50], village[:50]
        if township or village:
            township, village, warning = self._place(township, village)
            if warning is not None:
                warnings.append(warning)
        if errors:
            return None, None, errors, warnings
        row = (line, checked.value, name, category_id, valid_from, valid_to, township, village)
        return row, checked.value, errors, warnings

    def summary_extra(self):
        # The category labels no category took, most frequent first: the bureau may add one as an alias from the
        # preview page and validate the same upload again.
        return {"unknown_categories": [[label, count] for label, count in self.unknown_labels.most_common(50)]}

    # -- diff ----------------------------------------------------------------------------------------------

    def _params(self):
        return [self.county.pk, self.department.pk]

    def preview(self, stage):
        s = stage.name
        with connection.cursor() as cur:
            counts = self._diff_counts(cur, s)
            # One pass over the register for both the name check and the people it does not know.
            cur.execute(
                "SELECT SUM(CASE WHEN p.id IS NULL THEN 1 ELSE 0 END), "
                "SUM(CASE WHEN p.name <> s.name THEN 1 ELSE 0 END) "
                f"FROM {s} s LEFT JOIN enrollment_person p ON p.id_number = s.id_number"
            )
            not_in_register, mismatch_count = (v or 0 for v in cur.fetchone())
            cur.execute(
                f"SELECT s.line, s.id_number, s.name, p.name FROM {s} s JOIN enrollment_person p "
                "ON p.id_number = s.id_number WHERE p.name <> s.name ORDER BY s.line LIMIT %s",
                [PREVIEW_ROWS],
            )
            mismatches = cur.fetchall()
        total = counts.pop("rows")
        counts["removals_to_confirm"] = removals_to_confirm(
            removed=counts["removed"], previous=counts["previous"], share=removal_share()
        )
        reason = _("The name differs from the register's (%(name)s).")
        warn_rows = [
            {
                "line": line,
                "column": FIELD_LABELS["name"],
                "value": f"{mask_id_number(idn)} {name}",
                "reason": reason % {"name": registered},
            }
            for line, idn, name, registered in mismatches
        ]
        return {
            "rows": total,
            **counts,
            "unchanged": total - counts["added"] - counts["changed"],
            "name_mismatch": mismatch_count,
            "not_in_register": not_in_register,
        }, warn_rows

    def unconfirmed(self, summary, confirm_removals):
        diff = summary.get("diff") or {}
        removed, previous = diff.get("removed", 0), diff.get("previous", 0)
        return removals_message(removed=removed, previous=previous, confirmed=confirm_removals)

    def _check_removals(self, cur, d: str) -> None:
        """In the commit's transaction, from its diff table: the removals are still the number confirmed."""
        cur.execute(
            "SELECT SUM(CASE WHEN s_id IS NULL THEN 1 ELSE 0 END), "
            f"SUM(CASE WHEN identity_id IS NULL THEN 0 ELSE 1 END) FROM {d}"
        )
        removed, previous = (v or 0 for v in cur.fetchone())
        needed = removals_to_confirm(removed=removed, previous=previous, share=removal_share())
        if (needed or self.confirmed_removals is not None) and self.confirmed_removals != removed:
            raise ImportError_(
                _(
                    "Since the preview, the number of people this version would remove has become %(removed)s: "
                    "upload the file again to see the new preview."
                )
                % {"removed": removed}
            )

    def _diff_counts(self, cur, s: str) -> dict:
        """Rows in the file, and what a commit now would add, remove and change (no table written).

        An open identity matches at most one file row (ID numbers are unique in the staging table), so
        removed = open identities - matched (file row, identity) pairs.
        """
        cur.execute(f"SELECT count(*) FROM {s}")
        total = cur.fetchone()[0]
        cur.execute(f"SELECT count(*) FROM subsidies_identity i WHERE {OPEN}", self._params())
        open_total = cur.fetchone()[0]
        cur.execute(
            "SELECT SUM(CASE WHEN i.id IS NULL THEN 1 ELSE 0 END), SUM(CASE WHEN i.id IS NULL THEN 0 ELSE 1 END), "
            "SUM(CASE WHEN i.id IS NOT NULL AND i.category_id <> s.category_id THEN 1 ELSE 0 END) "
            f"FROM {s} s LEFT JOIN subsidies_identity i ON i.id_number = s.id_number AND {OPEN}",
            self._params(),
        )
        added, matched, changed = (v or 0 for v in cur.fetchone())
        return {
            "rows": total,
            "added": added,
            "removed": open_total - matched,
            "changed": changed,
            "previous": open_total,
        }

    def _hold_categories(self, s: str) -> None:
        """The categories the rows were validated against, still the department's, and held until the commit ends.

        What a foreign key on identity.category would check per row (170,000 deferred checks cost 0.8 s at COMMIT
        for a 250,000-row roster), once per category: a category deleted or given to another department since the
        file was checked fails the commit, and FOR SHARE makes a concurrent change of one wait for it. A concurrent
        delete is settled by `_category_deleted`, which waits for the department lock this commit holds.
        """
        lock = " FOR SHARE" if connection.vendor == "postgresql" else ""
        with connection.cursor() as cur:
            cur.execute(f"SELECT DISTINCT category_id FROM {s}")
            named = {row[0] for row in cur.fetchall()}
            cur.execute(
                f"SELECT c.id FROM subsidies_category c WHERE c.department_id = %s AND c.county_id = %s "
                f"AND c.id IN (SELECT category_id FROM {s}){lock}",
                [self.department.pk, self.county.pk],
            )
            held = {row[0] for row in cur.fetchall()}
        if named - held:
            raise ImportError_(
                _(
                    "A category the file names was deleted or given to another department after the file was "
                    "checked: upload the file again."
                )
            )

    def _create_diff(self, cur, s: str) -> str:
        """The snapshot joined once with the open identities: one row per (file row, open identity) pair, per
        unmatched file row (added) and per unmatched identity (removed). Every later step reads this table
        instead of joining again. PostgreSQL runs it as one hash full join; elsewhere it is two halves."""
        d = f"{s}_diff"
        select = (
            "SELECT s.line, s.id_number AS s_id, s.name, s.category_id, s.valid_from, s.valid_to, s.township, "
            "s.village, i.id AS identity_id, i.id_number AS i_id, i.name AS i_name, i.category_id AS i_category_id, "
            "i.valid_to AS i_valid_to, i.township_name AS i_township, i.village_name AS i_village "
        )
        identities = f"(SELECT * FROM subsidies_identity i WHERE {OPEN}) i"
        cur.execute(f"DROP TABLE IF EXISTS {d}")
        if connection.vendor == "postgresql":
            cur.execute(
                f"CREATE UNLOGGED TABLE {d} AS {select}FROM {s} s FULL JOIN {identities} ON i.id_number = s.id_number",
                self._params(),
            )
        else:
            cur.execute(
                f"CREATE TABLE {d} AS {select}FROM {s} s LEFT JOIN {identities} ON i.id_number = s.id_number "
                f"UNION ALL {select}FROM {identities} LEFT JOIN {s} s ON s.id_number = i.id_number "
                "WHERE s.id_number IS NULL",
                [*self._params(), *self._params()],
            )
        # The planner needs the row counts (the joins below go by identity id).
        cur.execute(f"ANALYZE {d}")
        return d

    def commit(self, stage):
        s = stage.name
        county, department = self.county.pk, self.department.pk
        snapshot = self.snapshot
        # One version number at a time per department and county: lock the department row.
        Department.objects.select_for_update().get(pk=department)
        self._hold_categories(s)
        previous = RosterVersion.objects.filter(county_id=county, department_id=department).order_by("-number").first()
        number = (
            RosterVersion.objects.filter(county_id=county, department_id=department).aggregate(n=Max("number"))["n"]
            or 0
        ) + 1
        version = RosterVersion.objects.create(
            county_id=county,
            department_id=department,
            number=number,
            snapshot_date=snapshot,
            import_job=self.job,
            previous=previous,
            created_by=self.job.created_by,
        )
        v = version.pk
        now = timezone.now()
        before = snapshot - datetime.timedelta(days=1)
        removed = "d.s_id IS NULL"
        added = "d.identity_id IS NULL"
        both = "d.s_id IS NOT NULL AND d.identity_id IS NOT NULL"
        changed = f"{both} AND d.i_category_id <> d.category_id"
        with connection.cursor() as cur:
            d = self._create_diff(cur, s)
            self._check_removals(cur, d)
            # 1. The diff, stored as RosterChange rows.
            change = (
                "INSERT INTO subsidies_rosterchange (version_id, kind, id_number, name, old_category_id, "
                "new_category_id) "
            )
            cur.execute(
                change + f"SELECT %s, 'removed', d.i_id, d.i_name, d.i_category_id, NULL FROM {d} d WHERE {removed}",
                [v],
            )
            cur.execute(
                change + "SELECT %s, 'changed', d.s_id, d.name, d.i_category_id, d.category_id "
                f"FROM {d} d WHERE {changed}",
                [v],
            )
            cur.execute(
                change + f"SELECT %s, 'added', d.s_id, d.name, NULL, d.category_id FROM {d} d WHERE {added}",
                [v],
            )
            # 2. Mark dirty: every change, and unchanged identities whose end date moves.
            given = given_fields(self, _OPTIONAL_FIELDS)
            dirty = (
                f"SELECT COALESCE(d.s_id, d.i_id) AS id_number FROM {d} d WHERE {removed} OR {added} "
                "OR d.i_category_id <> d.category_id"
                + (" OR " + sql_distinct("d.i_valid_to", "d.valid_to") if "valid_to" in given else "")
            )
            cur.execute(f"SELECT count(*) FROM ({dirty}) x")
            self.people_changed(cur, county_id=county, now=now, select_ids_sql=dirty, count=cur.fetchone()[0])
            # 3. Unchanged people: follow the file's name, and its end date and place where it has their columns
            #    (a column the file does not carry keeps what is stored).
            follow = [("name", "i_name", "name")]
            follow += [
                (column, old, new)
                for field, column, old, new in (
                    ("valid_to", "valid_to", "i_valid_to", "valid_to"),
                    ("township", "township_name", "i_township", "township"),
                    ("village", "village_name", "i_village", "village"),
                )
                if field in given
            ]
            cur.execute(
                "UPDATE subsidies_identity AS i SET "
                + ", ".join(f"{column} = d.{new}" for column, _old, new in follow)
                + f" FROM {d} d WHERE i.id = d.identity_id AND {both} AND d.i_category_id = d.category_id AND ("
                + " OR ".join(sql_distinct(f"d.{old}", f"d.{new}") for _column, old, new in follow)
                + ")"
            )
            # 4. Removed people: certified until the day before the snapshot (or an earlier end date).
            cur.execute(
                "UPDATE subsidies_identity AS i SET ended_by_id = %s, valid_to = CASE "
                "WHEN i.valid_to IS NOT NULL AND i.valid_to < %s THEN i.valid_to "
                f"ELSE {sql_greatest('i.valid_from', '%s')} END FROM {d} d WHERE i.id = d.identity_id AND {removed}",
                [v, before, before],
            )
            # 5. Changed category: the old identity ends the day before the new one starts. Steps 3-5 update no
            #    indexed column of pages kept half free: in place on PostgreSQL (see Identity.Meta.indexes).
            new_start = "COALESCE(d.valid_from, %s)"
            cur.execute(
                "UPDATE subsidies_identity AS i SET ended_by_id = %s, valid_to = CASE "
                f"WHEN i.valid_to IS NOT NULL AND i.valid_to < {new_start} THEN i.valid_to "
                f"ELSE {sql_greatest('i.valid_from', sql_day_before(new_start))} END FROM {d} d "
                f"WHERE i.id = d.identity_id AND {changed}",
                [v, snapshot, snapshot],
            )
            # 6. New identities for added people and changed categories (the changed ones were just ended):
            #    the file's rows, read from the diff, which holds each of them once (SQLite, which cannot hash
            #    join, ran a correlated NOT EXISTS over the diff's unindexed rows once per row: a first version of
            #    250,000 rows was still in it after 3.5 minutes). In the file's order, as its ID numbers come: in
            #    the diff's hash order the identity indexes were written all over (250,000 new identities on
            #    PostgreSQL: 4.5-4.7 s against 3.2-3.6 s).
            cur.execute(
                "INSERT INTO subsidies_identity (county_id, department_id, category_id, id_number, name, "
                "township_name, village_name, valid_from, valid_to, version_id, ended_by_id) "
                "SELECT %s, %s, d.category_id, d.s_id, d.name, d.township, d.village, "
                f"COALESCE(d.valid_from, %s), d.valid_to, %s, NULL FROM {d} d "
                f"WHERE {added} OR ({changed}) ORDER BY d.line",
                [county, department, snapshot, v],
            )
            cur.execute(f"SELECT count(*) FROM {s}")
            total = cur.fetchone()[0]
            cur.execute("SELECT kind, count(*) FROM subsidies_rosterchange WHERE version_id = %s GROUP BY kind", [v])
            counts = dict(cur.fetchall())
            cur.execute(f"DROP TABLE {d}")
        version.rows = total
        version.added = counts.get("added", 0)
        version.removed = counts.get("removed", 0)
        version.changed = counts.get("changed", 0)
        version.unchanged = total - version.added - version.changed
        version.save(update_fields=["rows", "added", "removed", "changed", "unchanged"])
        return {
            "version": version.number,
            "version_id": version.pk,
            "rows": total,
            "added": version.added,
            "removed": version.removed,
            "changed": version.changed,
            "unchanged": version.unchanged,
        }


@receiver(pre_delete, sender=Category, dispatch_uid="roster_category_guard")
def _category_deleted(sender, instance, **kwargs):
    """PROTECT for identities written by a roster commit running while the category is deleted.

    identity.category has no database constraint (see `RosterImporter._hold_categories`), and Django's collector
    looked for identities before this delete waited for the commit's locks. So wait for any roster commit of
    the department (its row lock) and look again: the delete then either sees the identities and stops, or
    went first and the commit finds the category gone.
    """
    Department.objects.select_for_update().filter(pk=instance.department_id).exists()
    if Identity.objects.filter(category_id=instance.pk).exists():
        raise ProtectedError(
            _("The category has identities from a roster committed meanwhile: it cannot be deleted."),
            {instance},
        )


def roster_stage(job) -> Stage:
    return Stage(job.pk, RosterImporter.stage_columns)
