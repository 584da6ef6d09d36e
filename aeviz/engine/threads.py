"""Keep BLAS single-threaded: at this network's size its threads only fight for two cores.

A 32 x 1682 matrix product is big enough for OpenBLAS to wake its thread pool; on a 2-core machine
where the GUI thread and the engine's worker already want both cores, that turned 100 us products
into 8-40 ms stalls (measured). One thread per product is both faster and steadier here; the app's
worker applies it when it starts (ui/bridge.py), benchmarks/gui.py measures it against BLAS's own
thread count.
"""
from __future__ import annotations

from threadpoolctl import threadpool_limits

_limiter = None


def single_threaded_blas() -> None:
    """Limit BLAS (OpenBLAS/MKL) to one thread for the rest of the process (idempotent)."""
    global _limiter
    if _limiter is None:
        _limiter = threadpool_limits(limits=1, user_api="blas")
