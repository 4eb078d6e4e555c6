"""What a question asks for, and whether a section states it: an amount, a time, money, a
size, a person or a named thing ("which *version*"), from general English question forms and
never a pack's own words. A near miss often asks for one the policy never gives; these are two
of the abstention model's features (``knowledge.decide``).
"""

from __future__ import annotations

import re

from knowledge.search import Ranked
from knowledge.text import STOPWORDS, stem, stems, words

# What kind of answer a question asks for, from general English question forms (no pack's words):
# an amount, a time, or a person. A near miss often asks for one the policy never gives ("how much
# does a seat cost", "when does the pilot end"): its vocabulary matches, its answer is not there.
ASKS_AMOUNT = re.compile(
    r"\bhow (?:much|many|big|large)\b|\bcosts?\b|\bprices?\b|\bpercent(?:age)?\b|\b(?:max|maximum|limit)\b"
)
# "When" as a question ("when does…", "by when"), not as a conjunction ("…when i switch projects").
ASKS_TIME = re.compile(
    r"^\s*when\b|\bwhen (?:is|are|was|does|do|did|will|would|must|should|can|has|have)\b|\bby when\b"
    r"|\bdeadline\b|\bhow (?:long|soon|quickly|often)\b|\bdue (?:date|by)\b"
)
# Money: who pays, expenses, a budget. Answered by a figure or by the section speaking of payment.
ASKS_MONEY = re.compile(
    r"\b(?:pay|pays|expense|expenses|expensed|reimburse\w*|budget|salary|raise|rupees|dollars|pounds|euros|charge)\b"
)
HAS_MONEY = re.compile(
    r"[£$€₹]|\b(?:pay|pays|paid|payment|expense\w*|reimburs\w*|budget\w*|cost\w*|fund\w*|charge\w*|price\w*"
    r"|fee|fees|rupees|dollars|pounds|euros)\b"
)
# "which version…", "what font size…": the words naming the thing asked for, up to the verb.
_WH_TARGET = re.compile(r"\b(?:which|what|whats)\s+((?:[a-z0-9.+-]+\s+){0,3})")
_WH_STOP = frozenset({"does", "do", "is", "are", "can", "should", "did", "will", "would", "was", "were"})
# "What counts as…", "what happens if…", "what sort of…": question phrasing, naming nothing.
_WH_PHRASING = frozenset(
    {
        "count",
        "counts",
        "happen",
        "happens",
        "mean",
        "means",
        "sort",
        "sorts",
        "kind",
        "kinds",
        "type",
        "types",
    }
)
ASKS_LENGTH = re.compile(r"\bhow (?:long|short|big) (?:should|must|can|may|is|are) (?:[a-z']+ ){1,4}be\b")
HAS_LENGTH = re.compile(
    r"\b(?:short|shorter|long|longer|length|concise|brief|words?|characters?|sentences?|paragraphs?|lines?|pages?)\b"
)
HOW_MANY = re.compile(r"\bhow many ([a-z]{3,})\b")
ASKS_PERSON = re.compile(r"\bwho(?:m|'s| is)?\b")
ASKS_PROCEDURE = re.compile(
    r"\bhow (?:do|can|should|would) (?:i|we)\b|\bhow to\b|\bwhere (?:do|can|should) (?:i|we)\b"
)
# What such an answer looks like in a section: a figure with a unit or currency, a duration, a
# date or a frequency. List numbering ("1.", "5) Maintain security") and bare digits are not
# figures: they made every numbered section look as if it stated an amount and a time.
_NUMBERING = re.compile(r"(?m)^\s*(?:#+\s*)?(?:\d+(?:\.\d+)*[.)]|[a-z][.)])\s+")
HAS_AMOUNT = re.compile(
    r"[£$€₹%]|\d\s*(?:%|percent|k\b|m\b|gb|mb|tb|kb)|\b\d[\d,.]*\s+(?:per|a|an|each|every)\b"
    r"|\b\d[\d,.]*\s+(?:[a-z]+\s+)?(?:tokens?|characters?|words?|requests?|messages?|questions?|seats?|users?"
    r"|licen[cs]es?|files?|pages?|times?|credits?|dollars?|pounds?|euros?|rupees?)\b"
    r"|\b(?:free of charge|no cost|at no charge|unlimited|up to \d|maximum of|at most|no more than)\b"
)
DURATION = (
    r"\b\d+(?:\s*-\s*\d+)?\s*-?\s*(?:days?|weeks?|months?|years?|hours?|minutes?|seconds?|business days?)\b"
)
HAS_DURATION = re.compile(DURATION)
HAS_TIME = re.compile(
    DURATION + r"|\b(?:daily|weekly|fortnightly|monthly|quarterly|annually|yearly)\b"
    r"|\bevery (?:day|week|month|quarter|year)\b"
    r"|\b(?:january|february|march|april|june|july|august|september|october|november|december)\b"
    r"|(?<![/\d])(?:19|20)\d\d(?![/\d])|\b\d{4}-\d\d-\d\d\b"
    r"|\b(?:deadline|immediately|promptly|as soon as|no later than|by the end of)\b"
)


def asked_thing_missing(question: str, known: set[str]) -> float:
    """1 when the thing a "which/what" question names ("which *version* of the bench book",
    "what *font size*") is absent from the best section: the section is about the subject, not
    about what is asked."""
    found = _WH_TARGET.search(question.lower())
    if not found:
        return 0.0
    named: list[str] = []
    for i, word in enumerate(words(found.group(1))):
        if i == 0 and word in _WH_PHRASING:
            continue
        if word in STOPWORDS or word in _WH_STOP:
            break
        named.append(word)
    return float(any(not _held(word, known) for word in named))


def _held(word: str, known: set[str]) -> bool:
    """A word, or a short form of one ("cert" for "certification"), is in the section."""
    own = set(stems(word))
    if own <= known:
        return True
    return len(word) >= 4 and any(k.startswith(word) for k in known)


def unanswered_kind(question: str, best: Ranked) -> float:
    """1 when the question asks for an amount or a time the best section never states."""
    text = question.lower()
    body = _NUMBERING.sub(" ", f"{best.candidate.heading}\n{best.candidate.body}".lower())
    counted = HOW_MANY.search(text)
    if counted:
        # "how many tokens": a figure counting something else ("more than 5 files") is no answer.
        unit = re.escape(stem(counted.group(1)))
        if not re.search(rf"\d[\d,.]*\s+(?:[a-z-]+\s+)?{unit}", body):
            return 1.0
    elif ASKS_AMOUNT.search(text) and not (HAS_AMOUNT.search(body) or HAS_DURATION.search(body)):
        return 1.0  # "max retention" is answered by "30 days or less"
    if ASKS_MONEY.search(text) and not HAS_MONEY.search(body):
        return 1.0
    if ASKS_LENGTH.search(text):
        # "how long should answers be" asks a size, not a time.
        return 0.0 if HAS_LENGTH.search(body) or HAS_AMOUNT.search(body) else 1.0
    if ASKS_TIME.search(text) and not HAS_TIME.search(body):
        return 1.0
    return 0.0
