"""The few settings the knowledge service needs (built from ``Settings`` in ``make_services``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from foundation.departments import DepartmentRegistry

# A Slack channel ID as people paste it: "<#C0123ABCD>", "<#C0123ABCD|ask-legal>" or bare (then
# with a digit, so that a shouted word such as "COMPLIANCE" is not taken for one).
_CHANNEL_ID = re.compile(r"<#([CG][A-Z0-9]{6,})(?:\|[^>]*)?>|\b([CG](?=[A-Z]*\d)[A-Z0-9]{8,})\b")


@dataclass(frozen=True)
class KnowledgeConfig:
    """``policy_dir``/``certs_file``: packs loaded at start (BRIEFBOT_POLICY_DIR/_CERTS_FILE);
    ``policy_contact``: who to ask (BRIEFBOT_POLICY_CONTACT); ``admins``: who gets the
    unanswered-questions digest when no channel is named (BRIEFBOT_ADMINS)."""

    # The departments packs and requests may name (the profiles' registry).
    departments: DepartmentRegistry
    policy_dir: Path | None = None
    certs_file: Path | None = None
    policy_contact: str = "the Legal & Compliance team (#ask-legal)"
    admins: tuple[str, ...] = ()

    @property
    def contact_channel(self) -> str | None:
        """The channel ID the policy contact names, if it names one."""
        match = _CHANNEL_ID.search(self.policy_contact)
        return (match.group(1) or match.group(2)) if match else None
