"""What tests and benches both run: servers, databases, browsers and factories.

Outside tests/ so that bench/ depends on it, never on test modules; test fixtures
are thin wrappers over it (tests/conftest.py)."""
