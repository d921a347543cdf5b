"""benchmark-gpu: checked on the CPU with a tiny encoder, and a clear error for a missing input."""
import json

from conftest import ROOT, script


def test_gpu_benchmark_script_runs_on_the_cpu_with_a_tiny_encoder(trained, tmp_path):
    """The device run is one short try: check the script here first (tiny BERT, CPU, a few steps)."""
    from spacy.tokens import DocBin

    nlp, examples, _ = trained
    corpus = DocBin(docs=[eg.reference for eg in examples])
    corpus.to_disk(tmp_path / "train.spacy")
    (tmp_path / "names.txt").write_text("Mount Kenya\n")
    page = tmp_path / "scaling.md"
    page.write_text("<!-- benchmark-gpu:start -->\nold\n<!-- benchmark-gpu:end -->\n")
    output = tmp_path / "gpu.json"
    result = script(
        "benchmark-gpu", "--gpu-id", -1, "--size", "tiny", "--steps", 3, "--warmup", 1, "--batch-sizes", "2,8",
        "--train", tmp_path / "train.spacy", "--dev", tmp_path / "train.spacy", "--texts-source", tmp_path / "train.spacy",
        "--known-names", tmp_path / "names.txt", "--encoder-dir", tmp_path / "enc", "--output", output, "--docs", page,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    run = json.loads(output.read_text())["runs"]["fp32"]
    assert run["train"]["steps"] == 3 and run["train"]["words_per_second"] > 0
    assert set(run["inference"]) == {"2", "8"} and all(r["texts"] == len(examples) for r in run["inference"].values())
    assert "old" in page.read_text()  # CPU checks never replace the docs page's GPU figures


def test_gpu_benchmark_names_a_missing_input(tmp_path):
    result = script("benchmark-gpu", "--gpu-id", -1, "--train", tmp_path / "absent.spacy", cwd=ROOT)
    assert result.returncode == 1 and "training DocBin not found" in result.stderr and "absent.spacy" in result.stderr


def test_a_benchmark_step_updates_the_encoder_with_its_own_gradient(trained):
    """benchmark-gpu steps as spacy train does: the first step already moves the encoder (nlp.update with sgd would
    apply the transformer's finish_update before the tagger's listener sends its gradient)."""
    import spacy
    import torch
    from spacy.training import Example
    from thinc.api import Adam

    from mountner.benchmarks.gpu import train_step

    _, examples, model = trained
    moved = {}
    for how in ("nlp.update", "train_step"):
        nlp = spacy.load(model)
        encoder = nlp.get_pipe("transformer").model.layers[0].shims[0]._model
        before = [p.detach().clone() for p in encoder.parameters()]
        batch = [Example(nlp.make_doc(eg.reference.text), eg.reference) for eg in examples]
        if how == "nlp.update":
            nlp.update(batch, sgd=Adam(0.001), drop=0.0)
        else:
            train_step(nlp, batch, Adam(0.001), 0.0, {})
        moved[how] = sum(not torch.equal(b, p) for b, p in zip(before, encoder.parameters()))
    assert moved["nlp.update"] == 0 and moved["train_step"] > 0
