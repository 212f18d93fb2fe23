"""The zh_Hans catalogues: two different English messages never share one translation by mistake, and every
translation is compiled.

One Chinese text for two msgids is allowed without a listing only where English needs two forms and Chinese one:
the same words in another case ("Status" / "status") and a singular with its plural ("policy" / "policies").
Anything else is listed in INTENDED with the reason it is right.
"""

import ast
import gettext
import re
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(
    str(p.relative_to(ROOT))
    for p in [*ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"), ROOT / "locale/zh_Hans/LC_MESSAGES/django.po"]
    if p.parts[len(ROOT.parts)] not in {".venv", "mutants"}
)

# (catalogue, the msgids sharing one translation) → why that is right.
INTENDED = {
    ("locale", frozenset({"unchanged people", "Unchanged"})): "both label the count of people a version left unchanged",
    ("locale", frozenset({"Run history", "Reconciliation runs"})): "the heading and the link of the same run list",
    (
        "locale",
        frozenset({"Public notice", "notice"}),
    ): "the village notice (公示), as a heading and as a word in a line",
    ("locale", frozenset({"standard", "price"})): (
        "the policy page's two tables name what a person pays 缴费标准: "
        "the tier's standard and a mid-year window's price"
    ),
    ("locale", frozenset({"rule", "Kind"})): (
        "both name how a subsidy is given (资助方式): the category's rule and the transfer line's kind"
    ),
    ("locale", frozenset({"Add an adjustment", "Add adjustment"})): "the form's heading and its button",
    (
        "locale",
        frozenset({"Fund", "Paying fund"}),
    ): "the fund column and the paying fund of a batch: 资金 with its name",
    ("subsidies", frozenset({"fund", "funds", "Paying fund"})): "the model's name and the batch's paying fund (资金)",
    ("subsidies", frozenset({"message", "Reason"})): (
        "a run's message and a transfer line's reason column are both free explanatory text (说明)"
    ),
    ("subsidies", frozenset({"reconciliation run", "reconciliation runs", "run"})): (
        "run is the result's link to its reconciliation run (对账批次)"
    ),
    (
        "subsidies",
        frozenset({"flags", "problem", "problems"}),
    ): "a result's flags are shown to clerks as its problems (问题)",
}


def entries(path: Path) -> list[dict]:
    """The catalogue's entries as dicts of msgctxt, msgid, msgid_plural and msgstr/msgstr[n] (obsolete ones out)."""
    result = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, str] = {}
        key = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            m = re.match(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) (".*")$', line)
            if m:
                key = m.group(1)
                entry[key] = ast.literal_eval(m.group(2))
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
        if entry.get("msgid"):
            result.append(entry)
    return result


def _translation(entry: dict) -> str:
    return entry.get("msgstr", entry.get("msgstr[0]", ""))


def _forms_of_one_word(a: str, b: str) -> bool:
    """The same English in another case, or a singular and its plural."""
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    short, long = sorted((a, b), key=len)
    return long in (short + "s", short + "es") or (short.endswith("y") and long == short[:-1] + "ies")


def _unrelated_groups(path: Path) -> list[frozenset[str]]:
    by_text: dict[tuple[str, str], list[str]] = defaultdict(list)
    for entry in entries(path):
        text = _translation(entry)
        if text:
            by_text[(entry.get("msgctxt", ""), text)].append(entry["msgid"])
    groups = []
    for msgids in by_text.values():
        # Link the forms of one word; more than one linked set means different messages share the text.
        sets: list[set[str]] = []
        for msgid in msgids:
            joined = [s for s in sets if any(_forms_of_one_word(msgid, other) for other in s)]
            merged = {msgid}.union(*joined)
            sets = [s for s in sets if s not in joined] + [merged]
        if len(sets) > 1:
            groups.append(frozenset(msgids))
    return groups


def _app(catalogue: str) -> str:
    return catalogue.split("/")[0]


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_different_messages_do_not_share_a_translation_unless_intended(catalogue):
    unexplained = [
        sorted(group) for group in _unrelated_groups(ROOT / catalogue) if (_app(catalogue), group) not in INTENDED
    ]
    assert unexplained == [], f"{catalogue}: different msgids with one translation (fix one, or list it in INTENDED)"


def test_every_intended_sharing_still_exists():
    present = {(_app(c), group) for c in CATALOGUES for group in _unrelated_groups(ROOT / c)}
    assert sorted(map(str, set(INTENDED) - present)) == []


def test_the_check_finds_a_wrong_sharing(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n\n'
        'msgid "This category is already in the policy."\nmsgstr "该人员类别已在本政策中。"\n\n'
        'msgid "The category is empty."\nmsgstr "该人员类别已在本政策中。"\n\n'
        'msgid "policy"\nmsgstr "政策"\n\nmsgid "policies"\nmsgstr "政策"\n\n'
        'msgid "Status"\nmsgstr "状态"\n\nmsgid "status"\nmsgstr "状态"\n',
        encoding="utf-8",
    )
    assert _unrelated_groups(po) == [frozenset({"This category is already in the policy.", "The category is empty."})]


@pytest.mark.parametrize("catalogue", CATALOGUES)
def test_every_translation_is_compiled(catalogue):
    po = ROOT / catalogue
    with po.with_suffix(".mo").open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = []
    for entry in entries(po):
        text = _translation(entry)
        if not text:
            continue
        msgid = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        plural = entry.get("msgid_plural")
        got = compiled.ngettext(msgid, plural, 1) if plural else compiled.gettext(msgid)
        if got != text:
            stale.append(entry["msgid"])
    assert stale == [], f"{catalogue}: run compilemessages"


def test_the_messages_issue_20_named_read_right():
    subsidies = {e["msgid"]: _translation(e) for e in entries(ROOT / "subsidies/locale/zh_Hans/LC_MESSAGES/django.po")}
    assert subsidies["The category is empty."] == "人员类别为空。"
    assert subsidies["This category is already in the policy."] == "该人员类别已在本政策中。"
    assert subsidies["enrolled on"] == "参保日期"


def test_every_app_catalogue_is_made_by_the_makefile():
    """`make messages` runs makemessages in every app that has a catalogue (dashboard included)."""
    loop = re.search(r"for app in ([\w ]+); do", (ROOT / "Makefile").read_text(encoding="utf-8"))
    assert loop is not None
    apps = {c.split("/")[0] for c in CATALOGUES if c != "locale/zh_Hans/LC_MESSAGES/django.po"}
    assert "dashboard" in apps
    assert set(loop.group(1).split()) == apps


def test_the_dashboard_strings_are_translated_by_its_own_catalogue():
    """Every string dashboard/*.py marks is in dashboard's catalogue, translated, and no longer kept in accounts'."""
    marked = set()
    for path in (ROOT / "dashboard").rglob("*.py"):
        marked |= set(re.findall(r'\b_\(\s*"((?:[^"\\]|\\.)+)"', path.read_text(encoding="utf-8")))
    own = {e["msgid"]: _translation(e) for e in entries(ROOT / "dashboard/locale/zh_Hans/LC_MESSAGES/django.po")}
    assert marked and marked <= set(own), sorted(marked - set(own))
    assert all(own[m] for m in marked)
    accounts_code = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "accounts").rglob("*.py"))
    kept = {e["msgid"] for e in entries(ROOT / "accounts/locale/zh_Hans/LC_MESSAGES/django.po")}
    assert {m for m in marked & kept if f'"{m}"' not in accounts_code} == set()
