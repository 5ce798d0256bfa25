"""Handing memory back to the operating system after building a large document.

CPython frees the feed's rows, models and XML tree once it is built, but glibc keeps the
freed heap for later use: with the feed of 10,000 episodes (60 MB of XML) a worker ended
`bench/catalogue.py`'s spread of pages at 485 MB resident; with the feed kept gzipped
and the heap handed back here, at 225 MB. `malloc_trim` returns what is free now;
elsewhere (musl, macOS) there is nothing to call and nothing is done.
"""

import ctypes
import ctypes.util
from collections.abc import Callable

_MALLOC_TRIM: Callable[[int], int] | None = None
_library = ctypes.util.find_library('c')
if _library is not None:
    _MALLOC_TRIM = getattr(ctypes.CDLL(_library), 'malloc_trim', None)


def release_freed_memory() -> None:
    """Returns the heap that is free now to the operating system (glibc only)."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
