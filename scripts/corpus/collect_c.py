"""Collect half "c" of the labelled news corpus (issue 18): AI stories for legal, finance, HR, ops.

Reads feed snapshots that public GitHub repositories committed (mirrored into $BRIEFBOT_MIRRORS, by
a fetch of each repository), keeps each item's headline and summary as published (HTML stripped, summary
cut at a word to 600 characters), drops every item whose link or normalised title is already in
items-a.jsonl or items-b.jsonl and every outlet those halves already use (hold-out is by outlet),
caps each outlet, and writes unlabelled records (JSONL) for hand labelling.

Usage:
    python scripts/corpus/collect_c.py --out raw-c.jsonl

Inputs (exact repo@commit:path):
- github:sorakimsr/ai-legaltech-watch@<each commit that changed data/news.json>:data/news.json
  (legal-AI watch: RSS of legal press and AI outlets plus Google News searches; every stored
  version is read, an item's origin is the first commit it appeared in)
- github:ny3rs/ai-inside-weekly@6e183f67342efb1a89049ac8c1169b90a894d69c:data/posts.json
  (weekly "AI inside organisations" roundups built from RSS; one-sentence snippets)
- github:bmoricz-dal/ai-business-insight-briefing@0c36a1f4958d9d9d33188dac339830e7417fdc20:
  data/source_packs/*.json (AWS Machine Learning Blog items and Google News business-AI searches;
  half B used other outlets of this repository)
Second round (fills the room each outlet has left after the first round, so items chosen in the
first round never change; a third round does the same with more Google News outlet names, see
OUTLET_DOMAINS_EXTRA, from the first round's files):
- github:christina918918/daily-ai-pulse-data@aea57b1eee4048e93031e58922c0e2193af8a6b1:data/2026-*.json
  (daily AI reading list; The Information and Google Blog items; FT and OpenAI are used by A/B)
- github:aktualmedia/all-business-news@<each commit that changed data/news.json>:data/news.json
  (aggregator RSS cache; only outlets half B did not use survive the outlet filter)
Fourth round (same rule):
- github:rumca-js/RSS-Link-Database-2023@08b89dd9bdbd20633c994bb4a74411f204225b0f:
  2023/MM/2023-MM-DD/<feed>_entries.json for the WSJ technology and world-news feeds, MSN news, the
  Daily Mail news feed, CNA, Le Monde in English and Arab News (daily RSS captures of 2023; half A
  used other feeds of this repository).
  Within the AI items of these outlets, those naming a workplace, money or legal consequence
  (CONSEQUENCE) are taken first, newest first.

Google News items carry no summary of their own (the feed repeats the headline and names the
outlet): their summary is left empty, the outlet is the name after the last " - " of the headline
and its domain comes from OUTLET_DOMAINS; an outlet not listed there is skipped rather than guessed.

Sampling (not labelling): per outlet, items whose headline or summary names an AI term come first
(newest first) and at most NON_AI_PER_OUTLET others are added, at most CAP_PER_OUTLET per outlet;
later rounds only take outlets with at least one such item, and one other item per outlet.
Every item is then labelled by hand; the sampling words decide nothing about the labels.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import os
import re
import subprocess
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

MIRROR = Path(os.environ.get("BRIEFBOT_MIRRORS", "mirrors"))
MAX_SUMMARY = 600
CAP_PER_OUTLET = 40
NON_AI_PER_OUTLET = 3
NON_AI_LATER_ROUNDS = 1
HALVES = (
    Path(__file__).resolve().parents[2] / "briefings/data/news/items-a.jsonl",
    Path(__file__).resolve().parents[2] / "briefings/data/news/items-b.jsonl",
)
FORBIDDEN = {
    "SathyaSivam-GRCNexis/grc-copilot",
    "yestrar123/ai-news-tracker",
    "gtcode-dot-com/l",
    "everyday-cc/ai",
    "felixtea/ai-digest",
}

SORA_REPO = "sorakimsr/ai-legaltech-watch"
NY3_REPO = "ny3rs/ai-inside-weekly"
NY3_COMMIT = "6e183f67342efb1a89049ac8c1169b90a894d69c"
PULSE_REPO = "christina918918/daily-ai-pulse-data"
PULSE_COMMIT = "aea57b1eee4048e93031e58922c0e2193af8a6b1"
AKTUAL_REPO = "aktualmedia/all-business-news"
RUMCA_REPO = "rumca-js/RSS-Link-Database-2023"
RUMCA_COMMIT = "08b89dd9bdbd20633c994bb4a74411f204225b0f"
# daily feed captures of 2023 (file stem -> outlet domain); half A read other feeds of this repository
RUMCA_FEEDS = {
    "https.feeds.a.dj.comrssRSSWSJD.xml": "wsj.com",
    "https.feeds.a.dj.comrssRSSWorldNews.xml": "wsj.com",
    "http.www.msn.comrssnews.aspx": "msn.com",
    "https.www.dailymail.co.uknewsindex.rss": "dailymail.co.uk",
    "https.www.channelnewsasia.comapiv1rss-outbound-feed._format.xml": "channelnewsasia.com",
    "https.www.lemonde.frenrssune.xml": "lemonde.fr",
    "https.www.lemonde.frensciencerss_full.xml": "lemonde.fr",
    "https.www.arabnews.comrss.xml": "arabnews.com",
}
# Fourth-round ordering only: among AI items, those naming a workplace, money or legal consequence come
# first, so that a 40-item outlet quota from a year of wire copy is not all launches and valuations.
CONSEQUENCE = re.compile(
    r"\b(employ\w*|workers?|jobs?|hiring|hire[sd]?|recruit\w*|staff|layoffs?|workplace|union\w*|skills?|"
    r"CFOs?|financ\w*|accounting|auditors?|banks?|banking|costs?|pric\w+|budgets?|spend\w*|fraud\w*|"
    r"lawsuits?|sues?|sued|courts?|judges?|laws?|lawyers?|regulat\w+|copyright|privacy|complian\w+|"
    r"customer service|productivity|companies)\b",
    re.IGNORECASE,
)
BMO_REPO = "bmoricz-dal/ai-business-insight-briefing"
BMO_COMMIT = "0c36a1f4958d9d9d33188dac339830e7417fdc20"

AI_TERMS = re.compile(
    r"\b(AI|A\.I\.|artificial intelligence|generative|genAI|LLMs?|chatbots?|ChatGPT|GPT-?\d|"
    r"OpenAI|Anthropic|Claude|Gemini|Copilot|machine learning|agentic|AI agents?|deepfakes?|"
    r"Harvey|Legora|neural|large language model|Bedrock|SageMaker|Nova|Llama|Mistral)\b",
    re.IGNORECASE,
)

# outlet display name -> (domain, kind); domains follow the link host with "www." dropped.
OUTLET_KINDS: dict[str, str] = {
    "abovethelaw.com": "legal",
    "legalfutures.co.uk": "legal",
    "legalcheek.com": "legal",
    "lawnext.com": "legal",
    "artificiallawyer.com": "legal",
    "legaltechnology.com": "legal",
    "law.com": "legal",
    "abajournal.com": "legal",
    "natlawreview.com": "legal",
    "news.bloomberglaw.com": "legal",
    "law360.com": "legal",
    "lawfaremedia.org": "legal",
    "mlex.com": "legal",
    "ipwatchdog.com": "legal",
    "iapp.org": "legal",
    "law.stanford.edu": "legal",
    "lawfuel.com": "legal",
    "legalbusinessonline.com": "legal",
    "corporatecomplianceinsights.com": "legal",
    "harvey.ai": "ai-vendor",
    "techcrunch.com": "tech",
    "axios.com": "general",
    "the-decoder.com": "tech",
    "blogs.nvidia.com": "ai-vendor",
    "deepmind.google": "ai-vendor",
    "blog.google": "ai-vendor",
    "research.google": "ai-vendor",
    "huggingface.co": "ai-vendor",
    "technologyreview.com": "tech",
    "lastweekin.ai": "tech",
    "stability.ai": "ai-vendor",
    "aws.amazon.com": "ai-vendor",
    "theregister.com": "tech",
    "venturebeat.com": "tech",
    "itpro.com": "tech",
    "prnewswire.com": "other",
    "businesswire.com": "other",
    "siliconangle.com": "tech",
    "pcmag.com": "tech",
    "itbrief.co.uk": "tech",
    "cio.com": "tech",
    "computerweekly.com": "tech",
    "insurancebusinessmag.com": "finance",
    "staffingindustry.com": "hr",
    "enterprisetimes.co.uk": "tech",
    "smeweb.com": "other",
    "ffnews.com": "finance",
    "businesscloud.co.uk": "tech",
    "tech.eu": "tech",
    "thedrum.com": "other",
    "retail-week.com": "operations",
    "thegrocer.co.uk": "operations",
    "verdict.co.uk": "tech",
    "digit.fyi": "tech",
    "cybernews.com": "security",
    "siliconrepublic.com": "tech",
    "theinformation.com": "tech",
    "spectrum.ieee.org": "tech",
    "newscientist.com": "science",
    "theconversation.com": "general",
    "medicalxpress.com": "science",
    "agfundernews.com": "other",
    "wardsauto.com": "operations",
    "weforum.org": "other",
    "fortune.com": "general",
    "wsj.com": "general",
    "geekwire.com": "tech",
    "thenewstack.io": "tech",
    "aibusiness.com": "tech",
    "fedscoop.com": "general",
    "cmswire.com": "tech",
    "securityboulevard.com": "security",
    "helpnetsecurity.com": "security",
    "pymnts.com": "finance",
    "americanbanker.com": "finance",
    "fintechfutures.com": "finance",
    "fintech.global": "finance",
    "cxtoday.com": "operations",
    "techtarget.com": "tech",
    "cybersecuritydive.com": "security",
    "dcvelocity.com": "operations",
    "digitalcommerce360.com": "operations",
    "techpolicy.press": "legal",
    "govtech.com": "general",
    "claimsjournal.com": "finance",
    "sifted.eu": "tech",
    "pitchbook.com": "finance",
    "cdomagazine.tech": "tech",
    "tomshardware.com": "tech",
    "scientificamerican.com": "science",
    "independent.co.uk": "general",
    "afr.com": "finance",
    "theglobeandmail.com": "general",
    "fool.com": "finance",
    "crn.com": "tech",
    "builtin.com": "tech",
    "theintermediary.co.uk": "finance",
    "creditconnect.co.uk": "finance",
    "retailtimes.co.uk": "operations",
    "365retail.co.uk": "operations",
    "startups.co.uk": "other",
    "elitebusinessmagazine.co.uk": "other",
    "thinkdigitalpartners.com": "tech",
    "aithority.com": "tech",
    "hrtechseries.com": "hr",
    "techrseries.com": "hr",
    "cateringinsight.com": "operations",
    "grocerytradenews.co.uk": "operations",
    "logisticsinsider.in": "operations",
    "marketingweek.com": "other",
    "smallbusiness.co.uk": "other",
    "globalbankingandfinance.com": "finance",
    "unite.ai": "tech",
    "retailtechinnovationhub.com": "operations",
    "techgig.com": "tech",
    "itsecurityguru.org": "security",
    "hrtoday.in": "hr",
    "consulting.us": "other",
    "cbiz.com": "finance",
    "assetservicingtimes.com": "finance",
    "9fin.com": "finance",
    "bizTechmagazine.com": "tech",
    "ctech.calcalistech.com": "tech",
    "businessinsider.com": "general",
    "cnbc.com": "general",
    "msn.com": "general",
    "dailymail.co.uk": "general",
    "channelnewsasia.com": "general",
    "lemonde.fr": "general",
    "arabnews.com": "general",
    "variety.com": "general",
    "deadline.com": "general",
    "hollywoodreporter.com": "general",
    "letsdatascience.com": "tech",
    "medcitynews.com": "other",
    "oilprice.com": "finance",
    "dig.watch": "legal",
    "techtimes.com": "tech",
    "theaiinsider.tech": "tech",
    "404media.co": "tech",
    "newsletter.pragmaticengineer.com": "tech",
    "normaltech.ai": "tech",
    "bankofengland.co.uk": "finance",
    "blog.cloudflare.com": "ai-vendor",
    "brookings.edu": "other",
    "economist.com": "general",
    "fredblog.stlouisfed.org": "finance",
    "libertystreeteconomics.newyorkfed.org": "finance",
    "nature.com": "science",
    "nber.org": "science",
    "ritholtz.com": "finance",
    "visualcapitalist.com": "finance",
    "9to5mac.com": "tech",
    "decrypt.co": "tech",
    "gov.uk": "other",
    "intuit.com": "finance",
    "programminginsider.com": "tech",
    "statista.com": "other",
    "stratechery.com": "tech",
    "theaustralian.com.au": "general",
    "businessnewsdaily.com": "other",
    "ciodive.com": "operations",
    "gartner.com": "other",
    "raconteur.net": "other",
    "technologymagazine.com": "tech",
    "9to5google.com": "tech",
    "aboutamazon.co.uk": "ai-vendor",
    "alpha-sense.com": "finance",
    "bcs.org": "tech",
    "circleid.com": "tech",
    "cloudwars.com": "tech",
    "collegerecruiter.com": "hr",
    "constructionmanagement.co.uk": "operations",
    "csoonline.com": "security",
    "digitalmusicnews.com": "general",
    "doncasterfreepress.co.uk": "general",
    "durham.ac.uk": "science",
    "fundingcircle.com": "finance",
    "futurumgroup.com": "tech",
    "ibm.com": "ai-vendor",
    "london.gov.uk": "other",
    "macworld.com": "tech",
    "manilatimes.net": "general",
    "marketingbrew.com": "other",
    "memeburn.com": "tech",
    "musicbusinessworldwide.com": "general",
    "nasscom.in": "tech",
    "ndtvprofit.com": "finance",
    "netguru.com": "tech",
    "ons.gov.uk": "other",
    "oxfordmail.co.uk": "general",
    "pa.media": "general",
    "pwc.com": "finance",
    "reply.com": "tech",
    "scotsman.com": "general",
    "sproutsocial.com": "other",
    "techfundingnews.com": "tech",
    "techinasia.com": "tech",
    "unu.edu": "legal",
    "uschamber.com": "other",
    "vorys.com": "legal",
    "xda-developers.com": "tech",
    "yorkshirepost.co.uk": "general",
    "yougov.co.uk": "other",
    "aei.org": "other",
    "resultsense.com": "tech",
    "vocal.media": "other",
}

# Google News outlet names (text after the last " - " of the headline) -> domain
OUTLET_DOMAINS: dict[str, str] = {
    "Law.com": "law.com",
    "ABA Journal": "abajournal.com",
    "Artificial Lawyer": "artificiallawyer.com",
    "The National Law Review": "natlawreview.com",
    "Legal IT Insider": "legaltechnology.com",
    "Bloomberg Law News": "news.bloomberglaw.com",
    "Law360": "law360.com",
    "Lawfare": "lawfaremedia.org",
    "MLex": "mlex.com",
    "IPWatchdog.com": "ipwatchdog.com",
    "IAPP": "iapp.org",
    "Stanford Law School": "law.stanford.edu",
    "LawFuel": "lawfuel.com",
    "LawFuel.com": "lawfuel.com",
    "corporatecomplianceinsights.com": "corporatecomplianceinsights.com",
    "Legal Futures": "legalfutures.co.uk",
    "LawSites": "lawnext.com",
    "Above the Law": "abovethelaw.com",
    "Harvey": "harvey.ai",
    "PR Newswire": "prnewswire.com",
    "Business Wire": "businesswire.com",
    "SiliconANGLE": "siliconangle.com",
    "PCMag": "pcmag.com",
    "Axios": "axios.com",
    "TechCrunch": "techcrunch.com",
    "VentureBeat": "venturebeat.com",
    "IT Brief UK": "itbrief.co.uk",
    "itbrief.co.uk": "itbrief.co.uk",
    "cio.com": "cio.com",
    "Computer Weekly": "computerweekly.com",
    "Insurance Business": "insurancebusinessmag.com",
    "insurancebusinessmag.com": "insurancebusinessmag.com",
    "Staffing Industry Analysts": "staffingindustry.com",
    "Enterprise Times": "enterprisetimes.co.uk",
    "enterprisetimes.co.uk": "enterprisetimes.co.uk",
    "SME Magazine": "smeweb.com",
    "FF News": "ffnews.com",
    "ffnews.com": "ffnews.com",
    "businesscloud.co.uk": "businesscloud.co.uk",
    "Tech.eu": "tech.eu",
    "The Drum": "thedrum.com",
    "Retail Week": "retail-week.com",
    "The Grocer": "thegrocer.co.uk",
    "verdict.co.uk": "verdict.co.uk",
    "digit.fyi": "digit.fyi",
    "Cybernews": "cybernews.com",
    "Fortune": "fortune.com",
    "WSJ": "wsj.com",
    "GeekWire": "geekwire.com",
    "The New Stack": "thenewstack.io",
    "AI Business": "aibusiness.com",
    "FedScoop": "fedscoop.com",
    "CMSWire": "cmswire.com",
    "Security Boulevard": "securityboulevard.com",
    "Help Net Security": "helpnetsecurity.com",
    "PYMNTS.com": "pymnts.com",
    "American Banker": "americanbanker.com",
    "FinTech Futures": "fintechfutures.com",
    "FinTech Global": "fintech.global",
    "CX Today": "cxtoday.com",
    "TechTarget": "techtarget.com",
    "Cybersecurity Dive": "cybersecuritydive.com",
    "DC Velocity": "dcvelocity.com",
    "Digital Commerce 360": "digitalcommerce360.com",
    "Tech Policy Press": "techpolicy.press",
    "govtech.com": "govtech.com",
    "Claims Journal": "claimsjournal.com",
    "Sifted": "sifted.eu",
    "PitchBook": "pitchbook.com",
    "CDO Magazine": "cdomagazine.tech",
    "Tom's Hardware": "tomshardware.com",
    "Scientific American": "scientificamerican.com",
    "The Independent": "independent.co.uk",
    "AFR": "afr.com",
    "The Globe and Mail": "theglobeandmail.com",
    "The Motley Fool": "fool.com",
    "crn.com": "crn.com",
    "Built In": "builtin.com",
    "The Intermediary": "theintermediary.co.uk",
    "theintermediary.co.uk": "theintermediary.co.uk",
    "Credit Connect": "creditconnect.co.uk",
    "Retail Times": "retailtimes.co.uk",
    "365 Retail": "365retail.co.uk",
    "365retail.co.uk": "365retail.co.uk",
    "Startups.co.uk": "startups.co.uk",
    "Elite Business Magazine": "elitebusinessmagazine.co.uk",
    "THINK Digital Partners": "thinkdigitalpartners.com",
    "AiThority": "aithority.com",
    "HRTech Series": "hrtechseries.com",
    "techrseries.com": "techrseries.com",
    "Catering Insight": "cateringinsight.com",
    "cateringinsight.com": "cateringinsight.com",
    "Grocery Trade News": "grocerytradenews.co.uk",
    "Logistics Insider": "logisticsinsider.in",
    "logisticsinsider.in": "logisticsinsider.in",
    "Marketing Week": "marketingweek.com",
    "Small Business UK": "smallbusiness.co.uk",
    "smallbusiness.co.uk": "smallbusiness.co.uk",
    "Global Banking & Finance Review": "globalbankingandfinance.com",
    "Unite.AI": "unite.ai",
    "Retail Technology Innovation Hub": "retailtechinnovationhub.com",
    "TechGig": "techgig.com",
    "IT Security Guru": "itsecurityguru.org",
    "hrtoday.in": "hrtoday.in",
    "Consulting.us": "consulting.us",
    "CBIZ": "cbiz.com",
    "Asset Servicing Times": "assetservicingtimes.com",
    "9fin": "9fin.com",
    "CTech": "ctech.calcalistech.com",
    "Business Insider": "businessinsider.com",
    "CNBC": "cnbc.com",
    "IT Pro": "itpro.com",
    "The World Economic Forum": "weforum.org",
    "CIO Dive": "ciodive.com",
    "Raconteur": "raconteur.net",
    "Technology Magazine": "technologymagazine.com",
    "Business News Daily": "businessnewsdaily.com",
    "Gartner": "gartner.com",
    "Brookings": "brookings.edu",
    "The Economist": "economist.com",
    "Bank of England": "bankofengland.co.uk",
}

# Third round: further Google News outlet names, read only after rounds one and two so that their
# choices stay as they were. Outlets of A/B are mapped too, so that the outlet filter drops them.
OUTLET_DOMAINS_EXTRA: dict[str, str] = {
    "GOV.UK": "gov.uk",
    "gov.uk": "gov.uk",
    "Resultsense": "resultsense.com",
    "Statista": "statista.com",
    "YouGov": "yougov.co.uk",
    "About Amazon UK": "aboutamazon.co.uk",
    "Funding Circle": "fundingcircle.com",
    "BCS, The Chartered Institute for IT": "bcs.org",
    "bcs.org": "bcs.org",
    "Reply": "reply.com",
    "reply.com": "reply.com",
    "Memeburn": "memeburn.com",
    "Via Ritzau": "via.ritzau.dk",
    "via.ritzau.dk": "via.ritzau.dk",
    "Nasscom": "nasscom.in",
    "community.nasscom.in": "nasscom.in",
    "london.gov.uk": "london.gov.uk",
    "Deloitte": "www2.deloitte.com",
    "McKinsey & Company": "mckinsey.com",
    "Office for National Statistics": "ons.gov.uk",
    "ons.gov.uk": "ons.gov.uk",
    "Intuit": "intuit.com",
    "AlphaSense": "alpha-sense.com",
    "PA Media": "pa.media",
    "vocal.media": "vocal.media",
    "Vocal": "vocal.media",
    "Netguru": "netguru.com",
    "AIMultiple": "aimultiple.com",
    "aimultiple.com": "aimultiple.com",
    "Loughborough University": "lboro.ac.uk",
    "Sprout Social": "sproutsocial.com",
    "Programming Insider": "programminginsider.com",
    "markets.businessinsider.com": "businessinsider.com",
    "Doncaster Free Press": "doncasterfreepress.co.uk",
    "Durham University": "durham.ac.uk",
    "IBM": "ibm.com",
    "Yorkshire Post": "yorkshirepost.co.uk",
    "The Scotsman": "scotsman.com",
    "Oxford Mail": "oxfordmail.co.uk",
    "Business Standard": "business-standard.com",
    "The Manila Times": "manilatimes.net",
    "MIT Sloan": "sloanreview.mit.edu",
    "Let's Data Science": "letsdatascience.com",
    "Digital Watch Observatory": "dig.watch",
    "Tech Times": "techtimes.com",
    "Indiatimes": "economictimes.indiatimes.com",
    "ETCISO.in": "economictimes.indiatimes.com",
    "AI Insider": "theaiinsider.tech",
    "Decrypt": "decrypt.co",
    "9to5Mac": "9to5mac.com",
    "South China Morning Post": "scmp.com",
    "The Guardian": "theguardian.com",
    "Vorys": "vorys.com",
    "White & Case LLP": "whitecase.com",
    "Hunton Andrews Kurth LLP": "hunton.com",
    "PwC": "pwc.com",
    "U.S. Chamber of Commerce": "uschamber.com",
    "AEI": "aei.org",
    "College Recruiter": "collegerecruiter.com",
    "csoonline.com": "csoonline.com",
    "The Futurum Group": "futurumgroup.com",
    "United Nations University": "unu.edu",
    "Cloud Wars": "cloudwars.com",
    "CircleID": "circleid.com",
    "Music Business Worldwide": "musicbusinessworldwide.com",
    "Digital Music News": "digitalmusicnews.com",
    "Construction Management Magazine": "constructionmanagement.co.uk",
    "Marketing Brew": "marketingbrew.com",
    "Tech in Asia": "techinasia.com",
    "Tech Funding News": "techfundingnews.com",
    "NDTV Profit": "ndtvprofit.com",
    "The Information": "theinformation.com",
    "Bloomberg.com": "bloomberg.com",
    "The Verge": "theverge.com",
    "MarketWatch": "marketwatch.com",
    "Politico": "politico.com",
    "BleepingComputer": "bleepingcomputer.com",
    "XDA": "xda-developers.com",
    "Macworld": "macworld.com",
    "9to5Google": "9to5google.com",
    "IT Brief UK": "itbrief.co.uk",
}

DISPLAY: dict[str, str] = {
    "abovethelaw.com": "Above the Law",
    "legalfutures.co.uk": "Legal Futures",
    "legalcheek.com": "Legal Cheek",
    "lawnext.com": "LawSites",
    "artificiallawyer.com": "Artificial Lawyer",
    "legaltechnology.com": "Legal IT Insider",
    "techcrunch.com": "TechCrunch",
    "axios.com": "Axios",
    "the-decoder.com": "The Decoder",
    "blogs.nvidia.com": "NVIDIA Blog",
    "deepmind.google": "Google DeepMind",
    "blog.google": "Google Blog",
    "research.google": "Google Research",
    "huggingface.co": "Hugging Face Blog",
    "technologyreview.com": "MIT Technology Review",
    "lastweekin.ai": "Last Week in AI",
    "aws.amazon.com": "AWS Machine Learning Blog",
    "theregister.com": "The Register",
    "venturebeat.com": "VentureBeat",
    "itpro.com": "IT Pro",
    "theinformation.com": "The Information",
    "spectrum.ieee.org": "IEEE Spectrum",
    "newscientist.com": "New Scientist",
    "theconversation.com": "The Conversation",
    "wsj.com": "The Wall Street Journal",
    "msn.com": "MSN",
    "dailymail.co.uk": "Daily Mail",
    "channelnewsasia.com": "CNA",
    "lemonde.fr": "Le Monde",
    "arabnews.com": "Arab News",
    "law.com": "Law.com",
    "abajournal.com": "ABA Journal",
    "natlawreview.com": "The National Law Review",
    "news.bloomberglaw.com": "Bloomberg Law",
    "blog.cloudflare.com": "Cloudflare Blog",
    "weforum.org": "World Economic Forum",
}


def strip_html(text: str) -> str:
    text = re.sub(r"<[^>]+>", " ", text or "")
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def cut(text: str, limit: int = MAX_SUMMARY) -> str:
    if len(text) <= limit:
        return text
    head = text[:limit]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,;:")


def norm_title(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def domain_of(url: str) -> str:
    m = re.match(r"https?://([^/]+)", url or "")
    host = (m.group(1) if m else "").lower()
    host = re.sub(r"^(www\d?|go|feeds)\.", "", host)
    return host


def iso(value: str | None) -> str | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            dt = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def git(repo: str, *args: str) -> str:
    path = MIRROR / repo.replace("/", "+") / "repo"
    done = subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True)
    if done.returncode:
        raise FileNotFoundError(done.stderr.strip())
    return done.stdout


def google_news(title: str, extra: bool = False) -> tuple[str, str] | None:
    """Headline and outlet domain of a Google News item, or None when the outlet is unknown.

    With extra, only outlets of the third round's table are resolved.
    """
    head, sep, outlet = title.rpartition(" - ")
    table = OUTLET_DOMAINS_EXTRA if extra else OUTLET_DOMAINS
    name = outlet.strip()
    if not sep or name not in table or (extra and name in OUTLET_DOMAINS):
        return None
    return head.strip(), table[name]


def record(
    title: str, summary: str, link: str, published: str | None, domain: str, origin: str
) -> dict[str, Any]:
    return {
        "id": hashlib.sha1(link.encode()).hexdigest()[:16],
        "outlet": DISPLAY.get(domain, domain),
        "outlet_domain": domain,
        "outlet_kind": OUTLET_KINDS.get(domain, "other"),
        "title": strip_html(title),
        "summary": cut(strip_html(summary)),
        "link": link,
        "published": iso(published),
        "origin": origin,
    }


def from_sorakim(extra: bool = False) -> list[dict[str, Any]]:
    shas = git(SORA_REPO, "log", "--reverse", "--format=%H", "--", "data/news.json").split()
    out: list[dict[str, Any]] = []
    for sha in shas:
        try:
            data = json.loads(git(SORA_REPO, "show", f"{sha}:data/news.json"))
        except (FileNotFoundError, json.JSONDecodeError):
            continue  # versions whose blob the snapshot does not hold
        origin = f"github:{SORA_REPO}@{sha}:data/news.json"
        for it in data.get("items", []):
            src = it.get("source", "")
            if it.get("lang") != "en" or src.startswith("arXiv") or src == "OpenAlex":
                continue
            link, title, summary = it["url"], it["title"], it.get("summary") or ""
            if "news.google.com" in link:
                found = google_news(title, extra)
                if not found:
                    continue
                title, domain = found
                summary = ""  # the feed repeats the headline, it has no summary
            elif extra:
                continue
            else:
                domain = domain_of(link)
            out.append(record(title, summary, link, it.get("date"), domain, origin))
    return out


def from_ny3rs() -> list[dict[str, Any]]:
    data = json.loads(git(NY3_REPO, "show", f"{NY3_COMMIT}:data/posts.json"))
    origin = f"github:{NY3_REPO}@{NY3_COMMIT}:data/posts.json"
    out = []
    for post in data["posts"]:
        for it in post["items"]:
            summary = it.get("summary") or ""
            if summary.strip() == it["headline"].strip():
                summary = ""
            out.append(
                record(it["headline"], summary, it["url"], post.get("date"), domain_of(it["url"]), origin)
            )
    return out


def from_bmoricz(extra: bool = False) -> list[dict[str, Any]]:
    names = git(BMO_REPO, "ls-tree", "-r", "--name-only", BMO_COMMIT, "data/source_packs").split()
    out = []
    for name in sorted(n for n in names if n.endswith(".json")):
        origin = f"github:{BMO_REPO}@{BMO_COMMIT}:{name}"
        for it in json.loads(git(BMO_REPO, "show", f"{BMO_COMMIT}:{name}"))["items"]:
            src, link, title = it.get("source", ""), it.get("url", ""), it.get("title", "")
            if not (link and title):
                continue
            if src == "AWS Machine Learning Blog" and not extra:
                out.append(
                    record(
                        title, it.get("summary") or "", link, it.get("published"), "aws.amazon.com", origin
                    )
                )
            elif src.startswith("Google News"):
                found = google_news(title, extra)
                if found:
                    out.append(record(found[0], "", link, it.get("published"), found[1], origin))
    return out


def from_pulse() -> list[dict[str, Any]]:
    names = git(PULSE_REPO, "ls-tree", "-r", "--name-only", PULSE_COMMIT, "data").split()
    out = []
    for name in sorted(n for n in names if re.fullmatch(r"data/\d{4}-\d{2}-\d{2}\.json", n)):
        origin = f"github:{PULSE_REPO}@{PULSE_COMMIT}:{name}"
        for it in json.loads(git(PULSE_REPO, "show", f"{PULSE_COMMIT}:{name}")):
            link = it.get("url") or ""
            if it.get("language") != "en" or domain_of(link) not in ("theinformation.com", "blog.google"):
                continue
            out.append(
                record(it["title"], it.get("summary") or "", link, it.get("date"), domain_of(link), origin)
            )
    return out


def from_aktual() -> list[dict[str, Any]]:
    shas = git(AKTUAL_REPO, "log", "--reverse", "--format=%H", "--", "data/news.json").split()
    out: list[dict[str, Any]] = []
    for sha in shas:
        try:
            data = json.loads(git(AKTUAL_REPO, "show", f"{sha}:data/news.json"))
        except (FileNotFoundError, json.JSONDecodeError):
            continue
        rows = data if isinstance(data, list) else data.get("items") or data.get("news") or []
        origin = f"github:{AKTUAL_REPO}@{sha}:data/news.json"
        for it in rows:
            link, title, summary = it.get("url") or "", it.get("title") or "", it.get("description") or ""
            if not (link and title):
                continue
            if "news.google.com" in link:
                found = google_news(title)
                if not found:
                    continue
                title, domain = found
                summary = ""
            else:
                domain = domain_of(link)
            if domain.endswith("journal.hr"):
                continue  # Croatian-language outlet
            out.append(record(title, summary, link, it.get("published_at"), domain, origin))
    return out


def from_rumca() -> list[dict[str, Any]]:
    names = git(RUMCA_REPO, "ls-tree", "-r", "--name-only", RUMCA_COMMIT).splitlines()
    wanted = [
        (name, RUMCA_FEEDS[stem])
        for name in names
        if name.endswith("_entries.json")
        and (stem := name.rsplit("/", 1)[-1][: -len("_entries.json")]) in RUMCA_FEEDS
    ]
    path = MIRROR / RUMCA_REPO.replace("/", "+") / "repo"
    batch = subprocess.Popen(
        ["git", "-C", str(path), "cat-file", "--batch"], stdin=subprocess.PIPE, stdout=subprocess.PIPE
    )
    assert batch.stdin is not None and batch.stdout is not None
    out: list[dict[str, Any]] = []
    for name, domain in wanted:
        batch.stdin.write(f"{RUMCA_COMMIT}:{name}\n".encode())
        batch.stdin.flush()
        header = batch.stdout.readline().split()
        if header[-1] == b"missing":
            continue
        body = batch.stdout.read(int(header[2]))
        batch.stdout.read(1)
        try:
            entries = json.loads(body)
        except json.JSONDecodeError:
            continue
        if isinstance(entries, dict):  # early-2023 files wrap the list
            entries = entries.get("entries") or entries.get("links") or []
        origin = f"github:{RUMCA_REPO}@{RUMCA_COMMIT}:{name}"
        for entry in entries:
            link = entry.get("link") or "" if isinstance(entry, dict) else ""
            if domain_of(link) != domain:
                continue
            out.append(
                record(
                    entry.get("title") or "",
                    entry.get("description") or "",
                    link,
                    entry.get("date_published"),
                    domain,
                    origin,
                )
            )
    batch.stdin.close()
    batch.wait()
    return out


def is_used(domain: str, used_domains: set[str]) -> bool:
    """An outlet of half A or B, including its subdomains (ig.ft.com is the FT)."""
    return any(domain == d or domain.endswith("." + d) for d in used_domains)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    for repo in (SORA_REPO, NY3_REPO, BMO_REPO, PULSE_REPO, AKTUAL_REPO, RUMCA_REPO):
        assert repo not in FORBIDDEN

    seen_links: set[str] = set()
    seen_titles: set[str] = set()
    used_domains: set[str] = set()
    for half in HALVES:
        for line in half.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            seen_links.add(row["link"])
            seen_titles.add(norm_title(row["title"]))
            used_domains.add(row["outlet_domain"])

    chosen: list[dict[str, Any]] = []
    taken: dict[str, int] = defaultdict(int)
    non_ai: dict[str, int] = defaultdict(int)
    rounds = (
        from_sorakim() + from_ny3rs() + from_bmoricz(),
        from_pulse() + from_aktual(),
        from_sorakim(extra=True) + from_bmoricz(extra=True),
        from_rumca(),
    )
    for round_no, round_records in enumerate(rounds, start=1):
        by_outlet: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for rec in round_records:
            key = norm_title(rec["title"])
            if rec["link"] in seen_links or key in seen_titles or not key:
                continue
            if not rec["outlet_domain"] or is_used(rec["outlet_domain"], used_domains):
                continue
            seen_links.add(rec["link"])
            seen_titles.add(key)
            by_outlet[rec["outlet_domain"]].append(rec)
        for domain in sorted(by_outlet):
            rows = sorted(by_outlet[domain], key=lambda r: r["published"] or "", reverse=True)
            ai = [r for r in rows if AI_TERMS.search(r["title"] + " " + r["summary"])]
            if round_no == 4:
                ai.sort(key=lambda r: not CONSEQUENCE.search(r["title"] + " " + r["summary"]))
            if round_no > 1 and not ai:
                continue  # the aggregator's lifestyle and science outlets carry no AI story
            quota = NON_AI_PER_OUTLET if round_no == 1 else NON_AI_LATER_ROUNDS
            room_other = max(0, quota - non_ai[domain])
            other = [r for r in rows if r not in ai][:room_other]
            picked = (ai + other)[: max(0, CAP_PER_OUTLET - taken[domain])]
            taken[domain] += len(picked)
            non_ai[domain] += sum(1 for r in picked if r in other)
            chosen.extend(picked)

    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as fh:
        for rec in chosen:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"{len(chosen)} items from {len({r['outlet_domain'] for r in chosen})} outlets -> {args.out}")


if __name__ == "__main__":
    main()
