"""Domain logic and infrastructure. Nothing in here imports Reflex, so the API,
the CLI and the tests use exactly the code the hub uses."""
