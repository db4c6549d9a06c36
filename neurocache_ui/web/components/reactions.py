"""Reactions under a message and the picker that adds one (being built: issue 12)."""

from __future__ import annotations

import reflex as rx


def add_reaction_button(message_id: rx.Var[int]) -> rx.Component:
    return rx.fragment()


def reaction_bar(message_id: rx.Var[int], reactions: rx.Var[str]) -> rx.Component:
    return rx.fragment()
