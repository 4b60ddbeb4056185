"""Shared pieces of the HTTP side: typed dependencies for routes."""
