"""Catalogue upkeep: loading data packs at start, admin imports, status and version checks.

Threading: one instance serves every thread. ``versions()`` reads the catalogue versions (one
small query, trusted for ``version_ttl`` seconds) so readers know when to rebuild their caches.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from knowledge.config import KnowledgeConfig
from knowledge.errors import KnowledgeError
from knowledge.pack_format import Pack, fingerprint
from knowledge.packs import BUNDLED_CERTS, BUNDLED_POLICIES, load_pack, pack_kind
from knowledge.store import CatalogueStore, PackState, Replacement
from storage.audit import Actor

log = logging.getLogger(__name__)

KINDS = ("policies", "certifications")


@dataclass(frozen=True)
class ImportResult:
    """What ``briefbot knowledge import`` (or a start-up load) did."""

    kind: str
    location: str
    items: int
    sections: int
    version: int
    changed: bool
    source: str


@dataclass(frozen=True)
class PackStatus:
    """One catalogue's state, for ``briefbot knowledge status`` and health output."""

    kind: str
    source: str | None
    location: str | None
    items: int
    version: int
    loaded_at: str | None
    loaded_by: str | None
    problem: str | None = None


class Catalogue:
    """Loads data packs into the database and tells readers which version is current."""

    # How long a process trusts its last look at the catalogue versions: an import made by
    # another process shows up within this time (this process's own imports at once).
    version_ttl: float = 1.0

    def __init__(self, *, store: CatalogueStore, config: KnowledgeConfig) -> None:
        self.store = store
        self.config = config
        self._versions_seen: tuple[float, dict[str, int]] | None = None
        self.load_problems: dict[str, str] = {}

    def versions(self) -> dict[str, int]:
        """Catalogue versions, re-read at most every ``version_ttl`` seconds."""
        seen = self._versions_seen
        now = time.monotonic()
        if seen is not None and now - seen[0] < self.version_ttl:
            return seen[1]
        versions = self.store.versions()
        self._versions_seen = (now, versions)
        return versions

    def load_configured_packs(self) -> list[ImportResult]:
        """Load BRIEFBOT_POLICY_DIR / BRIEFBOT_CERTS_FILE, or seed the bundled pack when empty.

        Runs at every start, so it is cheap when nothing changed (a fingerprint comparison) and
        safe when two processes start together (the second waits, then sees the work done).
        A configured pack is applied when its content differs from the one last applied from
        configuration; an admin's later import therefore survives restarts until the configured
        files change. Without configuration the bundled pack seeds an empty catalogue only (or
        refreshes a catalogue that still holds an older bundled pack). A broken pack changes
        nothing: the problem is logged and reported by ``status()``; the bot still starts.
        """
        configured = {"policies": self.config.policy_dir, "certifications": self.config.certs_file}
        bundled = {"policies": BUNDLED_POLICIES, "certifications": BUNDLED_CERTS}
        states = self.store.pack_states()
        results = []
        for kind in KINDS:
            path = configured[kind]
            try:
                if path is not None:
                    result = self._load_configured(kind, Path(path).expanduser(), states.get(kind))
                else:
                    result = self._seed_bundled(kind, bundled[kind], states.get(kind))
            except KnowledgeError as exc:
                self.load_problems[kind] = str(exc)
                log.error("knowledge pack not loaded; the %s catalogue is unchanged: %s", kind, exc)
                continue
            self.load_problems.pop(kind, None)
            if result is not None:
                results.append(result)
        return results

    def _load_configured(self, kind: str, path: Path, state: PackState | None) -> ImportResult | None:
        if pack_kind(path) != kind:
            variable = "BRIEFBOT_POLICY_DIR" if kind == "policies" else "BRIEFBOT_CERTS_FILE"
            raise KnowledgeError(f"{variable}={path} is not a {kind} pack")
        current = fingerprint(path)
        if state is not None and state.configured_fingerprint == current:
            return None

        def still_needed(s: PackState | None) -> bool:
            return s is None or s.configured_fingerprint != current

        return self._apply(
            load_pack(path, departments=self.config.departments),
            source="configured",
            actor=Actor.system(),
            configured=current,
            when=still_needed,
        )

    def _seed_bundled(self, kind: str, path: Path, state: PackState | None) -> ImportResult | None:
        if state is not None and state.source != "bundled":
            return None
        current = fingerprint(path)
        if state is not None and state.fingerprint == current:
            return None

        def still_needed(s: PackState | None) -> bool:
            if s is None:
                return self.store.size(kind) == 0
            return s.source == "bundled" and s.fingerprint != current

        if state is None and not still_needed(None):
            return None
        return self._apply(
            load_pack(path, departments=self.config.departments),
            source="bundled",
            actor=Actor.system(),
            when=still_needed,
        )

    def import_path(self, path: str | Path, *, actor: Actor | None = None) -> ImportResult:
        """Validate the pack at ``path`` completely, then replace its catalogue atomically.

        Raises ``PackError`` (every problem with file and line) or ``KnowledgeError``; on error
        nothing is changed. The import is audited in the same transaction.
        """
        pack = load_pack(Path(path), departments=self.config.departments)
        result = self._apply(pack, source="import", actor=actor or Actor.cli())
        assert result is not None
        return result

    def _apply(
        self,
        pack: Pack,
        *,
        source: str,
        actor: Actor,
        configured: str | None = None,
        when: Callable[[PackState | None], bool] | None = None,
    ) -> ImportResult | None:
        version = self.store.replace(Replacement(pack, source, actor, configured), when=when)
        if version is None:
            return None  # another process did it while we waited for the lock
        self._versions_seen = None
        log.info("loaded %d %s from %s (%s)", pack.items, pack.kind, pack.location, source)
        return ImportResult(pack.kind, pack.location, pack.items, pack.sections, version, True, source)

    def status(self) -> list[PackStatus]:
        """What each catalogue holds and any problem the last start-up load reported."""
        states = self.store.pack_states()
        sizes = {kind: self.store.size(kind) for kind in KINDS}
        out = []
        for kind in KINDS:
            s = states.get(kind)
            out.append(
                PackStatus(
                    kind=kind,
                    source=s.source if s else None,
                    location=s.location if s else None,
                    items=sizes[kind],
                    version=s.version if s else 0,
                    loaded_at=s.loaded_at.isoformat() if s else None,
                    loaded_by=s.loaded_by if s else None,
                    problem=self.load_problems.get(kind),
                )
            )
        return out
