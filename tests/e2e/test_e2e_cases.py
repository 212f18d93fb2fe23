"""In Chromium: a township user finds an open follow-up case, records why the person is not enrolled, and closes it."""

import struct
import zlib

import pytest

from quotas.models import CaseStatus, FollowUpCase
from tests.builders.dashboard_data import PASSWORD, build_dashboard_county
from tests.e2e.conftest import assert_chinese_page, login

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.xdist_group("e2e"),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def tiny_png() -> bytes:
    """A real 1×1 PNG (signature, IHDR, IDAT, IEND), as a phone photo of a document would be."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0\xff\xff\xff"))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def county():
    return build_dashboard_county()


def test_township_user_records_a_case_reason_with_evidence_and_closes_it(page, shot, county, tmp_path):
    login(page, "xiangzhen", PASSWORD)
    assert page.inner_text("#kpi-cases .kpi-value") == "1"
    page.click("#link-cases")
    assert_chinese_page(page)
    cases = page.inner_text("table.cases")
    # Only the township's own case: 王未缴 (红湾寺镇); 周监测 and 吴外出 belong to 康乐镇.
    assert "王未缴" in cases and "周监测" not in cases and "吴外出" not in cases
    assert "620721********" in cases  # ID numbers masked for township staff
    shot(page, "case-list")

    page.click("table.cases >> text=王未缴")
    assert_chinese_page(page)
    page.click(f"a[href$='/quotas/cases/{FollowUpCase.objects.get(name='王未缴').pk}/edit/']")
    assert_chinese_page(page)
    evidence = tmp_path / "务工证明.png"
    evidence.write_bytes(tiny_png())
    page.select_option("select[name=reason]", "working")
    page.fill("textarea[name=note]", "在新疆务工，已电话联系家属，年底返乡后补缴")
    page.set_input_files("input[name=evidence]", str(evidence))
    page.check("input[name=close]")
    shot(page, "case-form")
    page.click("form.case-form button[type=submit]")
    page.wait_for_load_state()
    details = page.inner_text("dl.case")
    assert "务工" in details and "已办结" in details and "在新疆务工" in details and "xiangzhen" in details
    shot(page, "case-recorded")

    case = FollowUpCase.objects.get(name="王未缴")
    assert (case.status, case.reason, case.recorded_by.username) == (CaseStatus.CLOSED, "working", "xiangzhen")
    assert case.evidence.read().startswith(b"\x89PNG")

    # Back on the dashboard the township has no open case left.
    page.click("nav.main-nav a[data-nav=home]")
    assert page.inner_text("#kpi-cases .kpi-value") == "0"
