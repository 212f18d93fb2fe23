"""The population register's import: persons and households with their township and village (SPEC §13)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from enrollment import idnumbers
from enrollment.files.readers import (
    parse_bool,
    parse_date,
    text,
)
from enrollment.imports.importer import Importer, ImportError_, Problem, given_fields
from enrollment.imports.staging import is_postgres, sql_distinct
from enrollment.models import ImportKind, Township
from enrollment.places.matching import township_key, village_key
from enrollment.places.selectors import place_index

# Advisory lock namespace serialising register merges (see RegisterImporter.commit).
REGISTER_LOCK_NAMESPACE = 7301


class RegisterImporter(Importer):
    """Persons and households with their township and village. Places and households are created as needed."""

    kind = ImportKind.REGISTER
    required = ("id_number", "name")
    fields = (
        "id_number",
        "name",
        "township",
        "village",
        "household",
        "relation",
        "group",
        "student",
        "employee_left_on",
    )
    written_tables = ("enrollment_person", "enrollment_household", "subsidies_dirtyperson")
    stage_columns = [
        ("line", "int"),
        ("id_number", "text"),
        ("name", "text"),
        ("sex", "text"),
        ("birth_date", "date"),
        ("township", "text"),
        ("village", "text"),
        ("household", "text"),
        ("relation", "text"),
        ("grp", "text"),
        ("student", "int"),
        ("id_warning", "text"),
        ("employee_left_on", "date"),
    ]

    @property
    def duplicate_message(self):
        return _("The ID number already appears on line %(line)s.")

    def prepare(self, columns):
        super().prepare(columns)
        c = columns.get
        self._idx = (c("id_number"), c("name"), c("township"), c("village"), c("household"), c("relation"))
        self._grp, self._student, self._left = c("group"), c("student"), c("employee_left_on")
        self._msg_date = _("The date is not a date (2023-09-01, 2023/9/1, 2023年9月1日, 20230901).")
        self._msg_name = _("The name is empty.")
        self._msg_long = _("The text is too long.")
        self._msg_village = _("A village needs its township.")
        self._msg_ambiguous = _("The name fits several places of this county (%(list)s): write one of them.")
        self._msg_read_as = _("“%(name)s” was read as “%(place)s”.")
        # Place names resolved against the county's townships and villages (马蹄乡 → 马蹄藏族乡), each distinct pair
        # once; a name no stored place fits is a new place, listed in the preview and created only by the commit.
        self._places = place_index(county=self.county)
        self._place_memo: dict = {}
        self._new_townships: dict[str, str] = {}
        self._new_villages: dict[tuple[str, str], str] = {}
        if "village" in columns and "township" not in columns:
            return [
                Problem(
                    "village",
                    "",
                    _(
                        "The file has a village column but no township column: a village is "
                        "found within its township, so add the township column."
                    ),
                )
            ]
        return []

    def clean(self, line, cells):
        i_id, i_name, i_tw, i_vil, i_hh, i_rel = self._idx
        n = len(cells)
        raw_id = cells[i_id] if i_id < n else None
        errors: list[Problem] = []
        warnings: list[Problem] = []
        checked = idnumbers.check(raw_id, today=self.today)
        if checked.errors:
            errors.append(Problem("id_number", raw_id, idnumbers.message(checked.errors[0])))
        elif checked.warnings:
            warnings.extend(Problem("id_number", raw_id, idnumbers.message(w)) for w in checked.warnings)
        name = cells[i_name] if i_name < n else None
        name = name.strip() if name.__class__ is str else text(name)
        if not name:
            errors.append(Problem("name", "", self._msg_name))
        elif len(name) > 50:
            errors.append(Problem("name", name, self._msg_long))
        else:
            self.name_warning(name, warnings)
        township = text(cells[i_tw]) if i_tw is not None and i_tw < n else ""
        village = text(cells[i_vil]) if i_vil is not None and i_vil < n else ""
        if village and not township:
            errors.append(Problem("village", village, self._msg_village))
        if len(township) > 50:
            errors.append(Problem("township", township, self._msg_long))
        if len(village) > 50:
            errors.append(Problem("village", village, self._msg_long))
        if township and not errors:
            township, village, problem, warning = self._place(township, village)
            if problem is not None:
                errors.append(problem)
            elif warning is not None:
                warnings.append(warning)
        household = text(cells[i_hh]) if i_hh is not None and i_hh < n else ""
        if len(household) > 32:
            errors.append(Problem("household", household, self._msg_long))
        relation = text(cells[i_rel])[:20] if i_rel is not None and i_rel < n else ""
        grp = text(cells[self._grp])[:30] if self._grp is not None and self._grp < n else ""
        student = parse_bool(cells[self._student]) if self._student is not None and self._student < n else False
        left_on = None
        if self._left is not None and self._left < n:
            try:
                left_on = parse_date(cells[self._left])
            except ValueError:
                errors.append(Problem("employee_left_on", cells[self._left], self._msg_date))
        if errors:
            return None, None, errors, warnings
        value = checked.value
        row = (
            line,
            value,
            name,
            checked.sex,
            checked.birth_date,
            township,
            village,
            household,
            relation,
            grp,
            1 if student else 0,
            ",".join(checked.warnings)[:60],
            left_on,
        )
        return row, value, errors, warnings

    def _place(self, township: str, village: str):
        """(township, village, error, warning): the stored names they fit, or new places spelt as the file first
        spells them (a later 马蹄乡 for a new 马蹄 is read as 马蹄, with a warning). Memoised per distinct pair."""
        key = (township, village)
        found = self._place_memo.get(key)
        if found is not None:
            return found
        error = warning = None
        places = self._places
        stored, candidates = places.township(township)
        if candidates:
            error = Problem("township", township, self._msg_ambiguous % {"list": "、".join(candidates)})
            found = (township, village, error, None)
        else:
            name = stored or self._new_townships.setdefault(township_key(township), township)
            if name != township:
                warning = Problem("township", township, self._msg_read_as % {"name": township, "place": name})
            place = village
            if village and error is None:
                stored_village, candidates = places.village(name, village) if stored else (None, ())
                if candidates:
                    error = Problem("village", village, self._msg_ambiguous % {"list": "、".join(candidates)})
                else:
                    place = stored_village or self._new_villages.setdefault((name, village_key(village)), village)
                    if place != village and warning is None:
                        warning = Problem("village", village, self._msg_read_as % {"name": village, "place": place})
            found = (name, place, error, warning)
        if len(self._place_memo) < 100_000:
            self._place_memo[key] = found
        return found

    @property
    def given(self) -> set[str]:
        """The optional fields whose column the file carries; the others keep each person's stored value."""
        return given_fields(self, _OPTIONAL_FIELDS)

    def _new_places(self, cur, s: str) -> tuple[list[str], list[list[str]]]:
        """The townships and villages a commit now would create: named in the file, not in the county (one pass
        over the staged rows; the distinct places are few)."""
        cur.execute(
            f"SELECT DISTINCT s.township, s.village, t.id IS NULL, v.id IS NULL FROM {s} s "
            "LEFT JOIN enrollment_township t ON t.county_id = %s AND t.name = s.township "
            "LEFT JOIN enrollment_village v ON v.township_id = t.id AND v.name = s.village "
            "WHERE s.township <> '' AND (t.id IS NULL OR (s.village <> '' AND v.id IS NULL))",
            [self.county.pk],
        )
        townships, villages = set(), set()
        for township, village, new_township, new_village in cur.fetchall():
            if new_township:
                townships.add(township)
            if village and new_village:
                villages.add((township, village))
        # By code point, the same on either database.
        return sorted(townships), [list(v) for v in sorted(villages)]

    def summary_extra(self):
        return {"new_places": self._listed} if hasattr(self, "_listed") else {}

    def preview(self, stage):
        s = stage.name
        differs = _person_differs("p", "s", place_by_name=True, given=self.given)
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT count(*), SUM(CASE WHEN p.id IS NULL THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN p.id IS NOT NULL AND ({differs}) THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN p.id IS NOT NULL AND p.county_id <> %s THEN 1 ELSE 0 END) "
                f"FROM {s} s LEFT JOIN enrollment_person p ON p.id_number = s.id_number "
                f"LEFT JOIN enrollment_township pt ON pt.id = p.township_id "
                f"LEFT JOIN enrollment_village pv ON pv.id = p.village_id "
                f"LEFT JOIN enrollment_household ph ON ph.id = p.household_id WHERE true",
                [self.county.pk, self.county.pk],
            )
            total, added, changed, moved = (v or 0 for v in cur.fetchone())
            townships, villages = self._new_places(cur, s)
        # The preview lists every place the commit will create (the commit refuses to create any other).
        self._listed = {"townships": townships, "villages": villages}
        return {
            "rows": total,
            "added": added,
            "changed": changed,
            "unchanged": total - added - changed,
            "moved_from_other_county": moved,
            "new_townships": len(townships),
            "new_villages": len(villages),
        }, []

    def commit(self, stage):
        s = stage.name
        r = f"{s}_resolved"
        county = self.county.pk
        now = timezone.now()
        with connection.cursor() as cur:
            if is_postgres():
                # Register merges are serialised (new people are inserted without an upsert's per-row arbiter
                # probe); another register commit waits here, then sees this one's people as existing.
                cur.execute("SELECT pg_advisory_xact_lock(%s, 0)", [REGISTER_LOCK_NAMESPACE])
            # Only the places the preview listed are created: anything else fails the commit (nothing changes).
            listed = (self.job.summary or {}).get("new_places") or {"townships": [], "villages": []}
            cur.execute(
                "INSERT INTO enrollment_township (county_id, code, name) "
                f"SELECT DISTINCT %s, '', township FROM {s} WHERE township <> '' "
                "ON CONFLICT (county_id, name) DO NOTHING RETURNING name",
                [county],
            )
            unlisted = {row[0] for row in cur.fetchall()} - set(listed["townships"])
            cur.execute(
                "INSERT INTO enrollment_village (township_id, code, name) "
                f"SELECT DISTINCT t.id, '', s.village FROM {s} s "
                "JOIN enrollment_township t ON t.county_id = %s AND t.name = s.township WHERE s.village <> '' "
                "ON CONFLICT (township_id, name) DO NOTHING RETURNING township_id, name",
                [county],
            )
            created = cur.fetchall()
            if created:
                names = dict(Township.objects.filter(county_id=county).values_list("pk", "name"))
                unlisted |= {(names[t], v) for t, v in created} - {tuple(v) for v in listed["villages"]}
            if unlisted:
                raise ImportError_(_("The file names places its preview did not list: validate the file again."))
            # New households numbered in the order the file first names them: the people, inserted below in the
            # order the merge reads the staged rows (the file's, when it hashes the places and households, as on a
            # million rows), then append to the household index instead of writing all over it (for a million
            # people: 3.3 s of household-index writes in the hash order of a DISTINCT, about 2 s in this order).
            cur.execute(
                "INSERT INTO enrollment_household (county_id, number) "
                f"SELECT %s, s.household FROM {s} s WHERE s.household <> '' AND NOT EXISTS "
                "(SELECT 1 FROM enrollment_household h WHERE h.county_id = %s AND h.number = s.household) "
                "GROUP BY s.household ORDER BY min(s.line)",
                [county, county],
            )
            # Every row with its places resolved and what it does to the register, computed once:
            # change 1 = a new person, 2 = a changed one, 0 = unchanged. A field whose column the file does not
            # carry takes the stored value (places and household only within the same county: they are its own).
            values = _kept_values("p", "x", county=int(county), given=self.given)
            differs = _person_differs("p", "x", place_by_name=False, given=self.given, values=values)
            cur.execute(f"DROP TABLE IF EXISTS {r}")
            cur.execute(
                f"CREATE {'UNLOGGED ' if is_postgres() else ''}TABLE {r} AS "
                "SELECT x.id_number, x.name, x.sex, x.birth_date, x.county_id, x.id_warning, "
                + ", ".join(f"{values[f]} AS {f}" for f in _KEPT_COLUMNS)
                + ", p.id AS person_id, p.county_id AS old_county_id, "
                f"CASE WHEN p.id IS NULL THEN 1 WHEN ({differs}) THEN 2 ELSE 0 END AS change FROM ("
                "SELECT s.id_number, s.name, s.sex, s.birth_date, %s AS county_id, t.id AS township_id, "
                'v.id AS village_id, h.id AS household_id, s.relation, s.grp AS "group", '
                f"s.student = 1 AS is_student, s.employee_left_on AS left_employee_insurance_on, s.id_warning "
                f"FROM {s} s "
                "LEFT JOIN enrollment_township t ON t.county_id = %s AND t.name = s.township "
                "LEFT JOIN enrollment_village v ON v.township_id = t.id AND v.name = s.village "
                "LEFT JOIN enrollment_household h ON h.county_id = %s AND h.number = s.household"
                ") x LEFT JOIN enrollment_person p ON p.id_number = x.id_number",
                [county, county, county],
            )
            cur.execute(
                f"SELECT count(*), SUM(CASE WHEN change = 1 THEN 1 ELSE 0 END), "
                f"SUM(CASE WHEN change = 2 THEN 1 ELSE 0 END) FROM {r}"
            )
            total, added, changed = (v or 0 for v in cur.fetchone())
            self.people_changed(
                cur,
                county_id=county,
                now=now,
                select_ids_sql=f"SELECT id_number FROM {r} WHERE change > 0",
                count=added + changed,
            )
            # People moving in from another county are dirty there too (their old result must be recomputed).
            cur.execute(f"SELECT DISTINCT old_county_id FROM {r} WHERE old_county_id <> %s", [county])
            for (old_county,) in cur.fetchall():
                self.people_changed(
                    cur,
                    county_id=old_county,
                    now=now,
                    select_ids_sql=f"SELECT id_number FROM {r} WHERE old_county_id = %s",
                    params=[old_county],
                )
            fields = [*_PERSON_FIELDS, *_PERSON_KEYS, '"group"', "is_student", "left_employee_insurance_on"]
            cur.execute(
                "UPDATE enrollment_person AS p SET "
                + ", ".join(f"{f} = x.{f}" for f in fields)
                + f", updated_at = %s FROM {r} x WHERE p.id = x.person_id AND x.change = 2",
                [now],
            )
            columns = ", ".join(["id_number", *fields])
            cur.execute(
                f"INSERT INTO enrollment_person ({columns}, updated_at) SELECT {columns}, %s FROM {r} WHERE change = 1",
                [now],
            )
            cur.execute(f"DROP TABLE {r}")
        return {"rows": total, "added": added, "changed": changed, "unchanged": total - added - changed}


