"""Command line: `python -m neurocache_ui.cli <group> <command> ...`.

Administrative tasks that must work without the web UI (first user, scripted
setup). Errors are printed as one line on stderr with exit code 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from neurocache_ui.domain import scopes
from neurocache_ui.domain.errors import NeurocacheError
from neurocache_ui.services import api_keys, auth, retention


def _user_create(args: argparse.Namespace) -> str:
    user = auth.create_user(name=args.name, email=args.email, password=args.password)
    return f"created user {user.id} <{user.email}>"


def _key_create(args: argparse.Namespace) -> str:
    expires_at = api_keys.expiry_after(args.expires_days)
    limits = scopes.KeyLimits(
        scopes=scopes.parse_scopes(args.scopes), agents=scopes.parse_slugs(args.agents, "agents"),
        channels=scopes.parse_slugs(args.channels, "channels"), budget=scopes.parse_budget(args.budget),
    )
    secret, key = api_keys.create_key_for_email(args.email, args.name, expires_at, limits)
    expiry = f", expires {key.expires_at:%Y-%m-%d %H:%M} UTC" if key.expires_at else ""
    reach = "".join(f", {field} {', '.join(slugs)}" for field, slugs in (("agents", limits.agents), ("channels", limits.channels)) if slugs)
    budget = f", {limits.budget} model calls a month" if limits.budget else ""
    # The key alone on the last line, so scripts can take it with `tail -n 1`.
    return (
        f"created API key {key.id} \"{key.name}\" ({key.prefix}…) with scopes {','.join(key.scopes)}{reach}{budget}"
        f"{expiry}; it is shown only now:\n{secret}"
    )


def _retention_run(args: argparse.Namespace) -> str:
    report = retention.run_retention()
    if report.cache_error:
        print(f"warning: cache not trimmed: {report.cache_error}", file=sys.stderr)
    return report.summary()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m neurocache_ui.cli", description="Neurocache Hub administration")
    groups = parser.add_subparsers(dest="group", required=True)

    user = groups.add_parser("user", help="manage accounts").add_subparsers(dest="command", required=True)
    create = user.add_parser("create", help="create an account")
    create.add_argument("--email", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--name", required=True)
    create.set_defaults(run=_user_create)

    key = groups.add_parser("key", help="manage API keys").add_subparsers(dest="command", required=True)
    key_create = key.add_parser("create", help="create an API key for an account; prints the key on the last line")
    key_create.add_argument("--email", required=True, help="the account's email")
    key_create.add_argument("--name", required=True, help="what the key is for")
    key_create.add_argument("--expires-days", type=int, default=None, help="expire after this many days")
    key_create.add_argument("--scopes", default=None, help="comma-separated, of chat,read,write (default: all)")
    key_create.add_argument("--agents", default=None, help="comma-separated agent slugs the key is limited to")
    key_create.add_argument("--channels", default=None, help="comma-separated channel slugs the key is limited to")
    key_create.add_argument("--budget", default=None, help="model calls a calendar month (UTC); default: no budget")
    key_create.set_defaults(run=_key_create)

    retention = groups.add_parser("retention", help="chat history retention").add_subparsers(dest="command", required=True)
    retention.add_parser(
        "run", help="delete messages older than NEUROCACHE_RETENTION_DAYS from the database and the cache"
    ).set_defaults(run=_retention_run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], str] = args.run
    try:
        print(run(args))
    except NeurocacheError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
