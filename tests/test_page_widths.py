"""Issue 13, "Must show": every page of the portal, for every role, fits a 390 px phone and a 1440 px desk.

A real Chromium walks every GET page each role can open (the list comes from the URL resolver, through the rows of
tests/permission_matrix.py; API, Open311, exports, photos, QR images, the admin and POST-only routes are not pages)
over the Bazhou demo with a few extra demands, at 390 × 844 and 1440 × 900. The public pages are walked by a visitor
and a signed-in resident; the other roles walk their own pages (their header is the only part of a public page that
would differ). On each page:

- the page does not scroll sideways (document scrollWidth within the viewport), and nothing sticks out of it;
- no text is squeezed to one or two characters per line (a name or a heading in a column too narrow for it);
- no box hides part of its own text (overflow hidden without an ellipsis).

A numeric matrix may scroll inside its own wrapper (overflow-x:auto); the page itself may not. Every page is
photographed to var/screenshots/pages/ when it has a problem, and every page with PAGE_SCREENSHOTS=1 (the public
pages once, anonymously); widths-<role>.tsv there lists what was measured.
"""

import datetime as dt
import io
import os
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db.models import Count
from django.test import Client
from django.urls import get_resolver
from django.utils import timezone

from accounts.models import User
from demands import services
from core.models import Department
from demands.models import Category, CoHandling, Demand, Urgency
from demands.selectors import demand_list
from demands.states import Status
from deputies.models import Station
from inquiries.models import Inquiry, Topic
from inquiries.selectors import inquiry_list, topic_list
from inquiries.states import Status as InquiryStatus
from deputies.models import AnnualReport
from deputies.selectors import groups_visible_to, receptions_visible_to, reports_visible_to
from livelihood.models import Project, Round
from evaluations.models import Rectification
from evaluations.models import Round as EvaluationRound
from evaluations.selectors import rectification_list
from revisits.models import RevisitTask
from revisits.selectors import revisit_list
from revisits.states import Status as RevisitStatus
from suggestions.models import Suggestion
from suggestions.selectors import suggestion_list
from suggestions.states import Status as SuggestionStatus

from . import permission_matrix as m
from .browser import NAVIGATION_TIMEOUT_MS, PHONE, TIMEOUT_MS, browser  # noqa: F401 (browser is a fixture)
from .test_permission_matrix import _patterns


DESK = {"viewport": {"width": 1440, "height": 900}}
WIDTHS = {"phone": {**PHONE, "device_scale_factor": 1}, "desk": DESK}
# The demo's named logins (portal/seed_accounts.py); anonymous has none.
ROLES = {
    "anonymous": None, "resident": "resident", "grid_worker": "gridworker", "handler": "handler",
    "dispatcher": "dispatcher", "township_dispatcher": "township_dispatcher", "supervisor": "supervisor",
    "deputy": "deputy", "micro_grid_leader": "microgridleader",
}
LONG_CONTENT = ("巴州区东城街道莲花社区菜市场东门口的三个垃圾桶已经满了三天，没人来清运，苍蝇很多，路过的老人孩子都捂着鼻子，"
                "希望环卫部门尽快安排清运并增加清运频次。补充：门口的排水沟也堵了，下雨天污水漫到人行道上，"
                "https://example.org/a-very-long-link-without-any-break-that-a-resident-pasted-from-a-chat-app")
NOT_PAGES = ("api/", "open311/", "admin/", "i18n/", "places/", "bench/", "^static", "healthz", "accounts/logout/")
OWN_PAGES = ("/staff/", "/my/", "/inbox/")  # photographed for every role; the public pages once, anonymously
# A public page differs between signed-in roles by the header alone, and each role's header is measured on its own
# pages: the public pages are walked by a visitor and by a signed-in resident (who reads them most), not by all.
PUBLIC_WALKERS = ("anonymous", "resident")
SHOTS = settings.BASE_DIR / "var" / "screenshots" / "pages"
EVERY_SHOT = os.environ.get("PAGE_SCREENSHOTS") == "1"


