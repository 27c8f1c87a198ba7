"""Who may do what to a topic or an inquiry: one predicate per action, plus who may see it at all.

Supervisors work within their scope: a district supervisor (no township) everything, a township supervisor what
belongs to their township. Deputies see the inquiries they take part in; a department's handlers those their
department is questioned in.
"""

from accounts.models import Role
from core.actors import is_staff_user

from .states import Action, TopicAction


def _role(user, role) -> bool:
    return is_staff_user(user) and user.role == role


def is_supervisor(user) -> bool:
    return _role(user, Role.SUPERVISOR)


def _in_scope(user, township_id) -> bool:
    return is_supervisor(user) and (user.township_id is None or user.township_id == township_id)


# ---------------------------------------------------------------- topics


def can_view_topic(user, topic) -> bool:
    return _in_scope(user, topic.township_id)


def can_create_topic(user) -> bool:
    return is_supervisor(user)


TOPIC_CAN = {
    TopicAction.ACCEPT: can_view_topic,
    TopicAction.DECLINE: can_view_topic,
}


# ---------------------------------------------------------------- inquiries


def can_plan(user) -> bool:
    return is_supervisor(user)


def is_supervisor_for(user, inquiry) -> bool:
    return _in_scope(user, inquiry.township_id)


def _ids(inquiry, name: str) -> set[int]:
    # Read once per inquiry object: pages ask several predicates of the same row.
    cache = inquiry.__dict__.setdefault("_member_ids", {})
    if name not in cache:
        cache[name] = set(getattr(inquiry, name).values_list("pk", flat=True))
    return cache[name]


def is_participant(user, inquiry) -> bool:
    return _role(user, Role.DEPUTY) and user.deputy_id is not None and user.deputy_id in _ids(inquiry, "deputies")


def is_questioned_handler(user, inquiry) -> bool:
    return (_role(user, Role.HANDLER) and user.department_id is not None
            and user.department_id in _ids(inquiry, "departments"))


def can_view(user, inquiry) -> bool:
    return is_supervisor_for(user, inquiry) or is_participant(user, inquiry) or is_questioned_handler(user, inquiry)


def may_use_staff_pages(user) -> bool:
    return is_staff_user(user) and user.role in (Role.SUPERVISOR, Role.DEPUTY, Role.HANDLER)


def can_ask(user, inquiry) -> bool:
    # A deputy asks their own questions; supervisors record those asked at the meeting.
    return is_participant(user, inquiry) or is_supervisor_for(user, inquiry)


CAN = {
    Action.ASK: can_ask,
    Action.ANSWER: is_questioned_handler,
    Action.HOLD: is_supervisor_for,
    Action.COMMIT: is_supervisor_for,
    Action.FOLLOW: is_supervisor_for,
    Action.PROGRESS: is_questioned_handler,
    Action.DROP: is_supervisor_for,
    Action.CLOSE: is_supervisor_for,
}
