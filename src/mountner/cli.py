"""One command line for MountNER: `python -m mountner <command>` or `mountner <command>`.

The workflow's steps (project.yml runs them in order), the user's tools, and the builders of the committed
assets. Each command is the `main` function of the module named in COMMANDS; project.yml's deps are checked
against what that module imports (tests/test_project.py)."""
from __future__ import annotations

import importlib
import sys
from typing import Dict, Iterable, Optional, Sequence, Tuple

import typer

# command name -> (module whose `main` it runs, shown in --help). Hidden commands are for developers and tests.
COMMANDS: Dict[str, Tuple[str, bool]] = {
    # the workflow, in order
    "generate": ("mountner.generation.generate", True),
    "convert": ("mountner.data.convert", True),
    "encoder": ("mountner.training.encoder", True),
    "evaluate": ("mountner.evaluation.evaluate", True),
    "package": ("mountner.training.package", True),
    "results": ("mountner.evaluation.tables", True),
    "compare": ("mountner.evaluation.compare", True),
    "decoder-rules": ("mountner.evaluation.decoder_rules", True),
    "benchmark": ("mountner.benchmarks.inference", True),
    "benchmark-gpu": ("mountner.benchmarks.gpu", True),
    "benchmark-workflow": ("mountner.benchmarks.workflow", True),
    # using a model
    "predict": ("mountner.inference.predict", True),
    "tag": ("mountner.inference.tag", True),
    "visualize": ("mountner.inference.visualize", True),
    "teach": ("mountner.training.teach", True),
    "real-eval": ("mountner.evaluation.real_eval", True),
    # one generator alone, and how the committed assets were built
    "generate-offline": ("mountner.generation.offline.engine", False),
    "generate-llm": ("mountner.generation.llm.generator", False),
    "bench-generation": ("mountner.benchmarks.generation", False),
    "build-gazetteer": ("mountner.data.build_gazetteer", False),
    "wikipedia-leads": ("mountner.generation.real_prose.wikipedia_leads", False),
    "mountain-books": ("mountner.generation.real_prose.mountain_books", False),
    "wordnet-glosses": ("mountner.generation.real_prose.wordnet_glosses", False),
}

HELP = __doc__.split("\n\n")[0]


def build_app(names: Iterable[str]) -> typer.Typer:
    """A typer app with the named commands (each module is imported here, with what it imports)."""
    app = typer.Typer(add_completion=False, no_args_is_help=True, help=HELP)
    app.callback()(lambda: None)  # keeps `mountner <command>` a group even when it holds one command
    for name in names:
        module, shown = COMMANDS[name]
        app.command(name, hidden=not shown)(importlib.import_module(module).main)
    return app


def main(argv: Optional[Sequence[str]] = None) -> None:
    """Run one command, importing only its module (spaCy, torch and the openai client load in seconds, and
    most commands need only some of them); --help and unknown commands get the whole app."""
    argv = list(sys.argv[1:] if argv is None else argv)
    names = [argv[0]] if argv and argv[0] in COMMANDS else list(COMMANDS)
    build_app(names)(args=argv, prog_name="mountner")
