"""Daily greener-time alerts: subscriptions (commands), the clock's tick, fan-out and posting."""
