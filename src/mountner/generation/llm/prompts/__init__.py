"""The prompts MountNER sends to chat models, as versioned jinja2 templates next to this file.

A prompt version ("generate.v2", "teach.v2") names a set of templates, one per message role:
<version>.<role>.jinja. A changed wording is a new version (a new file), never an edit of a released one, so
that the version in a report or a model's meta says which words the model was given. The label guideline
(bio.LABEL_GUIDELINE) is part of those words: a changed guideline is a new version too (v2: national adjectives
outside a range's name); earlier versions are in the project's history."""
from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

PROMPT_DIR = Path(__file__).parent

# StrictUndefined: a value the caller forgot is an error, not an empty string in the prompt. Block tags take
# their own line with them (trim_blocks, lstrip_blocks), so a template reads like the text it makes.
_ENVIRONMENT = Environment(loader=FileSystemLoader(PROMPT_DIR), undefined=StrictUndefined, autoescape=False,
                           trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def template_name(version: str, role: str) -> str:
    return f"{version}.{role}.jinja"


def render_prompt(version: str, role: str, **values) -> str:
    """The text of one message: the template's lines, without the newline that ends the file's last one."""
    return _ENVIRONMENT.get_template(template_name(version, role)).render(**values).removesuffix("\n")
