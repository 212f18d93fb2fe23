"""Importing a county's enrolment task table: units matched to places and groups, all or nothing."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from enrollment.models import County, Township, Village
from quotas.models import QuotaTable, QuotaUnit, UnitKind
from quotas.targets import importing


class QuotaImportError(Exception):
    """The file cannot be imported; `messages` names row, column and reason for every problem."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass
class QuotaImportOutcome:
    table: QuotaTable
    created: bool
    units: int
    summed_total: int
    warnings: list[str] = field(default_factory=list)


def issue_message(issue: importing.Issue) -> str:
    """A parser issue in Chinese, naming the row, the column and the reason."""
    params = {"row": issue.row, "column": issue.column, "value": issue.value}
    if issue.code == "duplicate_name":
        name, first = ([*issue.value.split("|", 1), ""])[:2]
        params.update(value=name, first=first)
    messages = {
        "no_header": _(
            "No header row found: the table needs a name column (村名, 乡镇（街道）, 单位) and a target column (任务数)."  # noqa: E501
        ),
        "no_rows": _("The table has a header but no units."),
        "too_many_rows": _("Row %(row)s: a quota table has at most %(value)s rows."),
        "second_total": _("Row %(row)s: a second total row."),
        "total_unreadable": _("Row %(row)s, column “%(column)s”: the total “%(value)s” is not a whole number."),
        "name_missing": _("Row %(row)s, column “%(column)s”: the unit name is empty."),
        "duplicate_name": _("Row %(row)s, column “%(column)s”: “%(value)s” already appears on row %(first)s."),
        "target_missing": _("Row %(row)s, column “%(column)s”: the target is empty."),
        "target_not_number": _("Row %(row)s, column “%(column)s”: the target “%(value)s” is not a whole number."),
        "target_not_positive": _("Row %(row)s, column “%(column)s”: the target must be greater than 0, not %(value)s."),
        "population_not_number": _(
            "Row %(row)s, column “%(column)s”: the population “%(value)s” is not a whole number."
        ),
        "seq_not_number": _("Row %(row)s, column “%(column)s”: the number “%(value)s” is not a positive whole number."),
        "file_refused": "%(value)s",  # the upload check's or reader's own message, already translated
    }
    return messages.get(issue.code, issue.code) % params


class _Places:
    """The county's townships and villages, indexed by exact name and by `place_key`."""

    def __init__(self, county: County):
        self.county = county
        self.townships = list(Township.objects.filter(county=county))
        self.villages = list(Village.objects.filter(township__county=county).select_related("township"))

    @staticmethod
    def _find(items, name):
        exact = [p for p in items if p.name == name]
        if exact:
            return exact
        key = importing.place_key(name)
        return [p for p in items if importing.place_key(p.name) == key]

    def townships_named(self, name: str) -> list[Township]:
        return self._find(self.townships, name)

    def villages_named(self, name: str, township: Township | None) -> list[Village]:
        pool = [v for v in self.villages if township is None or v.township_id == township.pk]
        return self._find(pool, name)


def _resolve_units(
    *, parsed: importing.ParsedQuotaTable, county: County, township_name: str | None, create_places: bool
) -> tuple[list[dict], list[str], list[str]]:
    """Each row as QuotaUnit fields, with errors and warnings in Chinese."""
    places = _Places(county)
    errors: list[str] = []
    warnings: list[str] = []
    parent: Township | None = None
    if township_name:
        found = places.townships_named(township_name)
        if len(found) == 1:
            parent = found[0]
        elif not found and create_places:
            parent = Township.objects.create(county=county, name=township_name)
            places.townships.append(parent)
            warnings.append(_("Township “%(name)s” was created.") % {"name": township_name})
        else:
            errors.append(
                _("Township “%(name)s” is not a township of %(county)s.") % {"name": township_name, "county": county}
            )
            return [], errors, warnings
    units = []
    for row in parsed.rows:
        unit = {
            "seq": row.seq,
            "name": row.name,
            "target": row.target,
            "population": row.population,
            "note": row.note,
            "township": None,
            "village": None,
            "group": "",
        }
        lookup = row.kind_hint or row.column_kind or ("village" if parent else "township")
        found = places.villages_named(row.name, parent) if lookup == "village" else places.townships_named(row.name)
        if len(found) > 1:
            errors.append(
                _("Row %(row)s: “%(name)s” matches several places (%(places)s); name the township.")
                % {
                    "row": row.row,
                    "name": row.name,
                    "places": "、".join(f"{p.township}{p.name}" if lookup == "village" else p.name for p in found),
                }
            )
            continue
        if found:
            place = found[0]
            if lookup == "village":
                unit.update(kind=UnitKind.VILLAGE, village=place, township=place.township)
            else:
                unit.update(kind=UnitKind.TOWNSHIP, township=place)
            if place.name != row.name:
                warnings.append(
                    _("Row %(row)s: “%(name)s” matched to “%(place)s”.")
                    % {"row": row.row, "name": row.name, "place": place.name}
                )
        elif not row.kind_hint:
            # Not a place name (学校, 改制企业, 特困人员, 零散户): a group, counted by the person's group or channel.
            unit.update(kind=UnitKind.GROUP, group=row.name[:30])
        elif create_places and lookup == "township":
            township = Township.objects.create(county=county, name=row.name)
            places.townships.append(township)
            unit.update(kind=UnitKind.TOWNSHIP, township=township)
            warnings.append(_("Row %(row)s: township “%(name)s” was created.") % {"row": row.row, "name": row.name})
        elif create_places and parent is not None:
            village = Village.objects.create(township=parent, name=row.name)
            places.villages.append(village)
            unit.update(kind=UnitKind.VILLAGE, village=village, township=parent)
            warnings.append(_("Row %(row)s: village “%(name)s” was created.") % {"row": row.row, "name": row.name})
        else:
            where = parent.name if parent else str(county)
            errors.append(
                _("Row %(row)s: no %(kind)s named “%(name)s” in %(where)s.")
                % {"row": row.row, "kind": UnitKind(lookup).label, "name": row.name, "where": where}
            )
            continue
        units.append(unit)
    return units, errors, warnings


