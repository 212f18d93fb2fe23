"""FollowUpCase leaves enrollment's state for the quotas app (quotas 0003); its tables stay where they are."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("enrollment", "0005_payment_refund_of"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name="historicalfollowupcase",
                    name="county",
                ),
                migrations.RemoveField(
                    model_name="historicalfollowupcase",
                    name="department",
                ),
                migrations.RemoveField(
                    model_name="historicalfollowupcase",
                    name="history_user",
                ),
                migrations.RemoveField(
                    model_name="historicalfollowupcase",
                    name="recorded_by",
                ),
                migrations.RemoveField(
                    model_name="historicalfollowupcase",
                    name="township",
                ),
                migrations.RemoveField(
                    model_name="historicalfollowupcase",
                    name="village",
                ),
                migrations.DeleteModel(
                    name="FollowUpCase",
                ),
                migrations.DeleteModel(
                    name="HistoricalFollowUpCase",
                ),
            ],
        ),
    ]