# ---------------------------------------------------------------- which pages there are


def _is_get_page(route: str) -> bool:
    if route.startswith(NOT_PAGES) or any(part in route for part in ("export.", "photos/", "/qr.")):
        return False
    rows = [r for r in m.ROWS if r.route == route]
    return bool(rows) and any(case.method == "GET" for case in rows[0].cases)


def page_routes() -> list[str]:
    return sorted({r for r in _patterns(get_resolver()) if _is_get_page(r)})


# Routes with parameters: (world, user) -> the URLs to walk; a user's own objects where the page is about them.
FILL = {
    "staff/": lambda w, u: ["/staff/", "/staff/?tab=all"],
    "staff/dashboard/": lambda w, u: ["/staff/dashboard/"] + [
        f"/staff/dashboard/?by={by}" for by in ("department", "grid")],  # the longest names
    "stats/<code:code>/": lambda w, u: [f"/stats/{w.township.code}/"],
    "d/<code:code>/": lambda w, u: [f"/d/{w.deputy.code}/"],
    "s/<code:code>/": lambda w, u: [f"/s/{w.station.code}/"],
    "s/<code:code>/print/": lambda w, u: [f"/s/{w.station.code}/print/"],
    "g/<code:code>/": lambda w, u: [f"/g/{w.grid.code}/"],
    "g/<code:code>/print/": lambda w, u: [f"/g/{w.grid.code}/print/"],
    "ballot/<year:year>/": lambda w, u: [f"/ballot/{year}/" for year in w.years],
    "ballot/<year:year>/results/": lambda w, u: [f"/ballot/{year}/results/" for year in w.published_years],
    "ballot/projects/<int:pk>/": lambda w, u: [f"/ballot/projects/{w.project.pk}/"],
    "staff/ballot/<year:year>/": lambda w, u: [f"/staff/ballot/{year}/" for year in w.years],
    "staff/ballot/<year:year>/vote/": lambda w, u: [f"/staff/ballot/{year}/vote/" for year in w.years],
    "staff/ballot/projects/<int:pk>/": lambda w, u: [f"/staff/ballot/projects/{w.project.pk}/"],
    "track/<code:code>/": lambda w, u: [f"/track/{w.tracked.tracking_code}/", f"/track/{w.verified.tracking_code}/"],
    "track/<code:code>/receipt/": lambda w, u: [f"/track/{w.tracked.tracking_code}/receipt/"],
    "track/<code:code>/rate/": lambda w, u: [f"/track/{w.verified.tracking_code}/rate/"],
    "rate/<token:token>/": lambda w, u: [f"/rate/{w.verified.rating_token}/"],
    "staff/demands/<int:pk>/": lambda w, u: [f"/staff/demands/{pk}/" for pk in _demands_for(u)],
    "staff/suggestions/<int:pk>/": lambda w, u: [f"/staff/suggestions/{pk}/" for pk in _suggestions_for(u)],
    "staff/suggestions/<int:pk>/edit/": lambda w, u: [
        f"/staff/suggestions/{pk}/edit/" for pk in _suggestions_for(u, status=SuggestionStatus.DRAFT)[:1]],
    "staff/deputy/book/<code:code>/": lambda w, u: [
        f"/staff/deputy/book/{u.deputy.code if u and u.deputy_id else w.deputy.code}/"],
    "staff/deputy/receptions/<int:pk>/": lambda w, u: [
        f"/staff/deputy/receptions/{pk}/" for pk in _receptions_for(u)],
    "staff/revisits/<int:pk>/": lambda w, u: [f"/staff/revisits/{pk}/" for pk in _revisits_for(u)],
    "inquiries/<int:pk>/": lambda w, u: [f"/inquiries/{pk}/" for pk in Inquiry.objects.filter(
        status=InquiryStatus.CLOSED).order_by("pk").values_list("pk", flat=True)[:1]],
    "staff/inquiries/<int:pk>/": lambda w, u: [f"/staff/inquiries/{pk}/" for pk in _inquiries_for(u)],
    "staff/inquiries/topics/<int:pk>/": lambda w, u: [f"/staff/inquiries/topics/{pk}/" for pk in (
        topic_list(viewer=u) if u else Topic.objects.all()).order_by("pk").values_list("pk", flat=True)[:1]],
    "d/<code:code>/report/<year:year>/": lambda w, u: [
        f"/d/{r.deputy.code}/report/{r.year}/" for r in AnnualReport.objects.exclude(status="draft")
        .select_related("deputy").order_by("-pk")[:1]],
    "staff/deputy/reports/<int:pk>/": lambda w, u: [
        f"/staff/deputy/reports/{pk}/" for pk in (reports_visible_to(u).values_list("pk", flat=True)[:1] if u else [])],
    "staff/deputy/groups/<int:pk>/": lambda w, u: [
        f"/staff/deputy/groups/{pk}/" for pk in (groups_visible_to(u).values_list("pk", flat=True)[:1] if u else [])],
    "evaluations/<year:year>/": lambda w, u: [f"/evaluations/{y}/" for y in _evaluation_years()],
    "staff/evaluations/<year:year>/": lambda w, u: [f"/staff/evaluations/{y}/" for y in _evaluation_years()],
    "staff/evaluations/<year:year>/rate/": lambda w, u: [f"/staff/evaluations/{y}/rate/" for y in _evaluation_years()],
    "staff/evaluations/rectifications/<int:pk>/": lambda w, u: [
        f"/staff/evaluations/rectifications/{pk}/" for pk in _rectifications_for(u)],
}


