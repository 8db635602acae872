"""A household's place is written one way."""

from gridwalker.domain.addresses import address, door


def test_door_and_address() -> None:
    assert door("7栋", 1, "602") == "7栋 1单元 602"
    assert address("邮三社区", "7栋", 1, "602") == "邮三社区·7栋 1单元 602"


def test_missing_unit_or_room_is_left_out() -> None:
    assert door("平房", None, "3") == "平房 3"
    assert door("7栋", 2, None) == "7栋 2单元"
    assert address("江北社区", "平房", None, "") == "江北社区·平房"
