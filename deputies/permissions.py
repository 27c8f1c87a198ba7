"""Who may do what on the deputies' side: one predicate per action."""

from accounts.models import Role
from core.actors import is_staff_user


def is_supervisor(user) -> bool:
    return is_staff_user(user) and (user.is_superuser or user.role == Role.SUPERVISOR)


def is_deputy(user) -> bool:
    return is_staff_user(user) and user.role == Role.DEPUTY and user.deputy_id is not None


def can_read_archive(user, deputy) -> bool:
    """A deputy's archive is theirs and the supervision office's (township supervisors: their township)."""
    if is_deputy(user):
        return user.deputy_id == deputy.pk
    if is_supervisor(user):
        return user.is_superuser or user.township_id is None or user.township_id == deputy.township_id
    return False


def can_write_duty(user, deputy) -> bool:
    return (is_deputy(user) and user.deputy_id == deputy.pk) or (is_supervisor(user) and can_read_archive(user, deputy))


def can_record_reception(user, station) -> bool:
    if is_deputy(user):
        return station.members.filter(pk=user.deputy_id).exists()
    return is_supervisor(user) and (user.is_superuser or user.township_id in (None, station.township_id))


def can_read_participation(user) -> bool:
    return is_supervisor(user)


# ---------------------------------------------------------------- yearly reports (代表述职)


def can_view_report(user, report) -> bool:
    """A published or closed report is public; a draft is its deputy's and their supervisors'."""
    return report.status != "draft" or can_read_archive(user, report.deputy)


def is_report_author(user, report) -> bool:
    return is_deputy(user) and user.deputy_id == report.deputy_id


def can_close_report(user, report) -> bool:
    return is_supervisor(user) and can_read_archive(user, report.deputy)


def can_rate_report(user, report) -> bool:
    """Residents rate; staff accounts do not rate a colleague's report (anonymous visitors are residents)."""
    return not is_staff_user(user) or user.role == Role.RESIDENT


REPORT_CAN = {
    "edit": is_report_author,
    "publish": is_report_author,
    "rate": can_rate_report,
    "close": can_close_report,
}


def can_read_scores(user) -> bool:
    return is_supervisor(user)


# ---------------------------------------------------------------- groups and constituent contacts


def can_view_group(user, group) -> bool:
    """A group is its members' and the supervisors' of its township (a sector group: the district's)."""
    if is_deputy(user):
        return group.members.filter(pk=user.deputy_id).exists()
    if is_supervisor(user):
        return user.is_superuser or user.township_id is None or user.township_id == group.township_id
    return False


def can_record_group_activity(user, group) -> bool:
    """The group's leader, or a supervisor who sees the group."""
    if is_deputy(user):
        return group.leader_id == user.deputy_id
    return is_supervisor(user) and can_view_group(user, group)


def can_set_contacts(user) -> bool:
    return is_deputy(user)
