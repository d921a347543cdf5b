import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
import spacy
from spacy.training import Example
from typer.testing import CliRunner

from mountner.benchmarks.gpu import train_step
from mountner.cli import build_app
from mountner.testing.tiny_bert import build_tiny_bert

ROOT = Path(__file__).resolve().parents[1]

# Real annotated text for measuring only (never for training); tests using it skip when absent.
FEWNERD_DEV = ROOT.parent / "shared" / "data" / "fewnerd-mountain-dev.iob"


def invoke(command: str, *args):
    """Run `mountner <command> ARGS` in this process (typer's CliRunner), as the CLI would."""
    return CliRunner().invoke(build_app([command]), [command, *map(str, args)])


def script(name, *args, env=None, cwd=None):
    """Run `python -m mountner <name> ARGS` in a new process, as a user would."""
    return subprocess.run([sys.executable, "-m", "mountner", name, *map(str, args)], capture_output=True, text=True, env=env, cwd=cwd)


@pytest.fixture
def fewnerd_dev() -> Path:
    if not FEWNERD_DEV.exists():
        pytest.skip(f"{FEWNERD_DEV} not present")
    return FEWNERD_DEV


TRAIN = [
    ("We climbed Mount Kenya in May.", [(11, 22)]),
    ("The Alps and the Andes are ranges.", [(4, 8), (17, 22)]),
    ("Paris is a city in France.", []),
    ("Snow covered Mont Blanc and Monte Rosa.", [(13, 23), (28, 38)]),
    ("Mount Sinai Hospital is in New York.", []),
    ("Ben Nevis is in Scotland.", [(0, 9)]),
]


@pytest.fixture(scope="session")
def trained(tmp_path_factory):
    """A tiny pipeline (random tiny BERT + mountner) trained on six sentences, and saved to disk."""
    path = tmp_path_factory.mktemp("tagger")
    encoder = build_tiny_bert([t for t, _ in TRAIN] * 5, path / "encoder")
    config = spacy.util.load_config(ROOT / "configs" / "config.cfg", overrides={
        "paths.encoder": str(encoder),
        "training.optimizer.learn_rate.warmup_steps": 5,
        "training.optimizer.learn_rate.initial_rate": 0.002,
        "training.max_steps": 60,
    }, interpolate=True)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True)
    examples = []
    for text, spans in TRAIN:
        doc = nlp.make_doc(text)
        examples.append(Example.from_dict(doc, {"entities": [(s, e, "MOUNTAIN") for s, e in spans]}))
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(0)
    for _ in range(60):
        rng.shuffle(examples)
        train_step(nlp, examples, optimizer, 0.0, {})  # as spacy train steps
        optimizer.step_schedules()  # spacy train does this after each step
    nlp.to_disk(path / "model")
    return nlp, examples, path / "model"


OPENAI_TEST_KEY = "sk-test-SECRET-never-print-5c1e9a7b3d"  # a dummy key; tests check it is never printed or written


@pytest.fixture
def serve(monkeypatch):
    """Start local OpenAI-compatible servers (mountner.testing.openai_server) on 127.0.0.1 and point the client
    at the last one started, with a dummy key and no proxy."""
    from mountner.testing.openai_server import LocalOpenAIServer

    servers = []
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_TEST_KEY)

    def start(**kwargs) -> LocalOpenAIServer:
        server = LocalOpenAIServer(**kwargs).start()
        servers.append(server)
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        return server

    yield start
    for server in servers:
        server.stop()


# Evaluation results as `evaluate` writes them, for the package meta and the results tables.
SCORES = {"sentences": 10, "gold_entities": 4, "predicted_entities": 4, "seqeval": {"precision": 0.5, "recall": 0.25, "f1": 1 / 3}, "reliability": None}

REAL_RATE = {
    "negatives_file": "neg.iob",
    "negatives": {"sentences": 400, "false_positives": 6, "fp_per_1000": 15.0, "fp_per_1000_ci95": [5.04, 27.5], "sentences_with_false_positive": 5},
    "pooled": {"files": ["real: x.iob", "neg.iob"], "sentences": 410, "gold_entities": 4},
    "pr_curve": [
        {"threshold": 0.0, "entities": 10, "correct": 2, "precision": 0.2, "recall": 0.5, "f1": 0.286, "fp_per_1000": 15.0},
        {"threshold": 0.5, "entities": 3, "correct": 2, "precision": 2 / 3, "recall": 0.5, "f1": 0.571, "fp_per_1000": 2.5},
    ],
    "plot": None,
}


def write_package_inputs(tmp_path, results, skipped, used="sentence-transformers/all-MiniLM-L6-v2"):
    """A pipeline folder, an encoder record and a metrics file, as `mountner package` and `mountner results` read them."""
    model = tmp_path / "model"
    model.mkdir()
    (model / "meta.json").write_text(json.dumps({"lang": "en", "name": "pipeline", "version": "0.0.0", "performance": {"ents_f": 0.9}}))
    encoder = tmp_path / "mountner_encoder.json"
    encoder.write_text(json.dumps({"requested": "bert-base-cased", "used": used, "fallback": used != "bert-base-cased"}))
    metrics = tmp_path / "metrics.json"
    metrics.write_text(json.dumps({"meta": {"pipeline": ["transformer", "mountner"], "encoder": {"used": used}, "skipped": skipped}, "results": results}))
    return model, encoder, metrics
