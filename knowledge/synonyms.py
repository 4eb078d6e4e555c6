"""Query expansion: everyday words people type mapped to the words policies are written in.

Keys are lower-case words or phrases (words separated by one space); values are extra search
terms (words or phrases). The user's own words are always searched too; expansions only add.
Kept small and domain-level on purpose: it is a vocabulary bridge, not a list of answers.
"""

from __future__ import annotations

from knowledge.text import words

_GENAI = ("generative ai", "ai tool")
_PERSONAL = ("personal data", "privacy")
_CONFIDENTIAL = ("confidential",)
_IP = ("intellectual property", "copyright")
_HIRING = ("hiring", "candidate", "recruitment")
_BIAS = ("bias", "fairness", "discrimination")
_ACCURACY = ("accuracy", "hallucination", "verify")
_SECRETS = ("secrets", "credentials", "password")
_INCIDENT = ("incident", "report")
_TRAINING = ("training",)
_PROCUREMENT = ("procurement", "vendor", "approved")
_GOVERNANCE = ("governance", "committee")
_RISK_TIER = ("risk tier", "high risk")
_TRANSPARENCY = ("disclose", "transparency", "label")
_MEETING = ("meeting", "transcription", "recording")
_IMPERSONATION = ("impersonate", "deepfake")
_SHADOW = ("shadow ai", "personal account")
_CODE = ("source code", "code")

