"""The one signal the shelter app sends; `coordination` listens to it (shelter never imports it).

occupancy_changed(sender=Space, shelter_id: int, space_ids: list[int])
    Sent after the transaction that changed places, occupancy, held or blocked places of
    one or more spaces of a shelter has committed, so receivers only ever see committed data.
    Receivers must be quick (enqueue a task, drop a cache key) and must not raise.
"""

from django.dispatch import Signal

occupancy_changed = Signal()
