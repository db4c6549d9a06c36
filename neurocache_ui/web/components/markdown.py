"""Markdown for untrusted text (chat messages, agent replies, "Try it" turns): one
renderer, so every place that shows such text gets the same protections."""

from __future__ import annotations

import reflex as rx

LINK_REL = "noopener noreferrer nofollow"

# Inside a component_map function react-markdown's element props are `props`
# (Reflex destructures them as `{node, children, ...props}`).
_SRC = rx.Var("props.src", _var_type=str)
_ALT = rx.Var("props.alt", _var_type=str)


def _link(children: rx.Var[str]) -> rx.Component:
    """Markdown links: a new tab, no opener, no referrer (the URL is already safe)."""
    return rx.link(children, target="_blank", rel=LINK_REL)


def _image_as_link(_children: rx.Var[str]) -> rx.Component:
    """An image is shown as a link to it: nothing is fetched unless the viewer clicks."""
    # as_child=False: a plain anchor, not a client-side router link (the URL is foreign).
    return rx.link(rx.cond(_ALT, _ALT, _SRC), href=_SRC, as_child=False, target="_blank", rel=LINK_REL)


def safe_markdown(content: str | rx.Var[str]) -> rx.Component:
    """Render untrusted markdown.

    - Raw HTML is off (Reflex turns it on by default): `<script>` or `<img onerror>` show as text.
    - Images become links: an image would make every viewer's browser fetch a URL the
      author chose (a tracking pixel, or a request into the viewer's own network).
    - Link targets: react-markdown's default `urlTransform` keeps only http(s), mailto,
      xmpp, irc(s) and relative URLs and empties the rest (`javascript:`, `data:`); links
      open in a new tab without opener or referrer, `nofollow` as the hub endorses none."""
    return rx.markdown(content, use_raw=False, component_map={"a": _link, "img": _image_as_link})


BODY_STYLE = {
    # Chat-tight paragraphs: react-markdown's blocks keep Radix's 1em margins otherwise.
    "& p, & ul, & ol, & pre, & blockquote, & table": {"marginTop": "0.35em", "marginBottom": "0.35em"},
    "& > div > :first-child": {"marginTop": "0"},
    "& > div > :last-child": {"marginBottom": "0"},
    "overflowWrap": "anywhere",
    "& pre": {"overflowX": "auto", "maxWidth": "100%"},
}
"""How a message's text sits in its row (also while it streams, and in Try it)."""


def message_body(content: str | rx.Var[str]) -> rx.Component:
    """A message's markdown text, spaced for chat."""
    return rx.box(safe_markdown(content), class_name="message-body", width="100%", style=BODY_STYLE)
