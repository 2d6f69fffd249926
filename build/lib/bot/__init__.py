"""Front ends for Flexcalc: Slack (Bolt), Teams, the scheduler clock and the terminal shell."""