SYNONYMS: dict[str, tuple[str, ...]] = {
    # generative AI tools by name
    "chatgpt": _GENAI,
    "chat gpt": _GENAI,
    "gpt": _GENAI,
    "openai": _GENAI,
    "copilot": _GENAI,
    "claude": _GENAI,
    "anthropic": _GENAI,
    "gemini": _GENAI,
    "bard": _GENAI,
    "perplexity": _GENAI,
    "mistral": _GENAI,
    "llama": _GENAI,
    "llm": _GENAI,
    "llms": _GENAI,
    "large language model": _GENAI,
    "large language models": _GENAI,
    "chatbot": _GENAI,
    "chatbots": _GENAI,
    "genai": _GENAI,
    "gen ai": _GENAI,
    "ai assistant": _GENAI,
    "ai assistants": _GENAI,
    # personal data and privacy
    "pii": _PERSONAL,
    "personally identifiable information": _PERSONAL,
    "personal information": _PERSONAL,
    "personal details": _PERSONAL,
    "gdpr": ("personal data", "data protection"),
    "dpia": ("data protection impact assessment", "personal data"),
    "customer data": ("personal data", "customer"),
    "client data": ("personal data", "customer"),
    "employee data": ("personal data", "employee"),
    "health data": ("special category", "personal data"),
    # confidentiality and intellectual property
    "trade secret": _CONFIDENTIAL,
    "trade secrets": _CONFIDENTIAL,
    "proprietary": _CONFIDENTIAL,
    "nda": ("confidential", "non-disclosure"),
    "sensitive": _CONFIDENTIAL,
    "ip": _IP,
    "copyrighted": _IP,
    "patent": _IP,
    "patents": _IP,
    "trademark": _IP,
    "owns": ("ownership", "intellectual property"),
    # hiring and HR decisions
    "recruiting": _HIRING,
    "recruitment": _HIRING,
    "recruiter": _HIRING,
    "recruiters": _HIRING,
    "applicant": _HIRING,
    "applicants": _HIRING,
    "cv": ("candidate", "cv", "hiring"),
    "cvs": ("candidate", "cv", "hiring"),
    "resume": ("candidate", "cv", "hiring"),
    "resumes": ("candidate", "cv", "hiring"),
    "interview": _HIRING,
    "interviews": _HIRING,
    "screening": _HIRING,
    "performance review": ("performance", "promotion"),
    "appraisal": ("performance", "promotion"),
    "discrimination": _BIAS,
    "discriminatory": _BIAS,
    "discriminate": _BIAS,
    "fair": _BIAS,
    "unfair": _BIAS,
    "adverse impact": _BIAS,
    "disparate impact": _BIAS,
    # accuracy and review
    "hallucination": _ACCURACY,
    "hallucinations": _ACCURACY,
    "hallucinate": _ACCURACY,
    "hallucinates": _ACCURACY,
    "confabulation": _ACCURACY,
    "made up": _ACCURACY,
    "fabricated": _ACCURACY,
    "inaccurate": _ACCURACY,
    "wrong": _ACCURACY,
    "fact check": _ACCURACY,
    "double check": ("verify", "review"),
    "human in the loop": ("human review", "oversight"),
    "sign off": ("approval", "review"),
    # security
    "jailbreak": ("prompt injection",),
    "jailbreaking": ("prompt injection",),
    "injection": ("prompt injection",),
    "api key": _SECRETS,
    "api keys": _SECRETS,
    "passwords": _SECRETS,
    "tokens": _SECRETS,
    "keys": _SECRETS,
    "hacking": ("security",),
    "phishing": ("security",),
    "malware": ("security",),
    "cyber": ("security",),
    # incidents
    "leak": _INCIDENT,
    "leaked": _INCIDENT,
    "leaking": _INCIDENT,
    "breach": _INCIDENT,
    "data breach": _INCIDENT,
    "accidentally": ("incident", "mistake"),
    "by mistake": ("incident", "mistake"),
    "oops": ("incident", "mistake"),
    "exposed": _INCIDENT,
    "problem": ("incident",),
    "problems": ("incident",),
    "issue": ("incident",),
    "went wrong": ("incident",),
    # training and certification
    "course": _TRAINING,
    "courses": _TRAINING,
    "upskilling": ("training", "skills"),
    "reskilling": ("training", "skills"),
    "literacy": ("training", "ai literacy"),
    "workshop": _TRAINING,
    "certificate": ("certification",),
    "certificates": ("certification",),
    "certified": ("certification",),
    # buying tools
    "buy": _PROCUREMENT,
    "buying": _PROCUREMENT,
    "purchase": _PROCUREMENT,
    "purchasing": _PROCUREMENT,
    "procure": _PROCUREMENT,
    "vendors": _PROCUREMENT,
    "supplier": _PROCUREMENT,
    "suppliers": _PROCUREMENT,
    "subscription": _PROCUREMENT,
    "new tool": ("request", "approved", "procurement"),
    "allowlist": ("approved",),
    "whitelist": ("approved",),
    "sanctioned": ("approved",),
    # governance and regulation
    "ai act": ("eu ai act",),
    "nist": ("nist ai rmf", "governance"),
    "rmf": ("nist ai rmf", "governance"),
    "iso": ("iso iec 42001", "governance"),
    "42001": ("iso iec 42001", "governance"),
    "oversight": _GOVERNANCE,
    "accountable": ("accountability", "governance"),
    "who decides": _GOVERNANCE,
    "high risk": _RISK_TIER,
    "risk level": _RISK_TIER,
    "risk levels": _RISK_TIER,
    "risk category": _RISK_TIER,
    # transparency and disclosure
    "disclosure": _TRANSPARENCY,
    "labelling": _TRANSPARENCY,
    "labeling": _TRANSPARENCY,
    "watermark": _TRANSPARENCY,
    "ai generated": _TRANSPARENCY,
    # other everyday words
    "day to day": ("everyday", "routine"),
    "daily": ("everyday", "routine"),
    "required": ("mandatory",),
    "compulsory": ("mandatory",),
    "obligatory": ("mandatory",),
    "transcribe": _MEETING,
    "transcript": _MEETING,
    "notetaker": _MEETING,
    "note taker": _MEETING,
    "deepfake": _IMPERSONATION,
    "deepfakes": _IMPERSONATION,
    "voice clone": _IMPERSONATION,
    "impersonation": _IMPERSONATION,
    "personal account": _SHADOW,
    "private account": _SHADOW,
    "free version": _SHADOW,
    "browser extension": _SHADOW,
    "shadow it": _SHADOW,
    "coding": _CODE,
    "programming": _CODE,
    "github": _CODE,
    "monitoring": ("monitoring", "surveillance"),
    "surveillance": ("monitoring", "surveillance"),
    "emotion recognition": ("emotion", "monitoring"),
    "retention": ("retention", "delete"),
}

# Longest trigger first, so "large language model" wins over "model".
MAX_PHRASE_WORDS = max(len(words(key)) for key in SYNONYMS)


def expansions(phrase: str) -> tuple[str, ...]:
    """Extra terms for a word or phrase (words joined by single spaces), or ``()``."""
    return SYNONYMS.get(phrase, ())
