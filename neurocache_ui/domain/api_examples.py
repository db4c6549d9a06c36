"""The code examples of the API keys page ("Use your key"): one chat completion with
an agent as the model, in curl, Python (the `openai` package) and JavaScript
(`fetch`, so it runs in Node 18+ or a browser without installing anything). Pure
text, so a test can run each example exactly as a person would paste it."""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

API_PATH = "/api/v1"
KEY_PLACEHOLDER = "nck_your_key"
"""Stands for the key until one is created on the page (the secret is shown once)."""
AGENT_PLACEHOLDER = "your-agent"
"""Stands for an agent's slug until the person has one."""
QUESTION = "Hello! What can you do?"


@dataclass(frozen=True)
class Example:
    language: str
    """The tab's label: "curl", "Python", "JavaScript"."""
    code: str


def api_base(origin: str) -> str:
    """The API's base URL for the hub at `origin` (scheme://host[:port], as the browser sends it)."""
    return origin.rstrip("/") + API_PATH


def examples(origin: str, agent_slug: str = "", key: str = "") -> list[Example]:
    """The three examples against the hub at `origin`, asking `agent:<agent_slug>`
    with `key`; placeholders stand for what is not known yet."""
    base = api_base(origin)
    model = f"agent:{agent_slug or AGENT_PLACEHOLDER}"
    key = key or KEY_PLACEHOLDER
    messages = [{"role": "user", "content": QUESTION}]
    body = json.dumps({"model": model, "messages": messages})
    curl = (
        f"curl {shlex.quote(base + '/chat/completions')} \\\n"
        f"  -H {shlex.quote('Authorization: Bearer ' + key)} \\\n"
        f"  -H 'Content-Type: application/json' \\\n"
        f"  -d {shlex.quote(body)}"
    )
    python = (
        "from openai import OpenAI\n"
        "\n"
        f"client = OpenAI(base_url={json.dumps(base)}, api_key={json.dumps(key)})\n"
        "reply = client.chat.completions.create(\n"
        f"    model={json.dumps(model)},\n"
        f'    messages=[{{"role": "user", "content": {json.dumps(QUESTION)}}}],\n'
        ")\n"
        "print(reply.choices[0].message.content)"
    )
    javascript = (
        f"const response = await fetch({json.dumps(base + '/chat/completions')}, {{\n"
        '  method: "POST",\n'
        f'  headers: {{ Authorization: {json.dumps("Bearer " + key)}, "Content-Type": "application/json" }},\n'
        "  body: JSON.stringify({\n"
        f"    model: {json.dumps(model)},\n"
        f'    messages: [{{ role: "user", content: {json.dumps(QUESTION)} }}],\n'
        "  }),\n"
        "});\n"
        "const reply = await response.json();\n"
        "console.log(reply.choices[0].message.content);"
    )
    return [Example("curl", curl), Example("Python", python), Example("JavaScript", javascript)]
