"""recent.KeptByIdentity: a value is found again only for the very same objects and other parts."""

from __future__ import annotations

from handlers.metering.recent import KeptByIdentity


def test_a_value_is_found_for_the_same_objects_only():
    kept: KeptByIdentity[str] = KeptByIdentity(8)
    first, equal = ["reading"], ["reading"]
    kept.keep((first,), "meter-1", "measured")
    assert kept.find((first,), "meter-1") == "measured"
    assert kept.find((equal,), "meter-1") is None  # (equal, not the same object)
    assert kept.find((first,), "meter-2") is None  # (another meter row)
    assert kept.find((first, equal), "meter-1") is None


def test_the_oldest_entries_go_beyond_the_size_and_each_holds_its_objects():
    kept: KeptByIdentity[int] = KeptByIdentity(2)
    objects = [object() for _ in range(3)]
    for number, held in enumerate(objects):
        kept.keep((held,), None, number)
    assert kept.find((objects[0],)) is None
    assert [kept.find((held,)) for held in objects[1:]] == [1, 2]
    kept.keep((object(),), None, 3)  # (a temporary object: held by its entry, its id not reused meanwhile)
    assert kept.find((objects[1],)) is None and kept.find((objects[2],)) == 2
