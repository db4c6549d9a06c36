"""Agents answering: pipeline.py is the one way a reply is prepared (Try it, the API,
the collective and channel replies all use it); delivery.py streams and composes
it; runner.py runs channel replies, with stops.py (leases, Stop), throttle.py,
progress.py (the text so far, sent as appended parts) and orphans.py (replies whose
worker died); private.py is Try it."""
