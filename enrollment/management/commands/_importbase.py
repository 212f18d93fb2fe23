"""What the three import commands share: run the job, print the summary, exit non-zero when nothing committed."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.imports import ImportError_, can_skip_rejected, import_file, rejected_message
from enrollment.management.county import add_county_argument, county_from_option
from enrollment.models import ImportStatus

DIFF_LABELS = {
    "added": gettext_lazy("Added"),
    "changed": gettext_lazy("Changed"),
    "removed": gettext_lazy("Removed"),
    "unchanged": gettext_lazy("Unchanged"),
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
        add_county_argument(parser)
        # What the browser allows: a register or payments file without its bad rows, never a roster (a full
        # snapshot with holes would end the identities of people still on the list).
        if can_skip_rejected(self.kind):
            parser.add_argument(
                "--skip-bad-rows",
                action="store_true",
                help="Commit the accepted rows even when some rows were rejected.",
            )

    def run_import(self, *, county_code: str | None, path: str, skip_bad_rows: bool = False, **kwargs):
        county = county_from_option(county_code, create="known")
        try:
            job = import_file(kind=self.kind, county=county, path=path, skip_rejected=skip_bad_rows, **kwargs)
        except (ImportError_, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.print_summary(job)
        if job.status == ImportStatus.VALIDATED and job.rows_rejected:
            hint = " (--skip-bad-rows)" if can_skip_rejected(self.kind) else ""
            raise CommandError(rejected_message(job) + hint)
        if job.status != ImportStatus.COMMITTED:
            raise CommandError(job.message or _("Nothing was committed."))
        return job

    def print_summary(self, job):
        s = job.summary or {}

        # Labels are looked up outside the f-strings: xgettext does not read calls inside them.
        def out(label, value):
            self.stdout.write(f"{label}: {value}")

        out(_("File"), f"{job.original_name} ({s.get('format', '')} {s.get('encoding', '')})".rstrip())
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
