"""Data packs: tell which catalogue a path feeds and load it, validated completely.

A loader returns a complete ``Pack`` or raises ``PackError`` listing every problem as
``file:line: message`` (``knowledge.policy_pack``, ``knowledge.cert_pack``); the shared shape
is ``knowledge.pack_format``.
"""

from __future__ import annotations

from pathlib import Path

from foundation.departments import DepartmentRegistry
from knowledge.cert_pack import load_certs_file
from knowledge.errors import KnowledgeError
from knowledge.pack_format import Pack, PackKind
from knowledge.policy_pack import load_policy_dir

BUNDLED_DIR = Path(__file__).resolve().parent / "data"
BUNDLED_POLICIES = BUNDLED_DIR / "policies"
BUNDLED_CERTS = BUNDLED_DIR / "certifications.yaml"


def pack_kind(path: Path) -> PackKind:
    """Which catalogue a path feeds: a folder is policies, a .yaml/.yml file certifications."""
    if not path.exists():
        raise KnowledgeError(f"{path}: no such file or folder")
    if path.is_dir():
        return "policies"
    if path.suffix.lower() in (".yaml", ".yml"):
        return "certifications"
    if path.suffix.lower() in (".md", ".markdown"):
        raise KnowledgeError(
            f"{path}: policies are imported as a folder of Markdown files; give the folder instead"
        )
    raise KnowledgeError(f"{path}: expected a folder of policy Markdown files or a certifications .yaml file")


def load_pack(path: Path, *, departments: DepartmentRegistry) -> Pack:
    """Validate the pack at ``path`` completely; raises ``PackError`` or ``KnowledgeError``."""
    path = path.expanduser()
    kind = pack_kind(path)
    return (
        load_policy_dir(path, departments=departments)
        if kind == "policies"
        else load_certs_file(path, departments=departments)
    )
