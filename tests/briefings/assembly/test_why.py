""" "Why it matters": a sentence from the story's own facts and the department's concern; the
shipped model as data (loaded, not trained, and never by `briefbot --help`)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefbot.cli import cli
from briefbot.services import make_services
from briefings.assembly import model as model_module
from briefings.assembly.model import MODEL_FILE, NewsModel, embed, embedder, load_embedder, load_model
from briefings.assembly.profile_file import load_profiles
from briefings.assembly.why import story_fact, why_sentence
from foundation.settings import Settings
from tests.briefings.factory import NOW, NewsFactory

ROOT = Path(__file__).resolve().parents[3]


def brief(tmp_path: Path, department: str, stories: list[tuple[str, str]]) -> list[dict[str, object]]:
    url = f"sqlite:///{tmp_path / 'why.db'}"
    services = make_services(Settings(database_url=url))
    news = NewsFactory(services.db)
    feed = news.feed("Wire", department)
    for title, summary in stories:
        news.item(feed, title, summary)
    services.close()
    result = CliRunner().invoke(
        cli, ["brief", department, "--json", "--as-of", NOW.isoformat()], env={"DATABASE_URL": url}
    )
    assert result.exit_code == 0, result.stderr
    return list(json.loads(result.stdout)["stories"])


def test_with_a_phrase_the_sentence_is_the_storys_fact_and_the_phrases_concern(tmp_path: Path) -> None:
    title = "Italy's privacy watchdog fines OpenAI €15m over ChatGPT data collection"
    summary = (
        "The Garante said OpenAI processed users' personal data to train ChatGPT without an adequate "
        "legal basis. It also ordered a six-month information campaign."
    )
    (story,) = brief(tmp_path, "legal", [(title, summary)])
    assert story["why"] == (
        "The Garante said OpenAI processed users' personal data to train ChatGPT without an adequate "
        "legal basis — it bears on privacy regulators' enforcement."
    )
    assert story["matched"][0] == "privacy watchdog"  # the strongest phrase gives the concern


def test_without_a_phrase_the_concern_is_the_profile_label_the_storys_words_reach(tmp_path: Path) -> None:
    title = "Amazon to cut 14,000 corporate jobs as it leans on AI"
    (story,) = brief(tmp_path, "hr", [(title, "")])
    assert story["matched"] == []  # no HR phrase: the model alone let it in
    # "jobs" and "cut" reach the label of the phrase "job cuts"; never the generic description.
    assert story["why"] == f"{title} — it bears on jobs cut or at risk."
    assert load_profiles().get("hr").concerns.split(". ")[0] not in story["why"]


def test_without_a_phrase_and_without_shared_words_the_sentence_is_the_fact_alone(tmp_path: Path) -> None:
    title = "Insurer's AI tool flags duplicate invoices before they are paid"
    summary = "The model caught 2% of supplier bills as repeats in its first quarter."
    (story,) = brief(tmp_path, "finance", [(title, summary)])
    assert story["matched"] == []
    assert story["why"] == summary


def test_thin_evidence_says_less_never_the_generic_description() -> None:
    hr = load_profiles().get("hr")
    why = why_sentence("Acme ships Zorblax 3", "", hr, [])
    assert why == "Acme ships Zorblax 3."
    assert hr.concerns.split(". ")[0] not in why


def test_the_fact_is_a_whole_clause_and_skips_a_summary_that_repeats_the_headline() -> None:
    title = "Court sanctions lawyers for fake ChatGPT citations"
    assert story_fact(title, "Court sanctions lawyers for fake ChatGPT citations.") == title
    long = (
        "A federal judge in New York fined two attorneys $5,000 on Thursday; they had filed a brief "
        "citing six cases that ChatGPT invented, and the judge ordered them to write to each judge named."
    )
    assert story_fact(title, long) == "A federal judge in New York fined two attorneys $5,000 on Thursday"
    assert story_fact("Headline here - Reuters", "") == "Headline here"


def test_the_model_is_shipped_as_json_and_loads_with_every_target() -> None:
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))  # plain data, no pickle
    assert data["meta"]["trained_by"] == "scripts/train_ranker.py"
    model = load_model()
    assert isinstance(model, NewsModel)
    assert model.names == ("about_ai", "finance", "legal", "operations", "hr")
    probs = model.probabilities(["Court sanctions lawyers for fake ChatGPT citations"])
    assert probs.shape == (1, 5) and ((probs > 0) & (probs < 1)).all()
    assert load_model() is model  # read once per process


def test_a_missing_model_file_ranks_with_phrases_and_meaning(tmp_path: Path) -> None:
    assert load_model(tmp_path / "absent.json") is None


@pytest.mark.parametrize("args", [["--help"], ["feeds", "--help"]])
def test_help_does_not_import_scikit_learn_or_the_embeddings(args: list[str]) -> None:
    # -X importtime lists every module imported, on stderr, as it is imported.
    code = f"from briefbot.cli import main; main({args!r})"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert "Usage:" in done.stdout and "briefbot.cli" in done.stderr
    assert "sklearn" not in done.stderr and "scipy" not in done.stderr and "wordllama" not in done.stderr


def test_the_embedding_model_loads_from_the_installed_wheel_without_the_network(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_network(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the embedding model tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    vecs = embed(["AI spend per seat", "return on the pilot"], load_embedder())
    assert vecs is not None and vecs.shape == (2, 256)
    # Files missing: an error at once, not a download (the socket guard above would be hit).
    with pytest.raises(FileNotFoundError):
        load_embedder(tmp_path)


def test_the_embedding_model_is_loaded_once_across_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model_module, "_embedder", (False, None))
    with ThreadPoolExecutor(max_workers=4) as pool:
        loaded = list(pool.map(lambda _i: embedder(), range(8)))
    assert loaded[0] is not None and all(m is loaded[0] for m in loaded)
