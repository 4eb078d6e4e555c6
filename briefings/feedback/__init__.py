"""Channel tuning: votes on posted stories and keyword filters, and what they teach the ranking."""
