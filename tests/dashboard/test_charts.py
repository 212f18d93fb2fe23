"""The SVG charts are pure functions: checked here without a database."""

import re
import xml.etree.ElementTree as ET
from decimal import Decimal

from dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_bar_chart_is_an_accessible_image_with_every_figure_in_its_description():
    svg = charts.bar_chart(
        chart_id="t",
        title="各乡镇参保情况",
        bars=[charts.Bar("红湾寺镇", 120), charts.Bar("皇城镇", 80)],
    )
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "t-title t-desc"
    assert root.find(f"{SVG}title").text == "各乡镇参保情况"
    desc = root.find(f"{SVG}desc").text
    assert "红湾寺镇：120" in desc and "皇城镇：80" in desc


def test_bar_lengths_are_proportional_to_values():
    svg = charts.bar_chart(
        chart_id="t", title="x", bars=[charts.Bar("甲", 100), charts.Bar("乙", 50)], max_value=100, width=640
    )
    widths = [float(r.get("width")) for r in parse(svg).iter(f"{SVG}rect")]
    assert len(widths) == 2
    assert widths[0] == 2 * widths[1]
    # label_width 130 and value room 110: the longest bar fills the plot exactly.
    assert widths[0] == 640 - 130 - 110


def test_bar_chart_escapes_labels():
    svg = charts.bar_chart(chart_id="t", title="<b>", bars=[charts.Bar("<script>alert(1)</script>", 1)])
    assert "<script>" not in svg
    parse(svg)  # still well-formed XML


def test_long_labels_are_shortened_on_screen_but_whole_in_the_tooltip():
    label = "农村一、二类低保城市全额保障对象"
    svg = charts.bar_chart(chart_id="t", title="x", bars=[charts.Bar(label, 5)], label_chars=8)
    texts = [t.text for t in parse(svg).iter(f"{SVG}text")]
    assert texts[0] == "农村一、二类低…"
    assert f"<title>{label}：5</title>" in svg


def test_percent_bars_with_a_target_line_and_notes():
    svg = charts.bar_chart(
        chart_id="t",
        title="完成率",
        bars=[charts.Bar("皇城镇", Decimal("1.0000"), "100.0%（5/5）", "good"), charts.Bar("康乐镇", Decimal("0.5"))],
        value_format=charts.percent,
        max_value=Decimal(1),
        reference=Decimal(1),
        reference_label="目标",
    )
    assert "100.0%（5/5）" in svg
    assert ">50.0%<" in svg
    assert 'class="chart-bar chart-bar-good"' in svg
    line = parse(svg).find(f"{SVG}line[@class='chart-reference']")
    assert float(line.get("x1")) == 640 - 110  # the target sits at the end of the scale


def test_empty_bar_chart_says_so():
    svg = charts.bar_chart(chart_id="t", title="x", bars=[], empty_text="暂无数据")
    assert "暂无数据" in svg
    assert parse(svg).find(f"{SVG}rect") is None


def test_money_bars_keep_two_decimals():
    svg = charts.bar_chart(chart_id="t", title="x", bars=[charts.Bar("特困人员", Decimal("123456.5"))])
    assert "123,456.50" in svg


def test_line_chart_points_rise_with_values_and_gaps_break_the_line():
    svg = charts.line_chart(
        chart_id="h",
        title="进度",
        x_labels=["11-02", "11-09", "11-16", "11-23"],
        series=[charts.Series("全县", [Decimal("0.4"), Decimal("0.6"), None, Decimal("0.8")])],
        value_format=charts.percent,
        max_value=1,
    )
    root = parse(svg)
    circles = list(root.iter(f"{SVG}circle"))
    assert len(circles) == 3
    ys = [float(c.get("cy")) for c in circles]
    assert ys[0] > ys[1] > ys[2]  # higher value, higher on the page (smaller y)
    # The gap splits the line: one polyline for the first two points, none for the lone last point.
    assert len(list(root.iter(f"{SVG}polyline"))) == 1
    desc = root.find(f"{SVG}desc").text
    assert desc == "全县（11-02：40.0%，11-09：60.0%，11-23：80.0%）"


def test_line_chart_with_two_series_has_a_legend_and_distinct_colours():
    svg = charts.line_chart(
        chart_id="h",
        title="进度",
        x_labels=["a", "b"],
        series=[charts.Series("红湾寺镇", [1, 2]), charts.Series("全县", [2, 3])],
    )
    assert "chart-series-0" in svg and "chart-series-1" in svg
    legend = [t.text for t in parse(svg).iter(f"{SVG}text") if t.get("class") == "chart-legend"]
    assert legend == ["红湾寺镇", "全县"]


def test_line_chart_without_points_shows_the_empty_text():
    svg = charts.line_chart(chart_id="h", title="x", x_labels=[], series=[], empty_text="暂无快照")
    assert "暂无快照" in svg
    assert not re.search(r"<polyline", svg)


def test_number_formats():
    assert charts.percent(Decimal("0.7333")) == "73.3%"
    assert charts.plain_number(1234567) == "1,234,567"
    assert charts.plain_number(Decimal("690")) == "690.00"
