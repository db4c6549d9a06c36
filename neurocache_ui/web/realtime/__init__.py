"""Live updates for open pages: which tabs watch what, the bus relay, the pure
rules for what an event changes, and the one adapter to Reflex's internals."""
