"""A fake Slack Web API on loopback: real HTTP, records every call, validates Block Kit.

Modelled on bolt-python's ``tests/mock_web_api_server``: it binds port 0, so tests can run in
parallel, and the real ``slack_sdk`` client talks to it through ``SLACK_API_URL``.
"""

from tests.mock_web_api_server.server import Call, FakeSlack, validate_blocks, validate_options, validate_view

__all__ = ["Call", "FakeSlack", "validate_blocks", "validate_options", "validate_view"]
