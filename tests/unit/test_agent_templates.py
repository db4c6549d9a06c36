"""The new-agent templates (domain/agent_templates.py) are valid settings that fill
the generated form: every value passes the settings model and survives the trip
through the form's strings, and each template is what its button promises."""

from __future__ import annotations

import pytest

from neurocache_ui.domain.agent_settings import TOOLS, AgentSettingsBase
from neurocache_ui.domain.agent_templates import BY_NAME, TEMPLATES
from neurocache_ui.domain.formspec import initial_values, parse_form

MODEL = "any-model"  # the hub's default fills it; the templates leave the model alone


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda t: t.name)
def test_a_template_is_valid_settings_and_round_trips_through_the_form(template) -> None:
    assert "model" not in template.settings
    settings = AgentSettingsBase.model_validate({**template.settings, "model": MODEL})
    form = {**initial_values(AgentSettingsBase, {**template.settings, "model": MODEL})}
    # What the browser submits: checked boxes under their own names, a switch only when on.
    submitted = {name: value for name, value in form.items() if not isinstance(value, list | bool)}
    submitted |= {f"tools.{tool}": "on" for tool in form["tools"]}
    if form["knowledge_enabled"]:
        submitted["knowledge_enabled"] = "on"
    assert AgentSettingsBase.model_validate(parse_form(AgentSettingsBase, submitted)) == settings
    assert settings.name == template.name and settings.instructions and settings.description


def test_the_templates_are_what_their_buttons_say() -> None:
    assert [t.name for t in TEMPLATES] == ["Researcher", "Analyst", "Writer"] and set(BY_NAME) == {"Researcher", "Analyst", "Writer"}
    researcher, analyst, writer = (AgentSettingsBase.model_validate({**t.settings, "model": MODEL}) for t in TEMPLATES)
    assert set(researcher.tools) == set(TOOLS)  # searches the web and reads pages
    assert analyst.knowledge_enabled and analyst.temperature <= 0.3 and "calculation" in analyst.instructions
    assert writer.temperature > researcher.temperature and writer.tools == []
