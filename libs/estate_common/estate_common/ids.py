"""Opaque identifiers.

``new_id`` is time-ordered (an ObjectId under a prefix), ``natural_id`` is
derived from a natural key so that writing the same thing twice collides on
``_id``: the only duplicate check the embedded store does in constant time.
"""
import hashlib
import json
import re

from bson import ObjectId


def new_id(prefix):
    return f"{prefix}_{ObjectId()}"


# What JSON escapes (ensure_ascii=False); parts without any are joined as JSON would write them.
# json.dumps itself (an encoder built per call) was a third of a billing run's time per bill.
_ESCAPED = re.compile(r'[\x00-\x1f\\"]')
_KEY_ENCODER = json.JSONEncoder(ensure_ascii=False)


def natural_id(prefix, *parts):
    # JSON keeps the parts apart whatever characters they hold (a plain join would not).
    texts = [str(p) for p in parts]
    if _ESCAPED.search("".join(texts)):
        key = _KEY_ENCODER.encode(texts)
    else:
        key = '["' + '", "'.join(texts) + '"]'
    digest = hashlib.sha1(key.encode()).hexdigest()
    return f"{prefix}_{digest[:24]}"


def natural_ids(prefix, before, after):
    """``natural_id(prefix, *before, part, *after)`` as a function of ``part`` alone: the same ids,
    for a loop that varies one part (a billing run: one bill id per household, the estate, item
    and period the same), with the fixed parts' text built once. A part that JSON escapes takes
    ``natural_id`` itself."""
    before, after = [str(p) for p in before], [str(p) for p in after]
    if _ESCAPED.search("".join(before + after)):
        return lambda part: natural_id(prefix, *before, part, *after)
    head = '["' + "".join(text + '", "' for text in before)
    tail = "".join('", "' + text for text in after) + '"]'
    start = prefix + "_"

    def make(part):
        text = part if part.__class__ is str else str(part)
        if _ESCAPED.search(text):
            return natural_id(prefix, *before, text, *after)
        return start + hashlib.sha1((head + text + tail).encode()).hexdigest()[:24]
    return make


_DIGEST_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False)  # json.dumps would build one per call


def content_digest(value):
    """SHA-256 of a JSON value written with its keys sorted: what a retry with the same
    Idempotency-Key must send again (the gateway's records, the portal's filings)."""
    return hashlib.sha256(_DIGEST_ENCODER.encode(value).encode()).hexdigest()
