"""Python's cyclic garbage collector paused around a bulk write.

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
"""
import gc
from contextlib import contextmanager

_depth = 0
_restore = False


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
