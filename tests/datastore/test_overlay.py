"""OverlayStorage (datastore/overlay.py): reads fall through to the lower store, writes never
reach it. The whole storage contract runs over it too (conftest.IMPLEMENTATIONS)."""

from __future__ import annotations

from flowscope.datastore import ContentStore, MemoryStorage
from flowscope.datastore.overlay import OverlayStorage


def test_reads_fall_through_and_writes_stay_above() -> None:
    lower, upper = MemoryStorage(), MemoryStorage()
    below = ContentStore(lower).put(b"from the run")
    overlay = ContentStore(OverlayStorage(upper, lower))
    assert bytes(overlay.get(below)) == b"from the run"
    above = overlay.put(b"made by spin")
    assert upper.exists(above) and not lower.exists(above)
    assert overlay.storage.exists_many([below, above, "0" * 64]) == {below, above}
    assert overlay.storage.size(below) == lower.size(below)
    assert overlay.storage.locate(above).startswith("memory://")
    assert overlay.put(b"from the run") == below and not upper.exists(below)  # already there
