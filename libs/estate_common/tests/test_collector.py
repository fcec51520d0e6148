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


# -- the start-up heap frozen in a server process ------------------------------------------------
@pytest.fixture
def unfrozen(monkeypatch):
    monkeypatch.setattr(collector, "_freeze_when_started", False)
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_freezing_the_start_up_heap_moves_what_the_process_holds_out_of_the_collections(unfrozen):
    # containers the collector tracks: a dict of numbers is untracked, in no generation before or after
    held = [[n] for n in range(1000)]
    assert all(gc.is_tracked(item) for item in held)
    walked = lambda: {id(other) for other in gc.get_objects()}  # every generation the collections walk
    assert {id(item) for item in held} <= walked()
    collector.freeze_start_up()
    assert gc.get_freeze_count() >= len(held)
    assert not {id(item) for item in held} & walked()


def test_freezing_collects_the_garbage_start_up_left_first(unfrozen):
    class Cycle:
        pass

    cycle = Cycle()
    cycle.me = cycle
    collected_before = sum(stat["collected"] for stat in gc.get_stats())
    del cycle
    collector.freeze_start_up()
    assert sum(stat["collected"] for stat in gc.get_stats()) > collected_before


def test_a_started_container_freezes_nothing_unless_its_process_asked(unfrozen):
    collector.started()
    assert gc.get_freeze_count() == 0
    collector.freeze_when_started()
    collector.started()
    assert gc.get_freeze_count() > 0


def test_the_service_entrypoint_asks_before_nameko_runs(unfrozen, monkeypatch):
    from estate_common import secrets_policy, serve
    import nameko.cli.main

    asked = []
    monkeypatch.setattr(secrets_policy, "check_service", lambda uri: None)
    monkeypatch.setattr(nameko.cli.main, "main", lambda: asked.append(collector._freeze_when_started) or 0)
    monkeypatch.setattr("sys.argv", ["serve", "--config", "config.yml", "x:Y"])
    assert serve.main() == 0
    assert asked == [True]


def test_a_started_service_container_asks_once_and_its_workers_are_not_given_it(monkeypatch):
    """The freeze is the container's, not the workers': a dependency provider would be injected
    (as None) into every worker of every call."""
    from nameko.containers import ServiceContainer

    from estate_common.nameko.base import ServiceBase, StartUpHeap

    class Service(ServiceBase):
        name = "collector_probe"

    asked = []
    monkeypatch.setattr(collector, "started", lambda: asked.append(True))
    container = ServiceContainer(Service, {"AMQP_URI": "memory://"})
    assert not any(isinstance(dep, StartUpHeap) for dep in container.dependencies)
    heaps = [ext for ext in container.subextensions if isinstance(ext, StartUpHeap)]
    assert len(heaps) == 1
    heaps[0].start()
    assert asked == [True]