def _evaluation_years() -> list[int]:
    """The demo's published round (its results table) and the open one (its rating forms)."""
    return list(EvaluationRound.objects.order_by("-year").values_list("year", flat=True)[:2])


def _rectifications_for(user) -> list[int]:
    if user is None:
        return list(Rectification.objects.order_by("pk").values_list("pk", flat=True)[:1])
    return list(rectification_list(viewer=user).values_list("pk", flat=True)[:1])


def _demands_for(user) -> list[int]:
    """An open demand (its action panels) and the one with the longest record that the user sees."""
    if user is None:
        return [Demand.objects.order_by("pk").first().pk]  # not theirs to see: the walker records the 404
    visible = demand_list(viewer=user)
    open_one = visible.exclude(status__in=[Status.CLOSED, Status.REJECTED, Status.MERGED]).order_by("-pk").first()
    longest = visible.annotate(steps=Count("events")).order_by("-steps", "-pk").first()
    return list(dict.fromkeys(d.pk for d in (open_one, longest) if d is not None))


def _suggestions_for(user, status=None) -> list[int]:
    if user is None:
        return [Suggestion.objects.order_by("pk").first().pk]
    visible = suggestion_list(viewer=user, status=status)
    replied = visible.filter(status__in=[SuggestionStatus.REPLIED, SuggestionStatus.CLOSED]).first()
    return list(dict.fromkeys(s.pk for s in (visible.order_by("-pk").first(), replied) if s is not None))


def _revisits_for(user) -> list[int]:
    """An open call-back (its forms) and a reached one (what the resident said)."""
    if user is None:
        return [RevisitTask.objects.order_by("pk").first().pk]
    visible = revisit_list(viewer=user)
    picked = (visible.filter(status=RevisitStatus.OPEN).first(), visible.filter(status=RevisitStatus.REACHED).first())
    return [t.pk for t in picked if t is not None]


def _inquiries_for(user) -> list[int]:
    """One being followed up (commitments, an overdue one, the forms) and a closed one (the whole record)."""
    visible = inquiry_list(viewer=user) if user else Inquiry.objects.all()
    picked = (visible.filter(status=InquiryStatus.FOLLOWING_UP).first(),
              visible.filter(status=InquiryStatus.CLOSED).first())
    return [i.pk for i in picked if i is not None]


def _receptions_for(user) -> list[int]:
    return list(receptions_visible_to(user).values_list("pk", flat=True)[:1]) if user else []


