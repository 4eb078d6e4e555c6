"""Block Kit rendering of policy and certification answers: limits, escaping, links."""

from __future__ import annotations

from bot.slack_text import link, safe_url
from bot.views.certs import certs_blocks
from bot.views.policy import policy_blocks
from knowledge.types import (
    CertAnswer,
    CertPick,
    CertRequest,
    CertView,
    Correction,
    PolicyAnswer,
    PolicyInfo,
    SectionHit,
)
from tests.departments import REGISTRY
from tests.mock_web_api_server import validate_blocks

HOSTILE = "<!channel> <@U999> & <https://evil.example|click> *bold*"


def hit(n: int = 0, text: str = "Do not paste card numbers.") -> SectionHit:
    return SectionHit(
        policy_id="p",
        policy_title=f"Policy {HOSTILE}",
        heading=f"Heading {n} {HOSTILE}",
        excerpt=text,
        url="https://intranet.example.com/p#h",
        owner=f"Owner {HOSTILE}",
        updated="2026-11-02",
    )


def test_answer_escapes_admin_supplied_text_and_keeps_links() -> None:
    answer = PolicyAnswer("q", "answer", "Jo <!here>", hits=(hit(0, HOSTILE), hit(1), hit(2)))
    text, blocks = policy_blocks(answer)
    rendered = str(blocks)
    assert validate_blocks(blocks) == []
    for raw in ("<!channel>", "<@U999>", "<!here>", "<https://evil.example|click>"):
        assert raw not in rendered and raw not in text
    assert "<https://intranet.example.com/p#h|Heading 0 &lt;!channel&gt;" in rendered
    assert "Related sections" in rendered


def test_unsafe_urls_are_not_linked() -> None:
    assert safe_url("javascript:alert(1)") is None
    assert "|" not in (safe_url("https://x.example/a|b") or "")  # cannot split <url|label>
    assert safe_url("https://x.example/?a=1&b=2") == "https://x.example/?a=1&amp;b=2"
    assert link("javascript:alert(1)", "Label <b>") == "Label &lt;b&gt;"


def test_long_excerpts_and_many_policies_fit_block_kit() -> None:
    huge = "x" * 10_000
    text, blocks = policy_blocks(
        PolicyAnswer("q", "answer", "c", hits=(hit(0, huge), hit(1, huge), hit(2, huge)))
    )
    assert validate_blocks(blocks) == [] and len(text) <= 3000
    policies = tuple(
        PolicyInfo(f"p{i}", f"Policy number {i} " * 5, "Owner", f"https://x.example/{i}", None, (), 3)
        for i in range(500)
    )
    _text, blocks = policy_blocks(PolicyAnswer("", "list", "c", policies=policies))
    assert validate_blocks(blocks) == []
    assert "more" in str(blocks)


def test_no_match_and_corrections_render() -> None:
    answer = PolicyAnswer(
        "complience <x>",
        "no_match",
        "Legal",
        corrections=(Correction("complience", "compliance"),),
        suggestions=("Topic A (Policy)",),
    )
    _text, blocks = policy_blocks(answer)
    rendered = str(blocks)
    assert validate_blocks(blocks) == []
    assert "complience &lt;x&gt;" in rendered and "Read “complience” as “compliance”." in rendered
    assert "Topic A (Policy)" in rendered and "Please ask Legal" in rendered


def test_related_is_shown_as_not_an_answer() -> None:
    answer = PolicyAnswer("rotate keys?", "related", "Legal", related=(hit(0),))
    text, blocks = policy_blocks(answer)
    rendered = str(blocks)
    assert validate_blocks(blocks) == []
    assert "No policy section answers “rotate keys?”." in rendered
    assert "*Related, but not an answer:*" in rendered
    assert "<https://intranet.example.com/p#h|Heading 0 &lt;!channel&gt;" in rendered
    assert "Not sure it applies" not in rendered  # the wording of a real answer
    assert text.startswith("No policy section answers") and "Related, but not an answer:" in text


def test_cert_answer_escapes_and_fits() -> None:
    cert = CertView(
        "c",
        f"Cert {HOSTILE}",
        "Prov <b>",
        "https://c.example/x",
        "advanced",
        HOSTILE * 50,
        ("risk",),
        ("legal",),
    )
    answer = CertAnswer(
        "legal",
        "recommendations",
        CertRequest(departments=("legal",)),
        picks=(CertPick(cert, 5.0, ("suited to legal teams",)),) * 5,
    )
    text, blocks = certs_blocks(answer, REGISTRY)
    rendered = str(blocks)
    assert validate_blocks(blocks) == []
    assert "<!channel>" not in rendered and "<!channel>" not in text
    assert "<https://c.example/x|Cert &lt;!channel&gt;" in rendered
    assert "Fees, exam formats" in rendered
