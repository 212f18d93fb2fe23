"""FollowUpCase moves into the quotas app, where all its code is, keeping its tables.

State only: the tables `enrollment_followupcase` and `enrollment_historicalfollowupcase` stay as they are
(the models name them with db_table / table_name); enrollment 0006 removes the models from enrollment's state.
"""

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0006_followupcase_to_quotas"),
        ("quotas", "0002_file_total"),
        ("subsidies", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalFollowUpCase",
                    fields=[
                        ("id", models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name="ID")),
                        ("year", models.PositiveSmallIntegerField(verbose_name="benefit year")),
                        ("id_number", models.CharField(max_length=18, verbose_name="ID number")),
                        ("name", models.CharField(max_length=50, verbose_name="name")),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "Open"), ("closed", "Closed")],
                                default="open",
                                max_length=8,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("military", "Joined the army"),
                                    ("studying", "Studying elsewhere"),
                                    ("working", "Working elsewhere"),
                                    ("married_away", "Moved by marriage"),
                                    ("prison", "Serving a sentence"),
                                    ("no_hukou", "No household registration"),
                                    ("deceased", "Deceased"),
                                    ("employee_insurance", "Enrolled in employee insurance"),
                                    ("elsewhere", "Enrolled in another place"),
                                    ("refused", "Refuses to enrol"),
                                    ("other", "Other"),
                                ],
                                max_length=24,
                                verbose_name="reason",
                            ),
                        ),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        ("evidence", models.TextField(blank=True, max_length=100, verbose_name="evidence")),
                        ("recorded_at", models.DateTimeField(blank=True, null=True, verbose_name="recorded at")),
                        ("created_at", models.DateTimeField(blank=True, editable=False, verbose_name="created at")),
                        ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="closed at")),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.CharField(max_length=100, null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")], max_length=1
                            ),
                        ),
                        (
                            "county",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="enrollment.county",
                                verbose_name="county",
                            ),
                        ),
                        (
                            "department",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="subsidies.department",
                                verbose_name="department",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="recorded by",
                            ),
                        ),
                        (
                            "township",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="enrollment.township",
                                verbose_name="township",
                            ),
                        ),
                        (
                            "village",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="enrollment.village",
                                verbose_name="village",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical follow-up case",
                        "verbose_name_plural": "historical follow-up cases",
                        "db_table": "enrollment_historicalfollowupcase",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="FollowUpCase",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("year", models.PositiveSmallIntegerField(verbose_name="benefit year")),
                        ("id_number", models.CharField(max_length=18, verbose_name="ID number")),
                        ("name", models.CharField(max_length=50, verbose_name="name")),
                        (
                            "status",
                            models.CharField(
                                choices=[("open", "Open"), ("closed", "Closed")],
                                default="open",
                                max_length=8,
                                verbose_name="status",
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("military", "Joined the army"),
                                    ("studying", "Studying elsewhere"),
                                    ("working", "Working elsewhere"),
                                    ("married_away", "Moved by marriage"),
                                    ("prison", "Serving a sentence"),
                                    ("no_hukou", "No household registration"),
                                    ("deceased", "Deceased"),
                                    ("employee_insurance", "Enrolled in employee insurance"),
                                    ("elsewhere", "Enrolled in another place"),
                                    ("refused", "Refuses to enrol"),
                                    ("other", "Other"),
                                ],
                                max_length=24,
                                verbose_name="reason",
                            ),
                        ),
                        ("note", models.TextField(blank=True, verbose_name="note")),
                        (
                            "evidence",
                            models.FileField(blank=True, upload_to="case-evidence/%Y/%m/", verbose_name="evidence"),
                        ),
                        ("recorded_at", models.DateTimeField(blank=True, null=True, verbose_name="recorded at")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                        ("closed_at", models.DateTimeField(blank=True, null=True, verbose_name="closed at")),
                        (
                            "county",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="cases",
                                to="enrollment.county",
                                verbose_name="county",
                            ),
                        ),
                        (
                            "department",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="cases",
                                to="subsidies.department",
                                verbose_name="department",
                            ),
                        ),
                        (
                            "recorded_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="recorded by",
                            ),
                        ),
                        (
                            "township",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="cases",
                                to="enrollment.township",
                                verbose_name="township",
                            ),
                        ),
                        (
                            "village",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="cases",
                                to="enrollment.village",
                                verbose_name="village",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "follow-up case",
                        "verbose_name_plural": "follow-up cases",
                        "db_table": "enrollment_followupcase",
                        "indexes": [models.Index(fields=["township", "status"], name="case_township_status_idx")],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("county", "year", "id_number"), name="case_unique_person_year"
                            )
                        ],
                    },
                ),
            ],
        ),
    ]
