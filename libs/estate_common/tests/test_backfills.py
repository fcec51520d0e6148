"""estate_common.backfills: a sweep of what is left, estate by estate, batch by batch."""
from estate_common import backfills


def test_each_estate_is_swept_until_a_batch_writes_nothing_and_a_stop_ends_it_between_batches():
    left = {"est_1": list(range(5)), "est_2": [10, 11]}
    batches = []

    def batch_of(estate_id):
        batches.append(estate_id)
        return left[estate_id][:2]

    def write(document):
        for docs in left.values():
            if document in docs:
                docs.remove(document)
                return 1
        return 0

    assert backfills.until_none_left(["est_1", "est_2"], batch_of, write) == 7
    assert batches == ["est_1"] * 4 + ["est_2"] * 2  # three batches of est_1's five, then an empty one
    assert left == {"est_1": [], "est_2": []}
    left["est_1"] = [1, 2, 3]
    asked = iter([False, True])
    assert backfills.until_none_left(["est_1"], batch_of, write, stopping=lambda: next(asked)) == 2
    assert left["est_1"] == [3]  # the next sweep takes up what is left
