"""What the import commands share (import_register, import_payments; subsidies' import_roster): run the job, print
the summary, exit non-zero when nothing committed."""

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from enrollment.imports.pipeline import (
    ImportError_,
    can_skip_rejected,
    import_job_commit,
    import_job_create,
    import_job_validate,
    rejected_message,
    removals_unconfirmed,
)
from enrollment.management.county import add_county_argument, county_from_option
from enrollment.models import ImportStatus

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
    "new_villages": gettext_lazy("New villages"),
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

    def run_import(
        self,
        *,
        county_code: str | None,
        path: str,
        skip_bad_rows: bool = False,
        confirm_removals: int | None = None,
        **kwargs,
    ):
        """Validate, print the preview (its warnings and the places it would create), then commit and print what
        was committed: what the browser shows before its confirm button, the command prints before it commits."""
        county = county_from_option(county_code, create="known")
        unconfirmed = None
        try:
            with open(path, "rb") as fh:
                job = import_job_create(
                    kind=self.kind, county=county, file=File(fh), original_name=Path(path).name, **kwargs
                )
            job = import_job_validate(job_id=job.pk)
            self.print_summary(job)
            skip = skip_bad_rows and can_skip_rejected(self.kind)
            if job.status == ImportStatus.VALIDATED:
                unconfirmed = removals_unconfirmed(job, confirm_removals)
            if job.status == ImportStatus.VALIDATED and (not job.rows_rejected or skip) and not unconfirmed:
                job = import_job_commit(job_id=job.pk, skip_rejected=skip, confirm_removals=confirm_removals)
                if "result" in (job.summary or {}):
                    self.out(_("Committed"), self._changes(job.summary["result"]))
        except (ImportError_, OSError) as exc:
            raise CommandError(str(exc)) from exc
        self.out(_("Status"), job.get_status_display())
        if unconfirmed and not job.rows_rejected:
            removed = (job.summary.get("diff") or {}).get("removed", 0)
            raise CommandError(f"{unconfirmed} (--confirm-removals {removed})")
        if job.status == ImportStatus.VALIDATED and job.rows_rejected:
            hint = " (--skip-bad-rows)" if can_skip_rejected(self.kind) else ""
            raise CommandError(rejected_message(job) + hint)
        if job.status != ImportStatus.COMMITTED:
            raise CommandError(job.message or _("Nothing was committed."))
        return job

    def out(self, label, value):
        # Labels are looked up outside the f-strings: xgettext does not read calls inside them.
        self.stdout.write(f"{label}: {value}")

    def print_summary(self, job):
        """The preview: rows read, taken and rejected by reason, warnings by reason, places to create, the diff."""
        s = job.summary or {}
        out = self.out
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
        places = s.get("new_places") or {}
        if places.get("townships"):
            out(DIFF_LABELS["new_townships"], "、".join(places["townships"]))
        if places.get("villages"):
            out(DIFF_LABELS["new_villages"], "、".join(f"{t}{v}" for t, v in places["villages"]))
        if "diff" in s:
            out(_("Would change"), self._changes(s["diff"]))
        if job.error_file:
            out(_("Error workbook"), job.error_file.path)

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

    @staticmethod
    def _changes(result: dict) -> str:
        return "  ".join(f"{DIFF_LABELS[k]} {v}" for k, v in result.items() if k in DIFF_LABELS)
