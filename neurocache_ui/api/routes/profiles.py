"""Profiles: `GET /users/{id}` (people you share a channel or DM with; 404 for anyone
else, so the API cannot list the workspace) and `PATCH /me` (your title and status).
Thin calls into services/profiles.py."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from neurocache_ui.api.deps import ReadKey, WriteKey
from neurocache_ui.api.profile_schemas import ProfilePublic, ProfileUpdate, StatusPublic
from neurocache_ui.services import profiles

router = APIRouter(tags=["profiles"])
UserId = Annotated[int, Path(ge=1, le=2**31, description="The person's id (as in a message's user_id).")]


def profile_public(card: profiles.PersonCard) -> ProfilePublic:
    status = StatusPublic(emoji=card.status_emoji, text=card.status_text, until=card.status_until) if card.status_text else None
    return ProfilePublic(id=card.id, name=card.name, title=card.title, status=status, avatar_url=card.avatar_url or None,
                         online=card.online)


@router.get("/users/{user_id}", response_model=ProfilePublic, summary="A person's profile")
def get_user(user_id: UserId, key: ReadKey) -> ProfilePublic:
    """Yours, or of someone who shares a channel or DM with you; 404 otherwise."""
    return profile_public(profiles.person(key.user_id, user_id))


@router.patch("/me", response_model=ProfilePublic, summary="Change your title or status")
def update_me(body: ProfileUpdate, key: WriteKey) -> ProfilePublic:
    """Fields left out stay; `{"status": {"text": ""}}` clears the status."""
    status = (body.status.emoji, body.status.text) if body.status is not None else None
    return profile_public(profiles.update(
        key.user_id, title=body.title, status=status,
        until=body.status.until if body.status else "never",
        utc_offset_minutes=body.status.utc_offset_minutes if body.status else 0,
    ))
