"""A sweep that brings stored documents up to a field a later version keeps (a backfill), run at a
service's start and on its timer: estate by estate, a batch at a time, read from what is still left
(an index's null entries), so that a sweep stopped half-way (the service stops, a crash) is taken up
by the next where it stopped, replicas sweeping at once write each document once, and an estate with
none left costs one empty read. Customer service's callers' numbers, steward contacts kept on
their households and copies' registrations, security's visitors' numbers, archive's households' days
counted from for their inspections. Plain functions: the store is the caller's."""
import time


def until_none_left(estate_ids, left, write, stopping=lambda: False):
    """For each estate, ``left(estate_id)`` (a batch of what still lacks the field) each given
    ``write(document)`` (1 if written now, 0 if another wrote it first), until a batch writes
    nothing; ``stopping()`` checked before each batch. Returns how many were written."""
    written_in_all = 0
    for estate_id in estate_ids:
        while True:
            if stopping():
                return written_in_all
            written = sum(write(document) for document in left(estate_id))
            written_in_all += written
            time.sleep(0)  # the service's calls run between batches (the embedded store does no I/O)
            if not written:  # none left (or a batch another replica wrote first: the next sweep looks again)
                break
    return written_in_all
