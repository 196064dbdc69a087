"""What intake consumes from other services' streams (nothing yet; suspensions come later)."""

CONSUMES: dict = {}
