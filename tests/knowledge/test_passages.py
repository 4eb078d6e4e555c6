"""Excerpts that answer: the passage holding the answer, with its lead-in, never mid-rule."""

from __future__ import annotations

from knowledge.excerpt import MAX_CHARS, excerpt
from knowledge.passages import passages, plain
from knowledge.text import stems

PRINCIPLES = """Generative AI can help with routine drafting. Staff should think before they use it.

When you use a generative AI tool, consider these four principles:

1. Never enter official-sensitive information.
2. Check every output for accuracy before you rely on it.
3. Say when a document was drafted with AI.
4. Keep a record of the tool and the prompt you used.

Questions go to the _Approval Process:_ team at [the AI desk](https://intranet.example/ai-desk)."""


def wanted(text: str) -> set[str]:
    return set(stems(text))


def test_a_list_is_shown_with_the_sentence_that_leads_into_it() -> None:
    shown = excerpt(PRINCIPLES, wanted("check output accuracy"), max_chars=320)
    lines = shown.splitlines()
    assert lines[0] == "When you use a generative AI tool, consider these four principles:"
    assert lines[1:] == [
        "1. Never enter official-sensitive information.",
        "2. Check every output for accuracy before you rely on it.",
        "3. Say when a document was drafted with AI.",
        "4. Keep a record of the tool and the prompt you used.",
    ]


def test_the_lead_in_alone_never_stands_for_the_answer() -> None:
    # The question's words sit in the lead-in only; the list that holds the rules comes too.
    shown = excerpt(PRINCIPLES, wanted("principles generative tool"), max_chars=320)
    assert "consider these four principles:" in shown
    assert "1. Never enter official-sensitive information." in shown


def test_an_excerpt_starts_at_a_sentence_never_mid_rule() -> None:
    rule = (
        "Staff must not paste customer records into any AI tool. This includes exports from the "
        "CRM, support tickets and call transcripts, even when names are removed, because the "
        "remaining details can identify a person. "
    )
    body = ("Background on our tools and how they were chosen over many months. " * 6) + rule * 2
    shown = excerpt(body, wanted("paste customer records"), max_chars=300)
    text = shown.removeprefix("… ")
    assert text.startswith("Staff must not paste customer records")
    assert len(shown) <= 300


def test_a_long_list_keeps_its_lead_in_and_the_matching_items() -> None:
    items = "\n".join(f"- Rule {i}: keep the filler text of this rule short and plain." for i in range(30))
    body = f"These rules apply to every AI assistant:\n\n{items}\n- Rule 99: never share passwords."
    shown = excerpt(body, wanted("share passwords"))
    assert shown.splitlines()[0] == "These rules apply to every AI assistant:"
    assert "• Rule 99: never share passwords." in shown
    assert "…" in shown and len(shown) <= MAX_CHARS


def test_a_section_that_fits_is_shown_whole() -> None:
    shown = excerpt(PRINCIPLES, wanted("check output accuracy"))
    assert shown.startswith("Generative AI can help with routine drafting.")
    assert shown.endswith("[the AI desk](https://intranet.example/ai-desk).")


def test_words_of_the_heading_do_not_pick_the_passage() -> None:
    body = (
        "Copy the following into your project's AGENTS.md and edit it to fit.\n\n"
        "    ## AI agents\n\n"
        "    **Do not publish.** Write to a branch or a drafts directory.\n\n"
        "    **Do not approve your own work.** A named person merges or posts it.\n"
    )
    question = wanted("should our agents.md let the bot merge its own work")
    shown = excerpt(body, question, max_chars=120, heading="What to put in your AGENTS.md")
    assert shown.startswith("**Do not approve your own work.**")


def test_markdown_is_kept_for_slack_and_dropped_for_plain_text() -> None:
    shown = excerpt(PRINCIPLES, wanted("approval process desk"))
    assert "_Approval Process:_" in shown and "[the AI desk](https://intranet.example/ai-desk)" in shown
    assert plain(shown).endswith("Questions go to the Approval Process: team at the AI desk.")


def test_a_sub_heading_leads_its_passage() -> None:
    body = "Intro text.\n\n### G-DH-02: prohibited data types\n\nNever paste secrets or keys.\n"
    found = passages(body)
    assert [p.text() for p in found] == [
        "Intro text.",
        "*G-DH-02: prohibited data types*\nNever paste secrets or keys.",
    ]


