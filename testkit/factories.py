"""People with unique identities, so tests and benches share one database in any order.

Service-level factories write through the services, so the settings must point at
the database first (the `use_settings` fixture, or the environment in a bench)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from neurocache_ui.services import auth


@dataclass(frozen=True)
class Account:
    name: str
    email: str
    password: str


def new_account(name: str = "Ada") -> Account:
    tag = uuid.uuid4().hex[:8]
    return Account(name=f"{name} {tag}", email=f"{name.lower()}-{tag}@example.com", password=f"engine-{tag}-1843")


def create_user(name: str = "Ada") -> auth.CurrentUser:
    """A user signed up through the service, as the form would (see `new_account`)."""
    account = new_account(name)
    return auth.create_user(name=account.name, email=account.email, password=account.password)
