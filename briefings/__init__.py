"""Department profiles, ranking, briefing assembly, subscriptions, scheduling and delivery."""
