"""Opaque identifiers.

``new_id`` is time-ordered (an ObjectId under a prefix), ``natural_id`` is
derived from a natural key so that writing the same thing twice collides on
``_id``: the only duplicate check the embedded store does in constant time.
"""
import hashlib
import json

from bson import ObjectId


def new_id(prefix):
    return f"{prefix}_{ObjectId()}"


def natural_id(prefix, *parts):
    # JSON keeps the parts apart whatever characters they hold (a plain join would not).
    key = json.dumps([str(p) for p in parts], ensure_ascii=False)
    digest = hashlib.sha1(key.encode()).hexdigest()
    return f"{prefix}_{digest[:24]}"
