"""`profile(label)`: how long a block took, printed or added up (the family's
`metaflow.profile`).

    with profile("load data"):            # prints 'PROFILE: load data starting' and then
        frame = load()                    # 'PROFILE: load data completed in 812ms'
    stats = {}
    with profile("fit", stats_dict=stats):    # adds the milliseconds to stats["fit"]
        model.fit(frame)
"""

from __future__ import annotations

import time
from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager


@contextmanager
def profile(label: str, stats_dict: MutableMapping[str, int] | None = None) -> Iterator[None]:
    if stats_dict is None:
        print(f"PROFILE: {label} starting")
    start = time.perf_counter()
    try:
        yield
    finally:
        took = int((time.perf_counter() - start) * 1000)
        if stats_dict is None:
            print(f"PROFILE: {label} completed in {took}ms")
        else:
            stats_dict[label] = stats_dict.get(label, 0) + took
