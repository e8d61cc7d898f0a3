"""Cap native thread pools (OpenMP, BLAS) so gunicorn workers do not oversubscribe the cores.

scikit-learn's OpenMP pools default to one thread per core in *every* worker; on a 2-core
machine we measured a callback about 100 times slower under gunicorn because of it.
"""

from __future__ import annotations

import os

from threadpoolctl import threadpool_info, threadpool_limits

THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def cap_thread_env(threads: int) -> None:
    """Set the pool-size variables; effective only before numpy or scikit-learn is imported."""
    for name in THREAD_ENV_VARS:
        os.environ[name] = str(threads)


def cap_loaded_pools(threads: int) -> None:
    """Limit pools of native libraries already loaded, e.g. in a forked worker."""
    threadpool_limits(limits=threads)


def native_pool_sizes() -> dict[str, int]:
    """Largest thread count per native API (openmp, blas) in this process, for /metrics."""
    sizes: dict[str, int] = {}
    for pool in threadpool_info():
        api = str(pool.get("user_api", "unknown"))
        sizes[api] = max(sizes.get(api, 0), int(pool.get("num_threads", 0)))
    return sizes
