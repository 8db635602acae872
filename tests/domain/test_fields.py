"""What each stored field may hold (domain.fields): the rules forms, rosters and bundles share."""

from __future__ import annotations

import pytest

from gridwalker.domain import fields


@pytest.mark.parametrize(
    "text",
    [
        "张\x1b[31m三",  # an ESC sequence would recolour a terminal
        "张三\x07",  # BEL
        "a\x9bb",  # C1 CSI
        "\u202e三张",  # right-to-left override reorders what is shown
        "张\u2066三",  # bidi isolate
        "张\n三",  # a line break in a one-line field forges lines in lists and logs
        "张\u2028三",
        "张\x7f三",
    ],
)
def test_control_characters_are_refused_in_one_line_text(text: str) -> None:
    bad = fields.check_text("resident", "name", text)
    assert bad is not None and "invisible control character" in bad.en and "控制字符" in bad.zh


def test_notes_keep_their_line_breaks_and_tabs_but_no_other_control() -> None:
    assert fields.check_text("visit", "concerns", "楼道灯坏了。\n\t已报修。\r\n") is None
    for text in ("x\x00", "x\x1b[0m", "x\u202e"):
        assert fields.check_text("visit", "concerns", text) is not None


def test_ordinary_text_passes() -> None:
    for text in ("王桂兰", "O'Brien-Smith", "1栋2单元201", "武汉·江汉区", "😀 emoji"):
        assert fields.check_text("resident", "name", text) is None


def test_check_value_dispatches_by_type() -> None:
    assert fields.check_value("resident", "name", None) is None
    assert fields.check_value("resident", "moved_out", True) is None
    assert fields.check_value("household", "floor", 2**40) is not None
    assert fields.check_value("resident", "care_tags", ["nobody-knows-this-tag"]) is not None


# -- found by the fuzz test (tests/sync/test_fuzz_bundles.py) --------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        [{"a": [{"a": [1]}]}],  # nested: a reader's recursion limit is the only bound
        [{"op": "add", "resident": "r-1", "name": "x" * 501}],
        [{"op": "add", "resident": "r-1", "name": "张\x1b[2J三"}],
        [{"op": "add", "resident": 5, "name": "张三"}],
        [{f"k{i}": "v" for i in range(11)}],
        [{"k" * 41: "v"}],
        ["add"],
    ],
    ids=["nested", "long", "control", "number", "11-keys", "long-key", "not-an-object"],
)
def test_a_roster_change_is_a_flat_object_of_short_texts(changes: list) -> None:
    bad = fields.check_json("visit", "roster_changes", changes)
    assert bad is not None and "at most 10 text values" in bad.en


def test_roster_changes_as_the_visit_form_writes_them_pass() -> None:
    changes = [{"op": "add", "resident": "8c1d-…", "name": "邓小宝"}, {"op": "edit"}]
    assert fields.check_json("visit", "roster_changes", changes) is None


def test_uuids_and_care_notes_of_a_visit_hold_no_control_characters() -> None:
    assert fields.check_json("visit", "residents_seen", ["r-1\x1b[2J"]) is not None
    assert fields.check_json("visit", "care_checks", {"r-1\u202e": "好"}) is not None
    assert fields.check_json("visit", "care_checks", {"r-1": "好\x07"}) is not None
    assert fields.check_json("visit", "care_checks", {"r-1": "血压正常\n精神好"}) is None
    assert fields.check_json("visit", "residents_seen", ["r-1", "r-2"]) is None


def test_a_decision_comment_is_a_note() -> None:
    assert fields.check_text("review_decision", "comment", "请补充走访情况\n谢谢") is None
    assert fields.check_text("review_decision", "comment", "x\x1b[31m") is not None
    assert fields.check_text("review_decision", "comment", "x" * 5001) is not None
