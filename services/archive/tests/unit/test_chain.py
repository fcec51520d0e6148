"""The hash chain (archive/chain.py) and the verify window, without store or broker."""
import pytest

from archive import chain, domain
from estate_common.errors import InvalidInput


def _records(count):
    built, last = [], None
    for n in range(count):
        last = chain.link({"_id": f"rec_{n}", "estate_id": "est_1", "data": {"n": n, "名": "李四"}}, last)
        built.append(last)
    return built


def test_canonical_json_sorts_keys_without_whitespace_and_keeps_text_as_is():
    assert chain.canonical({"b": 1, "a": {"d": [1, 2], "c": "李"}}) == '{"a":{"c":"李","d":[1,2]},"b":1}'


def test_each_link_carries_its_seq_the_previous_hash_and_its_own():
    first, second = _records(2)
    assert (first["seq"], first["prev_hash"]) == (1, chain.GENESIS)
    assert (second["seq"], second["prev_hash"]) == (2, first["hash"])
    assert second["hash"] == chain.record_hash(second, first["hash"]) and len(second["hash"]) == 64
    assert chain.link(dict(second, seq=9), first) == second  # a retried link is numbered afresh


def test_the_hash_covers_the_content_the_id_and_the_seq():
    record = _records(1)[0]
    for changed in ({"data": {"n": 1}}, {"_id": "rec_x"}, {"seq": 2}, {"corrects": "rec_0"}):
        assert chain.record_hash(record | changed, record["prev_hash"]) != record["hash"], changed


def test_an_intact_chain_verifies():
    assert chain.verify(_records(4), None) == (4, None)
    records = _records(4)
    assert chain.verify(records[2:], records[1]) == (2, None)
    assert chain.verify([], None) == (0, None)


def test_altered_content_is_named_at_the_altered_record():
    records = _records(4)
    records[1] = records[1] | {"data": {"n": 99}}
    assert chain.verify(records, None) == (2, {"id": "rec_1", "seq": 2, "reason": chain.ALTERED})


def test_altered_content_with_a_recomputed_hash_breaks_the_next_link():
    records = _records(4)
    forged = records[1] | {"data": {"n": 99}}
    records[1] = forged | {"hash": chain.record_hash(forged, forged["prev_hash"])}
    assert chain.verify(records, None)[1] == {"id": "rec_2", "seq": 3, "reason": chain.BROKEN_LINK}


def test_a_removed_record_is_named_at_the_next_one():
    records = _records(4)
    del records[1]
    assert chain.verify(records, None)[1] == {"id": "rec_2", "seq": 3, "reason": chain.MISSING_BEFORE}
    assert chain.verify(_records(3)[1:], None)[1]["reason"] == chain.MISSING_BEFORE  # the first is gone


@pytest.mark.parametrize("filters, window", [({}, (None, None)), ({"from": "2"}, (2, None)),
                                             ({"from": "2", "to": "2"}, (2, 2)), ({"to": "10"}, (None, 10))])
def test_verify_takes_a_window_of_seq_numbers(filters, window):
    assert domain.verify_window(filters) == window


@pytest.mark.parametrize("filters, field", [({"from": "0"}, "filters.from"), ({"to": "2026-11-01"}, "filters.to"),
                                            ({"from": "5", "to": "4"}, "filters.to")])
def test_a_bad_verify_window_names_the_field(filters, field):
    with pytest.raises(InvalidInput) as refused:
        domain.verify_window(filters)
    assert refused.value.errors[0]["field"] == field
