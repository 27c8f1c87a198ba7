"""Security headers on real responses, inline code only with the CSP nonce, and production settings that pass
`manage.py check --deploy` while `make run` stays on plain http."""

import json
import os
import re
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from demands import services

from .conftest import PASSWORD, photo

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.django_db


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def logged_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def production_env(tmp_path, **extra) -> dict[str, str]:
    """A fresh environment as a server has it: no test flag, nothing inherited from this test run."""
    key = "".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(50))
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "PORTAL_VAR_DIR": str(tmp_path),
            "LANG": "C.UTF-8", "DJANGO_SETTINGS_MODULE": "portal.settings", "SECRET_KEY": key, "DEBUG": "0",
            "ALLOWED_HOSTS": "minsheng.example.gov.cn", "PUBLIC_BASE_URL": "https://minsheng.example.gov.cn",
            # The shared services a deployment names (nothing here connects to them).
            "DATABASE_URL": "postgres://minsheng@127.0.0.1:5432/minsheng", "REDIS_URL": "redis://127.0.0.1:6379/6",
            **extra}


SETTINGS_PROBE = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({name: getattr(s, name) for name in [
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_SAMESITE", "SECURE_PROXY_SSL_HEADER",
    "SECURE_REFERRER_POLICY"]} | {"img-src": s.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]}))
"""


def probe_settings(env) -> dict:
    done = subprocess.run([sys.executable, "-c", SETTINGS_PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- headers on real responses


def test_pages_carry_the_content_security_policy_and_the_other_headers(world):
    response = Client().get(reverse("home"))

    csp = directives(response)
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"][0] == "'self'" and "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"] and "'unsafe-inline'" not in csp["style-src"]
    assert csp["img-src"] == ["'self'", "data:"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"] and csp["form-action"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_api_responses_carry_the_same_headers(world):
    response = Client().get("/api/v1/townships/")

    assert response.status_code == 200
    assert directives(response)["default-src"] == ["'self'"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_a_photo_gets_its_own_sandbox_policy_not_the_page_one(world, staff):
    demand = services.demand_receive(actor=staff.dispatcher, type="help", content="门口的井盖丢了，晚上很危险。",
                                     township=world.township, photos=[photo()])
    attachment = demand.attachments.get()

    response = logged_in(staff.dispatcher).get(reverse("demands:photo", args=[attachment.token]))

    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox; default-src 'none'")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "private" in response["Cache-Control"]


def test_the_api_docs_inline_script_and_style_carry_the_nonce_of_the_header(staff):
    client = logged_in(staff.dispatcher)
    response = client.get("/api/docs/")

    assert response.status_code == 200
    nonce = next(v for v in directives(response)["script-src"] if v.startswith("'nonce-"))[len("'nonce-"):-1]
    assert f"'nonce-{nonce}'" in directives(response)["style-src"]
    html = response.content.decode()
    inline = re.findall(r"<(script|style)\b([^>]*)>", html)
    assert inline and all(f'nonce="{nonce}"' in attributes for _tag, attributes in inline)
    again = client.get("/api/docs/")["Content-Security-Policy"]
    assert "'nonce-" in again and nonce not in again  # a new nonce for every response


STAFF_PAGES = ["demands:workbench", "supervise:dashboard", "insight:map", "insight:hotspots", "notifications:inbox"]
PUBLIC_PAGES = ["home", "demands:submit", "demands:track", "deputies_public:stations", "stats:index", "accounts:login"]


@pytest.mark.parametrize("name", PUBLIC_PAGES + STAFF_PAGES)
def test_pages_hold_no_inline_code_the_policy_would_block(name, world, staff):
    client = logged_in(staff.dispatcher) if name in STAFF_PAGES else Client()

    response = client.get(reverse(name))

    assert response.status_code == 200
    html = response.content.decode()
    header = response["Content-Security-Policy"]
    for attributes in re.findall(r"<script\b([^>]*)>", html):
        if "src=" in attributes or 'type="application/json"' in attributes:
            continue
        nonce = re.search(r'nonce="([^"]+)"', attributes)
        assert nonce and f"'nonce-{nonce.group(1)}'" in header, attributes
    assert not re.search(r"<style\b(?![^>]*nonce=)", html)
    assert not re.search(r"<[a-z][^>]*\s(?:on[a-z]+|style|hx-on[:\w-]*)\s*=", html, flags=re.I)


def test_the_demand_page_with_photos_holds_no_inline_code(world, staff):
    demand = services.demand_receive(actor=staff.dispatcher, type="help", content="门口的井盖丢了，晚上很危险。",
                                     township=world.township, photos=[photo()])

    html = logged_in(staff.dispatcher).get(reverse("demands:detail", args=[demand.pk])).content.decode()

    assert f'src="{reverse("demands:photo", args=[demand.attachments.get().token])}"' in html
    assert not re.search(r"<[a-z][^>]*\s(?:on[a-z]+|style)\s*=", html, flags=re.I)


# ---------------------------------------------------------------- https, HSTS, cookies


def test_https_is_enforced_with_hsts_when_redirect_is_on(world, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True

    plain = Client().get("/track/")
    assert plain.status_code == 301 and plain["Location"] == "https://testserver/track/"
    assert Client().get("/healthz").status_code == 200  # the container health check speaks plain http
    secure = Client().get("/track/", secure=True)
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_session_and_csrf_cookies_are_secure_httponly_and_samesite_in_production(staff, settings):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    client = Client()

    client.get(reverse("accounts:login"), secure=True)
    response = client.post(reverse("accounts:login"), {"username": staff.dispatcher.username, "password": PASSWORD},
                           secure=True)

    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"
    assert client.cookies[settings.CSRF_COOKIE_NAME]["secure"]


def test_production_settings_default_to_https_only(tmp_path):
    values = probe_settings(production_env(tmp_path))

    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] and values["SECURE_HSTS_PRELOAD"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["SECURE_PROXY_SSL_HEADER"] is None  # trusted only when the proxy is said to set it


def test_deployment_knobs_come_from_the_environment(tmp_path):
    values = probe_settings(production_env(
        tmp_path, SECURE_HSTS_SECONDS="600", SECURE_HSTS_PRELOAD="0",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
        MAP_TILE_URL="https://{s}.tiles.example.gov.cn/{z}/{x}/{y}.png"))

    assert values["SECURE_HSTS_SECONDS"] == 600 and values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["img-src"] == ["'self'", "data:", "https://*.tiles.example.gov.cn"]


def test_make_run_stays_on_plain_http(tmp_path):
    env = production_env(tmp_path, DEBUG="1")
    del env["SECRET_KEY"]

    values = probe_settings(env)

    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False


def test_check_deploy_prints_no_warning_under_production_settings(tmp_path):
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=300,
    )

    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "WARNINGS" not in output and "System check identified no issues" in output