def urls_for(world, user, public=True) -> list[str]:
    urls = []
    for route in page_routes():
        urls += FILL[route](world, user) if route in FILL else [f"/{route}"]
    return [url for url in dict.fromkeys(urls) if public or url.startswith(OWN_PAGES)]


def test_every_page_route_is_walked():
    """A new page with parameters needs a line in FILL, or the walker would pass it by."""
    missing = [r for r in page_routes() if "<" in r and r not in FILL]
    assert not missing, "page routes the width walker cannot fill:\n" + "\n".join(missing)


# ---------------------------------------------------------------- the world and the server


def _extra_demands(world):
    """Long-worded open demands in the hands of the named grid worker and deputy, and a record for the resident."""
    dispatcher = User.objects.get(username="dispatcher")
    category = Category.objects.filter(parent__isnull=False).order_by("pk").first()
    grid = world.users["grid_worker"].grid
    for urgency in (Urgency.URGENT, Urgency.NORMAL):
        d = services.demand_receive(actor=None, type="help", content=LONG_CONTENT, grid=grid, urgency=urgency,
                                    contact_name="王秀英", contact_phone="13812345678")
        services.demand_classify(demand_id=d.pk, actor=dispatcher, type="help", category=category,
                                 urgency=urgency, grid=grid)
        services.demand_dispatch(demand_id=d.pk, actor=dispatcher, unit=grid)
    # The overdue board: departments with long names, at each escalation level.
    departments = sorted(Department.objects.all(), key=lambda d: -len(str(d)))[:3]
    for level, department in enumerate(departments, start=1):
        d = services.demand_receive(actor=None, type="help", content=LONG_CONTENT, township=world.township)
        services.demand_classify(demand_id=d.pk, actor=dispatcher, type="help", category=category,
                                 urgency=Urgency.NORMAL, grid=grid)
        services.demand_dispatch(demand_id=d.pk, actor=dispatcher, unit=department)
        Demand.objects.filter(pk=d.pk).update(escalation_level=level,
                                              resolve_deadline=timezone.now() - dt.timedelta(days=level))
    services.demand_receive(actor=None, type="help", content=LONG_CONTENT, deputy=world.deputy, channel="qr",
                            contact_phone="13900002222")
    services.demand_receive(actor=None, type="help", content=LONG_CONTENT, township=world.township)
    _cohandled_demand(world, dispatcher, category, grid, departments)
    # The resident's page: one demand in each state the demo has.
    resident = world.users["resident"]
    mine = [Demand.objects.filter(status=s).order_by("pk").values_list("pk", flat=True).first() for s in Status]
    Demand.objects.filter(pk__in=[pk for pk in mine if pk]).update(submitted_by=resident)


def _cohandled_demand(world, dispatcher, category, grid, departments):
    """The newest open demand the handler and the dispatchers see: led by a long-named department, co-handled by
    the handler's (a long opinion given) and by another whose opinion is overdue."""
    handler = world.users["handler"]
    lead, late = [d for d in departments if d.pk != handler.department_id][:2]
    d = services.demand_receive(actor=None, type="help", content=LONG_CONTENT, township=world.township)
    services.demand_classify(demand_id=d.pk, actor=dispatcher, type="help", category=category,
                             urgency=Urgency.NORMAL, grid=grid)
    services.demand_dispatch(demand_id=d.pk, actor=dispatcher, unit=lead)
    services.demand_add_cohandler(demand_id=d.pk, actor=dispatcher, department=handler.department,
                                  note=LONG_CONTENT[:200])
    services.demand_add_cohandler(demand_id=d.pk, actor=dispatcher, department=late)
    services.demand_cohandler_opinion(demand_id=d.pk, actor=handler, text=LONG_CONTENT)
    CoHandling.objects.filter(demand=d, department=late).update(due_at=timezone.now() - dt.timedelta(days=1))


