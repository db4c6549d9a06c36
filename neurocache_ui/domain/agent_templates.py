"""Starting points for a new agent ("Start from a template" on /agents/new): each is
a partial set of agent settings that fills the generated form, which the person
then edits and saves. Data only, in one place; the model stays the hub's default
(the provider decides what exists), and tests check every template against the
settings model so a template can never fill the form with something it refuses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class AgentTemplate:
    name: str
    """The button's label, and the agent's name until the person changes it."""
    summary: str
    """One line under the button: what the template is for."""
    settings: Mapping[str, Any] = field(default_factory=dict)
    """Values for `AgentSettingsBase` fields (name included); unset fields keep their defaults."""


TEMPLATES: tuple[AgentTemplate, ...] = (
    AgentTemplate(
        name="Researcher",
        summary="Searches the web, reads pages and cites them.",
        settings={
            "name": "Researcher",
            "emoji": "🔎",
            "description": "Finds current information on the web and cites the pages it used.",
            "instructions": (
                "You are a careful researcher. For questions about facts, news or anything that may have "
                "changed recently, search the web first and read the most relevant pages before you answer. "
                "Answer in a few clear paragraphs or a short list, say how sure you are, and name the pages "
                "you relied on. If the sources disagree or you found nothing useful, say so instead of guessing."
            ),
            "temperature": 0.3,
            "max_tokens": 1500,
            "tools": ["web_search", "fetch_url"],
            "knowledge_enabled": False,
        },
    ),
    AgentTemplate(
        name="Analyst",
        summary="Answers from your documents, careful with numbers.",
        settings={
            "name": "Analyst",
            "emoji": "📊",
            "description": "Works through figures and documents step by step and shows its calculations.",
            "instructions": (
                "You are a meticulous analyst. Base your answers on the knowledge documents you are given and "
                "quote the figures you use with their source. Work through calculations step by step and show "
                "them; double-check units, totals and percentages. Never invent a number: when the data is "
                "missing or ambiguous, say exactly what is missing. Finish with a one-line conclusion."
            ),
            "temperature": 0.2,
            "max_tokens": 1500,
            "knowledge_enabled": True,
            "tools": [],
        },
    ),
    AgentTemplate(
        name="Writer",
        summary="Drafts and edits clear, friendly text.",
        settings={
            "name": "Writer",
            "emoji": "✍️",
            "description": "Drafts, rewrites and polishes text in a clear, friendly voice.",
            "instructions": (
                "You are a skilled writer and editor. Write in plain, friendly language with short sentences "
                "and active verbs. Match the tone and length the person asks for; when they ask for a draft, "
                "give one ready to use, then at most two suggestions to improve it. Keep the facts you are "
                "given and do not add new ones."
            ),
            "temperature": 0.9,
            "max_tokens": 2048,
            "knowledge_enabled": True,
            "tools": [],
        },
    ),
)

BY_NAME: dict[str, AgentTemplate] = {template.name: template for template in TEMPLATES}
