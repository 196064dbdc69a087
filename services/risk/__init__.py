"""The risk service."""
