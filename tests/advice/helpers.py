"""Small helpers shared by the advice tests."""

from __future__ import annotations


def answer_to(fake, url: str, timeout: float = 60.0) -> dict:
    """The answer sent to a response_url (a "Still working on it" notice on a busy machine is
    skipped)."""

    def found(slack):
        done = [r for r in slack.replies(url) if not r["text"].startswith("Still working")]
        return done[0] if done else None

    return fake.wait_for(found, timeout)
