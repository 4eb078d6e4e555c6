""" "Why it matters" as one sentence: the story's own fact, then the department's concern it touches.

Built deterministically from the story text and the profile, nothing generated::

    <the fact, from the story>  —  <the concern, from the profile>

* The fact is the summary's first sentence that says something the headline does not (cut at a
  word), or the headline when the summary is empty, a repeat of it or a fragment.
* The concern is the "why" label of the strongest department phrase the story matched. With no
  phrase, it is the clause of the department's description (``concerns``) or the phrase label
  whose words the story shares most (a stem in common: "invoices" reaches the accounts-payable
  label), preferring the words the model weighed most for the department (``evidence``). It
  needs at least one shared content word.
* When nothing grounds a concern, the sentence says less: the fact alone. It never falls back
  to the department's generic description.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from briefings.assembly.profiles import Phrase, Profile, phrase_tokens
from foundation.text import truncate

FACT_LIMIT = 130
MIN_FACT = 40  # characters: a shorter first sentence is a fragment, not a fact
# A full stop ends a sentence unless it follows an initial, a common abbreviation or a digit.
_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"'“A-Z0-9])")
_ABBREVIATIONS = frozenset({"inc", "ltd", "corp", "co", "mr", "ms", "dr", "st", "vs", "no", "jr", "sr", "v"})
_SPACES = re.compile(r"\s+")
_BREAK = re.compile(r"[;:]\s|\s[–—-]\s|\s(?:which|while|after|because|but|although|though)\s")
_CLAUSE = re.compile(r",|;|\band\b|\bor\b")
# Trailing outlet names in headlines ("... - Reuters", "... | TechCrunch").
_OUTLET_TAIL = re.compile(r"\s+[-|–—]\s+[A-Z][^-|–—]{1,39}$")
_BOILERPLATE = re.compile(r"\b(?:appeared first on|read more|continue reading|click here)\b", re.I)
_STOP = frozenset(
    phrase_tokens(
        "a about after all also an and any are as at be been but by can could do does for from has "
        "have how if in into is it its may more most new no not of on one or our over says said so "
        "such than that the their them then there these they this those to up was we were what "
        "when where which who why will with would you your ai artificial intelligence cares care "
        "company companies year years week"
    )
)


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()


def _words(text: str) -> set[str]:
    return {_stem(w) for w in phrase_tokens(text) if w not in _STOP and not w.isdigit() and len(w) > 2}


def _stem(word: str) -> str:
    for suffix in ("ing", "ers", "er", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def _cut(text: str, limit: int) -> str:
    return truncate(text, limit, trailing=" ,;:.-–—")


def sentences(text: str) -> list[str]:
    """``text`` split into sentences (a simple rule that keeps "U.S." and "Inc." whole)."""
    text = _clean(text)
    out = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        before = text[start : m.start()].rsplit(" ", 1)[-1]
        if m.group() == "." and (
            before.lower() in _ABBREVIATIONS or "." in before or (len(before) == 1 and before.isupper())
        ):
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    if text[start:].strip():
        out.append(text[start:].strip())
    return [s for s in out if s]


def story_fact(title: str, summary: str) -> str:
    """The fact the sentence starts from: what the summary adds to the headline, else the headline."""
    headline = _OUTLET_TAIL.sub("", _clean(title))
    said = _words(headline)
    for sentence in sentences(summary)[:3]:
        if _BOILERPLATE.search(sentence) or len(sentence) < MIN_FACT:
            continue
        mine = _words(sentence)
        if not mine:
            continue
        # A sentence that only repeats the headline adds nothing.
        if said and len(mine - said) < 2:
            continue
        fact = _clause(sentence.rstrip(), FACT_LIMIT)
        if fact:
            return fact
        break
    return _cut(headline, FACT_LIMIT)


def _clause(text: str, limit: int) -> str:
    """``text`` within ``limit`` characters: whole, else up to its last clause break that leaves
    a real statement (at least ``MIN_FACT`` characters), else "" (a sentence cut mid-phrase
    says something else; the headline is used instead)."""
    if len(text) <= limit:
        return text
    head = text[:limit]
    breaks = [m.start() for m in _BREAK.finditer(head) if m.start() >= MIN_FACT]
    return head[: breaks[-1]].rstrip(" ,;:") if breaks else ""


def concern_clauses(profile: Profile) -> list[str]:
    """The clauses of the department's description, without its opening ("Finance cares about")."""
    text = _clean(profile.concerns)
    text = re.sub(rf"^{re.escape(profile.name)}\s+(?:cares|care)\s+about\s+", "", text, flags=re.I)
    out = []
    for sentence in re.split(r"[.:]\s*", text):
        for clause in _CLAUSE.split(sentence):
            clause = clause.strip(" ,;")
            if len(_words(clause)) >= 1 and len(clause) >= 8:
                out.append(clause)
    return out


def grounded_concern(profile: Profile, title: str, summary: str, evidence: Iterable[str] = ()) -> str | None:
    """The department concern the story's words come closest to, or None when none shares a
    content word with it. Candidates are the clauses of the description and the "why" labels of
    the phrases (a label is reached through its phrase's words: "duplicate invoices" shares
    "invoice" with the accounts-payable phrase). Each shared word counts once, twice when the
    model weighed it for the department (``evidence``); a concern needs two shared words, one of
    them in the evidence when there is any."""
    story = _words(f"{title} {summary}")
    strong: set[str] = set()
    for term in evidence:
        strong |= _words(term)
    candidates = [(clause, _words(clause)) for clause in concern_clauses(profile)]
    candidates += [(ph.why, _words(" ".join((*ph.forms, ph.why)))) for ph in profile.phrases]
    best: tuple[int, int, str] | None = None
    for i, (concern, vocab) in enumerate(candidates):
        shared = vocab & story
        # One common word ("model", "team") says nothing about which concern a story touches:
        # two shared words are needed, one of them weighed by the model for the department.
        if len(shared) < 2 or (strong and not shared & strong):
            continue
        score = len(shared) + len(shared & strong)
        if best is None or score > best[0]:
            best = (score, -i, concern)
    return best[2] if best else None


def why_sentence(
    title: str,
    summary: str,
    profile: Profile,
    phrases: Sequence[Phrase],
    *,
    evidence: Iterable[str] = (),
) -> str:
    """One sentence: the story's fact, then the department concern it touches (see module doc)."""
    fact = story_fact(title, summary).rstrip(" .…")
    concern = phrases[0].why if phrases else grounded_concern(profile, title, summary, evidence)
    if not fact:
        return _sentence(concern or "")
    if not concern:
        return _sentence(fact)
    return _sentence(f"{fact} — it bears on {concern}")


def _sentence(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    text = text[0].upper() + text[1:]
    return text if text.endswith((".", "!", "?", "…")) else text + "."
