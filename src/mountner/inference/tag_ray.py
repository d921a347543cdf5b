"""The Ray engine of `tag`: the records written as JSONL shards, tagged by Ray Data actors (one model
each), read back in input order. Ray is optional (requirements-ray.txt), so it is imported only here, when used."""
from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Iterator, List, Optional

import spacy

from mountner.inference.tag_records import TagError, in_blocks, load_model, share_cores, tag_block

PACKAGE_DIR = Path(__file__).resolve().parents[1]


class RayTagger:
    """A Ray Data actor: loads the model once, then tags batches of records (JSON strings)."""

    def __init__(self, model: str, batch_size: int, threads: int, use_gpu: bool):
        share_cores(threads)
        if use_gpu:
            spacy.require_gpu()
        self.nlp = load_model(model)
        self.batch_size = batch_size

    def __call__(self, batch: dict) -> dict:
        records = [json.loads(line) for line in batch["text"]]
        results = tag_block(self.nlp, records, self.batch_size)
        return {"seq": [r["seq"] for r in records], "line": [json.dumps(r, ensure_ascii=False) for r in results]}


def write_shards(records: Iterable[dict], folder: Path, shard_size: int) -> List[str]:
    """The parsed records as JSONL shards (valid UTF-8, bad lines already turned into error records), so
    that Ray reads exactly what the local engine tags."""
    paths = []
    for number, block in enumerate(in_blocks(records, shard_size)):
        path = folder / f"shard-{number:06d}.jsonl"
        with path.open("w", encoding="utf8") as out:
            out.writelines(json.dumps(r, ensure_ascii=True) + "\n" for r in block)
        paths.append(str(path))
    return paths


def run_ray(
    model: str, records: Iterable[dict], batch_size: int, block_size: int, n_actors: int,
    address: Optional[str], num_gpus: float, scratch: Path,
) -> Iterator[dict]:
    try:
        import ray
        import ray.data
    except ImportError:
        raise TagError("--engine ray needs Ray: pip install -r requirements-ray.txt")
    # Workers start elsewhere (another folder, another node): give them an absolute model path.
    if Path(model).exists():
        model = str(Path(model).resolve())
    folder = Path(tempfile.mkdtemp(prefix=".tag-ray-", dir=scratch))
    try:
        shards = write_shards(records, folder, shard_size=block_size * 4)
        if not shards:
            return
        # The mountner package travels with the job, so that every worker can import this module and the
        # pipeline code, on this machine or on a cluster.
        runtime_env = {"py_modules": [str(PACKAGE_DIR)], "excludes": ["__pycache__"]}
        if address:
            ray.init(address=address, runtime_env=runtime_env, log_to_driver=False)
        else:
            cpus = os.cpu_count() or 1
            ray.init(num_cpus=max(cpus, n_actors + 1), runtime_env=runtime_env, include_dashboard=False, log_to_driver=False)
        ray.data.DataContext.get_current().execution_options.preserve_order = True
        ray.data.DataContext.get_current().enable_progress_bars = False
        threads = max(1, (os.cpu_count() or 1) // n_actors) if not address else 1
        dataset = ray.data.read_text(shards).map_batches(
            RayTagger,
            fn_constructor_kwargs={"model": model, "batch_size": batch_size, "threads": threads, "use_gpu": num_gpus > 0},
            batch_size=block_size, concurrency=n_actors, num_gpus=num_gpus or None, num_cpus=1,
        )
        # Rows come in input order (preserve_order); the buffer only guards that promise.
        waiting, next_seq = {}, None
        for row in dataset.iter_rows():
            seq = int(row["seq"])
            next_seq = seq if next_seq is None else next_seq
            waiting[seq] = row["line"]
            while next_seq in waiting:
                yield json.loads(waiting.pop(next_seq))
                next_seq += 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if "ray" in sys.modules:
            import ray

            if ray.is_initialized():
                ray.shutdown()
