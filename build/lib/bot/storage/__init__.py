"""Everything the bot keeps: settings, subscriptions, deliveries, installations (SQLAlchemy 2)."""
