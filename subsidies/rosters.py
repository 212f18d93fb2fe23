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

from django.db import connection
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import mask_id_number
from enrollment.importing.readers import FIELD_LABELS, label_key, parse_date, text
from enrollment.importing.staging import Stage, sql_day_before, sql_distinct, sql_greatest
from enrollment.imports import PREVIEW_ROWS, Importer, ImportError_, Problem, mark_dirty_sql
from enrollment.models import ImportKind, Township, Village

from .models import Category, Department, RosterVersion

OPEN = "i.county_id = %s AND i.department_id = %s AND i.ended_by_id IS NULL"


def category_index(*, county_id: int) -> dict[str, tuple[int, int, str]]:
    """label_key(name, code or other label) → (category id, department id, name) for a county's categories."""
    index: dict[str, tuple[int, int, str]] = {}
    for cat in Category.objects.filter(county_id=county_id).order_by("pk"):
        for label in [cat.name, cat.code, *(cat.aliases or [])]:
            index.setdefault(label_key(label), (cat.pk, cat.department_id, cat.name))
    return index


class RosterImporter(Importer):
    kind = ImportKind.ROSTER
    required = ("id_number", "name", "category")
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
        self.snapshot = job.snapshot_date or datetime.date.today()

    @property
    def duplicate_message(self):
        return _("The ID number already appears on line %(line)s.")

    def prepare(self, columns):
        super().prepare(columns)
        self.categories = category_index(county_id=self.county.pk)
        self.townships = {
            label_key(n): n for n in Township.objects.filter(county=self.county).values_list("name", flat=True)
        }
        self.villages = {
            (label_key(t), label_key(v))
            for t, v in Village.objects.filter(township__county=self.county).values_list("township__name", "name")
        }
        own = sorted({name for _i, dep, name in self.categories.values() if dep == self.department.pk})
        self.msgs = {
            "name": _("The name is empty."),
            "long": _("The text is too long."),
            "no_category": _("The category is empty."),
            "unknown_category": _("Unknown category. This department's categories: %(list)s")
            % {"list": "、".join(own) or _("none yet")},
            "other_department": _("This category is certified by another department (%(department)s)."),
            "date": _("The date is not a date (2023-09-01, 2023/9/1, 2023年9月1日, 20230901)."),
            "order": _("The end date lies before the certification date."),
            "end_before_snapshot": _(
                "The end date lies before the snapshot date while no certification date is given."
            ),
            "future_from": _("The certification date lies after the snapshot date."),
            "unknown_township": _("Unknown township in this county."),
            "unknown_village": _("Unknown village in this township."),
        }
        self._departments = dict(Department.objects.values_list("pk", "name"))
        return []

    def clean(self, line, cells):
        errors: list[Problem] = []
        warnings: list[Problem] = []
        raw_id = self.cell(cells, "id_number")
        checked = self.check_id(raw_id, errors, warnings)
        name = text(self.cell(cells, "name"))
        if not name:
            errors.append(Problem("name", "", self.msgs["name"]))
        elif len(name) > 50:
            errors.append(Problem("name", name, self.msgs["long"]))
        raw_cat = self.cell(cells, "category")
        category_id = None
        if not text(raw_cat):
            errors.append(Problem("category", "", self.msgs["no_category"]))
        else:
            found = self.categories.get(label_key(raw_cat))
            if found is None:
                errors.append(Problem("category", raw_cat, self.msgs["unknown_category"]))
            elif found[1] != self.department.pk:
                errors.append(
                    Problem(
                        "category",
                        raw_cat,
                        self.msgs["other_department"] % {"department": self._departments.get(found[1], "")},
                    )
                )
            else:
                category_id = found[0]
        dates = {}
        for field in ("valid_from", "valid_to"):
            raw = self.cell(cells, field)
            try:
                dates[field] = parse_date(raw)
            except (ValueError, OverflowError):
                dates[field] = None
                errors.append(Problem(field, raw, self.msgs["date"]))
        valid_from, valid_to = dates["valid_from"], dates["valid_to"]
        if valid_from and valid_from > self.snapshot:
            errors.append(Problem("valid_from", self.cell(cells, "valid_from"), self.msgs["future_from"]))
        if valid_to and valid_to < (valid_from or self.snapshot):
            key = "order" if valid_from else "end_before_snapshot"
            errors.append(Problem("valid_to", self.cell(cells, "valid_to"), self.msgs[key]))
        township = text(self.cell(cells, "township"))[:50]
        village = text(self.cell(cells, "village"))[:50]
        if township and label_key(township) not in self.townships:
            warnings.append(Problem("township", township, self.msgs["unknown_township"]))
        elif village and (label_key(township), label_key(village)) not in self.villages and township:
            warnings.append(Problem("village", village, self.msgs["unknown_village"]))
        if errors:
            return None, None, errors, warnings
        row = (line, checked.value, name, category_id, valid_from, valid_to, township, village)
        return row, checked.value, errors, warnings

    # -- diff ----------------------------------------------------------------------------------------------

    def _params(self):
        return [self.county.pk, self.department.pk]

    def preview(self, stage):
        s = stage.name
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {s}")
            total = cur.fetchone()[0]
            counts = self._diff_counts(cur, s)
            cur.execute(
                f"SELECT s.line, s.id_number, s.name, p.name FROM {s} s JOIN enrollment_person p "
                "ON p.id_number = s.id_number WHERE p.name <> s.name ORDER BY s.line"
            )
            mismatches = cur.fetchmany(PREVIEW_ROWS)
            cur.execute(
                f"SELECT count(*) FROM {s} s JOIN enrollment_person p ON p.id_number = s.id_number "
                "WHERE p.name <> s.name"
            )
            mismatch_count = cur.fetchone()[0]
            cur.execute(
                f"SELECT count(*) FROM {s} s WHERE NOT EXISTS "
                "(SELECT 1 FROM enrollment_person p WHERE p.id_number = s.id_number)"
            )
            not_in_register = cur.fetchone()[0]
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

    def _diff_counts(self, cur, s: str) -> dict:
        cur.execute(
            f"SELECT count(*) FROM {s} s WHERE NOT EXISTS (SELECT 1 FROM subsidies_identity i WHERE {OPEN} "
            "AND i.id_number = s.id_number)",
            self._params(),
        )
        added = cur.fetchone()[0]
        cur.execute(
            f"SELECT count(*) FROM subsidies_identity i WHERE {OPEN} AND NOT EXISTS "
            f"(SELECT 1 FROM {s} s WHERE s.id_number = i.id_number)",
            self._params(),
        )
        removed = cur.fetchone()[0]
        cur.execute(
            f"SELECT count(*) FROM subsidies_identity i JOIN {s} s ON s.id_number = i.id_number "
            f"WHERE {OPEN} AND i.category_id <> s.category_id",
            self._params(),
        )
        changed = cur.fetchone()[0]
        return {"added": added, "removed": removed, "changed": changed}

    def commit(self, stage):
        s = stage.name
        county, department = self.county.pk, self.department.pk
        snapshot = self.snapshot
        # One version number at a time per department and county: lock the department row.
        Department.objects.select_for_update().get(pk=department)
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
        with connection.cursor() as cur:
            # 1. The diff, stored as RosterChange rows.
            cur.execute(
                "INSERT INTO subsidies_rosterchange (version_id, kind, id_number, name, old_category_id, "
                f"new_category_id) SELECT %s, 'removed', i.id_number, i.name, i.category_id, NULL "
                f"FROM subsidies_identity i WHERE {OPEN} AND NOT EXISTS "
                f"(SELECT 1 FROM {s} s WHERE s.id_number = i.id_number)",
                [v, *self._params()],
            )
            cur.execute(
                "INSERT INTO subsidies_rosterchange (version_id, kind, id_number, name, old_category_id, "
                f"new_category_id) SELECT %s, 'changed', s.id_number, s.name, i.category_id, s.category_id "
                f"FROM subsidies_identity i JOIN {s} s ON s.id_number = i.id_number "
                f"WHERE {OPEN} AND i.category_id <> s.category_id",
                [v, *self._params()],
            )
            cur.execute(
                "INSERT INTO subsidies_rosterchange (version_id, kind, id_number, name, old_category_id, "
                f"new_category_id) SELECT %s, 'added', s.id_number, s.name, NULL, s.category_id FROM {s} s "
                f"WHERE NOT EXISTS (SELECT 1 FROM subsidies_identity i WHERE {OPEN} AND i.id_number = s.id_number)",
                [v, *self._params()],
            )
            # 2. Mark dirty: every change, and unchanged identities whose end date moves.
            cur.execute(
                mark_dirty_sql(
                    "SELECT id_number FROM subsidies_rosterchange WHERE version_id = %s UNION "
                    f"SELECT i.id_number FROM subsidies_identity i JOIN {s} s ON s.id_number = i.id_number "
                    f"WHERE {OPEN} AND i.category_id = s.category_id AND ("
                    + sql_distinct("i.valid_to", "s.valid_to")
                    + ")"
                ),
                [county, now, v, *self._params()],
            )
            # 3. Unchanged people: follow the file's end date, name and place.
            cur.execute(
                "UPDATE subsidies_identity AS i SET valid_to = s.valid_to, name = s.name, "
                f"township_name = s.township, village_name = s.village FROM {s} s "
                f"WHERE s.id_number = i.id_number AND {OPEN} AND i.category_id = s.category_id AND ("
                + " OR ".join(
                    sql_distinct(f"i.{a}", f"s.{b}")
                    for a, b in (
                        ("valid_to", "valid_to"),
                        ("name", "name"),
                        ("township_name", "township"),
                        ("village_name", "village"),
                    )
                )
                + ")",
                self._params(),
            )
            # 4. Removed people: certified until the day before the snapshot (or an earlier end date).
            cur.execute(
                "UPDATE subsidies_identity AS i SET ended_by_id = %s, valid_to = CASE "
                "WHEN i.valid_to IS NOT NULL AND i.valid_to < %s THEN i.valid_to "
                f"ELSE {sql_greatest('i.valid_from', '%s')} END "
                f"WHERE {OPEN} AND NOT EXISTS (SELECT 1 FROM {s} s WHERE s.id_number = i.id_number)",
                [v, before, before, *self._params()],
            )
            # 5. Changed category: the old identity ends the day before the new one starts.
            new_start = "COALESCE(s.valid_from, %s)"
            cur.execute(
                "UPDATE subsidies_identity AS i SET ended_by_id = %s, valid_to = CASE "
                f"WHEN i.valid_to IS NOT NULL AND i.valid_to < {new_start} THEN i.valid_to "
                f"ELSE {sql_greatest('i.valid_from', sql_day_before(new_start))} END FROM {s} s "
                f"WHERE s.id_number = i.id_number AND {OPEN} AND i.category_id <> s.category_id",
                [v, snapshot, snapshot, *self._params()],
            )
            # 6. New identities for added people and changed categories: every row without an open identity
            #    left (the changed ones were just ended).
            cur.execute(
                "INSERT INTO subsidies_identity (county_id, department_id, category_id, id_number, name, "
                "township_name, village_name, valid_from, valid_to, version_id, ended_by_id) "
                "SELECT %s, %s, s.category_id, s.id_number, s.name, s.township, s.village, "
                f"COALESCE(s.valid_from, %s), s.valid_to, %s, NULL FROM {s} s WHERE NOT EXISTS "
                f"(SELECT 1 FROM subsidies_identity i WHERE {OPEN} AND i.id_number = s.id_number)",
                [county, department, snapshot, v, *self._params()],
            )
            cur.execute(f"SELECT count(*) FROM {s}")
            total = cur.fetchone()[0]
            cur.execute("SELECT kind, count(*) FROM subsidies_rosterchange WHERE version_id = %s GROUP BY kind", [v])
            counts = dict(cur.fetchall())
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


def roster_stage(job) -> Stage:
    return Stage(job.pk, RosterImporter.stage_columns)
