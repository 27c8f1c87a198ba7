"""No log line carries what lets a stranger read or rate a demand: tracking codes, rating links and tokens, API
tokens. The channels scrub what they write, and a filter on the handlers scrubs whatever anyone else logs."""

import io
import logging

import pytest
from celery.signals import after_setup_logger
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from demands.codes import new_tracking_code
from demands.states import Status
from notifications import services
from notifications.channels import ConsoleSmsGateway, LogChannel
from notifications.models import Notification
from notifications.receivers import rating_link
from core.logredact import RedactFilter, redact

pytestmark = pytest.mark.django_db

PHONE, MASKED_PHONE = "13812345678", "138****5678"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def everything_logged(caplog) -> str:
    return "\n".join(r.getMessage() + (r.exc_text or "") for r in caplog.records)


@pytest.fixture
def verified(walk):
    demand = walk(Status.VERIFIED)
    demand.refresh_from_db()
    assert demand.rating_token
    return demand


@pytest.fixture
def console():
    """The root console handler set up by settings.LOGGING, writing into a buffer for the test."""
    [handler] = [h for h in logging.getLogger().handlers if any(isinstance(f, RedactFilter) for f in h.filters)]
    buffer = io.StringIO()
    previous = handler.setStream(buffer)
    yield buffer
    handler.setStream(previous)


# ---------------------------------------------------------------- the channels


def test_the_rating_sms_is_logged_without_its_link_or_token(verified, logs, django_capture_on_commit_callbacks):
    link = rating_link(verified)

    with django_capture_on_commit_callbacks(execute=True):
        services.notify_resident(demand=verified, kind=Notification.Kind.RATING_LINK, link=link)

    text = everything_logged(logs)
    assert f"SMS to {MASKED_PHONE}" in text and "/rate/…/" in text
    assert verified.rating_token not in text and link not in text
    assert verified.tracking_code not in text and PHONE not in text


def test_the_console_gateway_scrubs_a_tracking_code_and_a_full_rating_link(verified, logs):
    link = f"https://minsheng.example.gov.cn/rate/{verified.rating_token}/"

    ConsoleSmsGateway().send_sms(PHONE, f"您的诉求 {verified.tracking_code} 已办结，请评价：{link}")

    [record] = [r for r in logs.records if r.name == "notifications"]
    line = record.getMessage()
    assert line == f"SMS to {MASKED_PHONE}: 您的诉求 … 已办结，请评价：https://minsheng.example.gov.cn/rate/…/"


def test_a_staff_message_through_the_log_channel_keeps_codes_and_links_out(verified, logs):
    LogChannel().send(to="dispatcher", subject=f"诉求 {verified.tracking_code} 待评价",
                      body=f"查询码 {verified.tracking_code.replace('-', '')}\n评价链接 /rate/{verified.rating_token}/")
    LogChannel().send(to="wang.xiuying@example.org", subject="通知", body=f"来电 {PHONE}")

    text = everything_logged(logs)
    assert "Notification to dispatcher: 诉求 … 待评价 | 查询码 … 评价链接 /rate/…/" in text
    assert verified.tracking_code not in text and verified.tracking_code.replace("-", "") not in text
    assert verified.rating_token not in text
    assert "w***@example.org" in text and "wang.xiuying" not in text and PHONE not in text


def test_a_dispatch_notice_through_the_real_pipeline_logs_no_code(walk, logs, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand = walk(Status.DISPATCHED)

    lines = [r.getMessage() for r in logs.records if r.name == "notifications"]
    assert any(line.startswith("Notification to handler") for line in lines)
    assert demand.tracking_code not in "\n".join(lines)


# ---------------------------------------------------------------- Django's request lines


def test_a_404_on_a_tracking_or_rating_address_is_logged_scrubbed(verified, logs):
    unknown = new_tracking_code()
    client = Client()
    assert client.get(reverse("demands:track_detail", args=[unknown])).status_code == 404
    assert client.get(reverse("demands:rate", args=[verified.rating_token + "x"])).status_code == 404
    assert client.get(f"/open311/v2/tokens/{unknown}.json").status_code == 404

    text = everything_logged(logs)
    assert "Not Found: /track/…/" in text and "Not Found: /rate/…/" in text
    assert "Not Found: /open311/v2/tokens/….json" in text
    assert unknown not in text and verified.rating_token not in text


# ---------------------------------------------------------------- every other logger, through the root handler


def test_the_root_handler_scrubs_what_any_library_logs(verified, console):
    token = verified.rating_token
    logging.getLogger("celery.app.trace").info(
        "Task %s[%s] succeeded: %r", "notifications.tasks.deliver_task", "6f1d0c3e-2b1a-4e52-9d7e-0b5f3a2c1d4e",
        {"code": verified.tracking_code, "rating_token": token, "phone": PHONE, "api": "msk_AbCdEf0123456789xyz"})

    line = console.getvalue()
    assert "notifications.tasks.deliver_task[6f1d0c3e-2b1a-4e52-9d7e-0b5f3a2c1d4e] succeeded" in line
    assert verified.tracking_code not in line and token not in line and PHONE not in line
    assert "msk_AbCdEf" not in line and MASKED_PHONE in line


def test_a_traceback_is_scrubbed_too(verified, console):
    try:
        raise LookupError(f"no demand {verified.tracking_code} for /rate/{verified.rating_token}/")
    except LookupError:
        logging.getLogger("demands.tasks").exception("sweep failed")

    output = console.getvalue()
    assert "LookupError: no demand … for /rate/…/" in output
    assert verified.tracking_code not in output and verified.rating_token not in output


def test_a_celery_worker_replacing_the_handlers_gets_the_filter_back():
    # A worker empties the root handlers and adds its own, then announces it with after_setup_logger.
    logger = logging.getLogger("tests.worker_root")
    handler = logging.StreamHandler(io.StringIO())
    logger.addHandler(handler)
    try:
        after_setup_logger.send(sender=None, logger=logger, loglevel=logging.INFO, logfile=None, format="",
                                colorize=False)
        code = new_tracking_code()
        logger.warning("retrying delivery for %s", code)
        assert handler.stream.getvalue() == "retrying delivery for …\n"
    finally:
        logger.removeHandler(handler)


# ---------------------------------------------------------------- the patterns


def test_every_tracking_code_is_recognised_however_it_is_written():
    for _ in range(200):
        code = new_tracking_code()
        for written in (code, code.lower(), code.replace("-", ""), f"查询码{code}。"):
            assert code.replace("-", "") not in redact(written).upper().replace("-", "")


def test_what_is_not_secret_is_left_alone():
    kept = ("BZ-2026-000123", "6f1d0c3e-2b1a-4e52-9d7e-0b5f3a2c1d4e", "a" * 32 + "0f",
            "demands.tasks.escalation_sweep_task", "GET /staff/demands/42/ 200", "Not Found: /no-such-page/")
    for text in kept:
        assert redact(text) == text
