"""One demand goes round the whole loop in a real Chromium, each person clicking through the real pages: a resident
on a phone reports with a photo, the dispatcher classifies and dispatches, the department handler accepts and
resolves, the supervisor verifies, the resident rates, and the tracking page shows it closed.

A screenshot of every step goes to BROWSER_SCREENSHOTS (var/screenshots/browser by default)."""

import re

import pytest
from django.core.cache import cache
from PIL import Image, ImageDraw

from demands.models import Demand, Outcome, Rating
from demands.states import Action, Status

from .browser import (  # noqa: F401 (browser and trained_classifier are fixtures)
    axe_report, axe_violations, browser, expect, goto, new_page, shoot, trained_classifier, zh,
)
from .conftest import PASSWORD

CONTENT = "莲花社区菜市场门口的垃圾桶已经满了三天，没人来清运，苍蝇很多，路过的老人孩子都捂着鼻子。"
TRACKING_CODE = re.compile(r"^[0-9A-Z]{3}(-[0-9A-Z]{3}){5}$")
REPLY = "已安排环卫车当天清运，并把该处的清运频次增加到每天两次。"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # rate-limit counters of earlier tests share the loopback address with the browser
    yield
    cache.clear()


@pytest.fixture
def jpeg(tmp_path):
    """A small real JPEG, as a phone camera would send (the portal decodes and re-encodes every photo)."""
    path = tmp_path / "垃圾桶.jpg"
    image = Image.new("RGB", (320, 240), (90, 120, 60))
    ImageDraw.Draw(image).rectangle((100, 60, 220, 200), fill=(40, 40, 40))
    image.save(path, "JPEG", quality=80)
    return path


