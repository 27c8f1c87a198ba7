"""Who may open or use every URL of the portal: one row per URL pattern, the exact set of actors allowed.

The world these rows speak of is built by tests/test_permission_matrix.py: a demand of township A / grid A1 held
by department D1, and actors who are mostly of ANOTHER grid, department or township. A URL pattern without a row
here fails the test, and so does a row whose pattern is gone.

Outcomes: an allowed actor gets 2xx, or 3xx not to a login page, or 400/409 (allowed, but the input or the state
was not right); a refused actor gets exactly the refusal named for them:
  LOGIN  302 to the login page           401 / 403 / 404  that status
  NOOP   the page answers (2xx/3xx, usually a redirect with a message) but nothing changed
"""

from dataclasses import dataclass, field
from typing import Callable

ANON, RES = "anonymous", "resident"
GW, GW2 = "gridworker_a1", "gridworker_a2"  # the demand lies in grid A1; A2 is the next grid of township A
H, H2 = "handler_d1", "handler_d2"  # D1 holds the demand
DSP, DSP2 = "dispatcher_a", "dispatcher_b"  # township A's centre; township B's
SUP = "supervisor"  # district supervisor
DEP = "deputy"  # a deputy of township A no demand is addressed to, proposer of nothing
ODEP = "owner_deputy"  # the deputy a demand is addressed to, lead proposer of the suggestions, station member
INT, INT2 = "integration_a", "integration_b"  # hotline clients scoped to township A / to township B only

ACTORS = (ANON, RES, GW, GW2, H, H2, DSP, DSP2, SUP, DEP, ODEP, INT, INT2)
INTEGRATIONS = frozenset({INT, INT2})
ANON_LIKE = frozenset({ANON}) | INTEGRATIONS  # pages have no token login: an integration is anonymous there
LOGGED_IN = frozenset(ACTORS) - ANON_LIKE
ALL = frozenset(ACTORS)
AUTHENTICATED = frozenset(ACTORS) - {ANON}  # the API: session or token
DASHBOARD = frozenset({DSP, DSP2, SUP})
DEPUTIES = frozenset({DEP, ODEP})
NONE = frozenset()

LOGIN, NOOP = "login", "noop"

# Who may see the world's objects at all (for 403 "yours to see, not to do" against 404 "not yours").
SEES_DEMAND = frozenset({GW, H, DSP, SUP})  # demand: township A, grid A1, held by D1
SEES_COHANDLED = SEES_DEMAND | {H2}  # cohandled: the same, with D2 asked to co-handle it (协办)
SEES_DISPATCHED = frozenset({GW, DSP, SUP})  # held by grid A1
SEES_RECEIVED = frozenset({DSP, SUP})  # township A, no grid yet
SEES_ASSIGNED = frozenset({ODEP, SUP, H})  # suggestion assigned to D1 as lead
SEES_IN_REVIEW = frozenset({ODEP, SUP})  # suggestion in pre-review: its proposers and the congress office
# Those handling the demand see name and phone; everyone else sees them masked.
PERSONAL = frozenset({H, DSP})


def page(default=404, **override):
    """Staff pages: no session means the login page; a signed-in outsider gets `default`."""

    def deny(actor):
        if actor in override:
            return override[actor]
        return LOGIN if actor in ANON_LIKE else default

    return deny


def page_scoped(sees, *, anonymous=LOGIN):
    """A page about one object: 403 for those who see it but may not act, 404 for those who may not see it."""

    def deny(actor):
        if actor in ANON_LIKE:
            return anonymous
        return 403 if actor in sees else 404

    return deny


def demand_page(sees=frozenset()):
    """Staff demand pages answer 404 to anonymous visitors too: a login redirect would confirm that the id exists."""
    return page_scoped(sees, anonymous=404)


def api(default=403, **override):
    def deny(actor):
        if actor in override:
            return override[actor]
        return 401 if actor == ANON else default

    return deny


def api_scoped(sees):
    def deny(actor):
        if actor == ANON:
            return 401
        return 403 if actor in sees else 404

    return deny


def everyone(status):
    return lambda actor: status


@dataclass(frozen=True)
class Case:
    """One request made by every actor. `url` and `data` take the world."""

    url: Callable
    allow: frozenset
    deny: Callable = field(default=page())
    method: str = "GET"
    data: Callable | None = None
    as_json: bool = False
    open311: bool = False  # integrations send their key as api_key, as Open311 clients do
    label: str = ""
    # ((world -> text), actors): a list shows the text to exactly these actors among those let in.
    reveals: tuple = ()


@dataclass(frozen=True)
class Row:
    route: str
    cases: tuple
    optional: bool = False  # mounted only with some settings (DEBUG's static files, the benchmark)


def row(route, *cases, optional=False):
    return Row(route, tuple(cases), optional)


def get(url, allow, deny=None, **kw):
    return Case(url=url, allow=frozenset(allow), deny=deny or page(), **kw)


def post(url, allow, deny=None, data=None, **kw):
    return Case(url=url, allow=frozenset(allow), deny=deny or page(), method="POST", data=data, **kw)


def api_get(url, allow, deny=None, **kw):
    return Case(url=url, allow=frozenset(allow), deny=deny or api(), **kw)


def api_post(url, allow, deny=None, data=None, **kw):
    return Case(url=url, allow=frozenset(allow), deny=deny or api(), method="POST", data=data, as_json=True, **kw)


TODAY_PLUS_7 = "2099-12-31"


def _today() -> str:
    from django.utils import timezone

    return timezone.localdate().isoformat()


