"""Python's cyclic garbage collector paused while a sweep is loaded and analysed.

Loading thousands of results files keeps hundreds of thousands of small objects alive for the
whole command, and every full collection scans all of them again: past a few thousand runs that
made `clt matrix` grow faster than the number of runs (a third of its time at 5,000 runs went
to collections that found nothing). The analysis makes almost no reference cycles, so pausing
the collector for the span of a command costs no memory; it is restored on the way out, also
on error.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    """A context (or decorator) with cyclic collection off, restored to how it was after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
