"""In Chromium at 1366×768: the demo county `make run` builds, as each demo user opens it.

`setup_demo` runs on the empty test database (small, but every step of its campaign); each role's pages are
photographed (under $E2E_ARTIFACTS, default artifacts/e2e/, in a folder named after the test), and the list
pages keep each row on one line: no date in the results list, and no cell of the batch and case lists, wraps.
"""

import io
import re

import pytest
from django.core.management import call_command

from tests.e2e.conftest import assert_chinese_page, go, login, logout

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("e2e"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PERSONS = 600
# Per cell: how many lines its text takes (distinct tops of the text's line boxes) and its height.
CELL_LINES = """(cells) => cells.map(td => {
  const range = document.createRange();
  range.selectNodeContents(td);
  const tops = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
  const style = getComputedStyle(td);
  const inner = td.getBoundingClientRect().height - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
  return {text: td.innerText.trim(), lines: tops.size, inner: inner, line: range.getBoundingClientRect().height};
})"""


@pytest.fixture
def passwords(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    out = io.StringIO()
    call_command("setup_demo", county="620721", persons=PERSONS, output=str(tmp_path / "files"), stdout=out)
    printed = re.findall(r"^  (\w+) +(\S+) ", out.getvalue(), flags=re.M)
    return dict(printed)


def _column(page, table: str, heading: str) -> int:
    headings = [t.strip() for t in page.locator(f"{table} thead th").all_inner_texts()]
    return headings.index(heading) + 1


def _one_line(page, selector: str) -> list[dict]:
    cells = page.locator(selector).evaluate_all(CELL_LINES)
    assert cells, selector
    wrapped = [c for c in cells if c["lines"] != 1 or c["inner"] > 1.5 * c["line"]]
    assert wrapped == [], f"{selector}: cells on more than one line: {wrapped[:5]}"
    return cells


def test_each_role_opens_the_demo_county_on_pages_that_fit_1366(page, shot, passwords):
    assert {"bureau", "jingban", "auditor", "minzheng", "xiangcun", "xiangzhen"} <= set(passwords)

    login(page, "bureau", passwords["bureau"])
    assert_chinese_page(page)
    assert page.inner_text("#kpi-month .kpi-value") != "0.00"
    shot(page, "bureau-home", full_page=True)
    go(page, "/subsidies/reconciliation/")
    assert_chinese_page(page)
    shot(page, "bureau-results")
    for heading in ("缴费日期", "待遇起始"):
        n = _column(page, "table.results", heading)
        dates = _one_line(page, f"table.results tbody td:nth-child({n})")
        assert all(re.fullmatch(r"\d{4}-\d\d-\d\d|—", c["text"]) for c in dates), heading
    for heading in ("状态", "资助金额", "个人应缴", "已缴金额"):
        _one_line(page, f"table.results tbody td:nth-child({_column(page, 'table.results', heading)})")
    go(page, "/subsidies/transfers/")
    assert_chinese_page(page)
    shot(page, "bureau-batches")
    cells = _one_line(page, "table.batches tbody td")
    statuses = {c["text"] for c in cells}
    assert {"草稿", "已确认"} <= statuses
    pages = (("/quotas/", "ranking"), ("/quotas/progress/", "progress"), ("/subsidies/rosters/", "rosters"))
    for path, label in pages:
        go(page, path)
        assert_chinese_page(page)
        shot(page, label, full_page=True)
    logout(page)

    login(page, "minzheng", passwords["minzheng"])
    assert_chinese_page(page)
    assert "本月名册须于 2024-03-31 前报送" in page.inner_text("body")
    shot(page, "minzheng-home", full_page=True)
    logout(page)

    login(page, "xiangzhen", passwords["xiangzhen"])
    assert_chinese_page(page)
    shot(page, "xiangzhen-home", full_page=True)
    go(page, "/quotas/cases/")
    assert_chinese_page(page)
    shot(page, "xiangzhen-cases")
    _one_line(page, "table.cases tbody td")
    logout(page)
