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
