"""Production does not fall back silently: `check --deploy` refuses the development defaults (a SQLite file, a
per-process cache, a folder as the task queue, no built classifier), loading the settings creates no folder, and
`make run` keeps its SQLite file and filesystem queue."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from portal.checks import classifier_model, shared_services

from .test_security_headers import production_env

ROOT = Path(__file__).resolve().parent.parent
POSTGRES = {"ENGINE": "django.db.backends.postgresql", "NAME": "minsheng"}
SQLITE = {"ENGINE": "django.db.backends.sqlite3", "NAME": "/srv/minsheng/portal.sqlite3"}
REDIS = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://redis:6379/0"}
LOCMEM = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}


def ids(settings, *, debug=False, database=POSTGRES, cache=REDIS, broker="redis://redis:6379/0") -> list[str]:
    settings.DEBUG = debug
    settings.DATABASES = {"default": database}
    settings.CACHES = {"default": cache}
    settings.CELERY_BROKER_URL = broker
    return [error.id for error in shared_services(None)]


def test_a_deployment_on_postgresql_and_redis_passes(settings):
    assert ids(settings) == []


@pytest.mark.parametrize("change, expected", [
    ({"database": SQLITE}, ["portal.E010"]),
    ({"cache": LOCMEM}, ["portal.E011"]),
    ({"broker": "filesystem://"}, ["portal.E012"]),
    ({"broker": ""}, ["portal.E012"]),
    ({"database": SQLITE, "cache": LOCMEM, "broker": "filesystem://"}, ["portal.E010", "portal.E011", "portal.E012"]),
])
def test_each_development_default_fails_the_check_with_debug_off(settings, change, expected):
    assert ids(settings, **change) == expected


def test_make_run_may_use_all_development_defaults(settings):
    assert ids(settings, debug=True, database=SQLITE, cache=LOCMEM, broker="filesystem://") == []


def test_a_missing_classifier_fails_the_check(settings, tmp_path):
    settings.DEBUG = False
    settings.CLASSIFIER_PATH = tmp_path / "classifier.joblib"
    (error,) = classifier_model(None)
    assert error.id == "portal.E013" and "train_classifier" in error.hint

    settings.CLASSIFIER_PATH.write_bytes(b"built")
    assert classifier_model(None) == []


def test_check_deploy_names_each_missing_service_without_database_and_redis(tmp_path):
    env = production_env(tmp_path)
    del env["DATABASE_URL"], env["REDIS_URL"]
    done = subprocess.run([sys.executable, "manage.py", "check", "--deploy"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode != 0
    for code, words in (("portal.E010", "DATABASE_URL"), ("portal.E011", "REDIS_URL"), ("portal.E012", "REDIS_URL")):
        assert re.search(rf"\({code}\).*\n\s*HINT: .*{words}", output), (code, output)


def test_loading_the_settings_makes_no_folder(tmp_path):
    var = tmp_path / "var"
    env = production_env(tmp_path, PORTAL_VAR_DIR=str(var))
    probe = "import django; django.setup(); from django.conf import settings; print(settings.VAR_DIR)"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not var.exists()


def test_make_run_gets_its_sqlite_file_in_a_new_var_folder(tmp_path):
    var = tmp_path / "var"
    env = production_env(tmp_path, PORTAL_VAR_DIR=str(var), DEBUG="1")
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL"):
        del env[name]
    probe = ("import django; django.setup(); from django.db import connection; "
             "connection.ensure_connection(); print(connection.settings_dict['NAME'])")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert (var / "portal.sqlite3").exists()


# ---------------------------------------------------------------- the build files


def test_make_install_builds_the_classifier_with_the_existing_command():
    makefile = (ROOT / "Makefile").read_text()
    install = re.search(r"^install: (.*)$", makefile, flags=re.M).group(1)
    assert "$(CLASSIFIER_PATH)" in install.split()
    assert re.search(r"^\$\(CLASSIFIER_PATH\):.*\n\t\$\(PY\) manage.py train_classifier --output \$@", makefile,
                     flags=re.M)


def test_the_image_carries_the_classifier_outside_every_volume():
    import yaml

    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "CLASSIFIER_PATH=/app/var/classifier.joblib" in dockerfile
    assert "manage.py train_classifier" in dockerfile
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for name in ("web", "worker", "beat"):
        service = compose["services"][name]
        assert "CLASSIFIER_PATH" not in service.get("environment", {}), name
        for volume in service.get("volumes", []):
            assert not volume.split(":")[1].startswith("/app"), (name, volume)


def test_ci_reaches_no_host_outside_this_machine():
    script = (ROOT / ".ci" / "run").read_text()
    hosts = set(re.findall(r"[a-z+]+://(?:[^@/\s]*@)?([^/:\s\"']+)", script))
    # Addresses the check is told about (example.*, reserved for documentation) are never reached.
    outside = {host for host in hosts - {"127.0.0.1", "localhost"} if not re.search(r"(^|\.)example\.", host)}
    assert not outside, outside
    assert "curl" not in script and "wget" not in script
