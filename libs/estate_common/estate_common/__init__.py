"""Shared library of estate-ops.

Plain modules (no nameko, no eventlet) are safe for the gateway:
config, clock, ids, errors, contracts, store, logs, rpc_client.
Everything that needs nameko lives in ``estate_common.nameko``.
"""
