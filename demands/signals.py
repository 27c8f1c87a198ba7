"""Hooks other parts of the portal subscribe to; all are sent only after the transaction commits."""

from django.dispatch import Signal

# kwargs: event_id, action, submitted_by_id, channel, demand (the row as committed; absent when a sweep sends it).
# Receivers (notifications, callbacks) must be quick or enqueue their own work.
demand_event_committed = Signal()
# kwargs: escalations — [(demand, level)] applied in one transaction (1 warning, 2 overdue, 3 supervised)
demands_escalated = Signal()
# kwargs: demand — dispatched but not accepted by its accept deadline
demand_accept_overdue = Signal()
# kwargs: demand, number (1 at +24 h, 2 at +72 h)
demand_rating_reminder_due = Signal()

# A one-time SMS sign-in code for `phone` (demands.phone_signin), sent inside the transaction that stores it; the
# notifications app texts it. Receivers: phone, code.
sign_in_code_issued = Signal()
