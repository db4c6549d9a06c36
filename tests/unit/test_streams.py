"""A streaming reply's text as this worker's tabs receive it (web/realtime/streams.py):
each tab gets only the text it lacks, whatever order tabs join in, and the page-side
call cannot be broken out of by the text."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from neurocache_ui.domain.events import AgentStreamed
from neurocache_ui.web.realtime.streams import ReplyTexts, script


def streamed(offset: int, text: str, message_id: int = 7) -> AgentStreamed:
    return AgentStreamed(message_id=message_id, offset=offset, text=text)


def test_a_tab_gets_the_appended_text_and_a_new_tab_the_whole_text() -> None:
    texts = ReplyTexts()
    assert texts.apply(streamed(0, "Hello"))
    assert texts.updates_for("ada", [7]) == [(7, 0, "Hello")]
    assert texts.apply(streamed(5, ", wor"))
    assert texts.apply(streamed(10, "ld"))
    assert texts.updates_for("ada", [7]) == [(7, 5, ", world")]  # two deltas in one frame: one update
    assert texts.updates_for("ada", [7]) == []  # nothing new
    assert texts.updates_for("bob", [7]) == [(7, 0, "Hello, world")]  # a late joiner
    texts.forget_tab_reply("ada", 7)  # ada reloaded the page
    assert texts.updates_for("ada", [7]) == [(7, 0, "Hello, world")]


def test_offsets_count_as_the_page_does() -> None:
    texts = ReplyTexts()
    texts.apply(streamed(0, "Ship it 🚀"))  # the rocket is one character here, two in the page
    assert texts.updates_for("ada", [7]) == [(7, 0, "Ship it 🚀")]
    texts.apply(streamed(9, " today"))
    assert texts.updates_for("ada", [7]) == [(7, 10, " today")]


def test_a_gap_is_reported_and_healed_from_the_whole_text() -> None:
    texts = ReplyTexts()
    assert not texts.apply(streamed(5, "world"))  # this worker never saw the start
    texts.set(7, "Hello world")
    assert texts.updates_for("ada", [7]) == [(7, 0, "Hello world")]
    assert not texts.apply(streamed(20, "!"))  # a lost delta
    assert texts.text(7) == "Hello world"


def test_rewritten_text_is_sent_again_from_the_start() -> None:
    texts = ReplyTexts()
    texts.apply(streamed(0, "Draft one"))
    assert texts.updates_for("ada", [7]) == [(7, 0, "Draft one")]
    texts.apply(streamed(0, "Draft"))  # shorter: started over
    assert texts.updates_for("ada", [7]) == [(7, 0, "Draft")]
    texts.apply(streamed(2, "EW"))  # an overwrite inside the text
    assert texts.updates_for("ada", [7]) == [(7, 0, "DrEW")]


def test_an_ended_reply_sends_nothing_more() -> None:
    texts = ReplyTexts()
    texts.apply(streamed(0, "Done"))
    texts.updates_for("ada", [7])
    texts.ended(7)
    assert texts.text(7) is None
    assert texts.updates_for("ada", [7]) == []
    texts.apply(streamed(0, "other", message_id=8))
    texts.clear()  # the bus reconnected: deltas may be lost
    assert texts.updates_for("ada", [8]) == []


@pytest.mark.parametrize("text", ['"); alert(1); ("', "</script><script>alert(1)</script>", "line\u2028break \\ `x` ${y}"])
def test_the_page_call_carries_any_text_as_data(text: str, tmp_path: Path) -> None:
    """Run the generated call in Node (installed with the hub's packages): the
    queued updates equal the input, whatever the text holds."""
    code = script([(7, 3, text)])
    program = f"globalThis.window = {{}}; {code}; console.log(JSON.stringify(window.__ncStreamQueue));"
    (tmp_path / "run.js").write_text(program)
    out = subprocess.run([str(Path(sys.executable).with_name("node")), str(tmp_path / "run.js")], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == [[7, 3, text]]
