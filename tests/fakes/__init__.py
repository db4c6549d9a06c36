"""Fakes of outside services that the real clients talk to over real connections."""
