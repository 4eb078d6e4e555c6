"""The wheel an admin installs carries the licence and the data the commands read."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from foundation import __version__

ROOT = Path(__file__).resolve().parents[2]


def test_version_is_pyprojects_and_briefbot_version_prints_it() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert __version__ == pyproject["project"]["version"]
    shown = subprocess.run(
        [sys.executable, "-m", "briefbot", "--version"], capture_output=True, text=True, timeout=60
    )
    assert shown.returncode == 0 and shown.stdout.strip() == f"briefbot {__version__}"


@pytest.mark.slow
def test_the_wheel_carries_the_license_and_the_starter_pack(tmp_path: Path) -> None:
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", str(ROOT), "-w", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert build.returncode == 0, build.stderr
    [wheel] = tmp_path.glob("briefbot-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert f"briefbot-{__version__}.dist-info/licenses/LICENSE" in names
    assert "feeds/data/starter.yaml" in names
    metadata = zipfile.ZipFile(wheel).read(f"briefbot-{__version__}.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata and "License-File: LICENSE" in metadata
