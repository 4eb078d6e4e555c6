"""The slot tests run on the delivery tests' fixtures (services on an injected clock, a ten-minute
lease, the real slack_sdk client)."""

from tests.briefings.delivery.conftest import client, news, pauses, settings, svc

__all__ = ["client", "news", "pauses", "settings", "svc"]
