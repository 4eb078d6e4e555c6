"""Relevance by meaning: a small linear model over the words of a story, one per department.

The phrase lists find stories that use a department's words; they miss stories that say the same
thing in other words ("controllers cut the close by four days") and they fire on a word used in
another sense ("a budget phone"). This module scores each story against each department with a
logistic regression on bag-of-words features (stemmed words and adjacent word pairs, scaled by
the square root of their count, as TF-IDF with cosine normalisation would be).

It is trained when the ranker is built, from data shipped with the package and the profiles:
the labelled headlines in ``briefings/data/training_headlines.yaml``, each department's
description (``concerns``), its phrases and its example headlines. So a department defined in
``BRIEFBOT_PROFILES_FILE`` with a description and a handful of examples gets a model too. No
model files, nothing downloaded: training on a few hundred headlines takes well under a second
and scoring a story is one dictionary lookup per feature. Beside it, a logistic regression
(scikit-learn) on the same documents' sentence embeddings (:func:`briefings.assembly.model.embed`) finds
stories that share no word with them; the two probabilities are averaged. Without the embedding
model the bag-of-words one scores alone.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from briefings.assembly.profiles import Profiles, phrase_tokens

TRAINING_HEADLINES = Path(__file__).resolve().parent.parent / "data" / "training_headlines.yaml"

_CLAUSE = re.compile(r"[,.;:]|\band\b")
# Words too common to say anything about a department.
_STOPWORDS = frozenset(
    phrase_tokens(
        "a an and are as at be been by can could do for from has have how i if in into is it its new "
        "no not of on one or our over says say should so than that the their them then there these "
        "they this those to up was we were what when where which who why will with would you your "
        "ai after about more most"
    )
)


@dataclass(frozen=True)
class TrainingConfig:
    """Chosen by two-fold cross-validation on the training headlines (``bench/relevance.py --cv``),
    including a department re-learnt from a description and five examples alone."""

    epochs: int = 40
    learning_rate: float = 0.5
    l2: float = 1e-3
    # None learns the intercept; a number fixes it, so that a story whose words the model has
    # never seen gets sigmoid(bias) rather than whatever the class balance left the intercept at.
    bias: float | None = -1.0
    # A description counts as this many headlines; each phrase form as a short headline.
    description_weight: float = 2.0
    phrase_weight: float = 0.5
    # Weight of a second model, a logistic regression on the sentence embeddings of the same
    # training documents (briefings.assembly.model.embed), averaged with the bag-of-words one; 0 leaves it
    # out. An even average, set before measuring (no labelled custom department to tune it on):
    # the custom security round (bench/relevance.py) went P@5 0.6 -> 1.0, R-prec 0.65 -> 0.88.
    embedding_weight: float = 0.5


def _stem(word: str) -> str:
    """A crude suffix fold (pricing/priced/prices -> pric) that is good enough for headlines."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix) and not word.endswith("ss"):
            return word[: -len(suffix)]
    return word


def features(text: str) -> frozenset[str]:
    """The model's features of ``text``: content-word stems and pairs of adjacent words."""
    words = [_stem(w) for w in phrase_tokens(text)]
    out = {w for w in words if w not in _STOPWORDS and not w.isdigit()}
    out.update(f"{a} {b}" for a, b in itertools.pairwise(words) if not (a in _STOPWORDS and b in _STOPWORDS))
    return frozenset(out)


@dataclass(frozen=True)
class Example:
    """One training document: its features, the departments it belongs to, and its weight."""

    features: frozenset[str]
    departments: frozenset[str]
    weight: float = 1.0
    text: str = ""


class SemanticModel:
    """Per department, the probability that a story matters to it, from its words."""

    def __init__(
        self,
        departments: Sequence[str],
        table: dict[str, tuple[float, ...]],
        biases: Sequence[float],
        embedded: tuple[Any, Any, float] | None = None,
    ):
        self.departments = tuple(departments)
        self._table = table
        self._biases = tuple(biases)
        # (coefficients (256, departments), intercepts, weight) of the embedding model, if any.
        self._embedded = embedded

    def scores(self, text: str) -> tuple[float, ...]:
        """For each department in order, a probability in (0, 1) that ``text`` matters to it."""
        feats = features(text)
        n = len(self.departments)
        totals = [0.0] * n
        table = self._table
        for f in feats:
            row = table.get(f)
            if row is not None:
                for d in range(n):
                    totals[d] += row[d]
        scale = 1.0 / math.sqrt(len(feats)) if feats else 0.0
        words = tuple(_sigmoid(b + t * scale) for b, t in zip(self._biases, totals, strict=True))
        if self._embedded is None:
            return words
        from briefings.assembly.model import embed

        vecs = embed([text])
        if vecs is None:
            return words
        coef, intercept, weight = self._embedded
        meaning = vecs[0] @ coef + intercept
        return tuple(
            (1 - weight) * w + weight * _sigmoid(float(z)) for w, z in zip(words, meaning, strict=True)
        )


