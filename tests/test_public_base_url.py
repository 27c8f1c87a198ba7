"""QR codes, posters and SMS links point to PUBLIC_BASE_URL: `make run` sets it to the address it serves, and a
production deployment check refuses to pass without a public https address."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from PIL import Image

from portal.checks import public_base_url

from .test_security_headers import production_env

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://minsheng.example.gov.cn"


@pytest.fixture(autouse=True)
def fresh_counters():
    cache.clear()
    yield
    cache.clear()


def check_ids(settings, url, *, debug=False) -> list[str]:
    settings.DEBUG, settings.PUBLIC_BASE_URL = debug, url
    return [error.id for error in public_base_url(None)]


# ---------------------------------------------------------------- the deployment check


@pytest.mark.parametrize("url, expected", [
    ("", ["portal.E001"]),
    ("http://minsheng.example.gov.cn", ["portal.E002"]),
    ("minsheng.example.gov.cn", ["portal.E002"]),
    ("https://127.0.0.1:8000", ["portal.E003"]),
    ("https://localhost", ["portal.E003"]),
    ("https://[::1]:8443/", ["portal.E003"]),
    (PUBLIC, []),
    (PUBLIC + "/portal/", []),
])
def test_the_check_wants_a_public_https_address_with_debug_off(settings, url, expected):
    assert check_ids(settings, url) == expected


def test_the_check_leaves_make_run_alone(settings):
    assert check_ids(settings, "http://127.0.0.1:8000", debug=True) == []


def test_check_deploy_fails_without_public_base_url(tmp_path):
    env = production_env(tmp_path)
    del env["PUBLIC_BASE_URL"]
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode != 0 and "portal.E001" in output and "PUBLIC_BASE_URL" in output


def test_settings_do_not_fall_back_to_the_developers_machine_in_production(tmp_path):
    probe = "import django; django.setup(); from django.conf import settings as s; print(repr(s.PUBLIC_BASE_URL))"
    production = production_env(tmp_path)
    del production["PUBLIC_BASE_URL"]
    development = {**production, "DEBUG": "1"}
    del development["SECRET_KEY"]
    answers = [subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120).stdout.strip().splitlines()[-1] for env in (production, development)]
    assert answers == ["''", "'http://127.0.0.1:8000'"]


# ---------------------------------------------------------------- where the links point


@pytest.mark.django_db
def test_a_qr_code_points_to_public_base_url_on_another_host(world, settings):
    settings.PUBLIC_BASE_URL = "https://minsheng.bazhou.example.gov.cn:8443"
    response = Client().get(reverse("deputies_public:deputy_qr", args=[world.deputy_record.code, "png"]))
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))]
    assert decoded == [f"https://minsheng.bazhou.example.gov.cn:8443/d/{world.deputy_record.code}/"]


def test_make_run_passes_the_address_it_serves():
    makefile = (ROOT / "Makefile").read_text()
    assert "export PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)" in makefile


def test_ci_runs_the_deployment_check_with_a_public_base_url():
    ci = (ROOT / ".ci" / "run").read_text()
    line = next(line for line in ci.splitlines() if "PUBLIC_BASE_URL=" in line)
    assert "PUBLIC_BASE_URL=https://" in line and "check --deploy" in ci


def test_the_readme_documents_it():
    readme = (ROOT / "README.md").read_text()
    assert "| `PUBLIC_BASE_URL` |" in readme