_PERSON_FIELDS = ("name", "sex", "birth_date", "relation", "id_warning")


_PERSON_KEYS = ("county_id", "township_id", "village_id", "household_id")


# Register fields a file may leave out (its column absent): then each person keeps the stored value.
_OPTIONAL_FIELDS = ("township", "village", "household", "relation", "group", "student", "employee_left_on")


# The merge's columns for them, in the resolved table.
_KEPT_COLUMNS = (
    "township_id",
    "village_id",
    "household_id",
    "relation",
    '"group"',
    "is_student",
    "left_employee_insurance_on",
)


def _kept_values(p: str, x: str, *, county: int, given: set[str]) -> dict[str, str]:
    """SQL per merge column: the file's value `x.*` where its column is given, else the stored person's `p.*`.

    Places and the household belong to a county: a person moving in from another county keeps none of them.
    A township given without a village keeps the stored village while the township stays the same.
    """
    same_county = f"{p}.county_id = {county}"
    values = {
        "township_id": f"{x}.township_id"
        if "township" in given
        else f"CASE WHEN {same_county} THEN {p}.township_id END",
        "household_id": (
            f"{x}.household_id" if "household" in given else f"CASE WHEN {same_county} THEN {p}.household_id END"
        ),
        "relation": f"{x}.relation" if "relation" in given else f"COALESCE({p}.relation, '')",
        '"group"': f'{x}."group"' if "group" in given else f"COALESCE({p}.\"group\", '')",
        "is_student": f"{x}.is_student" if "student" in given else f"COALESCE({p}.is_student, {x}.is_student)",
        "left_employee_insurance_on": f"{x}.left_employee_insurance_on"
        if "employee_left_on" in given
        else f"{p}.left_employee_insurance_on",
    }
    if "village" in given:
        values["village_id"] = f"{x}.village_id"
    elif "township" in given:
        values["village_id"] = f"CASE WHEN {same_county} AND {p}.township_id = {x}.township_id THEN {p}.village_id END"
    else:
        values["village_id"] = f"CASE WHEN {same_county} THEN {p}.village_id END"
    return values