def _demand_actions(on_page):
    """Five actions, each on a demand in a state that allows it, so that only the actor's right decides.
    (action, which demand, form data, allowed, who sees that demand). Page forms prefix fields with the action."""

    def fields(action, values):
        # A page posts form text; the API takes typed JSON (ids as numbers, true/false as booleans).
        if on_page:
            return {f"{action}-{k}": v for k, v in values.items()}
        return {k: True if v == "on" else int(v) if k in ("category", "grid") else v for k, v in values.items()}

    return [
        ("note", "demand", lambda w: fields("note", {"text": "已联系环卫所，明天上午清运。", "public": "on"}),
         {H}, SEES_DEMAND),
        ("urge", "demand", lambda w: fields("urge", {"note": "请三日内办结并回复。", "due_date": TODAY_PLUS_7}),
         {SUP}, SEES_DEMAND),
        ("reassign", "demand", lambda w: fields("reassign", {"unit": f"department:{w.d2.pk}", "note": "改派"}),
         {DSP}, SEES_DEMAND),
        ("accept", "dispatched", lambda w: {}, {GW}, SEES_DISPATCHED),
        ("classify", "received", lambda w: fields("classify", {
            "type": "help", "category": str(w.category.pk), "urgency": "normal", "grid": str(w.grid_a1.pk)}),
         {DSP}, SEES_RECEIVED),
        *_cohandling_actions(fields),
    ]


def _cohandling_actions(fields):
    """Joint handling: the dispatcher adds and removes a department; the department asked (D2) gives its opinion."""
    return [
        ("add_cohandler", "demand", lambda w: fields("add_cohandler", {"department": w.d2.pk}), {DSP}, SEES_DEMAND),
        ("cohandler_opinion", "cohandled", lambda w: fields("cohandler_opinion", {"text": "同意主办单位的处理方案。"}),
         {H2}, SEES_COHANDLED),
        ("remove_cohandler", "cohandled", lambda w: fields("remove_cohandler", {"department": w.d2.pk}), {DSP},
         SEES_COHANDLED),
    ]




def _data(d):
    return d if callable(d) else (lambda w, d=d: d)


def _page_action_cases():
    return [post(lambda w, a=a, o=o: f"/staff/demands/{getattr(w, o).pk}/{a}/", allow,
                 demand_page(frozenset(sees) - frozenset(allow)), data=d, label=a)
            for a, o, d, allow, sees in _demand_actions(True)]


def _api_action_cases():
    """Every demand action on its own typed route (core.workflow_api.action_routes), one case each."""
    return [api_post(lambda w, a=a, o=o: f"/api/v1/demands/{getattr(w, o).pk}/{a}/", allow,
                     api_scoped((frozenset(sees) | {INT}) - frozenset(allow)), data=d, label=a)
            for a, o, d, allow, sees in _demand_actions(False)]


# Inquiries of township A questioning D1, the owner deputy taking part: the district supervisor, the deputy and
# D1's handlers see them.
SEES_INQUIRY = frozenset({SUP, ODEP, H})
INQUIRY_ACTIONS = [
    # (action, which inquiry, form data, allowed)
    ("ask", "i_planned", lambda w: {"ask-department": str(w.d1.pk), "ask-text": "何时完成整改？"}, frozenset({ODEP, SUP})),
    ("hold", "i_planned", lambda w: {"hold-summary": "如期举行"}, frozenset({SUP})),
    ("answer", "i_held", lambda w: {"answer-question": str(w.question.pk), "answer-answer": "本月完成。"},
     frozenset({H})),
    ("commit", "i_held", lambda w: {"commit-department": str(w.d1.pk), "commit-text": "整改到位",
                                    "commit-due_on": TODAY_PLUS_7}, frozenset({SUP})),
    ("follow", "i_held", lambda w: {}, frozenset({SUP})),
    ("progress", "i_following", lambda w: {"progress-commitment": str(w.commitment.pk), "progress-note": "已完成。",
                                           "progress-done": "on"}, frozenset({H})),
    ("drop", "i_following", lambda w: {"drop-commitment": str(w.commitment.pk), "drop-reason": "已纳入统一改造"},
     frozenset({SUP})),
    ("close", "i_following", lambda w: {"close-note": ""}, frozenset({SUP})),
]

SUGGESTION_PAGE_ACTIONS = [
    # (action, which suggestion, form data, allowed, who sees that suggestion)
    ("link", "s_draft", lambda w: {"link-public_no": w.demand.public_no}, {ODEP}, {ODEP}),
    ("unlink", "s_draft", lambda w: {"unlink-demand": str(w.deputy_demand.pk)}, {ODEP}, {ODEP}),
    ("submit", "s_draft", {}, {ODEP}, {ODEP}),
    ("pass_review", "s_in_review", {"pass_review-note": "符合要求"}, {SUP}, SEES_IN_REVIEW),
    ("return_draft", "s_in_review", {"return_draft-reasons": "建议内容不够具体，请补充措施。"}, {SUP},
     SEES_IN_REVIEW),
    ("withdraw", "s_draft", {"withdraw-reason": "合并到另一件建议"}, {ODEP}, {ODEP}),
    ("assign", "s_assigned", lambda w: {"assign-lead_department": str(w.d1.pk), "assign-reply_due": TODAY_PLUS_7},
     {SUP}, SEES_ASSIGNED),
    ("reply", "s_assigned", {"reply-reply_class": "A", "reply-text": "已纳入年度计划并完成。"}, {H}, SEES_ASSIGNED),
    ("contact", "s_assigned", lambda w: {"contact-stage": "before", "contact-held_on": _today(),
                                         "contact-form": "phone", "contact-participants": "领衔代表",
                                         "contact-agreed": "约定实地查看。"}, {H}, SEES_ASSIGNED),
    ("opinion", "s_assigned", {"opinion-text": "同意牵头单位意见。"}, NONE, SEES_ASSIGNED),
    ("evaluate", "s_replied", {"evaluate-rating": "satisfied"}, {ODEP}, SEES_ASSIGNED),
    ("close", "s_replied", {"close-note": "办结"}, {SUP}, SEES_ASSIGNED),
    ("follow_up", "s_replied", {"follow_up-note": "项目已开工。", "follow_up-resolved": ""}, {H}, SEES_ASSIGNED),
]


def _suggestion_rows():
    rows = []
    for action, which, data, allow, sees in SUGGESTION_PAGE_ACTIONS:
        rows.append(row(f"staff/suggestions/<int:pk>/{action}/", post(
            lambda w, which=which, action=action: f"/staff/suggestions/{getattr(w, which).pk}/{action}/",
            allow, page_scoped(frozenset(sees) - frozenset(allow)), data=_data(data), label=action)))
    return rows


def _demand_url(name, suffix=""):
    return lambda w: f"/staff/demands/{getattr(w, name).pk}/{suffix}"


