"""Cap native thread pools (OpenMP, BLAS) so gunicorn workers do not oversubscribe the cores.

scikit-learn's OpenMP pools default to one thread per core in *every* worker; on a 2-core
machine we measured a callback about 100 times slower under gunicorn because of it.
"""

from __future__ import annotations

import os
import sys
import threading

from threadpoolctl import ThreadpoolController, threadpool_info, threadpool_limits

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


def capped_pools(threads: int) -> threadpool_limits:
    """Cap loaded pools while a ``with`` block runs, then restore them (a notebook keeps its own)."""
    return threadpool_limits(limits=threads)


def native_pool_sizes() -> dict[str, int]:
    """Largest thread count per native API (openmp, blas) in this process, for /metrics."""
    sizes: dict[str, int] = {}
    for pool in threadpool_info():
        api = str(pool.get("user_api", "unknown"))
        sizes[api] = max(sizes.get(api, 0), int(pool.get("num_threads", 0)))
    return sizes


class ThreadCapper:
    """Caps native pools from inside each thread that computes, for processes that imported numpy first.

    A notebook kernel has numpy loaded before the portal starts, so the environment variables
    come too late. threadpoolctl fixes BLAS for the whole process, but OpenMP's limit belongs to
    the thread that sets it, and every new request thread starts from the process default, so
    each request thread caps itself. A controller takes milliseconds to build and a limit
    microseconds to apply; the controller is rebuilt only after new modules were imported, since
    a native library (an unpickled model's) may have come with them.
    """

    def __init__(self, threads: int) -> None:
        self.threads = threads
        self._lock = threading.Lock()
        self._controller = ThreadpoolController()
        self._modules = len(sys.modules)

    def cap_this_thread(self) -> None:
        if len(sys.modules) != self._modules:
            with self._lock:
                self._controller = ThreadpoolController()
                self._modules = len(sys.modules)
        self._controller.limit(limits=self.threads)
