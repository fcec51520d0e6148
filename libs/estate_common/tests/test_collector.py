"""collector.paused(): the cyclic garbage collector off for a bulk step, and back as it was."""
import gc

import pytest

from estate_common import collector


@pytest.fixture(autouse=True)
def collector_on():
    gc.enable()
    yield
    gc.enable()


def test_a_pause_turns_the_collector_off_and_on_again():
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_an_error_inside_still_turns_it_on_again():
    with pytest.raises(KeyError):
        with collector.paused():
            raise KeyError("x")
    assert gc.isenabled()


def test_nested_pauses_keep_it_off_until_the_outermost_ends():
    with collector.paused():
        with collector.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_pauses_that_overlap_keep_it_off_until_the_last_ends():
    """Two jobs' greenthreads: the first to start may end first."""
    first, second = collector.paused(), collector.paused()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert not gc.isenabled()
    second.__exit__(None, None, None)
    assert gc.isenabled()


def test_a_collector_that_was_off_is_left_off():
    gc.disable()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
