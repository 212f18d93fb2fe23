"""The server-side SVG chart and the beat schedule of snapshots."""

from decimal import Decimal as D

from django.conf import settings
from django.template import Context, Template

from quotas.progress.chart_data import RateChart, RateLine, grouped_rate_charts, rate_line


def draw(chart: RateChart) -> str:
    """The chart as the progress page draws it: the dashboard's chart library through the `rate_chart` tag."""
    return Template("{% load ui %}{% rate_chart chart %}").render(Context({"chart": chart}))


def test_chart_draws_one_line_per_series_with_escaped_labels_and_no_style():
    svg = draw(
        RateChart(
            "c",
            "朱集镇<script>",
            ("10-03", "10-10", "10-17"),
            (RateLine("姜山村", (D("0.2"), D("0.5"), D("0.9"))), RateLine("<b>刘寨村</b>", (None, D("0.1"), D("0.4")))),
            goal_label="目标 100%",
        )
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 5  # a missing point is not drawn
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "&lt;b&gt;刘寨村" in svg
    assert "style=" not in svg
    assert "90.0%" in svg  # the tooltip of the last point
    assert 'class="chart-reference"' in svg and "目标 100%" in svg  # the dashed goal line


def test_chart_scale_grows_beyond_100_percent():
    chart = RateChart("c", "t", ("a",), (RateLine("x", (D("1.25"),)),))
    assert chart.scale_max == D("1.3") and chart.ticks[-1] == D("1.2")
    svg = draw(chart)
    assert ">120.0%<" in svg and ">140.0%<" not in svg
    assert RateChart("c", "t", ("a",), (RateLine("x", (D("0.4"),)),)).scale_max == 1


def test_chart_data_places_each_rate_at_its_snapshot_and_numbers_the_charts():
    line = rate_line("姜山村", [("t3", D("0.9")), ("t1", D("0.2"))], {"t1": 0, "t2": 1, "t3": 2})
    assert line == RateLine("姜山村", (D("0.2"), None, D("0.9")))
    charts = grouped_rate_charts([("甲镇", [line]), ("乙镇", [])], x_labels=["a", "b", "c"], goal_label="g")
    assert [(c.chart_id, c.title, c.x_labels) for c in charts] == [
        ("progress-1", "甲镇", ("a", "b", "c")),
        ("progress-2", "乙镇", ("a", "b", "c")),
    ]


def test_snapshots_are_on_the_beat_schedule_with_the_task_that_exists():
    from config.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["snapshot-progress"]
    assert entry["task"] == "quotas.tasks.snapshot_progress_for_all_counties"
    app.loader.import_default_modules()
    assert entry["task"] in app.tasks