@pytest.fixture(scope="module")
def site(django_db_setup, django_db_blocker):
    """The demo, committed so that the live server's thread sees it, and flushed afterwards (as transactional_db
    does); the server shares the test thread's in-memory SQLite connection."""
    from pytest_django.live_server_helper import LiveServer

    with django_db_blocker.unblock():
        try:
            call_command("seed_bazhou", demands=300, stdout=io.StringIO())
            users = {role: User.objects.get(username=name) if name else None for role, name in ROLES.items()}
            deputy = users["deputy"].deputy
            world = SimpleNamespace(
                users=users, deputy=deputy, township=users["township_dispatcher"].township,
                grid=users["grid_worker"].grid,
                station=Station.objects.annotate(n=Count("members")).order_by("-n", "pk").first(),
                years=list(Round.objects.order_by("-year").values_list("year", flat=True)),
                published_years=list(Round.objects.filter(published_at__isnull=False).values_list("year", flat=True)),
                project=Project.objects.annotate(n=Count("progress")).order_by("-n", "pk").first(),
            )
            _extra_demands(world)
            world.tracked = Demand.objects.filter(status=Status.CLOSED).annotate(n=Count("events")).order_by(
                "-n", "pk").first()
            world.verified = Demand.objects.filter(status=Status.VERIFIED).order_by("pk").first()
            world.sessions = {}
            for role, user in users.items():
                if user is not None:
                    client = Client()
                    client.force_login(user)
                    world.sessions[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
            world.urls = {role: urls_for(world, user, public=role in PUBLIC_WALKERS) for role, user in users.items()}
            server = LiveServer("localhost")
            world.url = server.url
            try:
                yield world
            finally:
                server.stop()
        finally:
            # As a transactional test's teardown does: the sequences go on from where they are, past the ids of the
            # suite's row template (tests/rowtemplate.py), which later tests on this worker copy in.
            call_command("flush", interactive=False, verbosity=0, reset_sequences=False)


# ---------------------------------------------------------------- measuring a page

MEASURE = """() => {
  const doc = document.documentElement, vw = doc.clientWidth;
  const describe = el => {
    let name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + [...el.classList].map(c => '.' + c).join('');
    const text = (el.innerText || el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 24);
    return text ? `${name} "${text}"` : name;
  };
  const wide = [], squeezed = [], cut = [], inner = [];
  // hidden: out of sight on purpose (visually-hidden labels, the skip link); clipped: inside a box that clips or
  // scrolls sideways, which is then judged itself.
  const visit = (el, hidden, clipped, parentWide) => {
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility === 'hidden') return;
    const r = el.getBoundingClientRect();
    hidden = hidden || (st.clip && st.clip !== 'auto') || st.clipPath !== 'none' || el.classList.contains('skip')
             || ((r.width <= 1 || r.height <= 1) && st.overflow !== 'visible') || el.closest('[aria-hidden=true]');
    let isWide = false;
    if (!hidden && r.width >= 1 && r.height >= 1) {
      isWide = !clipped && (r.right > vw + 1 || r.left < -1);
      if (isWide && !parentWide) wide.push([Math.round(r.right), Math.round(r.width), describe(el)]);
      const textOf = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
      if (['hidden', 'clip'].includes(st.overflowX) && st.textOverflow !== 'ellipsis'
          && el.scrollWidth > el.clientWidth + 2 && textOf.length && !el.closest('.leaflet-container'))
        cut.push([el.scrollWidth, el.clientWidth, describe(el)]);
      // A box that scrolls sideways hides its far side: only a numeric matrix may, in a .scroll-x wrapper with a cue.
      if (['auto', 'scroll'].includes(st.overflowX) && el.scrollWidth > el.clientWidth + 2
          && !el.classList.contains('scroll-x') && !['TEXTAREA', 'SELECT', 'INPUT'].includes(el.tagName))
        inner.push([el.scrollWidth, el.clientWidth, describe(el)]);
      const em = parseFloat(st.fontSize);
      for (const node of textOf) {
        if (node.textContent.replace(/\\s+/g, '').length < 2) continue;
        const range = document.createRange(); range.selectNodeContents(node);
        const rects = [...range.getClientRects()].filter(x => x.width > 0);
        const lines = new Set(rects.map(x => Math.round(x.top))).size;
        const widest = Math.max(0, ...rects.map(x => x.width));
        // Squeezed: a narrow box whose text runs one or two characters a line (not a word wrapping at a line end).
        if (r.width < 4 * em && ((lines >= 2 && widest < 1.6 * em) || (lines >= 3 && widest < 2.6 * em)))
          squeezed.push([Math.round(widest), lines, describe(el)]);
      }
    }
    const clips = clipped || st.overflowX !== 'visible';
    for (const child of el.children) visit(child, hidden, clips, parentWide || isWide);
  };
  visit(document.body, false, false, false);
  wide.sort((a, b) => b[0] - a[0]);
  return {scroll: doc.scrollWidth, client: vw, wide: wide.slice(0, 3), squeezed: squeezed.slice(0, 4),
          cut: cut.slice(0, 4), inner: inner.slice(0, 4)};
}"""


def _slug(url: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "-", url).strip("-") or "home"


def _signed_in_context(browser, world, role, width):
    context = browser.new_context(**WIDTHS[width], locale="zh-CN")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    if role in world.sessions:
        context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": world.sessions[role], "url": world.url}])
    return context


def walk(page, world, role, width, log) -> tuple[int, list[str]]:
    """Open each of the role's URLs; (pages checked, problems found)."""
    checked, problems, seen = 0, [], set()
    for url in world.urls[role]:
        cache.clear()  # rate limits count the browser's loopback address
        response = page.goto(world.url + url)
        final = page.url.removeprefix(world.url)
        status = response.status if response else 0
        if status in (403, 404, 405) or (final != url and final.startswith("/accounts/login/")):
            continue  # not this role's page (tests/test_permission_matrix.py says who is let in)
        where = f"{url} × {role} × {width}"
        if status != 200:
            problems.append(f"{where}: HTTP {status}")
            continue
        if final in seen:
            continue
        seen.add(final)
        found = page.evaluate(MEASURE)
        checked += 1
        log.append(f"{role}\t{width}\t{final}\t{found['scroll']}\t{found['client']}")
        before = len(problems)
        if found["scroll"] > found["client"] or found["wide"]:
            culprits = "; ".join(f"{d} (right edge {r} px, {w} px wide)" for r, w, d in found["wide"])
            problems.append(f"{where}: {found['scroll']} px wide in {found['client']} px — {culprits}")
        for widest, lines, what in found["squeezed"]:
            problems.append(f"{where}: text squeezed to {widest} px over {lines} lines — {what}")
        for scroll, client, what in found["inner"]:
            problems.append(f"{where}: scrolls sideways inside ({scroll} px in a {client} px box) — {what}")
        for scroll, client, what in found["cut"]:
            problems.append(f"{where}: text cut ({scroll} px in a {client} px box) — {what}")
        # A page with a problem is always photographed; every page only on request (a third of the walk's time).
        if len(problems) > before or (EVERY_SHOT and (role == "anonymous" or final.startswith(OWN_PAGES))):
            page.screenshot(path=str(SHOTS / f"{width}-{role}-{_slug(final)}.jpg"), full_page=True, type="jpeg",
                            quality=70)
    return checked, problems


@pytest.mark.django_db  # sets up the test database (the world itself is the module's, committed and flushed)
@pytest.mark.parametrize("role", list(ROLES))
def test_every_page_fits_a_phone_and_a_desk(browser, site, role):  # no Chromium: skipped before the demo is seeded
    problems, log, checked = [], [], 0
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        context = _signed_in_context(browser, site, role, width)
        page = context.new_page()
        try:
            n, found = walk(page, site, role, width, log)
        finally:
            context.close()
        checked += n
        problems += found
    Path(SHOTS / f"widths-{role}.tsv").write_text("role\twidth\tpage\tscrollWidth\tviewport\n" + "\n".join(log) + "\n",
                                                  encoding="utf-8")
    assert checked >= 2 * (8 if role in PUBLIC_WALKERS else 4), f"{role}: only {checked} pages opened"
    assert not problems, f"{len(problems)} problems on {checked} pages for {role}:\n" + "\n".join(problems)
