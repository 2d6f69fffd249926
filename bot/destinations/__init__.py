"""Where the clock and the pledges post: one ``Destination`` port, one adapter per platform."""
