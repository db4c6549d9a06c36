"""The public HTTP API under /api/v1: thin routes over services/ (docs/API.md)."""
