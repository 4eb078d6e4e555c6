"""Fixtures: the fake model server, and services pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from briefbot.services import Services, make_services
from foundation.settings import Settings
from tests.llm.fake_model import FakeModel


@pytest.fixture
def fake_model() -> Iterator[FakeModel]:
    model = FakeModel()
    yield model
    model.close()


def model_services(db_url: str, fake: FakeModel, **extra: Any) -> Services:
    settings = Settings(
        database_url=db_url,
        briefbot_llm_base_url=fake.url,
        briefbot_llm_model="local-test-model",
        briefbot_llm_timeout_seconds=extra.pop("timeout", 2.0),
        **extra,
    )
    return make_services(settings).build_all()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'model.db'}"
