"""Reflex state classes: thin callers of core/ that hold only what pages show."""
