"""Keeping numba-compiled library code in the library's cache between processes."""

from __future__ import annotations

import sys


def cache_compiled_code(package: str) -> None:
    """Keep the numba-compiled functions of `package` (already imported) in numba's cache (NUMBA_CACHE_DIR, the
    library's `numba-cache/`), as `@njit(cache=True)` would: umap and pynndescent do not ask for it for all of
    them, so each process that made a map compiled its layout code again (5 s of a 7 s map of 2,000 faces here)."""
    from numba.core.registry import CPUDispatcher

    for name, module in list(sys.modules.items()):
        if module is not None and (name == package or name.startswith(package + ".")):
            for value in list(vars(module).values()):
                if isinstance(value, CPUDispatcher):
                    value.enable_caching()
