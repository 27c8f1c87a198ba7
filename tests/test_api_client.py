"""An integrator's generated client works: openapi-python-client builds a package from the schema the portal serves,
every module of it imports, and it creates, reads and acts on a demand through the in-process application."""

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from django.core.cache import cache
from django.test import Client

from demands.models import Demand
from demands.states import Status
from integrations.models import ApiToken
from portal.wsgi import application

pytestmark = pytest.mark.django_db

PACKAGE = "portal_api_client"


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Requests go through the WSGI app in-process: keep the test's database connection (and its transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    cache.clear()
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def generated(tmp_path_factory, django_db_blocker):
    """The client package generated from the served schema, imported from a fresh folder (once for this module)."""
    tmp_path = tmp_path_factory.mktemp("client")
    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps(response.json()))
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"package_name_override": PACKAGE, "post_hooks": []}))
    generator = Path(sys.executable).with_name("openapi-python-client")
    run = subprocess.run([str(generator), "generate", "--path", str(schema), "--config", str(config), "--meta", "none",
                          "--output-path", str(tmp_path / PACKAGE)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Warning" not in run.stdout + run.stderr, run.stdout + run.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def client_with(package, token=None):
    transport = httpx.WSGITransport(app=application)
    if token is None:
        return package.Client(base_url="http://testserver", httpx_args={"transport": transport})
    return package.AuthenticatedClient(base_url="http://testserver", token=token, prefix="Token",
                                       httpx_args={"transport": transport})


def test_every_module_of_the_generated_client_imports(generated):
    failures = {}
    for module in pkgutil.walk_packages(generated.__path__, PACKAGE + "."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # any import error is a client an integrator cannot use
            failures[module.name] = f"{type(exc).__name__}: {exc}"
    assert failures == {}
    assert importlib.import_module(f"{PACKAGE}.api.v1.v1_demands_create")


def test_generated_client_creates_reads_and_classifies_a_demand(generated, world, staff):
    from importlib import import_module

    api = f"{PACKAGE}.api.v1"
    models = import_module(f"{PACKAGE}.models")
    token = ApiToken.issue(user=staff.dispatcher, name="generated client")[1]
    client = client_with(generated, token)

    body = models.DemandCreateRequest.from_dict({
        "type": "help", "content": "莲花社区菜市场门口路灯坏了一周，晚上很黑。", "township": world.township.code,
        "lat": None, "lng": None, "category": None})
    receipt = import_module(f"{api}.v1_demands_create").sync(client=client, body=body)
    assert isinstance(receipt, models.DemandReceipt), receipt
    assert receipt.public_no.startswith("BZ-")

    shown = import_module(f"{api}.v1_demands_retrieve").sync(id=receipt.id, client=client)
    assert isinstance(shown, models.Demand), shown
    assert shown.status == models.DemandStatusEnum.RECEIVED and shown.township == world.township.code
    stored = Demand.objects.get(pk=receipt.id)
    assert "None" not in (stored.address, stored.contact_name, stored.contact_phone, stored.external_id)

    classify = import_module(f"{api}.v1_demands_classify_create")
    done = classify.sync(id=receipt.id, client=client, body=models.DemandClassifyRequest.from_dict({
        "type": "help", "category": world.category.pk, "urgency": "normal", "grid": world.grid.pk}))
    assert isinstance(done, models.Demand), done
    assert done.status == models.DemandStatusEnum.CLASSIFIED
    assert Demand.objects.get(pk=receipt.id).status == Status.CLASSIFIED


def test_generated_client_gets_the_error_format_for_a_refused_action(generated, walk, staff):
    from importlib import import_module

    demand = walk(Status.RECEIVED)
    token = ApiToken.issue(user=staff.supervisor, name="generated client")[1]
    models = import_module(f"{PACKAGE}.models")
    dispatch = import_module(f"{PACKAGE}.api.v1.v1_demands_dispatch_create")
    answer = dispatch.sync_detailed(id=demand.pk, client=client_with(generated, token),
                                    body=models.DemandDispatchRequest.from_dict({"unit": "department:1"}))
    assert answer.status_code in (403, 409)
    assert isinstance(answer.parsed, models.Error) and answer.parsed.code in ("forbidden", "conflict")
    assert Demand.objects.get(pk=demand.pk).status == Status.RECEIVED
