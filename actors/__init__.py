"""Dramatiq actors: each loads by id, calls one service and returns. Nothing imports this at start-up."""
