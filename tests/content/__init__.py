"""Tests of the packaged content: prison facts, national facts and their sources."""
