"""The knowledge service on real databases (SQLite FTS5 and PostgreSQL full-text search)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select

from knowledge.errors import KnowledgeError, PackError
from knowledge.excerpt import MAX_CHARS
from knowledge.service import KnowledgeConfig, KnowledgeService
from storage import Database
from storage.audit import Actor, recent
from storage.models import AuditEntry
from tests.departments import REGISTRY

QUESTIONS = yaml.safe_load(
    (Path(__file__).resolve().parents[1] / "data" / "policy_questions.yaml").read_text(encoding="utf-8")
)


def service_for(db: Database, **config: object) -> KnowledgeService:
    return KnowledgeService(db=db, config=KnowledgeConfig(**{"departments": REGISTRY, **config}))  # type: ignore[arg-type]


@pytest.fixture
def knowledge(db: Database) -> KnowledgeService:
    service = service_for(db)
    service.load_configured_packs()
    return service


def audit_actions(db: Database) -> list[str]:
    with db.read() as session:
        return [entry.action for entry in recent(session, 100)]


def write_policies(folder: Path, marker: str = "zanzibar") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "travel.md").write_text(
        f"---\nid: travel\ntitle: Travel Policy\nowner: Finance\nupdated: 2026-03-01\n---\n"
        f"# Travel Policy\n\n## Booking flights to {marker}\n\nUse the travel portal for {marker} trips. "
        "Economy class only.\n\n## Expenses\n\nSubmit receipts within 30 days.\n",
        encoding="utf-8",
    )
    return folder


# --- loading -------------------------------------------------------------------------------


def test_bundled_pack_seeds_an_empty_catalogue_once(db: Database) -> None:
    first = service_for(db)
    loaded = first.load_configured_packs()
    assert {r.kind for r in loaded} == {"policies", "certifications"}
    assert audit_actions(db).count("knowledge.load") == 2
    # A restart with nothing changed does no work and writes nothing.
    assert service_for(db).load_configured_packs() == []
    assert audit_actions(db).count("knowledge.load") == 2
    statuses = {s.kind: s for s in first.status()}
    assert statuses["policies"].source == "bundled" and statuses["policies"].items >= 8


def test_admin_import_survives_restart(knowledge: KnowledgeService, db: Database, tmp_path: Path) -> None:
    result = knowledge.import_path(write_policies(tmp_path / "p"), actor=Actor.slack("UADMIN"))
    assert (result.kind, result.items, result.sections) == ("policies", 1, 2)
    assert service_for(db).load_configured_packs() == []  # the bundled pack does not come back
    answer = service_for(db).policy_answer("flights to zanzibar")
    assert answer.kind == "answer" and answer.hits[0].heading == "Booking flights to zanzibar"
    with db.read() as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "knowledge.import")).one()
    assert (entry.actor, entry.target, entry.detail["items"]) == ("UADMIN", "policies", 1)


def test_configured_pack_loads_and_reloads_only_when_its_files_change(db: Database, tmp_path: Path) -> None:
    folder = write_policies(tmp_path / "configured")
    service = service_for(db, policy_dir=folder)
    service.catalogue.version_ttl = 0  # see other processes' loads at once
    assert [r.source for r in service.load_configured_packs() if r.kind == "policies"] == ["configured"]
    assert service.policy_answer("zanzibar").kind == "answer"
    # An admin import after start is kept across restarts while the configured files are unchanged.
    service.import_path(write_policies(tmp_path / "admin", marker="timbuktu"))
    assert service_for(db, policy_dir=folder).load_configured_packs() == []
    assert service.policy_answer("timbuktu").kind == "answer"
    # Editing the configured files makes the next start apply them.
    write_policies(folder, marker="kathmandu")
    reloaded = service_for(db, policy_dir=folder).load_configured_packs()
    assert [r.kind for r in reloaded] == ["policies"]
    assert service.policy_answer("kathmandu").kind == "answer"
    assert service.policy_answer("timbuktu").kind == "no_match"


def test_broken_import_changes_nothing(knowledge: KnowledgeService, db: Database, tmp_path: Path) -> None:
    before = knowledge.policy_answer("customer data chatgpt")
    audits = len(audit_actions(db))
    folder = write_policies(tmp_path / "p")
    (folder / "broken.md").write_text("---\nowner: [\n---\n## A\n\ntext\n", encoding="utf-8")
    with pytest.raises(PackError) as info:
        knowledge.import_path(folder)
    assert "broken.md:2: invalid YAML" in str(info.value)
    assert knowledge.policy_answer("customer data chatgpt") == before
    assert knowledge.policy_answer("zanzibar").kind == "no_match"
    assert len(audit_actions(db)) == audits
    bad_certs = tmp_path / "certs.yaml"
    bad_certs.write_text("- id: x\n  name: X\n", encoding="utf-8")
    count = len(knowledge.certifications())
    with pytest.raises(PackError, match=r"certs\.yaml:1: missing provider"):
        knowledge.import_path(bad_certs)
    assert len(knowledge.certifications()) == count


def test_broken_configured_pack_keeps_the_catalogue_and_says_why(
    knowledge: KnowledgeService, db: Database, tmp_path: Path
) -> None:
    certs = tmp_path / "certs.yaml"
    certs.write_text("- id: x\n  level: guru\n", encoding="utf-8")
    service = service_for(db, certs_file=certs, policy_dir=tmp_path / "missing")
    assert service.load_configured_packs() == []
    status = {s.kind: s for s in service.status()}
    assert "level must be one of" in (status["certifications"].problem or "")
    assert "no such file" in (status["policies"].problem or "")
    assert len(service.certifications()) == len(knowledge.certifications()) > 0


def test_import_path_rejects_what_it_cannot_read(knowledge: KnowledgeService, tmp_path: Path) -> None:
    with pytest.raises(KnowledgeError, match="no such file"):
        knowledge.import_path(tmp_path / "nope")


def test_two_processes_starting_together_load_once(db_url: str, db: Database) -> None:
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def start() -> None:
        database = Database(db_url)
        try:
            barrier.wait()
            service_for(database).load_configured_packs()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            database.dispose()

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert audit_actions(db).count("knowledge.load") == 2  # one per catalogue, not per process
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 2
    assert {s.version for s in service_for(db).status()} == {1}


# --- policy search --------------------------------------------------------------------------


def test_repeated_questions_are_served_from_the_cache_until_the_catalogue_changes(
    knowledge: KnowledgeService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = knowledge.policy_answer("Prompt injection")
    searched: list[str] = []
    search = knowledge.policies._decide

    def counted(plan: Any, *args: Any) -> Any:
        searched.append(" ".join(g.text for g in plan.groups))
        return search(plan, *args)

    monkeypatch.setattr(knowledge.policies, "_decide", counted)
    assert knowledge.policy_answer("prompt   INJECTION").hits == first.hits
    assert knowledge.policy_answer("prompt   INJECTION").query == "prompt INJECTION"
    assert searched == []  # both repeats came from the cache, not from another search
    knowledge.import_path(write_policies(tmp_path / "p"))
    assert knowledge.policy_answer("Prompt injection").kind == "no_match"
    assert knowledge.search("prompt injection") == []


def test_search_answers_with_source_and_related_sections(knowledge: KnowledgeService) -> None:
    answer = knowledge.policy_answer("what is our policy on pasting customer data into ChatGPT?")
    assert answer.kind == "answer"
    best = answer.hits[0]
    assert (best.policy_id, best.heading) == ("acceptable-use", "Customer and personal data in prompts")
    assert best.owner and best.updated
    assert best.url and best.url.endswith("#customer-and-personal-data-in-prompts")
    # The passage holding the answer, from the start of its paragraph, within the budget.
    assert best.excerpt.startswith("Do not paste customer emails") and len(best.excerpt) <= MAX_CHARS
    assert 1 <= len(answer.hits) <= 3
    assert len({h.section_id for h in answer.hits}) == len(answer.hits)


def test_typos_are_tolerated_and_reported(knowledge: KnowledgeService) -> None:
    answer = knowledge.policy_answer("promt injecton")
    assert answer.kind == "answer"
    assert answer.hits[0].heading.startswith("Prompt injection")
    assert {(c.original, c.replacement) for c in answer.corrections} >= {("promt", "prompt")}


def test_no_match_suggests_topics_and_names_the_contact(db: Database) -> None:
    service = service_for(db, policy_contact="Jo in #ai-help")
    service.load_configured_packs()
    answer = service.policy_answer("quantum teleportation")
    assert answer.kind == "no_match" and answer.hits == ()
    assert answer.contact == "Jo in #ai-help"
    assert answer.suggestions


def test_empty_question_lists_the_policies(knowledge: KnowledgeService) -> None:
    answer = knowledge.policy_answer("   ")
    assert answer.kind == "list"
    assert len(answer.policies) >= 8
    assert all(p.sections > 0 for p in answer.policies)


def test_empty_catalogue_says_so(db: Database) -> None:
    service = service_for(db)  # never loaded
    assert service.policy_answer("anything").kind == "empty"
    assert service.recommend_certs("legal").kind == "empty"
    assert service.related_policy_section("EU AI Act fines") is None
    assert service.spotlight_certification("legal", 0) is None


def test_replaced_catalogue_is_searched_immediately(knowledge: KnowledgeService, tmp_path: Path) -> None:
    assert knowledge.policy_answer("prompt injection").kind == "answer"
    knowledge.import_path(write_policies(tmp_path / "p"))
    # The full-text index follows the rows: old sections are gone, new ones found.
    assert knowledge.policy_answer("prompt injection").kind == "no_match"
    assert knowledge.policy_answer("receipts expenses").hits[0].heading == "Expenses"


def test_labelled_questions_hit_the_expected_section(knowledge: KnowledgeService) -> None:
    """Top-1 accuracy over the labelled set; every 4th question is held out from tuning."""
    tallies = {"tuned": [0, 0, 0], "held-out": [0, 0, 0]}
    misses = []
    for i, case in enumerate(QUESTIONS):
        split = "held-out" if i % 4 == 3 else "tuned"
        got = [(h.policy_id, h.heading) for h in knowledge.policy_answer(case["question"]).hits]
        ranking = [(h.policy_id, h.heading) for h in knowledge.search(case["question"], limit=3)]
        want = (case["policy"], case["section"])
        tally = tallies[split]
        tally[2] += 1
        tally[0] += got[:1] == [want]  # answered, with the right section first
        tally[1] += want in ranking  # among the three best-ranked, whatever the verdict
        if got[:1] != [want]:
            misses.append(f"{case['question']!r} -> {got[:1]}")
    top1 = sum(t[0] for t in tallies.values()) / len(QUESTIONS)
    top3 = sum(t[1] for t in tallies.values()) / len(QUESTIONS)
    summary = ", ".join(f"{k}: top-1 {t[0]}/{t[2]}, top-3 {t[1]}/{t[2]}" for k, t in tallies.items())
    print(f"\npolicy search accuracy ({knowledge.db.dialect}): {summary}")
    assert len(QUESTIONS) >= 30
    assert top1 >= 0.85, f"top-1 {top1:.0%} ({summary}); misses: {misses}"
    assert top3 >= 0.95, f"top-3 {top3:.0%} ({summary})"


# --- interfaces for the briefings ------------------------------------------------------------


def test_related_policy_section_for_headlines(knowledge: KnowledgeService) -> None:
    hit = knowledge.related_policy_section(
        "New York regulators fine employer over biased AI hiring tool; bias audit of automated "
        "employment decision tools was missing"
    )
    assert hit is not None and hit.policy_id == "hr-fairness"
    assert knowledge.related_policy_section("Chipmaker shares rise after strong quarterly earnings") is None
    assert knowledge.related_policy_section("") is None


def test_spotlight_rotates_through_department_recommendations(knowledge: KnowledgeService) -> None:
    picks = [knowledge.spotlight_certification("legal", r) for r in range(40)]
    assert all(p is not None and "legal" in p.departments for p in picks)
    distinct = {p.id for p in picks if p}
    assert len(distinct) >= 3
    assert picks[0] == picks[len(distinct)]  # wraps around
    assert knowledge.spotlight_certification("ops", 0) == knowledge.spotlight_certification("operations", 0)
    assert knowledge.spotlight_certification("marketing", 0) is None


def test_certs_answers(knowledge: KnowledgeService) -> None:
    overview = knowledge.recommend_certs("")
    assert overview.kind == "overview" and len(overview.overview) == 4
    legal = knowledge.recommend_certs("lawyer")
    assert legal.kind == "recommendations" and legal.picks[0].cert.id == "aigp"
    assert "fees" in legal.note.lower()
    nonsense = knowledge.recommend_certs("xyzzy")
    assert nonsense.kind == "no_match" and nonsense.request.unknown == ("xyzzy",) and nonsense.overview
    leveled = knowledge.recommend_certs("hr", level="beginner")
    assert leveled.picks[0].cert.level == "foundational"


def test_general_ai_news_gets_no_policy_link(knowledge: KnowledgeService) -> None:
    headlines = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "data" / "ranking_headlines.yaml").read_text(encoding="utf-8")
    )
    general = [h for h in headlines if h["department"] == "none"]
    assert general
    linked = [h["title"] for h in general if knowledge.related_policy_section(f"{h['title']} {h['summary']}")]
    assert linked == []
