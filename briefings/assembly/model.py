"""The department model: calibrated probabilities that a story is about AI and matters to each
bundled department, learnt from the labelled corpus of real news.

``scripts/train_ranker.py`` fits it with scikit-learn (word and character n-gram TF-IDF, one
logistic regression per target, each calibrated with Platt scaling on cross-validated scores)
and writes what scoring needs to ``briefings/data/ranker_model.json``: the two vocabularies with
their IDF weights, and per target the coefficients, intercept and calibration. Here the file is
read back into scikit-learn's own vectorizers, so scoring is scikit-learn's transform and one
sparse product; nothing is pickled and nothing is downloaded. scikit-learn is imported on first
use, so commands that never rank (``briefbot --help``, ``feeds refresh``) do not pay for it.

Sentence embeddings (:func:`embed`: WordLlama's static token embeddings, averaged, from the
installed ``wordllama`` wheel, loaded on first use once per process) are used by the custom
departments' meaning scorer (:mod:`briefings.assembly.semantic`). A model file trained with
``scripts/train_ranker.py --embeddings`` also holds, per target, a calibrated logistic regression on
them whose probability is averaged with the TF-IDF one; the shipped model does not (it did not
help on the held-out outlets). Without the embedding model the word features score alone, and
the log says so.

Targets: ``about_ai`` (the AI gate) and one per bundled department (``finance``, ``legal``,
``operations``, ``hr``). A department only applies to a story about AI, so each department's
classifier learns P(department | about AI) and the model returns P(about AI) x that. A
department an admin defines in ``BRIEFBOT_PROFILES_FILE`` has no corpus labels and no column
here: it is ranked by :mod:`briefings.assembly.semantic` instead.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

MODEL_FILE = Path(__file__).resolve().parent.parent / "data" / "ranker_model.json"
AI = "about_ai"
FORMAT = 1

log = logging.getLogger(__name__)
_EMBEDDER_LOCK = threading.Lock()
# (tried, the embedding model or None when it could not load): loaded at most once per process.
_embedder: tuple[bool, Any] = (False, None)


def story_text(title: str, summary: str) -> str:
    """What the model reads: the headline twice (it carries more than the summary), then the
    summary. The training script and scoring use this one function."""
    return f"{title}. {title}. {summary}"


def load_embedder(root: Path | None = None) -> Any:
    """WordLlama's static token embeddings, from the files inside its installed wheel (``root``:
    the folder holding its ``weights`` and ``tokenizers``; the package's own by default). Never
    downloads: with ``disable_download`` a missing file raises instead of being fetched (its
    default load would look for the tokenizer under the wrong folder name and download it)."""
    import wordllama
    from wordllama import WordLlama

    return WordLlama.load(cache_dir=root or Path(wordllama.__file__).parent, disable_download=True)


def embedder() -> Any:
    """The embedding model, loaded on first use, once per process and thread-safely; None (said
    once in the log) when it cannot load, and the models that use it score with their word
    features alone."""
    global _embedder
    if not _embedder[0]:
        with _EMBEDDER_LOCK:
            if not _embedder[0]:
                try:
                    _embedder = (True, load_embedder())
                except Exception as exc:  # any failure to load must leave ranking working
                    log.warning(
                        "sentence embeddings unavailable (%s: %s): ranking with word features only "
                        "(TF-IDF, bag of words), without the embedding models",
                        type(exc).__name__,
                        exc,
                    )
                    _embedder = (True, None)
    return _embedder[1]


def embed(texts: Sequence[str], model: Any = None) -> np.ndarray | None:
    """Unit-length sentence embeddings (len(texts), 256) of ``texts`` (None without the model).
    The training script and scoring use this one function."""
    import numpy as np

    wl = model if model is not None else embedder()
    if wl is None:
        return None
    vecs = np.asarray(wl.embed(list(texts)), dtype=np.float64)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return np.asarray(vecs / np.where(norms > 0, norms, 1.0))


@dataclass(frozen=True)
class Target:
    """One calibrated binary classifier over the shared features."""

    name: str
    threshold: float  # probability from which the ranker counts the story as positive


class NewsModel:
    """Calibrated probabilities per target for story texts (built from the shipped JSON)."""

    def __init__(self, data: dict[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise ValueError(f"unsupported ranker model format {data.get('format')!r}")
        import numpy as np
        import scipy.sparse as sp  # noqa: F401 - imported with numpy, before the vectorizers need it

        self.meta: dict[str, Any] = data.get("meta", {})
        self._vectorizers = [_vectorizer(v) for v in data["vectorizers"]]
        targets = data["targets"]
        self.targets = tuple(Target(t["name"], float(t["threshold"])) for t in targets)
        self.names = tuple(t.name for t in self.targets)
        self._coef = np.array([t["coef"] for t in targets], dtype=np.float64)  # (targets, features)
        self._intercept = np.array([t["intercept"] for t in targets], dtype=np.float64)
        self._a = np.array([t["calibration"][0] for t in targets], dtype=np.float64)
        self._b = np.array([t["calibration"][1] for t in targets], dtype=np.float64)
        # A target trained only on stories of another (``given``) gives a conditional probability;
        # scoring multiplies it by that target's to make it a probability of its own.
        names = [t["name"] for t in targets]
        self._given = [(i, names.index(t["given"])) for i, t in enumerate(targets) if t.get("given")]
        self._vocab_words: dict[int, str] = {}
        # The second model per target, on the story's sentence embedding (None: a model trained
        # without it); its calibrated probability is averaged in with weight ``_emb_weight``.
        emb = data.get("embedding")
        self._emb_weight = float(emb["weight"]) if emb else 0.0
        if emb:
            self._emb_coef = np.array([t["embedding"]["coef"] for t in targets], dtype=np.float64)
            self._emb_intercept = np.array([t["embedding"]["intercept"] for t in targets], dtype=np.float64)
            self._emb_a = np.array([t["embedding"]["calibration"][0] for t in targets], dtype=np.float64)
            self._emb_b = np.array([t["embedding"]["calibration"][1] for t in targets], dtype=np.float64)

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(n for n in self.names if n != AI)

    def threshold(self, name: str) -> float:
        return self.targets[self.names.index(name)].threshold

    @property
    def uses_embeddings(self) -> bool:
        """Whether this model was trained with sentence embeddings beside the TF-IDF features."""
        return self._emb_weight > 0

    def _features(self, texts: Sequence[str]) -> Any:
        import scipy.sparse as sp

        return sp.hstack([v.transform(texts) for v in self._vectorizers], format="csr")

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), len(targets)) calibrated probabilities, columns in ``names`` order."""
        import numpy as np

        if not texts:
            return np.zeros((0, len(self.names)))
        decision = self._features(texts) @ self._coef.T + self._intercept
        # scikit-learn's sigmoid calibration: P = 1 / (1 + exp(a * f + b)).
        probs = 1.0 / (1.0 + np.exp(np.clip(self._a * decision + self._b, -50, 50)))
        vecs = embed(texts) if self._emb_weight else None
        if vecs is not None:
            emb_decision = vecs @ self._emb_coef.T + self._emb_intercept
            emb_probs = 1.0 / (1.0 + np.exp(np.clip(self._emb_a * emb_decision + self._emb_b, -50, 50)))
            probs = (1.0 - self._emb_weight) * probs + self._emb_weight * emb_probs
        if self._given:
            conditional = probs.copy()
            for i, given in self._given:
                probs[:, i] = conditional[:, i] * conditional[:, given]
        return np.asarray(probs)

    def evidence(self, text: str, name: str, n: int = 5, min_idf: float = 5.5) -> list[str]:
        """The distinctive words and word pairs of ``text`` (IDF at least ``min_idf``: rarer than
        about one item in 250 of the corpus) that pushed ``name``'s probability up most."""
        import numpy as np

        word = self._vectorizers[0]
        row = word.transform([text])
        col = self.names.index(name)
        weights = row.multiply(self._coef[col, : row.shape[1]]).tocsr()
        if not self._vocab_words:
            self._vocab_words = {i: w for w, i in word.vocabulary_.items()}
        idf = word.idf_
        order = [
            i for i in np.argsort(-weights.data) if weights.data[i] > 0 and idf[weights.indices[i]] >= min_idf
        ]
        return [self._vocab_words[weights.indices[i]] for i in order[:n]]


def _vectorizer(spec: dict[str, Any]) -> TfidfVectorizer:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    params = dict(spec["params"])
    if "ngram_range" in params:
        params["ngram_range"] = tuple(params["ngram_range"])
    vocab = {term: i for i, term in enumerate(spec["vocabulary"])}
    vectorizer = TfidfVectorizer(vocabulary=vocab, dtype=np.float64, **params)
    vectorizer.idf_ = np.asarray(spec["idf"], dtype=np.float64)
    return vectorizer


@lru_cache(maxsize=2)
def load_model(path: Path = MODEL_FILE) -> NewsModel | None:
    """The shipped model, read once per process; None when the file is absent."""
    if not path.exists():
        return None
    return NewsModel(json.loads(path.read_text(encoding="utf-8")))