def _sigmoid(x: float) -> float:
    if x < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def train(
    departments: Sequence[str], examples: Sequence[Example], config: TrainingConfig | None = None
) -> SemanticModel:
    """One-vs-rest logistic regression with class-balanced weights, by Adagrad on sparse features."""
    cfg = config or TrainingConfig()
    vocab = sorted({f for e in examples for f in e.features})
    index = {f: i for i, f in enumerate(vocab)}
    rows = [
        ([index[f] for f in e.features], 1.0 / math.sqrt(len(e.features)) if e.features else 0.0)
        for e in examples
    ]
    columns: list[list[float]] = []
    biases: list[float] = []
    for dept in departments:
        labels = [1.0 if dept in e.departments else 0.0 for e in examples]
        pos = sum(e.weight for e, y in zip(examples, labels, strict=True) if y)
        neg = sum(e.weight for e, y in zip(examples, labels, strict=True) if not y)
        balance = (0.5 * (pos + neg) / pos if pos else 0.0, 0.5 * (pos + neg) / neg if neg else 0.0)
        w = [0.0] * len(vocab)
        g2 = [1e-8] * len(vocab)
        b, gb2 = cfg.bias if cfg.bias is not None else 0.0, 1e-8
        for _epoch in range(cfg.epochs):
            for (idx, scale), y, e in zip(rows, labels, examples, strict=True):
                z = b + scale * sum(w[i] for i in idx)
                err = (_sigmoid(z) - y) * e.weight * (balance[0] if y else balance[1])
                for i in idx:
                    g = err * scale + cfg.l2 * w[i]
                    g2[i] += g * g
                    w[i] -= cfg.learning_rate * g / math.sqrt(g2[i])
                if cfg.bias is None:
                    gb2 += err * err
                    b -= cfg.learning_rate * err / math.sqrt(gb2)
        columns.append(w)
        biases.append(b)
    table = {f: tuple(col[i] for col in columns) for f, i in index.items() if any(col[i] for col in columns)}
    return SemanticModel(departments, table, biases, _embedding_model(departments, examples, cfg))


def _embedding_model(
    departments: Sequence[str], examples: Sequence[Example], cfg: TrainingConfig
) -> tuple[Any, Any, float] | None:
    """Per department, a class-balanced logistic regression (scikit-learn) on the examples'
    sentence embeddings; None when turned off or the embedding model cannot load."""
    if not cfg.embedding_weight:
        return None
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from briefings.assembly.model import embed

    vecs = embed([e.text for e in examples])
    if vecs is None:
        return None
    sample = np.array([e.weight for e in examples])
    coef, intercept = [], []
    for dept in departments:
        y = np.array([dept in e.departments for e in examples], dtype=int)
        if y.min() == y.max():
            coef.append(np.zeros(vecs.shape[1]))
            intercept.append(-30.0 if y.max() == 0 else 30.0)
            continue
        fitted = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000).fit(
            vecs, y, sample_weight=sample
        )
        coef.append(fitted.coef_[0])
        intercept.append(float(fitted.intercept_[0]))
    return np.array(coef).T, np.array(intercept), cfg.embedding_weight


def load_training(path: Path = TRAINING_HEADLINES) -> list[dict[str, Any]]:
    """The labelled headlines shipped with the package (same format as the tests' labelled sets)."""
    rows = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(rows or [])


def headline_examples(rows: Iterable[dict[str, Any]], known: frozenset[str]) -> list[Example]:
    """Training examples from labelled headlines: ``department`` and ``also`` are its labels."""
    out = []
    for row in rows:
        labels = {str(row.get("department"))} | {str(a) for a in row.get("also") or ()}
        text = f"{row.get('title', '')} {row.get('summary', '')}"
        out.append(Example(features(text), frozenset(labels & known), text=text))
    return out


def profile_examples(profiles: Profiles, config: TrainingConfig | None = None) -> list[Example]:
    """Training examples from the profiles: description, example headlines and phrase forms."""
    cfg = config or TrainingConfig()
    out = []
    for profile in profiles:
        label = frozenset({profile.key})
        if profile.concerns:
            out.append(Example(features(profile.concerns), label, cfg.description_weight, profile.concerns))
            # Each clause of the description reads like a short headline about one concern.
            out.extend(Example(features(part), label, text=part) for part in _CLAUSE.split(profile.concerns))
        out.extend(Example(features(text), label, text=text) for text in profile.examples)
        for phrase in profile.phrases:
            out.extend(Example(features(form), label, cfg.phrase_weight, form) for form in phrase.forms)
    return [e for e in out if e.features]


def train_for(
    profiles: Profiles, rows: Iterable[dict[str, Any]], config: TrainingConfig | None = None
) -> SemanticModel:
    """A model for ``profiles`` from labelled headlines ``rows`` and the profiles themselves."""
    keys = profiles.keys
    examples = headline_examples(rows, frozenset(keys)) + profile_examples(profiles, config)
    return train(keys, examples, config)


@lru_cache(maxsize=8)
def model_for(profiles: Profiles) -> SemanticModel:
    """The model for ``profiles`` from the shipped headlines, trained once per process."""
    return train_for(profiles, load_training())
