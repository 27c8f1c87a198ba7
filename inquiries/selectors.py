"""Reading topics and inquiries: for a viewer's staff pages, and the public record."""

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import Role
from core.actors import is_staff_user
from core.errors import NotFound
from core.validators import valid_pk

from .models import Inquiry, Topic
from .permissions import can_view, can_view_topic, is_supervisor
from .states import CommitmentStatus, Status, TopicStatus

NOTHING = Q(pk__in=[])


def inquiry_scope_q(viewer) -> Q:
    """Mirrors permissions.can_view for a queryset."""
    if not is_staff_user(viewer):
        return NOTHING
    if viewer.role == Role.SUPERVISOR:
        return Q() if viewer.township_id is None else Q(township_id=viewer.township_id)
    if viewer.role == Role.DEPUTY and viewer.deputy_id:
        return Q(deputies=viewer.deputy_id)
    if viewer.role == Role.HANDLER and viewer.department_id:
        return Q(departments=viewer.department_id)
    return NOTHING


def _with_counts(qs: QuerySet) -> QuerySet:
    return qs.annotate(
        question_count=Count("questions", distinct=True),
        commitment_count=Count("commitments", distinct=True),
        open_commitments=Count("commitments", filter=Q(commitments__status=CommitmentStatus.OPEN), distinct=True),
    )


def inquiry_list(*, viewer) -> QuerySet:
    """The viewer's inquiries with their counts; `overdue_commitments` as Commitment.is_overdue counts them."""
    ids = Inquiry.objects.filter(inquiry_scope_q(viewer)).values("pk")
    overdue = Q(commitments__status=CommitmentStatus.OPEN, commitments__due_on__lt=timezone.localdate())
    return _with_counts(Inquiry.objects.filter(pk__in=ids).select_related("township", "topic")).annotate(
        overdue_commitments=Count("commitments", filter=overdue, distinct=True))


def inquiry_get_for(*, viewer, pk) -> Inquiry:
    inquiry = Inquiry.objects.select_related("township", "topic").filter(pk=pk).first() if valid_pk(pk) else None
    if inquiry is None or not can_view(viewer, inquiry):
        raise NotFound()
    return inquiry


def topic_scope_q(viewer) -> Q:
    if not is_supervisor(viewer):
        return NOTHING
    return Q() if viewer.township_id is None else Q(township_id=viewer.township_id)


def topic_list(*, viewer, status=None) -> QuerySet:
    qs = Topic.objects.filter(topic_scope_q(viewer)).select_related("township")
    return qs.filter(status=status) if status else qs


def topic_get_for(*, viewer, pk) -> Topic:
    topic = Topic.objects.select_related("township").filter(pk=pk).first() if valid_pk(pk) else None
    if topic is None or not can_view_topic(viewer, topic):
        raise NotFound()
    return topic


def topics_to_plan(*, viewer) -> QuerySet:
    """Accepted topics in the viewer's scope that have no inquiry yet."""
    return topic_list(viewer=viewer, status=TopicStatus.ACCEPTED).filter(inquiry__isnull=True)


# ---------------------------------------------------------------- public


def public_inquiries() -> QuerySet:
    return _with_counts(Inquiry.objects.filter(status=Status.CLOSED).select_related("township", "topic"))


def public_inquiry(pk) -> Inquiry:
    """A closed inquiry's record; anything else does not exist for the public."""
    inquiry = public_inquiries().filter(pk=pk).first() if valid_pk(pk) else None
    if inquiry is None:
        raise NotFound()
    return inquiry


def public_topics() -> QuerySet:
    """Accepted topics and what became of them: their text only, never who proposed them."""
    return (Topic.objects.filter(status=TopicStatus.ACCEPTED).select_related("township", "inquiry")
            .defer("contact_phone", "created_by"))
