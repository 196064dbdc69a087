"""The composition root: runs the four services together and drives them from the CLI."""
