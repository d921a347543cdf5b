"""Load a trained pipeline for a CLI, or stop with one line that says how to get it."""
from __future__ import annotations

import spacy
import typer
from confection import ConfigValidationError
from spacy.language import Language

from mountner.pipeline.extensions import install_extensions

# The commands that load a pipeline read ent._.confidence, ent._.mountner_source and doc._.mountner_probs, also on
# docs of a pipeline without the mountner component (spaCy finds the factories themselves through entry points).
install_extensions()

HOW_TO_GET = (
    "install the packaged model with `pip install en_mountner --find-links packages/dist` "
    "or build it with `python -m spacy project run all`"
)


def load_or_exit(model: str, prog: str) -> Language:
    """spacy.load(model); a model that is not there (spaCy's E050) or cannot be read exits 1 with one line."""
    try:
        return spacy.load(model)
    except OSError as err:
        if "[E050]" in str(err):
            message = f"{prog}: model '{model}' not found (neither an installed package nor a folder): {HOW_TO_GET}"
        else:
            # spaCy's own message names what is wrong (e.g. E053: a folder without config.cfg)
            message = f"{prog}: cannot load model '{model}': {' '.join(str(err).split())}"
        typer.secho(message, fg="red", err=True)
        raise typer.Exit(1)
    except ConfigValidationError as err:
        # a model saved by another version of the pipeline code: its config names settings this code lacks
        problems = "; ".join(f"{' -> '.join(map(str, e['loc']))}: {e['msg']}" for e in err.errors or [])
        typer.secho(
            f"{prog}: cannot load model '{model}': its config does not fit this version of the code ({problems or err.title}); "
            "retrain it with `python -m spacy project run train`, or use the code it was built with",
            fg="red", err=True,
        )
        raise typer.Exit(1)
