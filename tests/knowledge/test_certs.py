"""Certification recommendations: argument parsing and ranking against the bundled catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge.cert_request import catalogue_words, parse_request
from knowledge.certs import department_overview, department_recommendations, rank
from knowledge.packs import BUNDLED_CERTS, load_pack
from knowledge.render import corrections_line
from knowledge.types import CertAnswer, CertRequest, CertView
from tests.departments import REGISTRY

CATALOGUE = load_pack(BUNDLED_CERTS, departments=REGISTRY).certifications
CATALOGUE_BY_ID = {c.id: c for c in CATALOGUE}
EXPECTATIONS = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "data" / "cert_expectations.yaml").read_text(encoding="utf-8")
)


def top_ids(query: str, n: int = 3, level: str | None = None) -> list[str]:
    request = parse_request(query, level=level, departments=REGISTRY)
    return [pick.cert.id for pick in rank(CATALOGUE, request)[:n]]


def test_arguments_in_any_order_with_aliases() -> None:
    a = parse_request("beginner lawyer", departments=REGISTRY)
    b = parse_request("lawyer beginner", departments=REGISTRY)
    assert a == b
    assert a.departments == ("legal",) and a.level == "foundational"
    assert parse_request("ops", departments=REGISTRY).departments == ("operations",)
    assert parse_request("people", departments=REGISTRY).departments == ("hr",)
    cfo = parse_request("CFO advanced", departments=REGISTRY)
    assert cfo.departments == ("finance",) and cfo.level == "advanced" and "strategy" in cfo.topics


def test_level_option_wins_over_words_and_unknown_words_are_reported() -> None:
    request = parse_request("legal expert banana", level="beginner", departments=REGISTRY)
    assert request.level == "foundational"
    assert request.unknown == ("banana",)


def test_typos_in_arguments_are_corrected() -> None:
    request = parse_request("securty", departments=REGISTRY)
    assert request.topics == ("security",)
    assert [(c.original, c.replacement) for c in request.corrections] == [("securty", "security")]


def test_free_words_match_providers() -> None:
    words = {"aws", "amazon"}
    request = parse_request("aws", catalogue_words=words, departments=REGISTRY)
    assert request.keywords == ("aws",)
    picks = rank(CATALOGUE, request)
    assert picks and all(p.cert.provider == "AWS" for p in picks)


@pytest.mark.parametrize("case", EXPECTATIONS, ids=[c["query"] for c in EXPECTATIONS])
def test_expected_certifications_rank_in_top_three(case: dict) -> None:
    top = top_ids(case["query"])
    assert set(top) & set(case["expect_in_top3"]), f"{case['query']}: got {top}"


@pytest.mark.parametrize("department", REGISTRY.keys)
def test_every_department_gets_fitting_recommendations_with_reasons(department: str) -> None:
    picks = rank(CATALOGUE, CertRequest(departments=(department,)))
    assert len(picks) >= 3
    for pick in picks:
        assert department in pick.cert.departments
        assert any(department.lower() in r.lower() for r in pick.reasons)


def test_requested_level_ranks_first() -> None:
    picks = rank(CATALOGUE, parse_request("finance advanced", departments=REGISTRY))
    assert picks[0].cert.level == "advanced"
    assert "advanced level, as asked" in picks[0].reasons


def test_topic_request_excludes_unrelated_certifications() -> None:
    picks = rank(CATALOGUE, parse_request("privacy", departments=REGISTRY))
    assert picks and all("privacy" in p.cert.topics for p in picks)


def test_overview_mixes_levels_per_department() -> None:
    overview = department_overview(CATALOGUE, REGISTRY)
    assert [group.department for group in overview] == list(REGISTRY.keys)
    for group in overview:
        assert len(group.picks) == 3
        assert len({p.cert.level for p in group.picks}) >= 2, group.department


def test_department_recommendations_accept_aliases() -> None:
    assert department_recommendations(CATALOGUE, "ops", REGISTRY) == department_recommendations(
        CATALOGUE, "operations", REGISTRY
    )
    assert department_recommendations([], "legal", REGISTRY) == []


def test_catalogue_order_breaks_ties() -> None:
    twin = CertView("b", "B", "P", "https://x", "foundational", "s", ("risk",), ("finance",))
    first = CertView("a", "A", "P", "https://x", "foundational", "s", ("risk",), ("finance",))
    assert [p.cert.id for p in rank([first, twin], parse_request("finance", departments=REGISTRY))] == [
        "a",
        "b",
    ]
    assert [p.cert.id for p in rank([twin, first], parse_request("finance", departments=REGISTRY))] == [
        "b",
        "a",
    ]


def test_a_general_query_puts_certifications_for_the_bots_departments_first() -> None:
    words = catalogue_words(CATALOGUE)
    request = parse_request("prompt engineering", departments=REGISTRY, catalogue_words=words)
    assert request.corrections == ()  # "prompt" and "prompting" are one word, not a typo
    served = set(REGISTRY.keys) | {"all"}
    picks = rank(CATALOGUE, request, audience=REGISTRY.keys)
    # By the catalogue's own audience field, not by name: every pick for a bot department comes
    # before every pick meant only for IT (developers, engineers).
    fits = [bool(served & set(p.cert.departments)) for p in picks]
    assert fits[:3] == [True, True, True] and fits == sorted(fits, reverse=True)
    assert "it" in CATALOGUE_BY_ID[picks[-1].cert.id].departments
    # Without an audience (or for a role that names one) the score alone decides.
    assert not served & set(rank(CATALOGUE, request)[0].cert.departments)
    developer = parse_request("developer prompt engineering", departments=REGISTRY, catalogue_words=words)
    assert rank(CATALOGUE, developer, audience=REGISTRY.keys) == rank(CATALOGUE, developer)


def test_a_typo_is_noted_as_read_as() -> None:
    request = parse_request("securty", departments=REGISTRY)
    assert (
        corrections_line(CertAnswer("securty", "recommendations", request)) == "Read “securty” as “security”."
    )
