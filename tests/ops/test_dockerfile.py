"""The Dockerfile, checked without building it (no Docker daemon here or in CI): its instructions
are parsed and the properties that matter to an operator are asserted."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _instructions() -> list[tuple[str, str]]:
    """``(INSTRUCTION, arguments)`` with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text()
    joined = re.sub(r"\\\n", " ", "\n".join(line for line in text.splitlines() if not line.startswith("#")))
    result = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, rest = line.strip().partition(" ")
            result.append((keyword.upper(), " ".join(rest.split())))
    return result


def _packages() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]]


def test_dependencies_install_from_constraints_before_any_source_is_copied() -> None:
    steps = _instructions()
    dependency_step = next(
        i for i, (kind, args) in enumerate(steps) if kind == "RUN" and "-c constraints.txt" in args
    )
    copied_before = " ".join(args for kind, args in steps[:dependency_step] if kind == "COPY")
    assert "constraints.txt" in copied_before and "pyproject.toml" in copied_before
    for package in _packages():
        assert f" {package}" not in f" {copied_before}", f"{package}/ is copied before the dependencies"
        copy = next(i for i, (kind, args) in enumerate(steps) if kind == "COPY" and args.startswith(package))
        assert copy > dependency_step
    # The project itself goes in afterwards without re-resolving dependencies.
    assert any(kind == "RUN" and "pip install --no-deps ." in args for kind, args in steps[dependency_step:])


def test_every_package_reaches_the_image_and_bytecode_is_compiled_at_build() -> None:
    steps = _instructions()
    copied = {args.split()[0] for kind, args in steps if kind == "COPY"}
    assert set(_packages()) <= copied
    assert "LICENSE" in " ".join(args for kind, args in steps if kind == "COPY")
    installs = [args for kind, args in steps if kind == "RUN" and "pip install" in args]
    assert installs and not any("--no-compile" in args for args in installs)


def test_port_and_health_check_come_from_one_variable() -> None:
    steps = _instructions()
    health = next(args for kind, args in steps if kind == "HEALTHCHECK")
    assert "BRIEFBOT_PORT" in health and "3000" not in health
    cmd = next(args for kind, args in steps if kind == "CMD")
    assert "3000" not in cmd and "--port" not in cmd  # `briefbot run` reads BRIEFBOT_PORT itself
    assert next(args for kind, args in steps if kind == "EXPOSE") == "${BRIEFBOT_PORT}"
    envs = " ".join(args for kind, args in steps if kind == "ENV")
    assert "BRIEFBOT_PORT=${BRIEFBOT_PORT}" in envs
    assert ("USER", "10001") in steps


def test_run_reads_its_port_from_briefbot_port() -> None:
    from briefbot.cli.core import run

    port = next(p for p in run.params if p.name == "port")
    assert port.envvar == "BRIEFBOT_PORT"


def test_constraints_pin_every_runtime_dependency() -> None:
    pinned = {
        re.split(r"==", line)[0].lower().replace("_", "-")
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    }
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*pyproject["dependencies"], *pyproject["optional-dependencies"]["test"]]
    for requirement in wanted:
        name = re.split(r"[<>=\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pinned, f"{name} is not pinned in constraints.txt"
