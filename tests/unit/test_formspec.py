"""Forms generated from pydantic models (domain/formspec.py), without a browser:
which widget each field kind gets, with which limits, labels and help; reading a
submitted form back; and errors as one sentence per field."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

import pytest
from pydantic import BaseModel, Field, ValidationError, create_model

from neurocache_ui.domain.formspec import (
    Choice,
    FieldSpec,
    checkbox_name,
    field_errors,
    form_fields,
    format_number,
    initial_values,
    parse_form,
)
from neurocache_ui.services.agents import AgentSettings


class Colour(enum.Enum):
    DEEP_RED = "red"
    BLUE = "blue"


class Sample(BaseModel):
    title: str = Field(title="Title", min_length=1, max_length=80, description="Shown on top.",
                       json_schema_extra={"placeholder": "e.g. Scout"})
    nickname: str | None = Field(default=None, max_length=20)
    body: str = Field(default="", title="Body", max_length=5000)
    notes: str = Field(default="", title="Notes", max_length=200, json_schema_extra={"widget": "textarea"})
    count: int = Field(default=3, title="Count", ge=1, le=10, description="How many.")
    big: int = Field(default=100, title="Big", ge=1, le=100_000)
    ratio: float = Field(default=0.5, title="Ratio", ge=0, le=2, multiple_of=0.1)
    weight: float = Field(default=1.0, title="Weight", gt=0, json_schema_extra={"step": 0.25})
    level: Annotated[int, Field(ge=0, le=5)] = 2
    enabled: bool = Field(default=False, title="Enabled", description="Turn it on.")
    mode: Literal["fast", "careful"] = Field(default="fast", title="Mode",
                                             json_schema_extra={"choices": {"fast": "Fast answers", "careful": "Careful answers"}})
    colour: Colour = Field(default=Colour.BLUE, title="Colour")


def specs(model: type[BaseModel] = Sample) -> dict[str, FieldSpec]:
    return {spec.name: spec for spec in form_fields(model)}


# ---------------------------------------------------------------- specs


def test_fields_come_in_declaration_order() -> None:
    assert [s.name for s in form_fields(Sample)] == list(Sample.model_fields)


def test_short_text_is_an_input_with_its_title_description_and_limits() -> None:
    title = specs()["title"]
    assert (title.kind, title.label, title.help) == ("text", "Title", "Shown on top.")
    assert (title.min_length, title.max_length) == (1, 80)
    assert title.required and not title.optional and title.default is None
    assert title.placeholder == "e.g. Scout"


def test_a_field_without_a_title_is_labelled_from_its_name_and_none_means_optional() -> None:
    nickname = specs()["nickname"]
    assert (nickname.kind, nickname.label, nickname.help) == ("text", "Nickname", "")
    assert nickname.optional and not nickname.required and nickname.max_length == 20


def test_long_text_is_a_textarea_by_length_or_by_widget() -> None:
    assert specs()["body"].kind == "textarea"  # max_length > 500
    assert specs()["notes"].kind == "textarea"  # json_schema_extra widget
    assert specs()["body"].max_length == 5000


def test_a_bounded_int_with_few_steps_is_a_slider() -> None:
    count = specs()["count"]
    assert (count.kind, count.number_type, count.min, count.max, count.step) == ("slider", int, 1, 10, 1)
    assert (count.label, count.help, count.default) == ("Count", "How many.", 3)


def test_a_bounded_int_with_many_steps_is_a_number_box() -> None:
    big = specs()["big"]
    assert (big.kind, big.min, big.max, big.step) == ("number", 1, 100_000, 1)


def test_a_bounded_float_takes_its_step_from_multiple_of() -> None:
    ratio = specs()["ratio"]
    assert (ratio.kind, ratio.number_type, ratio.min, ratio.max, ratio.step) == ("slider", float, 0, 2, 0.1)


def test_a_half_bounded_float_is_a_number_box_with_the_declared_step() -> None:
    weight = specs()["weight"]
    assert (weight.kind, weight.min, weight.max, weight.step) == ("number", 0, None, 0.25)


def test_constraints_inside_annotated_are_read_too() -> None:
    level = specs()["level"]
    assert (level.kind, level.min, level.max, level.default) == ("slider", 0, 5, 2)


def test_bool_is_a_switch() -> None:
    enabled = specs()["enabled"]
    assert (enabled.kind, enabled.label, enabled.help, enabled.default) == ("switch", "Enabled", "Turn it on.", False)


def test_literal_and_enum_are_selects_with_labels() -> None:
    mode = specs()["mode"]
    assert mode.kind == "select"
    assert mode.choices == (Choice("fast", "Fast answers"), Choice("careful", "Careful answers"))
    colour = specs()["colour"]
    assert colour.kind == "select"
    assert colour.choices == (Choice(Colour.DEEP_RED, "Deep red"), Choice(Colour.BLUE, "Blue"))


def test_a_type_without_a_widget_is_refused_clearly() -> None:
    Odd = create_model("Odd", when=(list[int], []))
    with pytest.raises(TypeError, match="no form widget"):
        form_fields(Odd)


def test_adding_a_field_to_a_model_adds_it_to_the_form() -> None:
    Extended = create_model(
        "Extended",
        __base__=Sample,
        patience=(int, Field(default=5, title="Patience", ge=0, le=60, description="Seconds to wait.")),
    )
    names = [s.name for s in form_fields(Extended)]
    assert names == [*Sample.model_fields, "patience"]
    patience = specs(Extended)["patience"]
    assert (patience.kind, patience.label, patience.help, patience.min, patience.max) == ("slider", "Patience", "Seconds to wait.", 0, 60)


def test_agent_settings_form() -> None:
    """The agent form the hub shows, field by field."""
    agent = specs(AgentSettings)
    # MCP servers and who may trigger them are settings too, edited on the agent page's MCP tab.
    assert list(agent) == [name for name in AgentSettings.model_fields if name not in ("mcp_servers", "mcp_trigger")]
    assert {name: s.kind for name, s in agent.items()} == {
        "name": "text", "slug": "text", "emoji": "text", "description": "text", "instructions": "textarea",
        "model": "text", "temperature": "slider", "max_tokens": "number", "reply_mode": "select",
        "context_size": "slider", "knowledge_enabled": "switch", "share_cited_passages": "switch",
        "chunk_size": "number", "chunk_overlap": "number", "tools": "checkboxes",
    }
    assert {name: s.label for name, s in agent.items()} == {
        "name": "Name", "slug": "Slug", "emoji": "Avatar", "description": "Description", "instructions": "Instructions",
        "model": "Model", "temperature": "Temperature", "max_tokens": "Max tokens", "reply_mode": "Reply mode",
        "context_size": "Context size", "knowledge_enabled": "Use knowledge",
        "share_cited_passages": "Show cited passages to channel members",
        "chunk_size": "Passage size", "chunk_overlap": "Passage overlap", "tools": "Tools",
    }
    assert [(c.value, c.label) for c in agent["tools"].choices] == [("web_search", "Web search"), ("fetch_url", "Read web pages")]
    assert agent["tools"].default == [] and not agent["tools"].required
    assert (agent["temperature"].min, agent["temperature"].max, agent["temperature"].step, agent["temperature"].default) == (0, 2, 0.1, 0.7)
    assert (agent["max_tokens"].min, agent["max_tokens"].max, agent["max_tokens"].default) == (1, 8192, 1024)
    assert (agent["chunk_size"].min, agent["chunk_size"].max, agent["chunk_size"].default) == (200, 4000, 800)
    assert (agent["chunk_overlap"].min, agent["chunk_overlap"].max, agent["chunk_overlap"].default) == (0, 1000, 150)
    assert agent["context_size"].help == "How many recent channel messages the agent reads"
    assert [c.label for c in agent["reply_mode"].choices] == ["When @mentioned", "On every message"]
    assert [c.value for c in agent["reply_mode"].choices] == ["mentions", "all"]
    assert agent["instructions"].max_length == 8000 and agent["name"].max_length == 60


def test_the_model_default_follows_the_settings(use_settings) -> None:
    use_settings(NEUROCACHE_DEFAULT_MODEL="llama3.1")
    assert specs(AgentSettings)["model"].default == "llama3.1"
    assert initial_values(AgentSettings)["model"] == "llama3.1"


# ---------------------------------------------------------------- values in and out


def test_initial_values_are_what_the_widgets_show() -> None:
    values = initial_values(Sample, {"title": "Scout", "ratio": 1.0, "mode": "careful"})
    assert values == {
        "title": "Scout", "nickname": "", "body": "", "notes": "", "count": "3", "big": "100", "ratio": "1",
        "weight": "1", "level": "2", "enabled": False, "mode": "careful", "colour": "blue",
    }
    assert initial_values(Sample, Sample(title="x", ratio=0.7))["ratio"] == "0.7"
    assert format_number(0.30000000000000004) == "0.3"


def test_parse_form_round_trip() -> None:
    """What the browser submits (strings, a slider's list, a switch's "on")
    becomes the same model again."""
    original = Sample(title="Scout", nickname="sc", body="line 1\nline 2", count=7, big=4096, ratio=1.3,
                      weight=0.75, level=4, enabled=True, mode="careful", colour=Colour.DEEP_RED)
    submitted = {name: value for name, value in initial_values(Sample, original).items()}
    submitted["enabled"] = "on"  # a checked switch submits "on"
    submitted["count"] = [submitted["count"]]  # a slider may submit a list
    submitted["new-form-field-title"] = "ignored"  # controls' ids are not fields
    parsed = parse_form(Sample, submitted)
    assert parsed["count"] == 7 and parsed["ratio"] == 1.3 and parsed["enabled"] is True
    assert parsed["colour"] is Colour.DEEP_RED
    assert "new-form-field-title" not in parsed
    assert Sample.model_validate(parsed) == original


def test_a_switch_that_is_off_is_missing_from_the_submission() -> None:
    parsed = parse_form(Sample, {"title": "Scout"})
    assert parsed == {"title": "Scout", "enabled": False}
    assert Sample.model_validate(parsed).enabled is False
    assert parse_form(Sample, {"enabled": "on"})["enabled"] is True
    assert parse_form(Sample, {"enabled": True})["enabled"] is True  # a ref's bool
    assert parse_form(Sample, {"enabled": "false"})["enabled"] is False


def test_parse_form_details() -> None:
    parsed = parse_form(Sample, {"nickname": "  ", "count": " 4 ", "big": "2.0", "ratio": "", "weight": "abc",
                                 "body": "  keep my indentation\n", "level": []})
    assert parsed["nickname"] is None  # blank optional text is None
    assert parsed["count"] == 4 and parsed["big"] == 2
    assert parsed["ratio"] == ""  # left for the model to call it required
    assert parsed["weight"] == "abc"  # left for the model to refuse
    assert parsed["body"] == "  keep my indentation\n"  # textareas are not trimmed here
    assert parsed["level"] is None


# ---------------------------------------------------------------- errors


def test_errors_are_one_sentence_per_field_using_its_title() -> None:
    form = {"title": "  ", "body": "x" * 5001, "count": "11", "big": "", "ratio": "0.75", "weight": "-1",
            "mode": "sloppy", "colour": "green", "level": "2.5"}
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate(parse_form(Sample, form))
    errors = field_errors(Sample, caught.value)
    assert errors == {
        "title": "Title is required.",
        "body": "Body must be at most 5,000 characters (it has 5,001).",
        "count": "Count must be at most 10.",
        "big": "Big is required.",
        "ratio": "Ratio must be a multiple of 0.1.",
        "weight": "Weight must be more than 0.",
        "level": "Level must be a whole number.",
        "mode": "Mode must be one of: Fast answers, Careful answers.",
        "colour": "Colour must be one of: Deep red, Blue.",
    }


def test_missing_and_minimum_errors() -> None:
    with pytest.raises(ValidationError) as caught:
        Sample.model_validate({"count": 0, "weight": "many"})
    assert field_errors(Sample, caught.value) == {
        "title": "Title is required.",
        "count": "Count must be at least 1.",
        "weight": "Weight must be a number.",
    }


# ---------------------------------------------------------------- several choices, fields left out


class Picks(BaseModel):
    title: str = Field(default="", title="Title")
    tools: list[Literal["search", "read"]] = Field(
        default_factory=list, title="Tools", json_schema_extra={"choices": {"search": "Web search"}}
    )
    colours: tuple[Colour, ...] = Field(default=(Colour.BLUE,), title="Colours")
    secret: list[dict[str, str]] = Field(default_factory=list, json_schema_extra={"form": False})


def test_a_list_of_choices_is_a_group_of_checkboxes() -> None:
    found = specs(Picks)
    assert list(found) == ["title", "tools", "colours"]  # `secret` is no form's business (and has no widget)
    tools, colours = found["tools"], found["colours"]
    assert tools.kind == colours.kind == "checkboxes"
    assert [(c.value, c.label) for c in tools.choices] == [("search", "Web search"), ("read", "read")]
    assert [c.label for c in colours.choices] == ["Deep red", "Blue"]
    assert initial_values(Picks) == {"title": "", "tools": [], "colours": ["blue"]}
    assert initial_values(Picks, {"tools": ["read"], "colours": [Colour.DEEP_RED]})["colours"] == ["red"]


def test_checked_boxes_are_read_back_in_choice_order() -> None:
    """Each box has its own name (`tools.search`); unchecked ones are not submitted."""
    tools = specs(Picks)["tools"]
    assert [checkbox_name(tools, c) for c in tools.choices] == ["tools.search", "tools.read"]
    assert parse_form(Picks, {"tools.read": "on", "tools.search": "on", "colours.red": "on"}) == {
        "tools": ["search", "read"], "colours": [Colour.DEEP_RED],
    }
    assert parse_form(Picks, {"title": "x"}) == {"title": "x", "tools": [], "colours": []}
    # A list under the field's own name (an API-like dict) works too, in the order given.
    assert parse_form(Picks, {"tools": ["read", "search"]})["tools"] == ["read", "search"]
    assert parse_form(Picks, {"tools": "read"})["tools"] == ["read"]
    assert Picks.model_validate(parse_form(Picks, {"colours.blue": "on"})).colours == (Colour.BLUE,)


def test_a_choice_that_is_not_offered_is_refused_by_its_label() -> None:
    with pytest.raises(ValidationError) as refused:
        Picks.model_validate(parse_form(Picks, {"tools": ["search", "write"]}))
    assert field_errors(Picks, refused.value) == {"tools": "Tools must be one of: Web search, read."}
