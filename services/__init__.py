"""The four Assure services."""
