"""Microsoft Teams front end: Adaptive Cards, the outgoing webhook and Workflows delivery.

- ``bot.teams.cards``: Reply -> Adaptive Card 1.5 (pure functions).
- ``bot.teams.outgoing``: ``POST /teams/outgoing`` (HMAC-verified outgoing webhook).
- ``bot.teams.web``: mounts it on the web app (``register(flask_app, services)``).
- ``bot.teams.workflows``: posts cards to a Teams Workflows webhook URL, with retries.
- ``bot.teams.alerts``: Teams destinations for the daily alerts (subscribe, fan-out delivery).
"""
