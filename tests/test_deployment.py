"""The deployment files stay consistent with the project (no Docker engine runs in tests)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_compose_describes_web_worker_one_beat_postgres_and_redis_with_health_checks():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"web", "worker", "beat", "db", "redis"} <= set(services)
    for name in ("web", "worker", "beat", "db", "redis"):
        assert "healthcheck" in services[name], name
    assert "gunicorn" in " ".join(services["web"]["command"]) if isinstance(services["web"]["command"], list) \
        else "gunicorn" in services["web"]["command"]
    assert services["beat"]["deploy"]["replicas"] == 1
    assert {"pgdata", "media"} <= set(compose["volumes"])
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://") and env["REDIS_URL"].startswith("redis://")


def test_requirements_are_pinned():
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            assert re.match(r"^[A-Za-z0-9_.\-\[\]]+==[\w.]+$", line), line


def test_translations_are_compiled_and_complete():
    """Every message has a Chinese translation and the compiled catalogue matches the source."""
    import subprocess

    po = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    mo = po.with_suffix(".mo")
    text = po.read_text()
    assert "#, fuzzy" not in text
    # An empty msgstr followed by a blank line is an untranslated entry (the header is the only exception).
    assert len(re.findall(r'^msgstr(\[0\])? ""\n\n', text, flags=re.M)) == 0
    compiled = subprocess.run(["msgfmt", "-o", "-", str(po)], capture_output=True, check=True).stdout
    assert compiled == mo.read_bytes(), "run `make messages` to recompile django.mo"


def test_readme_names_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
