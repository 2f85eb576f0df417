"""Writes: every change to djangobin's data goes through a function here."""
