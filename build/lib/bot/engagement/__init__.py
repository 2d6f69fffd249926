"""Pledges, reminders, settled savings, team impact and the weekly digest (Slack side).

The figures come from ``flexcalc.engagement``; this package stores pledges per workspace,
talks to Slack (scheduled DM reminders) and feeds the alerts clock the weekly digests.
"""
