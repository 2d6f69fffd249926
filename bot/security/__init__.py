"""Security policies, each a small self-contained module hooked in at one narrow point.

``outbound`` (which URLs the app may post to), ``limits`` (request size and shape at the edge),
``escaping`` (user text echoed back), ``replay`` (each Slack/Teams request acted on once),
``secrets`` (encryption at rest), ``redaction`` (secrets out of logs and saved answers).
See docs/security.md.
"""
