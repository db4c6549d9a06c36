"""Every length limit, declared once: the tables' columns, the checks, the API
schemas and the forms all read these, so they can never disagree."""

from __future__ import annotations

USER_NAME_MAX = 100
EMAIL_MAX = 254

CHANNEL_NAME_MAX = 80
CHANNEL_SLUG_MAX = 80
CHANNEL_DESCRIPTION_MAX = 500
CHANNEL_GOAL_MAX = 2000
CHANNEL_KIND_MAX = 10
DM_KEY_MAX = 200

AGENT_NAME_MAX = 60
AGENT_SLUG_MAX = 40
AGENT_EMOJI_MAX = 16
AGENT_DESCRIPTION_MAX = 500
AGENT_INSTRUCTIONS_MAX = 8000
MODEL_NAME_MAX = 100
REPLY_MODE_MAX = 20
MCP_TRIGGER_MAX = 16

MESSAGE_STATUS_MAX = 20
REACTION_EMOJI_MAX = 16
KEY_NAME_MAX = 100
WEBHOOK_NAME_MAX = 80
"""An incoming webhook's name, and the integration name its messages show."""
FILENAME_MAX = 255
DOCUMENT_REASON_MAX = 500
"""Why a knowledge document failed, as stored and shown."""
URL_MAX = 2000
RETRIEVAL_QUESTION_MAX = 500
RETRIEVAL_QUESTIONS_MAX = 200
"""Questions in one agent's retrieval test set."""
EMBEDDING_INPUTS_MAX = 256
"""Texts in one POST /embeddings request."""
EMBEDDING_INPUT_CHARS_MAX = 32_000
"""Characters of one text to embed (about 8,000 tokens, OpenAI's per-input limit)."""
