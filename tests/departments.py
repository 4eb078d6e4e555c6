"""The department registry the bundled profiles give (what make_services hands every layer)."""

from briefings.assembly.profile_file import load_profiles

REGISTRY = load_profiles().registry
