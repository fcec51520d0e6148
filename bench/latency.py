"""The one way every benchmark turns latencies into figures: p50 (the median) and p99 (the
sample at 99 % of the sorted run, rounded to the nearest rank), in milliseconds."""
import statistics
import time


def percentile(samples, fraction):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def p50_p99(samples_ms, places=3):
    return {"p50_ms": round(statistics.median(samples_ms), places),
            "p99_ms": round(percentile(samples_ms, 0.99), places)}


def timed(operation, calls):
    """``operation(index)`` called ``calls`` times, one at a time: each call's milliseconds."""
    samples = []
    for index in range(calls):
        started = time.perf_counter()
        operation(index)
        samples.append((time.perf_counter() - started) * 1000)
    return samples