def staff_login(browser, base_url, user):
    """A staff member logs in through the login page, as on a desktop, and lands on the workbench."""
    page = new_page(browser, phone=False)
    goto(page, f"{base_url}/accounts/login/")
    page.get_by_label(zh("Username")).fill(user.username)
    page.get_by_label(zh("Password")).fill(PASSWORD)
    page.get_by_role("button", name=zh("Log in")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(zh("Workbench"))
    return page


def open_from_workbench(page, number):
    """The demand waits in the person's own list, under its public number; they open it from there."""
    page.get_by_role("link", name=number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)


def act(page, action: str, fill=None):
    """Open the action's panel in "What you can do now", fill it and press its button."""
    label = zh(Action(action).label)
    panel = page.locator("details.action").filter(has=page.locator(f'form[action$="/{action}/"]'))
    if panel.get_attribute("open") is None:
        panel.locator("summary").click()
    if fill:
        fill(panel)
    panel.get_by_role("button", name=label, exact=True).click()
    expect(page.locator(".messages")).to_contain_text(zh("Done: %(action)s.", action=label))


def shows_status(page, status: str):
    """The status badge, the first one on staff and resident pages alike."""
    expect(page.locator("main .status").first).to_have_text(zh(Status(status).label))


def test_a_demand_goes_round_the_loop_in_a_real_browser(world, dispatcher, handler, supervisor, live_server,
                                                         browser, trained_classifier, jpeg):
    base = live_server.url
    found_a11y = {}

    # A resident on a phone reports the problem with a photo, without an account.
    phone = new_page(browser, phone=True)
    goto(phone, f"{base}/")
    phone.get_by_role("navigation").get_by_role("link", name=zh("Report")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(zh("Report a problem"))
    phone.get_by_label(zh("Describe the problem")).fill(CONTENT)
    phone.get_by_label(zh("Category")).select_option(label=world.category.name)
    phone.get_by_label(zh("Township or street")).select_option(label=world.township.name)
    phone.get_by_label(zh("Village or community")).select_option(label=world.grid.community.name)  # htmx fills it
    phone.locator("select[name=grid]").select_option(label=world.grid.name)
    phone.get_by_label(zh("Address or landmark")).fill("菜市场东门")
    phone.get_by_label(zh("Photos (up to 3, 5 MB each)")).set_input_files(jpeg)
    phone.get_by_label(zh("Your name")).fill("王秀英")
    phone.get_by_label(zh("Your phone")).fill("13812345678")
    shoot(phone, "01-resident-fills-the-form")
    phone.get_by_role("button", name=zh("Submit"), exact=True).click()

    # The receipt shows the tracking code; the resident keeps it.
    expect(phone.get_by_role("heading", level=1)).to_have_text(zh("Your demand was received"))
    expect(phone.locator(".receipt .code")).to_have_text(TRACKING_CODE)
    code = phone.locator(".receipt .code").inner_text().strip()
    shoot(phone, "02-resident-keeps-the-tracking-code")
    demand = Demand.objects.get(tracking_code=code)
    assert demand.status == Status.RECEIVED and demand.grid == world.grid
    assert [(a.content_type, a.width) for a in demand.attachments.all()] == [("image/jpeg", 320)]

    # The dispatcher classifies and dispatches it to the department that handles the category.
    desk = staff_login(browser, base, dispatcher)
    open_from_workbench(desk, demand.public_no)
    expect(desk.locator("body")).not_to_contain_text(code)  # the tracking code is the resident's alone
    shows_status(desk, Status.RECEIVED)
    act(desk, Action.CLASSIFY)  # the resident's category and grid are already selected
    shows_status(desk, Status.CLASSIFIED)
    act(desk, Action.DISPATCH, lambda form: form.get_by_label(zh("Unit"), exact=True).select_option(
        label=f"{world.department.name} ★"))
    shows_status(desk, Status.DISPATCHED)
    shoot(desk, "03-dispatcher-dispatches")
    desk.context.close()

    # The resident looks it up by code: it is with the department now.
    goto(phone, f"{base}/track/")
    phone.get_by_label(zh("Tracking code")).fill(code.replace("-", "").lower())  # as typed on a phone keyboard
    phone.get_by_role("button", name=zh("Look up")).click()
    shows_status(phone, Status.DISPATCHED)
    expect(phone.locator("main .timeline")).to_contain_text(
        zh("Your demand was assigned to %(unit)s.", unit=str(world.department)))
    photo = phone.locator(".photos img")
    expect(photo).to_have_count(1)
    # The resident's own photo, served back: wait until the browser has it (a broken image never gets a width).
    phone.wait_for_function("() => { const img = document.querySelector('.photos img');"
                            " return img && img.complete && img.naturalWidth > 0; }")
    assert photo.evaluate("img => img.naturalWidth") == 320
    if violations := axe_violations(phone):
        found_a11y["track-dispatched"] = violations

    # The department handler accepts and resolves it.
    desk = staff_login(browser, base, handler)
    open_from_workbench(desk, demand.public_no)
    act(desk, Action.ACCEPT)
    shows_status(desk, Status.ACCEPTED)
    shoot(desk, "04-handler-accepts")
    act(desk, Action.RESOLVE, lambda form: (
        form.get_by_label(zh(Outcome.SOLVED.label), exact=True).check(),
        form.get_by_label(zh("Reply to the resident")).fill(REPLY)))
    shows_status(desk, Status.RESOLVED)
    shoot(desk, "05-handler-resolves")
    desk.context.close()

    # A supervisor checks the result and verifies it.
    desk = staff_login(browser, base, supervisor)
    open_from_workbench(desk, demand.public_no)
    expect(desk.locator("main")).to_contain_text(REPLY)
    act(desk, Action.VERIFY, lambda form: form.get_by_label(zh("Note"), exact=False).fill("电话回访，群众确认已清运。"))
    shows_status(desk, Status.VERIFIED)
    shoot(desk, "06-supervisor-verifies")
    desk.context.close()

    # The resident sees the reply and rates the handling from the tracking page.
    phone.reload()
    shows_status(phone, Status.VERIFIED)
    expect(phone.locator("main")).to_contain_text(REPLY)
    if violations := axe_violations(phone):
        found_a11y["track-verified"] = violations
    phone.get_by_role("link", name=zh("Rate the handling")).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(zh("Rate the handling"))
    phone.get_by_label(zh(Rating.SATISFIED.label), exact=True).check()
    phone.get_by_label(zh("Your comment")).fill("清运很及时，谢谢！")
    shoot(phone, "07-resident-rates")
    phone.get_by_role("button", name=zh("Send my rating")).click()

    # Back on the tracking page, the demand is closed.
    shows_status(phone, Status.CLOSED)
    expect(phone.locator("main .timeline")).to_contain_text(
        zh("You rated the handling: %(rating)s.", rating=zh(Rating.SATISFIED.label)))
    expect(phone.get_by_role("link", name=zh("Rate the handling"))).to_have_count(0)
    shoot(phone, "08-resident-sees-it-closed")
    if violations := axe_violations(phone):
        found_a11y["track-closed"] = violations
    phone.context.close()

    demand.refresh_from_db()
    assert (demand.status, demand.rating, demand.unit) == (Status.CLOSED, Rating.SATISFIED, world.department)
    assert list(demand.events.values_list("action", flat=True).order_by("created_at", "id")) == [
        Action.RECEIVE, Action.CLASSIFY, Action.DISPATCH, Action.ACCEPT, Action.RESOLVE, Action.VERIFY, Action.RATE]
    assert not found_a11y, axe_report(found_a11y)