def total_warnings(*, summed: int, stated: int | None, file_total: int | None) -> list[str]:
    """Differences between the rows' sum, the notice's stated total and the file's 合计 row."""
    warnings = []
    if stated is not None and stated != summed:
        warnings.append(
            _("The stated total %(stated)s differs from the sum of the rows %(summed)s (difference %(diff)+d).")
            % {"stated": f"{stated:,}", "summed": f"{summed:,}", "diff": summed - stated}
        )
    if file_total is not None and file_total != summed:
        warnings.append(
            _("The file's total row says %(total)s but its rows sum to %(summed)s.")
            % {"total": f"{file_total:,}", "summed": f"{summed:,}"}
        )
    if stated is not None and file_total is not None and stated != file_total:
        warnings.append(
            _("The notice states %(stated)s while the file's total row says %(total)s.")
            % {"stated": f"{stated:,}", "total": f"{file_total:,}"}
        )
    return warnings


def quota_table_import(
    *,
    county: County,
    year: int,
    data: bytes,
    filename: str,
    title: str = "",
    source: str = "",
    stated_total: int | None = None,
    township_name: str | None = None,
    create_places: bool = False,
) -> QuotaImportOutcome:
    """Import (or re-import) a county's task table for a year, all or nothing.

    The stated total is the notice's figure when given, else the file's 合计 row; it is kept as stated and a
    difference from the rows' sum becomes a warning, never a correction. Re-importing updates units by name,
    so snapshots of units that stay keep their history.
    """
    parsed = importing.parse_file(data, filename)
    if parsed.errors:
        raise QuotaImportError([issue_message(i) for i in parsed.errors])
    with transaction.atomic():
        units, errors, warnings = _resolve_units(
            parsed=parsed, county=county, township_name=township_name, create_places=create_places
        )
        if errors:
            # Places created above are rolled back with everything else.
            transaction.set_rollback(True)
            raise QuotaImportError(errors)
        stated = stated_total if stated_total is not None else parsed.stated_total
        table, created = QuotaTable.objects.update_or_create(
            county=county,
            year=year,
            defaults={
                "title": (
                    title
                    or parsed.title
                    or _("%(county)s %(year)s enrolment targets") % {"county": county.name, "year": year}
                )[:200],
                "source": (source or filename)[:200],
                "stated_total": stated,
                "file_total": parsed.stated_total,
            },
        )
        existing = {u.name: u for u in table.units.all()}
        new_names = {u["name"] for u in units}
        removed = [name for name in existing if name not in new_names]
        if removed:
            table.units.filter(name__in=removed).delete()
            warnings.append(_("Units no longer in the table were removed: %(names)s.") % {"names": "、".join(removed)})
        to_create, to_update = [], []
        for fields in units:
            unit = existing.get(fields["name"])
            if unit is None:
                to_create.append(QuotaUnit(table=table, **fields))
            else:
                for key, value in fields.items():
                    setattr(unit, key, value)
                to_update.append(unit)
        QuotaUnit.objects.bulk_create(to_create)
        QuotaUnit.objects.bulk_update(
            to_update, ["seq", "kind", "township", "village", "group", "target", "population", "note"]
        )
        summed = parsed.summed_total
        warnings += total_warnings(summed=summed, stated=stated, file_total=parsed.stated_total)
        if parsed.stated_population is not None and parsed.stated_population != parsed.summed_population:
            warnings.append(
                _("The total population %(stated)s differs from the sum of the rows %(summed)s.")
                % {"stated": f"{parsed.stated_population:,}", "summed": f"{parsed.summed_population or 0:,}"}
            )
    return QuotaImportOutcome(table=table, created=created, units=len(units), summed_total=summed, warnings=warnings)
