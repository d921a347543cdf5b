"""The encoder step: fetch an encoder, keep its first layers, fall back when there is no hub."""
import json

from conftest import invoke, script


def test_encoder_from_a_local_folder_is_recorded(trained, tmp_path):
    _, _, model = trained
    encoder = model.parent / "encoder"
    result = script("encoder", "--name", encoder, "--output", tmp_path / "enc")
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "enc" / "mountner_encoder.json").read_text())
    assert record == {"requested": str(encoder), "fallback_layers": 4, "used": str(encoder), "fallback": False}
    assert (tmp_path / "enc" / "config.json").exists()
    # fallback_layers shapes only the fallback: the requested encoder is not fetched again for it.
    again = script("encoder", "--name", encoder, "--output", tmp_path / "enc", "--fallback-layers", 2)
    assert again.returncode == 0 and "already" in again.stdout


def test_first_layers_of_an_encoder_compute_what_they_computed_inside_it(trained, tmp_path):
    import shutil

    import torch
    from mountner.training.encoder import keep_first_layers
    from transformers import AutoModel

    _, _, model = trained
    cut = shutil.copytree(model.parent / "encoder", tmp_path / "enc")
    assert keep_first_layers(cut, 1) == 1
    assert keep_first_layers(cut, 0) == 1  # 0: all there are
    whole, first = AutoModel.from_pretrained(model.parent / "encoder"), AutoModel.from_pretrained(cut)
    assert (whole.config.num_hidden_layers, first.config.num_hidden_layers) == (2, 1)
    ids = torch.tensor([[2, 40, 41, 42, 3]])
    with torch.no_grad():
        expected = whole(ids, output_hidden_states=True).hidden_states[1]
        assert torch.allclose(first(ids).last_hidden_state, expected, atol=1e-6)


def test_fallback_encoder_keeps_its_first_layers_and_a_failure_keeps_the_old_encoder(trained, tmp_path, monkeypatch):
    from mountner.training import encoder as fetch_encoder

    _, _, model = trained
    # Port 9 on loopback refuses at once: no hub, and nothing outside is reached. The tiny test BERT (2 layers)
    # stands in for the PyPI fallback.
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setattr(fetch_encoder, "fallback_model_dir", lambda: model.parent / "encoder")
    output = tmp_path / "enc"

    def fetch(layers):
        return invoke("encoder", "--name", "not-a-cached/model", "--output", output, "--fallback-layers", layers)

    result = fetch(1)
    assert result.exit_code == 0, result.output
    assert "ENCODER FALLBACK" in result.output and "its first 1 of 2 layers" in result.output
    record = json.loads((output / "mountner_encoder.json").read_text())
    assert (record["fallback"], record["layers"], record["fallback_layers"]) == (True, 1, 1)
    assert json.loads((output / "config.json").read_text())["num_hidden_layers"] == 1
    assert "already" in fetch(1).output
    before = {path.name: path.read_bytes() for path in output.iterdir()}
    result = fetch(3)  # more layers than the encoder has: a clear error, the old encoder left as it was
    assert result.exit_code == 1 and "has 2 layers, fewer than the 3 asked for" in result.output
    assert {path.name: path.read_bytes() for path in output.iterdir()} == before
    assert not (tmp_path / "enc.partial").exists()


def test_encoder_without_hub_and_without_fallback_is_a_clear_error(tmp_path, monkeypatch):
    # Port 9 on loopback refuses at once: this stands for "no hub", and reaches nothing outside.
    env = {"PATH": "/usr/bin:/bin", "HF_ENDPOINT": "http://127.0.0.1:9", "HF_HOME": str(tmp_path / "hf")}
    result = script("encoder", "--name", "not-a-cached/model", "--output", tmp_path / "enc", "--fallback", "false", env=env)
    assert result.returncode == 1
    assert "Cannot load encoder 'not-a-cached/model'" in result.stderr and "Traceback" not in result.stderr
