"""Pure parts of policy search: query analysis, synonyms, typos, backend query text, excerpts."""

from __future__ import annotations

from knowledge.search import (
    QueryPlan,
    TermGroup,
    Vocabulary,
    analyze_query,
    excerpt,
    fts5_match,
    sentences,
    websearch_query,
)
from knowledge.text import stem

VOCAB = Vocabulary(
    [
        "Customer and personal data in prompts. Do not paste personal data.",
        "Compliance training is mandatory for all staff.",
        "Generative AI tools such as assistants need approval.",
        "Prompt injection hides instructions in content.",
    ]
)


def groups(query: str) -> dict[str, tuple[str, ...]]:
    return {g.text: g.terms for g in analyze_query(query, VOCAB).groups}


def test_stopwords_dropped_and_synonyms_added() -> None:
    found = groups("What is our policy on pasting PII into ChatGPT?")
    assert set(found) == {"pasting", "pii", "chatgpt"}
    assert "personal data" in found["pii"]
    assert "generative ai" in found["chatgpt"]
    assert found["pasting"] == ("pasting",)


def test_phrases_win_over_words() -> None:
    found = groups("a large language model for customer data")
    assert "large language model" in found
    assert "customer data" in found
    assert "personal data" in found["customer data"]


def test_typo_is_corrected_against_the_policy_vocabulary() -> None:
    plan = analyze_query("complience trainig", VOCAB)
    assert [(c.original, c.replacement) for c in plan.corrections] == [
        ("complience", "compliance"),
        ("trainig", "training"),
    ]
    assert [g.text for g in plan.groups] == ["compliance", "training"]


def test_unknown_words_are_kept_without_correction() -> None:
    plan = analyze_query("zebra stripes", VOCAB)
    assert plan.corrections == ()
    assert [g.text for g in plan.groups] == ["zebra", "stripes"]


def test_no_typo_fixing_when_asked_not_to() -> None:
    plan = analyze_query("complience", VOCAB, fix_typos=False)
    assert plan.corrections == () and plan.groups[0].text == "complience"


def test_backend_query_text_is_quoted_and_ored() -> None:
    plan = QueryPlan("q", (TermGroup("pii", ("pii", "personal data")), TermGroup("x", ('x"y',))))
    assert fts5_match(plan) == '"pii" OR "personal data" OR "x y"'
    assert websearch_query(plan) == 'pii or "personal data" or "x y"'


def test_fts5_syntax_cannot_be_injected() -> None:
    plan = analyze_query('NEAR(a b) OR "x" * ^col: AND -', VOCAB)
    match = fts5_match(plan)
    # Every token is quoted: operators typed by the user become plain words.
    assert all(part.startswith('"') and part.endswith('"') for part in match.split(" OR "))


def test_stemmer_agrees_across_forms() -> None:
    assert stem("pasting") == stem("paste") == stem("pasted")
    assert stem("policies") == stem("policy")
    assert stem("biases") == stem("bias")
    assert stem("using") == stem("use")


def test_sentences_split_lists_and_paragraphs() -> None:
    body = "First rule. Second rule!\n\n- item one\n- item two\n\nA [link](https://x) and **bold**."
    assert sentences(body) == ["First rule.", "Second rule!", "item one", "item two", "A link and bold."]


def test_excerpt_centres_on_matched_terms() -> None:
    body = (
        "Intro sentence about nothing. Another filler sentence here. "
        "Never paste card numbers into any AI tool. Report mistakes the same day. "
        "A closing remark that is not relevant."
    )
    text = excerpt(body, {stem("card"), stem("numbers")})
    assert text.startswith("… Never paste card numbers")
    assert text.endswith("…")
    assert "Intro sentence" not in text


def test_excerpt_respects_the_length_limit() -> None:
    body = "word " * 500
    assert len(excerpt(body, {"word"}, max_chars=200)) <= 200
