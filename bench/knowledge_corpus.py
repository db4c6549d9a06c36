"""The retrieval-quality corpus of bench/bench_knowledge.py: the docstrings of Python's
standard library (functions, classes and their public methods, of the modules below),
one short document each, named like "json.dumps.txt". Not written by this project:
they are Python's own documentation, under the Python Software Foundation License
(PSF-2.0, permissive), and they come with the interpreter, so the bench needs no
network. The same Python version gives the same corpus; the bench prints its size."""

from __future__ import annotations

import importlib
import inspect
import re
import warnings

MODULES = """abc argparse array ast asyncio base64 bisect builtins bz2 calendar cmath codecs collections
colorsys concurrent.futures configparser contextlib copy csv dataclasses datetime decimal difflib email.utils
enum filecmp fnmatch fractions ftplib functools getpass gettext glob graphlib gzip hashlib heapq hmac html
http.client http.cookies imaplib inspect io ipaddress itertools json keyword linecache locale logging lzma
math mimetypes multiprocessing operator os os.path pathlib pickle platform pprint queue quopri random re
sched secrets select selectors shelve shlex shutil signal smtplib socket sqlite3 ssl statistics string
struct subprocess sys tarfile tempfile textwrap threading time timeit tokenize traceback types typing
unicodedata urllib.parse urllib.request uuid warnings weakref webbrowser xml.etree.ElementTree zipfile zlib""".split()
MIN_CHARS = 40
MAX_CHARS = 4000


def _doc(obj: object) -> str:
    doc = inspect.getdoc(obj) or ""
    return doc.strip()


def _signature(name: str, obj: object) -> str:
    try:
        return f"{name}{inspect.signature(obj)}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return name


def documents() -> dict[str, str]:
    """{"module.name.txt": "signature\\n\\ndocstring"} for every documented public callable."""
    found: dict[str, str] = {}
    seen: set[int] = set()
    warnings.simplefilter("ignore")
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name, obj in sorted(vars(module).items()):
            if name.startswith("_") or not callable(obj) or id(obj) in seen:
                continue
            owner = str(getattr(obj, "__module__", None) or module_name).lstrip("_")
            top = module_name.split(".")[0]
            if module_name != "builtins" and not owner.startswith((top, "posix", "sre")):
                continue  # re-exported from elsewhere
            seen.add(id(obj))
            members = [(f"{module_name}.{name}", obj)]
            if inspect.isclass(obj):
                members += [(f"{module_name}.{name}.{attr}", value) for attr, value in sorted(vars(obj).items())
                            if not attr.startswith("_") and callable(value)]
            for full, item in members:
                text = _doc(item)
                if len(text) < MIN_CHARS or text.startswith(("Initialize self", "Return self", "Create and return")):
                    continue
                signature = re.sub(r" at 0x[0-9a-f]+", "", _signature(full, item))  # no addresses: the same corpus every run
                found[f"{full}.txt"] = f"{signature}\n\n{text[:MAX_CHARS]}"
    return found


if __name__ == "__main__":
    docs = documents()
    print(len(docs), "documents,", sum(map(len, docs.values())) // 1000, "k chars")
