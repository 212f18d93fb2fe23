"""What the three import commands share: run the job, print the summary, exit non-zero when nothing committed."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.imports import ImportError_, import_file, removals_unconfirmed
from enrollment.models import ImportStatus
from enrollment.services import county_ensure

DIFF_LABELS = {
    "added": gettext_lazy("Added"),
    "changed": gettext_lazy("Changed"),
    "removed": gettext_lazy("Removed"),
    "unchanged": gettext_lazy("Unchanged"),
    "refunds": gettext_lazy("Refunds"),
    "already_imported": gettext_lazy("Already imported"),
    "not_in_register": gettext_lazy("Not in the register"),
    "name_mismatch": gettext_lazy("Name differs from the register"),
    "moved_from_other_county": gettext_lazy("Moved in from another county"),
    "new_townships": gettext_lazy("New townships"),
}


class ImportCommand(BaseCommand):
    kind = ""

    def add_common_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--skip-bad-rows",
            action="store_true",
            help="Commit the accepted rows even when some rows were rejected.",
        )

    def run_import(self, *, county_code: str, path: str, skip_bad_rows: bool, **kwargs):
        county = county_ensure(code=county_code)
        try:
            job = import_file(kind=self.kind, county=county, path=path, skip_rejected=skip_bad_rows, **kwargs)
        except (ImportError_, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.print_summary(job)
        unconfirmed = job.status == ImportStatus.VALIDATED and removals_unconfirmed(job, kwargs.get("confirm_removals"))
        if unconfirmed and not job.rows_rejected:
            removed = (job.summary.get("diff") or {}).get("removed", 0)
            raise CommandError(f"{unconfirmed} (--confirm-removals {removed})")
        if job.status == ImportStatus.VALIDATED and job.rows_rejected:
            raise CommandError(
                _("%(count)s rows were rejected: fix them and upload the file again.") % {"count": job.rows_rejected}
                + " (--skip-bad-rows)"
            )
        if job.status != ImportStatus.COMMITTED:
            raise CommandError(job.message or _("Nothing was committed."))
        return job

    def print_summary(self, job):
        s = job.summary or {}

        # Labels are looked up outside the f-strings: xgettext does not read calls inside them.
        def out(label, value):
            self.stdout.write(f"{label}: {value}")

        kind = f"{s.get('format', '')} {s.get('encoding', '')}".strip()
        out(_("File"), f"{job.original_name} ({kind})")
        self.print_read_facts(s, out)
        out(_("Rows read"), s.get("rows_read", 0))
        out(_("Accepted"), s.get("accepted", 0))
        out(_("Rejected"), s.get("rejected", 0))
        for reason, count in (s.get("reasons") or {}).items():
            self.stdout.write(f"    {count:>8}  {reason}")
        if s.get("warnings"):
            out(_("Warnings"), s.get("warned_rows", 0))
            for reason, count in s["warnings"].items():
                self.stdout.write(f"    {count:>8}  {reason}")
        result = s.get("result") or s.get("diff") or {}
        title = _("Committed") if "result" in s else _("Would change")
        out(title, "  ".join(f"{DIFF_LABELS[k]} {v}" for k, v in result.items() if k in DIFF_LABELS))
        if job.error_file:
            out(_("Error workbook"), job.error_file.path)
        out(_("Status"), job.get_status_display())

    def print_read_facts(self, s: dict, out) -> None:
        """What the reader did: the sheets read and skipped, rows that are not people, columns not imported."""
        if s.get("format") in ("xlsx", "xls") and s.get("sheets"):
            out(_("Sheets read"), "、".join(f"{sheet['name']} ({sheet['rows']})" for sheet in s["sheets"]))
        for sheet in s.get("skipped_sheets") or ():
            out(_("Sheet skipped"), f"{sheet['name']}: {sheet['reason']}")
        if s.get("skipped_total"):
            out(_("Rows skipped (not people)"), s["skipped_total"])
            for entry in s.get("skipped_rows") or ():
                self.stdout.write(f"    {entry['count']:>8}  {entry['label']}")
        if s.get("ignored_columns"):
            out(_("Columns not imported"), "、".join(s["ignored_columns"]))
        for warning in s.get("file_warnings") or ():
            out(_("File warning"), warning)
