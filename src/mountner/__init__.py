"""MountNER: mountain names in text. A spaCy tagger trained on generated data, and the tools that make,
score and use it. `python -m mountner --help` lists the commands; the pipeline's parts are registered with
spaCy through entry points (pyproject.toml), so `spacy.load` and `spacy train` find them once this is installed."""
from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mountner")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"
