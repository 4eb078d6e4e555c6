"""Block Kit for the modals: ``add_feed`` and ``subscribe_channel`` and what follows each, from
shared ``parts``."""
