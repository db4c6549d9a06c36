"""A second, different quality set for bench/bench_knowledge.py, to check that a
retrieval change helps in general and not only on the docstrings: the 79 topics of
Python's language reference as the interpreter ships them for `help()`
(`pydoc_data.topics`, PSF License, no network), long documents of ~6,000 characters
(several passages each, where the docstrings are one), and 25 questions written for
this bench in a user's words, each with the topic that answers it."""

from __future__ import annotations

from pydoc_data.topics import topics


def documents() -> dict[str, str]:
    """{"topic.txt": text} for every help() topic."""
    return {f"{name}.txt": text for name, text in sorted(topics.items())}


QUESTIONS: list[tuple[str, str]] = [
    ("stop a loop early as soon as I found what I was looking for", "break"),
    ("skip the rest of this round of the loop and go on with the next one", "continue"),
    ("run some cleanup code whether or not an error happened", "try"),
    ("make my own class usable in a with statement", "context-managers"),
    ("which values count as false in an if test", "truth"),
    ("does and bind tighter than or? the priority of operators", "operator-summary"),
    ("show a variable inside a string with exactly two decimals", "formatstrings"),
    ("take every second element of a list, or the list backwards", "slicings"),
    ("a tiny anonymous function written inline", "lambda"),
    ("change a module-level variable from inside a function", "global"),
    ("signal an error to the caller myself", "raise"),
    ("make objects of my class comparable with < and printed nicely", "customization"),
    ("pause a generator and hand a value back to the loop that drives it", "yield"),
    ("how big can whole numbers get, and how do I write them in hex or binary", "integers"),
    ("wait for a coroutine's result inside another coroutine", "await"),
    ("remove a name so it is no longer defined", "del"),
    ("step through my program line by line to find a bug", "debugger"),
    ("how a name is looked up: local, enclosing, global, builtin", "naming"),
    ("write a number with j for the square root of minus one", "imaginary"),
    ("make my object behave like a container so len() and indexing work", "sequence-types"),
    ("change text to upper case, split it at commas or trim spaces", "string-methods"),
    ("add an item at the end of a list or remove one from it", "typesseq-mutable"),
    ("check whether a value is one of the items of a collection", "in"),
    ("run code only when a condition holds, with alternatives otherwise", "if"),
    ("use code from another file or package in mine", "import"),
]
