"""The job queue between the doors and the workers (Huey; see docs/adr/0010-job-queue.md).

The web process only verifies, acknowledges and enqueues; ``python -m bot worker`` runs the
jobs (answers, charts, Home tabs) and posts their results exactly once.
"""
