"""Neurocache Hub: build AI agents and work with them in real-time channels."""
