"""Pure parts of policy search: query analysis, pack-defined acronyms, typos, stemming."""

from __future__ import annotations

from knowledge.asks import asked_thing_missing, unanswered_kind
from knowledge.query import Vocabulary, analyze_query
from knowledge.search import Candidate, Ranked
from knowledge.text import stem, stems

VOCAB = Vocabulary(
    [
        "Customer and personal data in prompts. Do not paste personal data.",
        "Compliance training is mandatory for all staff.",
        "Generative AI tools such as assistants need approval.",
        "Prompt injection hides instructions in content.",
    ]
)


def groups(query: str, vocabulary: Vocabulary = VOCAB) -> dict[str, tuple[str, ...]]:
    return {g.text: g.terms for g in analyze_query(query, vocabulary).groups}


def test_stopwords_dropped_and_no_hand_written_synonyms() -> None:
    found = groups("What is our policy on pasting PII into ChatGPT?")
    # Brand names and acronyms are searched as typed: no list maps them to broad phrases.
    assert found == {"pasting": ("pasting",), "pii": ("pii",), "chatgpt": ("chatgpt",)}


def test_an_acronym_the_pack_defines_also_searches_its_definition() -> None:
    vocabulary = Vocabulary(
        [
            "A data protection impact assessment (DPIA) is needed before profiling people.",
            "Large Language Models (LLMs) can be wrong. See the appendix (see below).",
        ]
    )
    found = groups("do we need a dpia for llms", vocabulary)
    assert found["dpia"] == ("dpia", "data protection impact assessment")
    assert found["llms"] == ("llms", "large language models")
    assert "below" not in vocabulary.acronyms and "see" not in vocabulary.acronyms


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


def test_stemmer_agrees_across_forms() -> None:
    assert stem("pasting") == stem("paste") == stem("pasted")
    assert stem("policies") == stem("policy")
    assert stem("biases") == stem("bias")
    assert stem("using") == stem("use")


def _best(heading: str, body: str) -> Ranked:
    section = Candidate(1, 1.0, heading, body, "a", 2, "p", "Policy", "Owner", None, None)
    return Ranked(section, 1.0, 1.0, (), frozenset())


def test_a_question_for_a_cost_or_a_deadline_is_unanswered_by_numbered_rules_without_one() -> None:
    numbered = _best("5) Maintain security", "1. Use work devices.\n2. Use your work email address.")
    # List numbering is no figure: the section states neither a price nor a time.
    assert unanswered_kind("how much does a paid chatgpt subscription cost", numbered) == 1.0
    assert unanswered_kind("when does the ai pilot finish", numbered) == 1.0
    assert unanswered_kind("how long do i have to report a data incident", numbered) == 1.0
    # "when" as a conjunction asks for no time.
    assert unanswered_kind("should i start a fresh chat when i switch projects", numbered) == 0.0
    stated = _best("Retention", "Chats are deleted after 30 days; a seat costs $25 per month.")
    assert unanswered_kind("how long are chats kept", stated) == 0.0
    assert unanswered_kind("how much does a seat cost", stated) == 0.0


def test_how_many_wants_a_figure_counting_the_thing_asked_about() -> None:
    limits = _best("Agentic AI guardrails", "Review must occur after creating more than 5 files.")
    assert unanswered_kind("how many tokens a day can i use on copilot", limits) == 1.0
    assert unanswered_kind("how many files can an agent create before review", limits) == 0.0
    # A year inside a link ("2016/679") is no date; "until" alone states no time.
    cited = _best("Further reading", "See [UK GDPR](https://example.gov/eur/2016/679) until then.")
    assert unanswered_kind("when will the guardrails come out of alpha", cited) == 1.0


def test_what_a_which_question_names_must_be_in_the_section() -> None:
    known = set(stems("Be aware of bias. Refer to the Equal Treatment Bench Book for certifications."))
    assert asked_thing_missing("which version of the equal treatment bench book covers ai", known) == 1.0
    assert asked_thing_missing("what font size should answers use", known) == 1.0
    assert asked_thing_missing("which bench book should i read on bias", known) == 0.0
    # A short form of a word the section uses is the same thing ("cert", "certifications").
    assert asked_thing_missing("which cert for a devops engineer", known) == 0.0
    assert asked_thing_missing("is ai output biased", known) == 0.0  # no "which/what": nothing named
    # Question phrasing names nothing: "what counts as…", "what happens if…", "what sort of…".
    assert asked_thing_missing("what counts as bias here", known) == 0.0
    assert asked_thing_missing("what happens if i ignore bias", known) == 0.0


def test_a_money_question_is_unanswered_by_a_section_that_never_speaks_of_payment() -> None:
    tools = _best("What ChatGPT does", "ChatGPT drafts text. Do not enter OFFICIAL-SENSITIVE data.")
    assert unanswered_kind("will defra pay for my personal chatgpt plus sub", tools) == 1.0
    funded = _best("Funding", "Your team's budget pays for one seat per person.")
    assert unanswered_kind("will defra pay for my personal chatgpt plus sub", funded) == 0.0


def test_a_maximum_is_answered_by_a_duration_and_how_long_should_x_be_by_a_size() -> None:
    table = _best("Data retention requirements", "| Prompt content | 30 days or less |")
    assert unanswered_kind("max retention for prompt content at the vendor?", table) == 0.0
    length = _best("Answer length", "Answers should be concise. Shorter answers help.")
    assert unanswered_kind("how long should the ai's answers be", length) == 0.0
    assert unanswered_kind("how long are chats kept", length) == 1.0  # a time, which it never states
