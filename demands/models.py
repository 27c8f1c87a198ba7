"""Demands, their immutable events, and the reference data they point at (docs/lifecycles.md#demands)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import Department, ImmutableEvent

from .states import HANDLING_STATES, Action, Status

# In the table's order, so the partial indexes (and their migrations) never depend on a set's order.
HANDLING = [s.value for s in Status if s in HANDLING_STATES]


class DemandType(models.TextChoices):
    CONSULTATION = "consultation", _("consultation")
    HELP = "help", _("help request")
    COMPLAINT = "complaint", _("complaint")
    SUGGESTION = "suggestion", _("suggestion")
    REPORT = "report", _("report")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")


class Channel(models.TextChoices):
    WEB = "web", _("web")
    QR = "qr", _("QR code")
    HOTLINE = "hotline", _("hotline")
    PHONE = "phone", _("phone call")
    WALK_IN = "walk_in", _("walk-in")
    PATROL = "patrol", _("grid patrol")
    DEPUTY = "deputy", _("deputy")
    API = "api", _("API")


class Outcome(models.TextChoices):
    SOLVED = "solved", _("solved")
    EXPLAINED = "explained", _("explained")
    UNSOLVABLE = "unsolvable", _("cannot be solved")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY_SATISFIED = "basically_satisfied", _("basically satisfied")
    DISSATISFIED = "dissatisfied", _("dissatisfied")


class Category(models.Model):
    code = models.CharField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=50)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort", "code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def top_code(self) -> str:
        return self.code.split(".", 1)[0]


class SlaPolicy(models.Model):
    """How long a unit has to accept and resolve, per type and urgency (docs/lifecycles.md#sla-clock)."""

    class Unit(models.TextChoices):
        HOURS = "hours", _("clock hours")
        WORKING_DAYS = "working_days", _("working days")

    type = models.CharField(_("type"), max_length=20, choices=DemandType.choices)
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices)
    accept_within = models.PositiveSmallIntegerField(_("accept within"))
    accept_unit = models.CharField(_("accept unit"), max_length=15, choices=Unit.choices)
    resolve_within = models.PositiveSmallIntegerField(_("resolve within"))
    resolve_unit = models.CharField(_("resolve unit"), max_length=15, choices=Unit.choices)
    # Low-risk types may skip the supervisor's check; the event records that policy did it.
    auto_verify = models.BooleanField(_("verify automatically"), default=False)

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [models.UniqueConstraint(fields=["type", "urgency"], name="sla_policy_unique")]

    def __str__(self) -> str:
        return f"{self.get_type_display()} · {self.get_urgency_display()}"


