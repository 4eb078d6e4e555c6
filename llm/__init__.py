"""The optional language model: an OpenAI-compatible endpoint a company points us at.

Off unless ``BRIEFBOT_LLM_BASE_URL`` is set, and never more than a helper: every text it writes
is checked against the text it was written from (``llm.checks``) and stored once (``llm.store``);
any failure, timeout, refusal or spent budget leaves the deterministic text in place.
"""

from llm.model import LanguageModel, ModelConfig, Written

__all__ = ["LanguageModel", "ModelConfig", "Written"]
