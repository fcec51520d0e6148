"""How typed text is kept: spaces collapsed, none at the ends."""
import pytest

from estate_common.text import spaced


@pytest.mark.parametrize("typed, kept", [
    ("  Zhang   San ", "Zhang San"),
    ("3\t单元\n", "3 单元"),
    ("张三", "张三"),
    ("   ", ""),
    (None, ""),
])
def test_spaces_collapse_and_the_ends_are_trimmed(typed, kept):
    assert spaced(typed) == kept
