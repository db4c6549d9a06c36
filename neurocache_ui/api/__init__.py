"""The public HTTP API under /api/v1: a FastAPI app mounted by Reflex through
`rx.App(api_transformer=...)`. Routes are thin callers of core/ (see app.py)."""
