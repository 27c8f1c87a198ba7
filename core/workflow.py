"""The one workflow engine: every lifecycle (demands, suggestions, the ballot, and each one to come) is a table of
transitions, one predicate per action and a few guards, run here in one order.

The order of checks is the engine's and nobody else's (docs/workflow.md):
scope (404, the same answer as for a missing row) → state (409) → right (403) → guards (409).
"""

from collections.abc import Callable, Iterable
from functools import partial

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import NotFound, NotPermitted, TransitionNotAllowed
from .validators import valid_pk

Transitions = dict[str, tuple[frozenset, str | None]]
Predicate = Callable[[object, object], bool]
Guard = Callable[[object, object], "str | None"]


def _is_staff(actor) -> bool:
    return getattr(actor, "is_authenticated", False) and getattr(actor, "is_active", False) and hasattr(actor, "role")


def default_actor_label(actor) -> str:
    """The system's name, the account's, or "resident" for a code holder and an anonymous submission alike."""
    label = getattr(actor, "label", None)  # the system actor
    if label is not None and not _is_staff(actor):
        return str(label)
    return str(actor) if _is_staff(actor) else str(_("resident"))


class Lifecycle:
    """A lifecycle declared as data. Services call `begin` (lock and check) and `apply` (change and record)."""

    def __init__(
        self,
        *,
        model: type[models.Model],
        transitions: Transitions,
        can: dict[str, Predicate],
        can_view: Predicate,
        refused: str,
        missing: str,
        guards: dict[str, Guard] | None = None,
        state_refusals: dict[str, str] | None = None,
        forbidden: dict[str, str] | None = None,
        describe: Callable[[object], dict] | None = None,
        status_field: str | None = "status",
        status_of: Callable[[object], str] | None = None,
        status_label: Callable[[str], str] | None = None,
        action_label: Callable[[str], str] | None = None,
        event_model: type[models.Model] | None = None,
        event_owner: Callable[[object], dict] | None = None,
        event_fields: Callable[[object], dict] | None = None,
        actor_label: Callable[[object], str] = default_actor_label,
        on_event: Callable[[object, object], None] | None = None,
        clock: Callable[[], object] = timezone.now,
    ):
        # An entry action (no source state) creates the row; its service decides who may, before any row exists.
        missing_rights = {action for action, (sources, _target) in transitions.items() if sources} - set(can)
        if missing_rights:
            raise ValueError(f"{model.__name__}: no predicate for {sorted(missing_rights)}")
        self.model = model
        self.transitions = transitions
        self.can = can
        self.can_view = can_view
        self.guards = guards or {}
        self.refused = refused
        # Where a lifecycle words a refusal for one action better than the general sentence does.
        self.state_refusals = state_refusals or {}
        self.forbidden = forbidden or {}
        # Names a refusal may mention besides the action and the status, e.g. a proposal's title.
        self.describe = describe or (lambda obj: {})
        self.missing = missing
        self.status_field = status_field
        self.status_of = status_of
        self.status_label = status_label or str
        self.action_label = action_label or str
        self.event_model = event_model
        self.event_owner = event_owner or (lambda obj: {model._meta.model_name: obj})
        self.event_fields = event_fields or (lambda actor: {})
        self.actor_label = actor_label
        self.on_event = on_event
        self.clock = clock

    # ------------------------------------------------------------ reading the table

    def status(self, obj) -> str:
        return self.status_of(obj) if self.status_of else getattr(obj, self.status_field)

    def allowed_from(self, action: str, status: str) -> bool:
        return status in self.transitions[action][0]

    def target_of(self, action: str, status: str) -> str:
        target = self.transitions[action][1]
        return status if target is None else target

    def refusal(self, actor, obj, action: str) -> str | None:
        """Why `actor` cannot take `action` on `obj` now, or None if they can; in the order `check` raises."""
        try:
            self.check(actor, obj, action)
        except (NotFound, TransitionNotAllowed, NotPermitted) as error:
            return str(error.message)
        return None

    def available_actions(self, actor, obj, actions: Iterable[str] | None = None) -> list[str]:
        """What a page or the API offers: every action with a source state that the actor may take now."""
        names = self.transitions if actions is None else actions
        return [a for a in names if self.transitions[a][0] and self.refusal(actor, obj, a) is None]

    # ------------------------------------------------------------ doing

    def check(self, actor, obj, action: str) -> None:
        if not self.can_view(actor, obj):
            raise NotFound(self.missing)
        status = self.status(obj)
        if not self.allowed_from(action, status):
            raise TransitionNotAllowed(self.state_refusals.get(action) or self.refused % {
                "action": self.action_label(action), "status": self.status_label(status), **self.describe(obj)})
        if not self.can[action](actor, obj):
            raise NotPermitted(self.forbidden.get(action))
        guard = self.guards.get(action)
        message = guard(actor, obj) if guard else None
        if message:
            raise TransitionNotAllowed(message)

    def lock(self, pk, *, queryset=None):
        """The row, locked until the transaction ends; an id that is not one is the same 404 as a missing row."""
        if not valid_pk(pk) or isinstance(pk, bool):
            raise NotFound(self.missing)
        try:
            return (queryset if queryset is not None else self.model.objects).select_for_update().get(pk=pk)
        except (self.model.DoesNotExist, ValueError, TypeError):
            raise NotFound(self.missing) from None

    def begin(self, pk, actor, action: str, *, queryset=None):
        """Lock the row and check `action` on it: the first two lines of every service."""
        obj = self.lock(pk, queryset=queryset)
        self.check(actor, obj, action)
        return obj

    def apply(self, obj, *, actor, action: str, changes: dict | None = None, to_status: str | None = None,
              record: bool = True, **event):
        """Apply a checked action to a locked row: set the changes and the target state (or `to_status`, where the
        service decides, e.g. a joint proposer's evaluation moves nothing), save, and write the event."""
        changes = dict(changes or {})
        now = self.clock()
        from_status = self.status(obj)
        if self.status_field and self.status_of is None:
            changes[self.status_field] = to_status or self.target_of(action, from_status)
        if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
            changes["updated_at"] = now
        for field, value in changes.items():
            setattr(obj, field, value)
        if changes:
            obj.save(update_fields=list(changes))
        if not record or self.event_model is None:
            return None
        return self.record(obj, actor=actor, action=action, from_status=from_status, at=now, **event)

    # ------------------------------------------------------------ the history

    def build_event(self, obj, *, actor, action: str, from_status: str, at=None, note: str = "", data=None,
                    **fields):
        """An unsaved event row (sweeps build many and write them with `record_many`)."""
        return self.event_model(
            **self.event_owner(obj),
            actor=actor if _is_staff(actor) else None,
            actor_label=self.actor_label(actor)[:100],
            action=action,
            from_status=from_status,
            to_status=self.status(obj),
            note=note,
            data=data or {},
            created_at=at or self.clock(),
            **{**self.event_fields(actor), **fields},
        )

    def record(self, obj, *, actor, action: str, from_status: str, at=None, **event):
        row = self.build_event(obj, actor=actor, action=action, from_status=from_status, at=at, **event)
        row.save(force_insert=True)
        self._announce([(row, obj)])
        return row

    def record_many(self, pairs: list[tuple[object, object]]) -> None:
        """Write built events in one INSERT; `pairs` are (event, the row it belongs to)."""
        self.event_model.objects.bulk_create([event for event, _obj in pairs])
        self._announce(pairs)

    def _announce(self, pairs) -> None:
        # Listeners hear of an event only once it is committed: a rolled-back action told nobody anything.
        if self.on_event is not None:
            for event, obj in pairs:
                transaction.on_commit(partial(self.on_event, event, obj))
