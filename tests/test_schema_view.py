"""The OpenAPI document is built once per process and language, and stays the document the code describes."""

import pytest
from django.test import Client
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db


@pytest.fixture
def builds(monkeypatch):
    """How many times drf-spectacular builds a document (the library's generator, counted, not replaced)."""
    calls = []
    real = SchemaGenerator.get_schema

    def counted(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    from core.schema import SchemaView

    monkeypatch.setattr(SchemaView, "_built", {})
    return calls


def test_the_document_is_built_once_and_served_the_same_to_everyone(builds, dispatcher):
    staff = Client()
    staff.force_login(dispatcher)
    first = Client().get("/api/schema/?format=json")
    second = staff.get("/api/schema/?format=json")
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert "/api/v1/demands/" in first.json()["paths"]
    assert len(builds) == 1


def test_each_language_gets_its_own_document(builds):
    chinese = Client().get("/api/schema/?format=json&lang=zh-hans").json()
    english = Client().get("/api/schema/?format=json&lang=en").json()
    assert len(builds) == 2
    assert chinese != english
    assert Client().get("/api/schema/?format=json&lang=en").json() == english
    assert len(builds) == 2
