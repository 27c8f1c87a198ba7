"""Hooks other parts of the portal subscribe to; sent only after the transaction commits."""

from django.dispatch import Signal

# kwargs: event_id. Receivers (notifications, callbacks) must be quick or enqueue their own work.
demand_event_committed = Signal()