# Rows in the order of portal/urls.py.
ROWS = [
    row("", get(lambda w: "/", ALL)),
    row("healthz", get(lambda w: "/healthz", ALL)),
    row("accounts/login/", get(lambda w: "/accounts/login/", ALL)),
    row("accounts/logout/", post(lambda w: "/accounts/logout/", ALL)),
    # SMS sign-in: open to anyone (signed-in accounts are sent to their own pages); the code is the credential, and
    # without a number asked for first the code page sends the visitor back (tests/test_phone_signin.py).
    row("accounts/phone/", get(lambda w: "/accounts/phone/", ALL),
        post(lambda w: "/accounts/phone/", ALL, data=_data({"phone": "13812345678"}))),
    row("accounts/phone/code/", get(lambda w: "/accounts/phone/code/", ALL),
        post(lambda w: "/accounts/phone/code/", ALL, data=_data({"code": "123456"}))),
    row("i18n/setlang/", post(lambda w: "/i18n/setlang/", ALL, data=_data({"language": "zh-hans", "next": "/"}))),
    row("places/communities/", get(lambda w: f"/places/communities/?township={w.t_a.pk}", ALL)),
    row("places/grids/", get(lambda w: f"/places/grids/?community={w.grid_a1.community_id}", ALL)),
    row("places/micro-grids/", get(lambda w: f"/places/micro-grids/?grid={w.grid_a1.pk}", ALL)),
    row("places/outlines/", get(lambda w: "/places/outlines/", ALL)),
    row("places/locate/", get(lambda w: "/places/locate/?lat=31.87&lng=106.75", ALL)),
    row("admin/", get(lambda w: "/admin/", NONE, everyone(LOGIN), label="index"),
        get(lambda w: "/admin/login/", ALL, label="login")),
    # ---------------------------------------------------------------- API
    row("api/v1/deputies/", api_get(lambda w: "/api/v1/deputies/", ALL)),
    row("api/v1/deputies/stations/", api_get(lambda w: "/api/v1/deputies/stations/", ALL)),
    row("api/v1/duty-records/",
        api_get(lambda w: "/api/v1/duty-records/", AUTHENTICATED),
        # Another deputy's archive does not exist for a deputy; the supervision office writes in every archive.
        api_post(lambda w: "/api/v1/duty-records/", {ODEP, SUP}, api(404), label="for owner_deputy",
                 data=lambda w: {"deputy": w.odep.code, "kind": "meeting", "occurred_on": "2025-03-01",
                                 "title": "参加区人大常委会会议"}),
        api_post(lambda w: "/api/v1/duty-records/", DEPUTIES, label="own archive",
                 data=lambda w: {"kind": "meeting", "occurred_on": "2025-03-01", "title": "参加代表小组活动"})),
    row("api/v1/receptions/",
        api_get(lambda w: "/api/v1/receptions/", AUTHENTICATED),
        api_post(lambda w: "/api/v1/receptions/", {ODEP, SUP},
                 data=lambda w: {"station": w.station.code, "held_on": "2025-03-06", "deputies": [w.odep.code],
                                 "visitor_count": 3, "topics": "村道路灯不亮"})),
    row("api/v1/participation/", api_get(lambda w: "/api/v1/participation/", {SUP})),
    row("api/v1/suggestions/",
        api_get(lambda w: "/api/v1/suggestions/", AUTHENTICATED,
                reveals=((lambda w: w.s_assigned.title, SEES_ASSIGNED), (lambda w: w.s_draft.title, {ODEP}))),
        api_post(lambda w: "/api/v1/suggestions/", DEPUTIES, data=_data({"title": "关于加强农村道路养护的建议",
                                                                         "content": "多条村道破损。"}))),
    row("api/v1/suggestions/figures/", api_get(lambda w: "/api/v1/suggestions/figures/", AUTHENTICATED)),
    row("api/v1/suggestions/<int:pk>/",
        api_get(lambda w: f"/api/v1/suggestions/{w.s_assigned.pk}/", SEES_ASSIGNED, api(404)),
        api_get(lambda w: f"/api/v1/suggestions/{w.s_draft.pk}/", {ODEP}, api(404), label="draft")),
    row("api/v1/suggestions/<int:pk>/<action:action>/",
        api_post(lambda w: f"/api/v1/suggestions/{w.s_assigned.pk}/reply/", {H}, api_scoped(SEES_ASSIGNED - {H}),
                 data=_data({"reply_class": "A", "text": "已完成。"}), label="reply"),
        api_post(lambda w: f"/api/v1/suggestions/{w.s_assigned.pk}/assign/", {SUP},
                 api_scoped(SEES_ASSIGNED - {SUP}), data=lambda w: {"lead_department": w.d1.pk}, label="assign"),
        api_post(lambda w: f"/api/v1/suggestions/{w.s_draft.pk}/submit/", {ODEP}, api(404), label="submit")),
    row("api/v1/ballot/rounds/", api_get(lambda w: "/api/v1/ballot/rounds/", ALL)),
    row("api/v1/ballot/rounds/<year:year>/", api_get(lambda w: f"/api/v1/ballot/rounds/{w.round.year}/", ALL)),
    row("api/v1/ballot/rounds/<year:year>/proposals/",
        api_post(lambda w: f"/api/v1/ballot/rounds/{w.round.year}/proposals/", ALL,
                 data=lambda w: {"title": "修缮村活动室", "content": "活动室漏雨。", "township": w.t_a.code})),
    # The round is still collecting proposals: the state refuses every ballot (409) before the right is asked
    # (docs/workflow.md); who may vote in an open round is tests/test_ballot.py's.
    row("api/v1/ballot/rounds/<year:year>/ballot/",
        api_post(lambda w: f"/api/v1/ballot/rounds/{w.round.year}/ballot/", DEPUTIES, api(NOOP),
                 data=_data({"candidates": []}))),
    row("api/v1/ballot/rounds/<year:year>/results/",
        api_get(lambda w: f"/api/v1/ballot/rounds/{w.past_round.year}/results/", ALL)),
    row("api/v1/ballot/projects/", api_get(lambda w: "/api/v1/ballot/projects/", ALL)),
    row("api/v1/dashboard/map/", api_get(lambda w: "/api/v1/dashboard/map/", DASHBOARD, api(404))),
    row("api/v1/dashboard/hotspots/", api_get(lambda w: "/api/v1/dashboard/hotspots/", DASHBOARD, api(404))),
    row("api/v1/dashboard/", api_get(lambda w: "/api/v1/dashboard/", DASHBOARD, api(404))),
    row("api/v1/townships/", api_get(lambda w: "/api/v1/townships/", ALL)),
    row("api/v1/communities/", api_get(lambda w: "/api/v1/communities/", ALL)),
    row("api/v1/grids/", api_get(lambda w: "/api/v1/grids/", ALL)),
    row("api/v1/micro-grids/", api_get(lambda w: "/api/v1/micro-grids/", ALL)),
    row("api/v1/locate/", api_get(lambda w: "/api/v1/locate/?lat=31.87&lng=106.75", ALL)),
    row("api/v1/categories/", api_get(lambda w: "/api/v1/categories/", ALL)),
    row("api/v1/departments/", api_get(lambda w: "/api/v1/departments/", ALL)),
    row("api/v1/demands/",
        api_get(lambda w: "/api/v1/demands/", AUTHENTICATED,
                reveals=((lambda w: w.demand.public_no, SEES_DEMAND | {INT}),
                         (lambda w: w.demand.tracking_code, NONE),
                         (lambda w: w.cohandled.public_no, SEES_COHANDLED | {INT}))),
        api_post(lambda w: "/api/v1/demands/", ALL, label="intake",
                 data=lambda w: {"type": "help", "content": "路灯坏了一周了。", "township": w.t_a.code})),
    row("api/v1/demands/<int:pk>/", api_get(lambda w: f"/api/v1/demands/{w.demand.pk}/", SEES_DEMAND | {INT},
                                            api(404))),
    row("api/v1/demands/<int:pk>/events/",
        api_get(lambda w: f"/api/v1/demands/{w.demand.pk}/events/", SEES_DEMAND | {INT}, api(404))),
    row("api/v1/demands/<int:pk>/attachments/",
        api_get(lambda w: f"/api/v1/demands/{w.demand.pk}/attachments/", SEES_DEMAND | {INT}, api(404)),
        Case(url=lambda w: f"/api/v1/demands/{w.demand.pk}/attachments/", allow=frozenset({H}), method="POST",
             deny=api_scoped(SEES_DEMAND - {H} | {INT}), data="photos", label="upload")),
    row("api/v1/demands/<int:pk>/cohandlers/",
        api_get(lambda w: f"/api/v1/demands/{w.cohandled.pk}/cohandlers/", SEES_COHANDLED | {INT}, api(404))),
    row("api/v1/demands/<int:pk>/<action:action>/", *_api_action_cases()),
    row("api/v1/track/<code:code>/", api_get(lambda w: f"/api/v1/track/{w.demand.tracking_code}/", ALL)),
    row("api/v1/classify/", api_post(lambda w: "/api/v1/classify/", ALL, data=_data({"content": "垃圾没人清运"}))),
    row("api/schema/", api_get(lambda w: "/api/schema/", ALL)),
    row("api/docs/", api_get(lambda w: "/api/docs/", ALL)),
    # ---------------------------------------------------------------- inbox
    row("inbox/", get(lambda w: "/inbox/", LOGGED_IN, reveals=((lambda w: w.notification.title, {H}),))),
    row("inbox/<int:pk>/read/", post(lambda w: f"/inbox/{w.notification.pk}/read/", {H})),
    row("inbox/read-all/", post(lambda w: "/inbox/read-all/", LOGGED_IN)),
    # ---------------------------------------------------------------- Open311 (api_key, never a session)
    row(r"open311/^discovery\.(?P<fmt>[A-Za-z0-9]+)$", get(lambda w: "/open311/discovery.json", ALL, open311=True)),
    row(r"open311/^v2/services\.(?P<fmt>[A-Za-z0-9]+)$",
        get(lambda w: "/open311/v2/services.json", ALL, open311=True)),
    row(r"open311/^v2/services/(?P<service_code>[A-Za-z0-9_.-]{1,60})\.(?P<fmt>[A-Za-z0-9]+)$",
        get(lambda w: f"/open311/v2/services/{w.category.code}.json", ALL, open311=True)),
    row(r"open311/^v2/requests\.(?P<fmt>[A-Za-z0-9]+)$",
        # Anyone lists every request; only a key whose scope covers one reads it in full (its grid, say).
        get(lambda w: "/open311/v2/requests.json", ALL, open311=True, label="list",
            reveals=((lambda w: w.demand.public_no, ALL), (lambda w: w.grid_a1.code, {INT}),
                     (lambda w: w.demand.tracking_code, NONE))),
        post(lambda w: "/open311/v2/requests.json", INTEGRATIONS, everyone(403), open311=True, label="create",
             data=lambda w: {"service_code": w.category.code, "description": "井盖丢失，夜间危险。",
                             "lat": "31.87", "long": "106.75"})),
    row(r"open311/^v2/requests/(?P<service_request_id>[A-Za-z0-9_-]{1,40})\.(?P<fmt>[A-Za-z0-9]+)$",
        # Not public: redacted for anyone, in full for the key whose scope covers it.
        get(lambda w: f"/open311/v2/requests/{w.demand.public_no}.json", ALL, open311=True,
            reveals=((lambda w: w.demand.public_no, ALL), (lambda w: w.grid_a1.code, {INT}),
                     (lambda w: w.demand.tracking_code, NONE))),
        # A tracking code names nothing in Open311, not even for the key holder who may read the request.
        get(lambda w: f"/open311/v2/requests/{w.demand.tracking_code}.json", NONE, everyone(404), open311=True,
            label="by tracking code")),
    row(r"open311/^v2/servicerequestupdates\.(?P<fmt>[A-Za-z0-9]+)$",
        # The steps of a request that is not public, only for the key whose scope covers it.
        get(lambda w: "/open311/v2/servicerequestupdates.json", ALL, open311=True,
            reveals=((lambda w: w.demand.public_no, {INT}), (lambda w: w.demand.tracking_code, NONE)))),
    row(r"open311/^v2/tokens/(?P<token>[A-Za-z0-9_-]{1,64})\.(?P<fmt>[A-Za-z0-9]+)$",
        get(lambda w: f"/open311/v2/tokens/{w.demand.public_no}.json", {INT}, everyone(404), open311=True,
            reveals=((lambda w: w.demand.public_no, {INT}), (lambda w: w.demand.tracking_code, NONE))),
        get(lambda w: f"/open311/v2/tokens/{w.demand.tracking_code}.json", NONE, everyone(404), open311=True,
            label="by tracking code")),
    # ---------------------------------------------------------------- the deputy's workbench
    row("staff/deputy/", get(lambda w: "/staff/deputy/", DEPUTIES | {SUP})),
    row("staff/deputy/demands/<int:pk>/take/", post(lambda w: f"/staff/deputy/demands/{w.deputy_demand.pk}/take/",
                                                    {ODEP})),
    row("staff/deputy/demands/<int:pk>/answer/",
        post(lambda w: f"/staff/deputy/demands/{w.deputy_demand.pk}/answer/", {ODEP},
             data=_data({"reply": "已答复：下周一前修好。", "outcome": "explained"}))),
    row("staff/deputy/demands/<int:pk>/forward/",
        post(lambda w: f"/staff/deputy/demands/{w.deputy_demand.pk}/forward/", {ODEP},
             data=_data({"note": "需要部门办理"}))),
    row("staff/suggestions/cite/<int:pk>/",
        post(lambda w: f"/staff/suggestions/cite/{w.deputy_demand.pk}/", {ODEP},
             data=lambda w: {"suggestion": str(w.s_draft.pk)})),
    row("staff/deputy/duties/", get(lambda w: "/staff/deputy/duties/", DEPUTIES)),
    row("staff/deputy/book/<code:code>/", get(lambda w: f"/staff/deputy/book/{w.odep.code}/", {ODEP, SUP})),
    row("staff/deputy/participation/", get(lambda w: "/staff/deputy/participation/", {SUP})),
    row("staff/deputy/receptions/", get(lambda w: "/staff/deputy/receptions/", {ODEP, SUP})),
    row("staff/deputy/receptions/new/", get(lambda w: "/staff/deputy/receptions/new/", {ODEP, SUP})),
    row("staff/deputy/receptions/<int:pk>/", get(lambda w: f"/staff/deputy/receptions/{w.reception.pk}/",
                                                 {ODEP, SUP})),
    # 代表述职: deputies write their own (each the year before last: a 409 for the owner, who has one), the
    # office reads them all; a draft is its deputy's and the office's; the deputy publishes, the office closes.
    row("staff/deputy/reports/", get(lambda w: "/staff/deputy/reports/", DEPUTIES | {SUP}),
        post(lambda w: "/staff/deputy/reports/", DEPUTIES, data=lambda w: {
            "year": w.report_draft.year, "body": w.report_draft.body})),
    row("staff/deputy/reports/<int:pk>/",
        get(lambda w: f"/staff/deputy/reports/{w.report_draft.pk}/", {ODEP, SUP}),
        post(lambda w: f"/staff/deputy/reports/{w.report_draft.pk}/", {ODEP}, page_scoped({SUP}),
             data=lambda w: {"body": w.report_draft.body + "补充。"})),
    row("staff/deputy/reports/<int:pk>/publish/",
        post(lambda w: f"/staff/deputy/reports/{w.report_draft.pk}/publish/", {ODEP}, page_scoped({SUP}))),
    row("staff/deputy/reports/<int:pk>/close/",
        post(lambda w: f"/staff/deputy/reports/{w.report_published.pk}/close/", {SUP}, page_scoped({ODEP}))),
    row("staff/deputy/scores/", get(lambda w: "/staff/deputy/scores/", {SUP})),
    # 代表小组: members and the office see a group; its leader and the office log its activities.
    row("staff/deputy/groups/", get(lambda w: "/staff/deputy/groups/", DEPUTIES | {SUP})),
    row("staff/deputy/groups/<int:pk>/",
        get(lambda w: f"/staff/deputy/groups/{w.group.pk}/", {ODEP, SUP}),
        post(lambda w: f"/staff/deputy/groups/{w.group.pk}/", {ODEP, SUP}, data=lambda w: {
            "held_on": "2025-06-18", "kind": "meeting", "title": "学习新修订的代表法", "participants": [w.odep.pk]})),
    # 联系群众: a deputy states their own counts; the office reads the coverage.
    row("staff/deputy/contacts/", get(lambda w: "/staff/deputy/contacts/", DEPUTIES | {SUP}),
        post(lambda w: "/staff/deputy/contacts/", DEPUTIES, data=lambda w: {f"grid_{w.grid_a1.pk}": 12})),
    # ---------------------------------------------------------------- suggestions
    row("staff/suggestions/", get(lambda w: "/staff/suggestions/", LOGGED_IN, reveals=(
        (lambda w: w.s_assigned.title, SEES_ASSIGNED), (lambda w: w.s_draft.title, {ODEP})))),
    row("staff/suggestions/new/", get(lambda w: "/staff/suggestions/new/", DEPUTIES, page(403))),
    row("staff/suggestions/figures/", get(lambda w: "/staff/suggestions/figures/", LOGGED_IN)),
    row("staff/suggestions/similar/", get(lambda w: "/staff/suggestions/similar/", DEPUTIES, page(403))),
    row("staff/suggestions/<int:pk>/",
        get(lambda w: f"/staff/suggestions/{w.s_assigned.pk}/", SEES_ASSIGNED),
        get(lambda w: f"/staff/suggestions/{w.s_draft.pk}/", {ODEP}, label="draft")),
    row("staff/suggestions/<int:pk>/edit/", get(lambda w: f"/staff/suggestions/{w.s_draft.pk}/edit/", {ODEP})),
    *_suggestion_rows(),
    # ---------------------------------------------------------------- dashboard and insight
    row("staff/dashboard/", get(lambda w: "/staff/dashboard/", DASHBOARD)),
    row("staff/dashboard/export.csv", get(lambda w: "/staff/dashboard/export.csv", DASHBOARD)),
    row("staff/dashboard/export.xlsx", get(lambda w: "/staff/dashboard/export.xlsx", DASHBOARD)),
    row("staff/insight/map/", get(lambda w: "/staff/insight/map/", DASHBOARD)),
    row("staff/insight/hotspots/", get(lambda w: "/staff/insight/hotspots/", DASHBOARD)),
    # ---------------------------------------------------------------- call-backs (the verified demand's reply)
    # The centre of township A calls; supervisors look on; the list of township B's centre does not hold it.
    row("staff/revisits/", get(lambda w: "/staff/revisits/", DASHBOARD, reveals=(
        (lambda w: w.verified.public_no, {DSP, SUP}),))),
    row("staff/revisits/<int:pk>/", get(lambda w: f"/staff/revisits/{w.revisit.pk}/", {DSP, SUP}, demand_page())),
    row("staff/revisits/<int:pk>/reveal/", post(lambda w: f"/staff/revisits/{w.revisit.pk}/reveal/", {DSP},
                                                demand_page({SUP}))),
    row("staff/revisits/<int:pk>/reach/", post(lambda w: f"/staff/revisits/{w.revisit.pk}/reach/", {DSP},
                                               demand_page({SUP}), data=_data({
                                                   "reach-said": "已清运，很满意。", "reach-view": "satisfied"}))),
    row("staff/revisits/<int:pk>/miss/", post(lambda w: f"/staff/revisits/{w.revisit.pk}/miss/", {DSP},
                                              demand_page({SUP}), data=_data({"miss-note": "无人接听"}))),
    # A number is on file: the centre gets 409 (record the call instead), the others their refusal.
    row("staff/revisits/<int:pk>/uncallable/", post(lambda w: f"/staff/revisits/{w.revisit.pk}/uncallable/", {DSP},
                                                    demand_page({SUP}))),
    # ---------------------------------------------------------------- satisfaction evaluation (满意度测评)
    # The 2090 round is open for rating (D1 and D2); in the published 2088 and 2087 rounds D1 must rectify (2087's
    # plan is in).
    row("staff/evaluations/", get(lambda w: "/staff/evaluations/", {SUP})),
    row("staff/evaluations/new/", post(lambda w: "/staff/evaluations/new/", {SUP}, data=lambda w: {
        "year": "2091", "units": [str(w.d1.pk)], "min_score": "80", "min_satisfaction": "70"})),
    # Every unit's handlers have the list; only D1's holds D1's rectifications.
    row("staff/evaluations/rectifications/", get(lambda w: "/staff/evaluations/rectifications/", {H, H2, SUP},
                                                 reveals=((lambda w: f"/staff/evaluations/rectifications/"
                                                                     f"{w.rectification.pk}/", {H, SUP}),))),
    row("staff/evaluations/rectifications/<int:pk>/",
        get(lambda w: f"/staff/evaluations/rectifications/{w.rectification.pk}/", {H, SUP}, demand_page())),
    row("staff/evaluations/rectifications/<int:pk>/<action:action>/",
        post(lambda w: f"/staff/evaluations/rectifications/{w.rectification.pk}/plan/", {H}, demand_page({SUP}),
             data=_data({"plan-plan": "一个月内完成窗口服务整改。"}), label="plan"),
        post(lambda w: f"/staff/evaluations/rectifications/{w.planned.pk}/interview/", {SUP}, demand_page({H}),
             data=_data({"interview-held_on": "2089-03-01", "interview-held_by": "王明",
                         "interview-notes": "要求限期整改"}), label="interview")),
    row("staff/evaluations/<year:year>/", get(lambda w: "/staff/evaluations/2090/", {SUP})),
    row("staff/evaluations/<year:year>/rate/",
        get(lambda w: "/staff/evaluations/2090/rate/", DEPUTIES),
        post(lambda w: "/staff/evaluations/2090/rate/", DEPUTIES, label="rate",
             data=lambda w: {"unit": str(w.ev_sheet.pk), "rating": "satisfied"})),
    row("staff/evaluations/<year:year>/export.csv", get(lambda w: "/staff/evaluations/2088/export.csv", {SUP})),
    row("staff/evaluations/<year:year>/export.xlsx", get(lambda w: "/staff/evaluations/2088/export.xlsx", {SUP})),
    row("staff/evaluations/<year:year>/<action:action>/", post(lambda w: "/staff/evaluations/2090/count/", {SUP})),
    row("evaluations/", get(lambda w: "/evaluations/", ALL)),
    row("evaluations/<year:year>/", get(lambda w: "/evaluations/2090/", ALL),
        get(lambda w: "/evaluations/2088/", ALL, label="published")),
    # Residents rate anonymously (an integration is anonymous on a page); staff accounts do not rate as residents.
    row("evaluations/<year:year>/rate/", post(lambda w: "/evaluations/2090/rate/", ANON_LIKE | {RES}, everyone(403),
                                              data=lambda w: {"unit": str(w.ev_sheet.pk), "rating": "satisfied"})),
    row("stats/", get(lambda w: "/stats/", ALL)),
    row("stats/<code:code>/", get(lambda w: f"/stats/{w.t_a.code}/", ALL)),
    # ---------------------------------------------------------------- public QR pages
    row("d/<code:code>/", get(lambda w: f"/d/{w.odep.code}/", ALL)),
    row("d/<code:code>/qr.<qrfmt:fmt>", get(lambda w: f"/d/{w.odep.code}/qr.svg", ALL)),
    # A published yearly report: everyone reads it; residents rate it (without the page's cookie: 400), staff do not.
    row("d/<code:code>/report/<year:year>/",
        get(lambda w: f"/d/{w.odep.code}/report/{w.report_published.year}/", ALL),
        post(lambda w: f"/d/{w.odep.code}/report/{w.report_published.year}/", ANON_LIKE | {RES},
             everyone(403), data=_data({"verdict": "satisfied"}))),
    row("deputy-score-rule/", get(lambda w: "/deputy-score-rule/", ALL)),
    row("s/<code:code>/", get(lambda w: f"/s/{w.station.code}/", ALL)),
    row("s/<code:code>/qr.<qrfmt:fmt>", get(lambda w: f"/s/{w.station.code}/qr.png", ALL)),
    row("s/<code:code>/print/", get(lambda w: f"/s/{w.station.code}/print/", ALL)),
    row("g/<code:code>/", get(lambda w: f"/g/{w.grid_a1.code}/", ALL)),
    row("g/<code:code>/qr.<qrfmt:fmt>", get(lambda w: f"/g/{w.grid_a1.code}/qr.svg", ALL)),
    row("g/<code:code>/print/", get(lambda w: f"/g/{w.grid_a1.code}/print/", ALL)),
    row("stations/", get(lambda w: "/stations/", ALL)),
    # ---------------------------------------------------------------- ballot
    row("ballot/", get(lambda w: "/ballot/", ALL)),
    row("ballot/<year:year>/", get(lambda w: f"/ballot/{w.round.year}/", ALL)),
    row("ballot/<year:year>/propose/",
        post(lambda w: f"/ballot/{w.round.year}/propose/", ALL,
             data=lambda w: {"title": "修缮村活动室", "content": "活动室漏雨。", "township": str(w.t_a.pk)})),
    row("ballot/<year:year>/results/", get(lambda w: f"/ballot/{w.past_round.year}/results/", ALL)),
    row("ballot/projects/<int:pk>/", get(lambda w: f"/ballot/projects/{w.project.pk}/", ALL)),
    row("ballot/projects/<int:pk>/evaluate/",
        post(lambda w: f"/ballot/projects/{w.project.pk}/evaluate/", ANON_LIKE | {RES} | DEPUTIES,
             everyone(403), data=_data({"rating": "satisfied"}))),
    row("staff/ballot/", get(lambda w: "/staff/ballot/", LOGGED_IN - {RES})),
    row("staff/ballot/<year:year>/", get(lambda w: f"/staff/ballot/{w.round.year}/", LOGGED_IN - {RES})),
    row("staff/ballot/<year:year>/vote/", get(lambda w: f"/staff/ballot/{w.round.year}/vote/", DEPUTIES)),
    row("staff/ballot/<year:year>/candidates/",
        post(lambda w: f"/staff/ballot/{w.round.year}/candidates/", {SUP}, page(403, **{RES: 404}),
             data=lambda w: {"candidate-title": "农村道路硬化", "candidate-description": "硬化村道。",
                             "candidate-budget": "300", "candidate-department": str(w.d1.pk)})),
    row("staff/ballot/<year:year>/proposals/<int:pk>/merge/",
        post(lambda w: f"/staff/ballot/{w.round.year}/proposals/{w.proposal.pk}/merge/", {SUP}, page(NOOP),
             data=lambda w: {"merge-candidate": str(w.candidate.pk)})),
    row("staff/ballot/<year:year>/proposals/<int:pk>/decline/",
        post(lambda w: f"/staff/ballot/{w.round.year}/proposals/{w.proposal.pk}/decline/", {SUP},
             page(NOOP, **{RES: 404}),
             data=_data({"decline-reason": "不属于民生实事范围"}))),
    row("staff/ballot/<year:year>/screen/", post(lambda w: f"/staff/ballot/{w.round.year}/screen/", {SUP},
                                                page(NOOP))),
    row("staff/ballot/<year:year>/publish/", post(lambda w: f"/staff/ballot/{w.round.year}/publish/", {SUP},
                                                 page(NOOP))),
    row("staff/ballot/projects/<int:pk>/", get(lambda w: f"/staff/ballot/projects/{w.project.pk}/", {H, SUP})),
    row("staff/ballot/projects/<int:pk>/progress/",
        post(lambda w: f"/staff/ballot/projects/{w.project.pk}/progress/", {H, SUP},
             data=_data({"progress-month": "2025-03-01", "progress-percent": "30", "progress-note": "已开工"}))),
    row("staff/ballot/projects/<int:pk>/report/",
        post(lambda w: f"/staff/ballot/projects/{w.project.pk}/report/", {H, SUP},
             data=_data({"report-year": "2089", "report-quarter": "1", "report-summary": "完成三成",
                         "report-spent": "100"}))),
    # ---------------------------------------------------------------- special inquiries
    row("inquiries/", get(lambda w: "/inquiries/", ALL)),
    row("inquiries/propose/",
        get(lambda w: "/inquiries/propose/", ALL),
        post(lambda w: "/inquiries/propose/", ALL, data=_data({"title": "农贸市场周边占道经营"}))),
    # Public once closed; an inquiry still followed up does not exist for the public page.
    row("inquiries/<int:pk>/",
        get(lambda w: f"/inquiries/{w.i_closed.pk}/", ALL),
        get(lambda w: f"/inquiries/{w.i_following.pk}/", NONE, everyone(404), label="not closed")),
    row("staff/inquiries/", get(lambda w: "/staff/inquiries/", {SUP, H, H2, DEP, ODEP})),
    row("staff/inquiries/new/",
        get(lambda w: "/staff/inquiries/new/", {SUP}),
        post(lambda w: "/staff/inquiries/new/", {SUP}, data=lambda w: {
            "title": "垃圾分类专题询问", "held_on": TODAY_PLUS_7, "township": str(w.t_a.pk),
            "departments": [str(w.d1.pk)], "deputies": [str(w.odep.pk)]})),
    row("staff/inquiries/topics/new/",
        get(lambda w: "/staff/inquiries/topics/new/", {SUP}),
        post(lambda w: "/staff/inquiries/topics/new/", {SUP},
             data=_data({"title": "城区停车难", "source": "hotspot", "source_note": "热点词：停车"}))),
    # Topic pages answer 404 to anonymous visitors too: a login redirect would confirm that the id exists.
    row("staff/inquiries/topics/<int:pk>/", get(lambda w: f"/staff/inquiries/topics/{w.topic.pk}/", {SUP},
                                                 demand_page())),
    row("staff/inquiries/topics/<int:pk>/accept/",
        post(lambda w: f"/staff/inquiries/topics/{w.topic.pk}/accept/", {SUP}, demand_page())),
    row("staff/inquiries/topics/<int:pk>/decline/",
        post(lambda w: f"/staff/inquiries/topics/{w.topic.pk}/decline/", {SUP}, demand_page(),
             data=_data({"decline-reason": "属于个案诉求"}))),
    row("staff/inquiries/<int:pk>/", get(lambda w: f"/staff/inquiries/{w.i_held.pk}/", SEES_INQUIRY,
                                         demand_page())),
    *[row(f"staff/inquiries/<int:pk>/{action}/",
          post(lambda w, a=action, o=which: f"/staff/inquiries/{getattr(w, o).pk}/{a}/", allow,
               demand_page(SEES_INQUIRY - allow), data=data))
      for action, which, data, allow in INQUIRY_ACTIONS],
    # ---------------------------------------------------------------- residents' pages
    row("submit/", get(lambda w: "/submit/", ALL)),
    row("submit/similar/", post(lambda w: "/submit/similar/", ALL,
                                data=lambda w: {"content": "垃圾没人清运", "township": str(w.t_a.pk)})),
    row("track/", get(lambda w: "/track/", ALL)),
    row("track/<code:code>/", get(lambda w: f"/track/{w.demand.tracking_code}/", ALL)),
    row("track/<code:code>/receipt/", get(lambda w: f"/track/{w.demand.tracking_code}/receipt/", ALL)),
    # Whoever holds the code of a verified demand rates it; any other demand has nothing to rate.
    row("track/<code:code>/rate/",
        get(lambda w: f"/track/{w.verified.tracking_code}/rate/", ALL),
        post(lambda w: f"/track/{w.verified.tracking_code}/rate/", ALL, data=_data({"rating": "satisfied"})),
        get(lambda w: f"/track/{w.demand.tracking_code}/rate/", NONE, everyone(404), label="not verified")),
    # Whoever holds the code of an open demand adds to it (补充材料); a finished one takes nothing more.
    row("track/<code:code>/add/",
        post(lambda w: f"/track/{w.demand.tracking_code}/add/", ALL, data=_data({"text": "补充：晚上气味更重。"})),
        post(lambda w: f"/track/{w.closed.tracking_code}/add/", NONE, everyone(NOOP), label="closed",
             data=_data({"text": "补充：晚上气味更重。"}))),
    # 催办 only once the deadline has passed: the world's demands are within theirs, so nothing changes for anyone.
    row("track/<code:code>/chase/",
        post(lambda w: f"/track/{w.demand.tracking_code}/chase/", NONE, everyone(NOOP), label="not overdue")),
    # 撤回 before a unit starts: the world's demand is accepted, so nothing changes for anyone; the walk in
    # tests/test_resident_withdraw.py withdraws one that is not.
    row("track/<code:code>/withdraw/",
        post(lambda w: f"/track/{w.demand.tracking_code}/withdraw/", NONE, everyone(NOOP), label="accepted")),
    row("track/<code:code>/photos/<token:token>/",
        get(lambda w: f"/track/{w.demand.tracking_code}/photos/{w.photo.token}/", ALL)),
    # The tracking code is the credential here; /photos/ checks the viewer's scope (session or API token).
    row("photos/<token:token>/", get(lambda w: f"/photos/{w.photo.token}/", SEES_DEMAND | {INT}, demand_page())),
    row("rate/<token:token>/", get(lambda w: f"/rate/{w.verified.rating_token}/", ALL)),
    # A registered resident's own demands (the world's demands are nobody's: no code may show); staff get 404.
    row("my/", get(lambda w: "/my/", {RES}, reveals=((lambda w: w.demand.tracking_code, NONE),
                                                      (lambda w: w.verified.tracking_code, NONE)))),
    row("my/submit/",
        get(lambda w: "/my/submit/", {RES}),
        post(lambda w: "/my/submit/", {RES}, label="submit",
             data=lambda w: {"type": "help", "content": "小区路灯坏了一周了。", "township": str(w.t_a.pk)})),
    # ---------------------------------------------------------------- staff demand pages
    # A registered resident is sent from the workbench to their own demands (/my/): a redirect, so "let in" here
    # (tests/test_resident_pages.py checks where it goes). The exports do not exist for them.
    row("staff/", get(lambda w: "/staff/?tab=all", LOGGED_IN,
                      reveals=((lambda w: w.demand.public_no, SEES_DEMAND), (lambda w: w.demand.tracking_code, NONE),
                               (lambda w: w.cohandled.public_no, SEES_COHANDLED)))),
    row("staff/export.csv", get(lambda w: "/staff/export.csv?tab=all", LOGGED_IN - {RES},
                                reveals=((lambda w: w.demand.public_no, SEES_DEMAND),
                                         (lambda w: w.demand.tracking_code, NONE)))),
    row("staff/export.xlsx", get(lambda w: "/staff/export.xlsx?tab=all", LOGGED_IN - {RES})),
    # 代录 (dispatchers), 巡查上报 (grid workers), 代表网格通 (deputies); a patrol report is in the worker's own grid.
    row("staff/record/",
        get(lambda w: "/staff/record/", {GW, GW2, DSP, DSP2, DEP, ODEP}),
        post(lambda w: "/staff/record/", {GW, GW2, DSP, DSP2, DEP, ODEP}, label="record",
             data=lambda w: {"type": "help", "content": "楼道灯坏了一个多月，老人上下楼看不清。", "township": str(w.t_a.pk)})),
    row("staff/demands/<int:pk>/", get(_demand_url("demand"), SEES_DEMAND, demand_page())),
    row("staff/demands/<int:pk>/photos/<token:token>/",
        get(lambda w: f"/staff/demands/{w.demand.pk}/photos/{w.photo.token}/", SEES_DEMAND | {INT}, demand_page())),
    row("staff/demands/<int:pk>/orders/<int:order_id>/answer/",
        post(lambda w: f"/staff/demands/{w.demand.pk}/orders/{w.order.pk}/answer/", {H},
             lambda a: NOOP if a in SEES_DEMAND else 404, data=_data({"answer": "已安排清运，明日完成。"}))),
    row("staff/demands/<int:pk>/<action:action>/", *_page_action_cases()),
    # ---------------------------------------------------------------- only with DEBUG=1 / BENCH_CEILING=1
    row(r"^static/(?P<path>.*)$", get(lambda w: "/static/robots.txt", ALL), optional=True),
    row("bench/ping/", post(lambda w: "/bench/ping/", ALL, data=_data({"value": 1})), optional=True),
]