def test_a_table_is_shown_row_by_row_with_its_header_and_lead_in() -> None:
    body = (
        "Intro about testing and why it matters for every team that ships code.\n\n"
        "You must test all AI-generated code before use.\n\n"
        "| Test type | Requirement |\n|-----------|-------------|\n"
        "| Unit tests | Mandatory for all generated functions |\n"
        "| Edge case testing | Required for input validation logic |\n\n"
        "---\n\nA closing paragraph about something else entirely, long enough to matter here.\n"
    )
    shown = excerpt(body, wanted("unit tests generated functions"), max_chars=200)
    assert shown.splitlines() == [
        "You must test all AI-generated code before use.",
        "Test type | Requirement",
        "• Unit tests | Mandatory for all generated functions",
        "• Edge case testing | Required for input validation logic",
    ]


def test_inline_html_from_a_web_page_is_shown_as_its_text() -> None:
    # Pages published from a site's Markdown carry inline HTML (the Canada.ca pack's French style
    # guide link): Slack would show the tags as they are.
    body = (
        "In your system prompt, ask for official Canadian French terminology.\n\n"
        '- [French style guide: <span lang="fr">Guide de rédaction</span>](https://conception.canada.ca/guide/)\n'
        "- Constrain model behaviour<sup>1</sup>\n"
    )
    shown = excerpt(body, wanted("french style guide"))
    assert "<span" not in shown and "</span>" not in shown and "<sup>" not in shown
    assert "[French style guide: Guide de rédaction](https://conception.canada.ca/guide/)" in shown
    assert "Constrain model behaviour1" in shown


GLOSSARY = """### Generative AI chatbot
A computer program which simulates an online human conversation using generative AI. Publicly
available examples are ChatGPT, Google Bard and Bing Chat.

### Machine Learning (ML)
A branch of AI that uses data and algorithms to imitate the way that humans learn, gradually
improving accuracy through statistical methods, with many more words to make this passage long
enough that the whole glossary no longer fits the budget on its own.

### Large Language Model (LLM)
LLMs are AI models which learn to predict the next best word or part of a word in a sentence,
having been trained on enormous quantities of text."""


def test_a_question_spanning_two_passages_gets_both_in_the_sections_order() -> None:
    # "the difference between an LLM and a chatbot": each definition sits under its own
    # sub-heading; one alone answers half the question.
    shown = excerpt(GLOSSARY, wanted("llm chatbot"), max_chars=520)
    assert "*Generative AI chatbot*" in shown
    assert "*Large Language Model (LLM)*" in shown
    assert shown.index("chatbot*") < shown.index("(LLM)*")
    assert "Machine Learning" not in shown
    assert "\n…\n" in shown  # the passage left out between them is marked


NOTICES = """AI help applications must be clearly labelled as AI.

Include a notice that addresses privacy, potential mistakes, how it should be used and the
limitations of the application, without blocking access to the chat. This paragraph goes on long
enough that the whole section does not fit in the excerpt budget of this test at all.

In consultation with Legal Services, consider including a legal disclaimer and liability statement.

Add a link or details-summary directly to the chat solution, similar to the approach for privacy
statements elsewhere on the site:

- [AI disclaimer pattern](https://design.example/ai-disclaimer)
- [Details-summary component](https://design.example/details)"""


def test_a_list_of_links_does_not_stand_for_the_rule() -> None:
    # The reference list's link label holds more of the question's words than the sentence;
    # it names another page, the sentence is the rule.
    shown = excerpt(NOTICES, {stems("disclaimer")[0]: 2.0, "ai": 0.5}, max_chars=400)
    assert "consider including a legal disclaimer" in shown
    assert "AI disclaimer pattern" not in shown


def test_a_one_line_opening_rule_is_shown_before_the_passage() -> None:
    shown = excerpt(NOTICES, {stems("liability")[0]: 2.0}, max_chars=480)
    # The opening is shown, then the paragraph after it (no gap to mark), then the answer.
    assert shown.startswith("AI help applications must be clearly labelled as AI.\nInclude a notice")
    assert shown.endswith("consider including a legal disclaimer and liability statement.")
    assert len(shown) <= 480
    # Where the opening is not next to the passage shown, the gap is marked.
    assert excerpt(NOTICES, {stems("liability")[0]: 2.0}, max_chars=200).startswith(
        "AI help applications must be clearly labelled as AI.\n…\nIn consultation"
    )
