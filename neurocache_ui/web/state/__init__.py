"""Reflex state classes: thin callers of services/ that hold only what pages show."""
