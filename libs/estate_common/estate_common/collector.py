"""Python's cyclic garbage collector: paused around a bulk write, and kept off what a server
process holds once started.

A billing run builds and writes 100,000 bills in batches; on the embedded store they stay in the
process. CPython's collector starts a collection every 700 new containers and, every so often, a
full one that walks every object the process holds, the stored documents too: half of a bulk
``insert_many``'s time here (0.36-0.40 s of 0.72 s for 100,000 bills, measured with
``gc.callbacks``), and 0.30 s of the billing run's 1.2 s. The bills are plain dicts, freed by
reference counting when they are garbage; nothing the batch makes needs the cyclic collector.

``paused()`` turns it off for one bulk step (the run's read of the household copies, one batch
of bills) and back on after it, so at most one step's work (the other greenthreads' work in that
time included) waits for it, and a collection that was due runs at the next allocation. The
billing run: 1.33 -> 1.08 s for 100,000 bills, its full collections 4-5 -> 0. Nested or concurrent pauses (two jobs' greenthreads) keep it off until the
last one ends; a collector that was off before (a test, an embedding program) is left off.

``freeze_start_up()`` is for a long-running server once it has started: what the process holds
then (modules, compiled contracts, nameko's, kombu's and Flask's machinery: some 90,000 objects in
a service) goes to the collector's permanent generation, which its full collections do not walk.
Every service made one such full collection now and then, 40-70 ms on a 2-core machine, each
holding its event loop: in the write bench one of archive's held 13 consecutive creates' events
for 22-91 ms, and that one pause made the event lag's p99 (23-45 ms in four runs alternated with
four of the freeze, which read 3-6 ms). Reference counting still frees a frozen object; only a cycle among them
that becomes garbage later is kept, and what start-up makes lives as long as the process. The
stored documents of the embedded store come later and are still walked (MongoDB holds none in
the process). Tests start many containers in one process and never freeze it: only the process
entrypoints ask (``estate_common.serve``, the gunicorn configurations).
"""
import gc
from contextlib import contextmanager

_depth = 0
_restore = False
_freeze_when_started = False


@contextmanager
def paused():
    global _depth, _restore
    if _depth == 0:
        _restore = gc.isenabled()
        gc.disable()
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _restore:
            gc.enable()


def freeze_when_started():
    """This process is a server (``estate_common.serve``): ``started()`` freezes its start-up heap."""
    global _freeze_when_started
    _freeze_when_started = True


def started():
    """A service's container has started (``nameko.base.StartUpHeap``, the heartbeat's): its
    start-up heap is frozen if the process asked for it; in tests, nothing."""
    if _freeze_when_started:
        freeze_start_up()


def freeze_start_up():
    """Collect once, so that the garbage start-up left is not kept, then freeze what is left."""
    gc.collect()
    gc.freeze()
