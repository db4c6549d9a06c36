"""The API keys page's code examples (domain/api_examples.py) are valid code in each
language that names the hub's own address, the agent and the key, whatever those
contain. (tests/e2e/test_first_run.py runs all three against a real hub.)"""

from __future__ import annotations

import ast
import json
import shlex

from neurocache_ui.domain.api_examples import AGENT_PLACEHOLDER, KEY_PLACEHOLDER, QUESTION, examples


def test_examples_call_the_hubs_own_api_with_the_agent_and_the_key() -> None:
    curl, python, javascript = examples("https://hub.example:8443/", "scout", "nck_abc123")
    assert [e.language for e in (curl, python, javascript)] == ["curl", "Python", "JavaScript"]
    words = shlex.split(curl.code.replace("\\\n", " "))
    assert words[:2] == ["curl", "https://hub.example:8443/api/v1/chat/completions"]
    assert words[words.index("-H") + 1] == "Authorization: Bearer nck_abc123"
    assert json.loads(words[words.index("-d") + 1]) == {
        "model": "agent:scout", "messages": [{"role": "user", "content": QUESTION}]
    }
    tree = ast.parse(python.code)  # valid Python
    call = next(node for node in ast.walk(tree) if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "OpenAI")
    assert {k.arg: ast.literal_eval(k.value) for k in call.keywords} == {
        "base_url": "https://hub.example:8443/api/v1", "api_key": "nck_abc123"
    }
    assert '"agent:scout"' in python.code
    assert 'fetch("https://hub.example:8443/api/v1/chat/completions"' in javascript.code
    assert '"Bearer nck_abc123"' in javascript.code and 'model: "agent:scout"' in javascript.code


def test_placeholders_stand_for_what_is_not_known_yet() -> None:
    for example in examples("http://127.0.0.1:3000"):
        assert KEY_PLACEHOLDER in example.code and f"agent:{AGENT_PLACEHOLDER}" in example.code
        assert "http://127.0.0.1:3000/api/v1" in example.code


def test_quotes_in_an_address_cannot_break_out_of_the_code() -> None:
    origin = "http://evil'\"$(touch x)`"
    curl, python, _ = examples(origin, "a", "k")
    assert shlex.split(curl.code.replace("\\\n", " "))[1] == origin + "/api/v1/chat/completions"
    assert ast.parse(python.code)