def _person_differs(p: str, r: str, *, place_by_name: bool, given: set[str], values: dict | None = None) -> str:
    """SQL: the register row `r` differs from the stored person `p` (places by id, or by name for the preview).

    Only the fields the file gives are compared (the others keep their stored value), and the county.
    """
    parts = [sql_distinct(f"{p}.{f}", f"{r}.{f}") for f in _PERSON_FIELDS if f != "relation"]
    if place_by_name:
        compared = {
            "township": f"COALESCE(pt.name, '') <> {r}.township",
            "village": f"COALESCE(pv.name, '') <> {r}.village",
            "household": f"COALESCE(ph.number, '') <> {r}.household",
            "relation": f"{p}.relation <> {r}.relation",
            "group": f'{p}."group" <> {r}.grp',
            "student": f"{p}.is_student <> ({r}.student = 1)",
            "employee_left_on": sql_distinct(f"{p}.left_employee_insurance_on", f"{r}.employee_left_on"),
        }
        parts += [sql for field, sql in compared.items() if field in given]
        parts.append(f"{p}.county_id <> %s")
    else:
        parts.append(sql_distinct(f"{p}.county_id", f"{r}.county_id"))
        parts += [sql_distinct(f"{p}.{column}", values[column]) for column in _KEPT_COLUMNS]
    return " OR ".join(parts)
