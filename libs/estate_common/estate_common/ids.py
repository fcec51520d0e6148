"""Opaque identifiers.

``new_id`` is time-ordered (an ObjectId under a prefix), ``natural_id`` is
derived from a natural key so that writing the same thing twice collides on
``_id``: the only duplicate check the embedded store does in constant time.
"""
import hashlib

from bson import ObjectId


def new_id(prefix):
    return f"{prefix}_{ObjectId()}"


def natural_id(prefix, *parts):
    digest = hashlib.sha1("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return f"{prefix}_{digest[:24]}"
