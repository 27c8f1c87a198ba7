"""Special inquiry pages: the public record and the topic form; staff pages for supervisors, deputies and the
departments questioned. Thin: each validates a form and calls one service."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import NotFound
from core.pages import submit_form
from core.ratelimit import over_limit, too_many
from core.validators import valid_pk

from . import permissions, selectors, services
from .actions import ACTIONS
from .forms import NoteForm, PlanForm, ProposeForm, ReasonForm, TopicForm
from .models import Topic
from .states import Action, Status, TopicAction, TopicStatus


def _found(read, *args, **kwargs):
    try:
        return read(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.message) from None


# ---------------------------------------------------------------- public


def public_list(request):
    return render(request, "inquiries/public_list.html", {
        "inquiries": selectors.public_inquiries(),
        "topics": selectors.public_topics()[:50],
    })


def public_detail(request, pk):
    inquiry = _found(selectors.public_inquiry, pk)
    return render(request, "inquiries/public_detail.html", {
        "inquiry": inquiry,
        "departments": inquiry.departments.all(),
        "deputies": inquiry.deputies.all(),
        "questions": inquiry.questions.select_related("deputy", "department"),
        "commitments": inquiry.commitments.select_related("department").prefetch_related("updates"),
    })


@require_http_methods(["GET", "POST"])
def propose(request):
    form = ProposeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if over_limit(request, "inquiry_propose", settings.PAGE_SUBMIT_LIMIT, 3600):
            return too_many(request)
        # The public form is anonymous whoever is signed in: a proposal from it is the public's, and is moderated.
        outcome = submit_form(form, lambda c: services.topic_propose(
            actor=None, title=c["title"], description=c["description"], township=c["township"],
            contact_phone=c["contact_phone"]))
        if outcome.ok:
            messages.success(request, _("Thank you. Your topic was received; supervisors review every proposal "
                                        "and publish the topics they accept."))
            return redirect("inquiries_public:list")
        status = outcome.status
    return render(request, "inquiries/propose.html", {"form": form}, status=status)


# ---------------------------------------------------------------- staff: lists and topics


def _staff_only(request):
    if not permissions.may_use_staff_pages(request.user):
        raise Http404


@login_required
def staff_list(request):
    _staff_only(request)
    return render(request, "inquiries/staff_list.html", {
        "inquiries": selectors.inquiry_list(viewer=request.user),
        "pending": selectors.topic_list(viewer=request.user, status=TopicStatus.PROPOSED),
        "to_plan": selectors.topics_to_plan(viewer=request.user),
        "is_supervisor": permissions.is_supervisor(request.user),
    })


@login_required
@require_http_methods(["GET", "POST"])
def topic_new(request):
    """A topic taken from the figures: hotspots and dashboard figures link here with the term or the figure."""
    if not permissions.can_create_topic(request.user):
        raise Http404
    initial = {
        "title": request.GET.get("title", "")[:100],
        "source": request.GET.get("source") if request.GET.get("source") in Topic.Source.values else None,
        "source_note": request.GET.get("note", "")[:200],
        "township": int(request.GET["township"]) if valid_pk(request.GET.get("township")) else None,
    }
    form = TopicForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.topic_propose(
            actor=request.user, title=c["title"], description=c["description"], township=c["township"],
            source=c["source"], source_note=c["source_note"]))
        if outcome.ok:
            messages.success(request, _("The topic was added. Plan its inquiry when ready."))
            return redirect("inquiries:list")
        status = outcome.status
    return render(request, "inquiries/topic_new.html", {"form": form}, status=status)


def _topic_page(request, topic, *, failed=None, form=None, status=200):
    forms = {}
    for action, form_class in ((TopicAction.ACCEPT, NoteForm), (TopicAction.DECLINE, ReasonForm)):
        if services.topic_refusal(request.user, topic, action) is None:
            forms[action.value] = form if action == failed else form_class(prefix=action.value)
    return render(request, "inquiries/topic_detail.html", {
        "topic": topic, "forms": forms, "failed_form": form if failed and failed.value not in forms else None,
        "events": topic.events.order_by("created_at", "id"),
    }, status=status)


def topic_detail(request, pk):
    # Anonymous visitors get the same 404 as outsiders: a login redirect would confirm that the id exists.
    return _topic_page(request, _found(selectors.topic_get_for, viewer=request.user, pk=pk))


@require_POST
def topic_decide(request, pk, action):
    topic = _found(selectors.topic_get_for, viewer=request.user, pk=pk)
    if action == TopicAction.ACCEPT:
        form = NoteForm(request.POST, prefix=action)
        call = lambda c: services.topic_accept(topic_id=topic.pk, actor=request.user, note=c["note"])
    else:
        form = ReasonForm(request.POST, prefix=action)
        call = lambda c: services.topic_decline(topic_id=topic.pk, actor=request.user, reason=c["reason"])
    outcome = submit_form(form, call)
    if outcome.ok:
        messages.success(request, _("Done: %(action)s.") % {"action": TopicAction(action).label})
        return redirect("inquiries:list")
    topic.refresh_from_db()
    return _topic_page(request, topic, failed=TopicAction(action), form=form, status=outcome.status)


# ---------------------------------------------------------------- staff: inquiries


@login_required
@require_http_methods(["GET", "POST"])
def inquiry_new(request):
    if not permissions.can_plan(request.user):
        raise Http404
    topics = selectors.topics_to_plan(viewer=request.user)
    chosen = topics.filter(pk=request.GET["topic"]).first() if valid_pk(request.GET.get("topic")) else None
    initial = {"topic": chosen, "title": _("Special inquiry on %(topic)s") % {"topic": chosen.title} if chosen else "",
               "township": chosen.township_id if chosen else None}
    form = PlanForm(request.POST or None, topics=topics, user=request.user, initial=initial)
    status = 200
    if request.method == "POST":
        outcome = submit_form(form, lambda c: services.inquiry_plan(
            actor=request.user, title=c["title"], held_on=c["held_on"], township=c["township"],
            departments=list(c["departments"]), deputies=list(c["deputies"]), topic=c["topic"]))
        if outcome.ok:
            messages.success(request, _("The inquiry was planned."))
            return redirect("inquiries:detail", pk=outcome.value.pk)
        status = outcome.status
    return render(request, "inquiries/plan.html", {"form": form}, status=status)


def _detail(request, inquiry, *, failed_action=None, failed_form=None, status=200):
    available = services.available_actions(request.user, inquiry)
    forms = []
    for action, (form_class, _call) in ACTIONS.items():
        if action == failed_action:
            forms.append((action, Action(action).label, failed_form))
        elif action in available:
            forms.append((action, Action(action).label, form_class(prefix=action, obj=inquiry, user=request.user)))
    today = timezone.localdate()
    commitments = list(inquiry.commitments.select_related("department").prefetch_related("updates"))
    return render(request, "inquiries/detail.html", {
        "inquiry": inquiry,
        "departments": inquiry.departments.all(),
        "deputies": inquiry.deputies.all(),
        "questions": inquiry.questions.select_related("deputy", "department"),
        "commitments": commitments,
        "overdue_count": sum(1 for c in commitments if c.is_overdue(today)),
        "events": inquiry.events.order_by("created_at", "id"),
        "action_forms": forms,
        "is_public": inquiry.status == Status.CLOSED,
    }, status=status)


def inquiry_detail(request, pk):
    return _detail(request, _found(selectors.inquiry_get_for, viewer=request.user, pk=pk))


@require_POST
def inquiry_action(request, pk, action):
    inquiry = _found(selectors.inquiry_get_for, viewer=request.user, pk=pk)
    form_class, call = ACTIONS[action]
    form = form_class(request.POST, prefix=action, obj=inquiry, user=request.user)
    outcome = submit_form(form, lambda c: call(inquiry.pk, request.user, c))
    if outcome.ok:
        messages.success(request, _("Done: %(action)s.") % {"action": Action(action).label})
        return redirect("inquiries:detail", pk=inquiry.pk)
    inquiry = _found(selectors.inquiry_get_for, viewer=request.user, pk=pk)
    return _detail(request, inquiry, failed_action=action, failed_form=form, status=outcome.status)
