"""Queries by table group, each taking the caller's Session, so a service runs
its checks and its write in one unit of work (store/db.py)."""
