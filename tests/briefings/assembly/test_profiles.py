"""Department profiles: bundled data, aliases, admin overrides and refusals naming the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefings.assembly.profile_file import load_profiles, normalise_department, parse_profiles
from briefings.assembly.profiles import DEPARTMENTS
from briefings.errors import InvalidProfiles, UnknownDepartment


def test_bundled_profiles_cover_the_four_departments_with_reasons() -> None:
    profiles = load_profiles()
    assert profiles.keys == DEPARTMENTS
    for profile in profiles:
        assert len(profile.phrases) >= 15
        assert all(p.why and 0 < p.weight <= 1 for p in profile.phrases)
    legal = profiles.get("legal")
    assert any(p.phrase == "eu ai act" and p.weight == 1.0 for p in legal.phrases)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("ops", "operations"),
        ("People", "hr"),
        ("compliance", "legal"),
        (" Finance ", "finance"),
        ("human resources", "hr"),
        ("HR", "hr"),
        ("#legal", "legal"),
    ],
)
def test_aliases_resolve_to_one_department(typed: str, key: str) -> None:
    assert normalise_department(typed) == key
    assert load_profiles().resolve(typed).key == key


def test_unknown_department_lists_the_choices() -> None:
    with pytest.raises(UnknownDepartment) as err:
        load_profiles().resolve("marketing")
    message = str(err.value)
    assert "'marketing'" in message
    assert "finance" in message and "operations (ops)" in message and "hr (people)" in message
    assert normalise_department("marketing") is None


def test_override_file_replaces_only_the_departments_it_defines(tmp_path: Path) -> None:
    override = tmp_path / "profiles.yaml"
    override.write_text(
        "legal:\n"
        "  name: Legal & Privacy\n"
        "  aliases: [lawyers]\n"
        "  phrases:\n"
        "    - {phrase: data retention, weight: 1.0, why: how long we may keep data}\n",
        encoding="utf-8",
    )
    profiles = load_profiles(override)
    assert profiles.get("legal").name == "Legal & Privacy"
    assert [p.phrase for p in profiles.get("legal").phrases] == ["data retention"]
    assert profiles.resolve("lawyers").key == "legal"
    assert len(profiles.get("finance").phrases) > 10  # untouched bundled profile
    assert profiles.source == str(override)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("legal:\n  phrases:\n    - {phrase: fines, weight: 1.0, why: x\n", 3, "not valid YAML"),
        ("legal:\n  phrases:\n    - phrase: fines\n      wieght: 1\n      why: x\n", 3, "'wieght'"),
        ("legal:\n  phrases:\n    - {phrase: fines, weight: lots, why: x}\n", 3, "weight of 'fines'"),
        ("marketing:\n  phrases: []\n", 1, "needs phrases, or a description and example headlines"),
        ("Sales Team:\n  description: x\n  examples: [y]\n", 1, "must be lowercase letters"),
        ("legal:\n  name: Legal\n", 1, "needs phrases, or a description"),
        ("legal:\n  phrases: fines\n", 2, "phrases of legal must be a list"),
        ("hr:\n  concerns: a\n  description: b\n  examples: [c]\n", 3, "both concerns and description"),
        ("legal:\n  phrases:\n    - {phrase: '!!!', weight: 1, why: x}\n", 3, "no words"),
        ("legal:\n  colour: blue\n  phrases:\n    - {phrase: a, weight: 1, why: x}\n", 2, "'colour'"),
        ("legal:\n  phrases:\n    - {phrase: fines, weight: 1}\n", 3, "no 'why'"),
    ],
)
def test_invalid_override_is_refused_naming_the_line(
    tmp_path: Path, text: str, line: int, words: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidProfiles) as err:
        load_profiles(bad)
    message = str(err.value)
    assert f"line {line}" in message, message
    assert words in message
    assert str(bad) in message


def test_alias_used_by_two_departments_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "clash.yaml"
    bad.write_text(
        "hr:\n  aliases: [ops]\n  phrases:\n    - {phrase: layoffs, weight: 1, why: jobs}\n", encoding="utf-8"
    )
    with pytest.raises(InvalidProfiles, match="alias 'ops' is used by both operations and hr"):
        load_profiles(bad)


def test_missing_override_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidProfiles, match="cannot read department profiles"):
        load_profiles(tmp_path / "nope.yaml")


def test_parse_keeps_variants_lowercase() -> None:
    parsed = parse_profiles(
        "finance:\n  phrases:\n"
        "    - {phrase: AI ROI, weight: 1, why: returns, variants: [Return On Investment]}\n"
    )
    phrase = parsed["finance"].phrases[0]
    assert phrase.forms == ("ai roi", "return on investment")


def test_the_bundled_profiles_read_the_same_with_either_yaml_reader() -> None:
    from briefings.assembly.profile_file import parse_profiles
    from briefings.assembly.profiles import BUNDLED_PROFILES

    text = BUNDLED_PROFILES.read_text(encoding="utf-8")
    fast = parse_profiles(text, "bundled", trusted=True)
    assert fast == parse_profiles(text, "bundled")
    assert {"finance", "legal", "operations", "hr"} <= fast.keys()