class Demand(models.Model):
    tracking_code = models.CharField(_("tracking code"), max_length=24, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.WEB)
    type = models.CharField(_("type"), max_length=20, choices=DemandType.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL)
    content = models.TextField(_("content"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    lat = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    township = models.ForeignKey(
        "grids.Township", verbose_name=_("township"), null=True, blank=True, on_delete=models.PROTECT
    )
    community = models.ForeignKey(
        "grids.Community", verbose_name=_("community"), null=True, blank=True, on_delete=models.PROTECT
    )
    grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("grid"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Always inside `grid` (demands.services checks it); a micro-grid leader (微网格员) follows the demands in theirs.
    micro_grid = models.ForeignKey(
        "grids.MicroGrid", verbose_name=_("micro-grid"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("contact name"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_public = models.BooleanField(_("may be shown publicly"), default=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="submitted_demands",
    )
    external_id = models.CharField(_("external id"), max_length=100, blank=True)
    # What an Open311 client posted beside the demand: a link to its own copy of a photo (kept as text, never
    # fetched here) and a postal code. Neither is known for the district's own places.
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    zipcode = models.CharField(_("postal code"), max_length=10, blank=True)

    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.RECEIVED)
    # The unit holding the demand: exactly one of these while dispatched, at most one otherwise.
    unit_grid = models.ForeignKey(
        "grids.Grid", verbose_name=_("grid unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_demands",
    )
    unit_department = models.ForeignKey(
        Department, verbose_name=_("department unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_demands",
    )
    unit_deputy = models.ForeignKey(
        "deputies.Deputy", verbose_name=_("deputy unit"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="assigned_demands",
    )
    # The deputy a resident addressed (by QR code) or who forwarded it into dispatch: they keep following it.
    addressed_deputy = models.ForeignKey(
        "deputies.Deputy", verbose_name=_("addressed to deputy"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="addressed_demands",
    )
    station = models.ForeignKey(
        "deputies.Station", verbose_name=_("liaison station"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="demands",
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("accepted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    at_district_centre = models.BooleanField(_("handled by the district centre"), default=False)
    return_count = models.PositiveSmallIntegerField(_("returns"), default=0)
    rework_count = models.PositiveSmallIntegerField(_("re-handlings"), default=0)
    dissatisfied_count = models.PositiveSmallIntegerField(_("dissatisfied ratings"), default=0)
    flagged = models.BooleanField(_("flagged for supervisors"), default=False)
    merged_into = models.ForeignKey(
        "self", verbose_name=_("merged into"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="merged_demands",
    )

    dispatched_at = models.DateTimeField(_("dispatched at"), null=True, blank=True)
    accept_deadline = models.DateTimeField(_("accept by"), null=True, blank=True)
    resolve_deadline = models.DateTimeField(_("resolve by"), null=True, blank=True)
    # Escalation (docs/lifecycles.md#escalation): thresholds stored at dispatch so that sweeps are indexed range scans.
    warn_at = models.DateTimeField(_("warning at"), null=True, blank=True)
    supervise_at = models.DateTimeField(_("supervision at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    accept_reminded = models.BooleanField(_("acceptance reminder sent"), default=False)
    rating_reminders_sent = models.PositiveSmallIntegerField(_("rating reminders sent"), default=0)
    extension_used = models.BooleanField(_("extension used"), default=False)
    extension_requested_days = models.PositiveSmallIntegerField(_("extension asked (working days)"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by_grid = models.BooleanField(_("resolved by a grid worker"), default=False)
    # The 24-hour promise (咨询24小时答复率): a reply came within 24 hours of receipt. Set by the reply that came in
    # time and never cleared, so a reopened demand keeps the answer it got; a row flag, so the figure ledger counts
    # it with an equality like every other figure (supervise/registry.py).
    answered_in_24h = models.BooleanField(_("answered within 24 hours of receipt"), default=False)
    # The call-backs (回访, the revisits app) as row flags, so the figure ledger counts 回访率 and the agreement of
    # call-backs with ratings per demand with equalities like every other figure (supervise/registry.py) instead of
    # reading the tasks on every dashboard read. Kept by revisits.services.refresh_callback_flags alone, whenever a
    # task or the demand's rating or round changes; not state changes, so outside the demand's lifecycle.
    # due: a call-back task that can be called (not closed as not callable, and the demand left a phone number).
    callback_due = models.BooleanField(_("has a call-back due"), default=False)
    # reached: at least one of its call-backs reached the resident.
    callback_reached = models.BooleanField(_("a call-back reached the resident"), default=False)
    # compared: rated now, with a reached call-back in the current handling round (its rework count).
    callback_compared = models.BooleanField(_("rated, with a call-back in the same round"), default=False)
    # agrees: compared, and the latest such call-back's view is on the rating's side (satisfied or basically
    # satisfied, or dissatisfied).
    callback_agrees = models.BooleanField(_("call-back agrees with the rating"), default=False)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    reply = models.TextField(_("reply to the resident"), blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    rating_token = models.CharField(max_length=64, blank=True, db_index=True)
    rating = models.CharField(_("rating"), max_length=20, choices=Rating.choices, blank=True)
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # What the classifier suggested at intake, kept beside what the dispatcher chose.
    suggested_type = models.CharField(_("suggested type"), max_length=20, choices=DemandType.choices, blank=True)
    suggested_category = models.ForeignKey(
        Category, verbose_name=_("suggested category"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    suggestion_confidence = models.FloatField(_("suggestion confidence"), null=True, blank=True)
    # Reply-quality flags raised at resolve (against 程序空转), e.g. ["short", "boilerplate", "off_topic"].
    reply_flags = models.JSONField(_("reply quality flags"), default=list, blank=True)

    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("demand")
        verbose_name_plural = _("demands")
        indexes = [
            models.Index(fields=["status", "township"]),
            models.Index(fields=["unit_department", "status"]),
            models.Index(fields=["unit_grid", "status"]),
            models.Index(fields=["unit_deputy", "status"]),
            models.Index(fields=["grid", "status"]),
            # The list's order within one status: a filtered page reads its newest rows, not every older one.
            models.Index(fields=["status", "created_at", "id"], name="demand_status_newest"),
            # SMS sign-in and a verified resident's 我的诉求 find demands by the number given (demands.phone_signin);
            # partial, so the many demands given without one cost intake nothing.
            models.Index(fields=["contact_phone"], condition=~models.Q(contact_phone=""), name="demand_contact_phone"),
            # Partial indexes: a sweep reads only what is due, however many demands are stored.
            models.Index(fields=["warn_at"], name="demand_due_warning",
                         condition=Q(status__in=HANDLING, escalation_level__lt=1)),
            models.Index(fields=["resolve_deadline"], name="demand_due_overdue",
                         condition=Q(status__in=HANDLING, escalation_level__lt=2)),
            models.Index(fields=["supervise_at"], name="demand_due_supervision",
                         condition=Q(status__in=HANDLING, escalation_level__lt=3)),
            models.Index(fields=["accept_deadline"], name="demand_due_accept_reminder",
                         condition=Q(status="dispatched", accept_reminded=False)),
            models.Index(fields=["verified_at"], name="demand_awaiting_rating", condition=Q(status="verified")),
        ]
        constraints = [
            models.CheckConstraint(
                name="demand_at_most_one_unit",
                condition=(
                    Q(unit_grid__isnull=True, unit_department__isnull=True)
                    | Q(unit_grid__isnull=True, unit_deputy__isnull=True)
                    | Q(unit_department__isnull=True, unit_deputy__isnull=True)
                ),
            ),
            # Hotline intake is idempotent per client: one demand per (client, external id).
            models.UniqueConstraint(
                fields=["submitted_by", "external_id"], condition=~Q(external_id=""), name="demand_external_id_unique"
            ),
        ]

    def __str__(self) -> str:
        # Never the tracking code: __str__ ends up in admin pages, logs and messages.
        return self.public_no if self.pk else "—"

    @property
    def public_no(self) -> str:
        """What staff, integrations and Open311 call the demand (BZ-2026-004213); not a credential."""
        from .codes import public_number

        return public_number(self.pk, timezone.localtime(self.created_at).year)

    @property
    def unit(self):
        return self.unit_grid or self.unit_department or self.unit_deputy

    @property
    def is_open(self) -> bool:
        from .states import OPEN_STATES

        return self.status in OPEN_STATES

    @property
    def is_overdue(self) -> bool:
        """Held by a unit past its resolve deadline (the same rule as the `overdue` filter)."""
        from .states import HANDLING_STATES

        return bool(self.status in HANDLING_STATES and self.resolve_deadline and self.resolve_deadline < timezone.now())


class DemandEvent(ImmutableEvent):
    """One step in a demand's history. Rows are written once and never changed."""

    class ActorKind(models.TextChoices):
        USER = "user", _("staff")
        RESIDENT = "resident", _("resident")
        SYSTEM = "system", _("system")

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    actor_kind = models.CharField(max_length=10, choices=ActorKind.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    from_status = models.CharField(max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(max_length=12, choices=Status.choices)
    # Shown on the resident's tracking page (never with personal data).
    public = models.BooleanField(default=True)

    class Meta(ImmutableEvent.Meta):
        verbose_name = _("demand event")
        verbose_name_plural = _("demand events")

    def __str__(self) -> str:
        return f"{self.demand_id} {self.action} {self.from_status}→{self.to_status}"


def attachment_path(instance, filename: str) -> str:
    # The stored name is random; the resident's file name is kept only as display text.
    return f"demands/{instance.demand.created_at:%Y/%m}/{instance.token}.{instance.extension}"


class DemandAttachment(models.Model):
    class Purpose(models.TextChoices):
        SUBMISSION = "submission", _("submitted by the resident")
        RESULT = "result", _("handling result")

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(DemandEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    token = models.CharField(max_length=32, unique=True)
    extension = models.CharField(max_length=5)
    file = models.FileField(upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class SupervisionOrder(models.Model):
    """督办单: a supervisor's order to finish a demand by a date, open until the unit answers."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("supervisor")
        ESCALATION = "escalation", _("escalation")

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="supervision_orders")
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.MANUAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.TextField(_("note"))
    due_date = models.DateField(_("due date"))
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("supervision order")
        verbose_name_plural = _("supervision orders")
        indexes = [models.Index(fields=["answered_at"])]

    def __str__(self) -> str:
        return f"{self.demand} · {self.due_date}"


class CoHandling(models.Model):
    """协办: a department asked to help the unit holding a demand (主办), with one opinion by its own deadline.

    The lead unit still answers for the demand: it resolves it and the figures credit it alone; a co-handling
    department sees the demand and writes its opinion, nothing more (docs/lifecycles.md#joint-handling).
    """

    class State(models.TextChoices):
        PENDING = "pending", _("opinion pending")
        ANSWERED = "answered", _("opinion given")
        WITHDRAWN = "withdrawn", _("withdrawn by the dispatcher")

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="cohandlings")
    department = models.ForeignKey(Department, verbose_name=_("co-handling department"), on_delete=models.PROTECT,
                                   related_name="cohandled_demands")
    state = models.CharField(_("co-handling state"), max_length=10, choices=State.choices, default=State.PENDING)
    due_at = models.DateTimeField(_("opinion due by"))
    # What the dispatcher asks of the department (internal).
    request_note = models.TextField(_("what is asked"), blank=True)
    opinion = models.TextField(_("opinion"), blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("added by"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("opinion by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    answered_at = models.DateTimeField(_("opinion given at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("co-handling department")
        verbose_name_plural = _("co-handling departments")
        # A department's list reads its demands by this (selectors.scope_q), however many demands are stored.
        indexes = [models.Index(fields=["department", "state"], name="cohandling_department_state")]
        constraints = [
            # One live request per department and demand; a withdrawn one may be followed by a new one.
            models.UniqueConstraint(fields=["demand", "department"], condition=~Q(state="withdrawn"),
                                    name="cohandling_once_per_department"),
        ]

    def __str__(self) -> str:
        return f"{self.demand} · {self.department}"

    @property
    def is_overdue(self) -> bool:
        """Still no opinion past its own deadline."""
        return self.state == self.State.PENDING and self.due_at < timezone.now()


def __getattr__(name):
    # The deputies' model, reached through the relation this app declares: demands never import the deputies app,
    # which stands above it (docs/architecture.md).
    if name == "Deputy":
        return Demand._meta.get_field("unit_deputy").related_model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
