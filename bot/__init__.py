"""Slack glue only: the Bolt app factory, listeners, Block Kit views and admin authorisation."""
