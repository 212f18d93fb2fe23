"""The server-side SVG chart and the beat schedule of snapshots."""

from decimal import Decimal as D

from django.conf import settings

from quotas.progress.charts import Series, line_chart_svg


def test_chart_draws_one_line_per_series_with_escaped_labels_and_no_style():
    svg = line_chart_svg(
        title="朱集镇<script>",
        x_labels=["10-03", "10-10", "10-17"],
        series=[Series("姜山村", [D("0.2"), D("0.5"), D("0.9")]), Series("<b>刘寨村</b>", [None, D("0.1"), D("0.4")])],
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 5  # a missing point is not drawn
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;b&gt;刘寨村" in svg
    assert "style=" not in svg
    assert "90.00%" in svg  # the tooltip of the last point


def test_chart_scale_grows_beyond_100_percent():
    svg = line_chart_svg(title="t", x_labels=["a"], series=[Series("x", [D("1.25")])])
    assert ">120%<" in svg and ">140%<" not in svg


def test_snapshots_are_on_the_beat_schedule_with_the_task_that_exists():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["snapshot-progress"]
    assert entry["task"] == "quotas.tasks.snapshot_progress_for_all_counties"
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
