"""project.yml and configs/ stay honest: every command lists the project code it runs among its deps
(so a changed module reruns the step), and configs/ner_baseline.cfg differs from configs/config.cfg only
in its NER component."""
from __future__ import annotations

import ast
import copy
import re
import shlex
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Set, Tuple

import spacy
from confection import Config
from weasel.util import load_project_config

from mountner.cli import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
SRC = "src"
PACKAGE = "mountner"


# ------------------------------------------------------------------------------ deps that cannot go stale
def module_path(dotted: str, root: Path) -> Optional[str]:
    """src/a/b.py or src/a/b/__init__.py for the module a.b, relative to root; None where neither exists."""
    base = Path(SRC, *dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if (root / candidate).is_file():
            return candidate.as_posix()
    return None


def imported_modules(path: Path, root: Path) -> Set[str]:
    """Files of the package that a file imports, at any depth (imports inside functions count):
    `from mountner.a import b` is the module mountner/a/b.py where there is one, else mountner/a."""
    tree = ast.parse(path.read_text(encoding="utf8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names.add(f"{node.module}.{alias.name}" if module_path(f"{node.module}.{alias.name}", root) else node.module)
    found = {module_path(name, root) for name in names if name.split(".")[0] == PACKAGE}
    return {f for f in found if f and not _is_empty_init(root / f)}


def _is_empty_init(path: Path) -> bool:
    return path.name == "__init__.py" and not path.read_text(encoding="utf8").strip()


def project_code(module: str, root: Path) -> Dict[str, str]:
    """The module's file and every file of the package it imports, directly or through another module:
    {path relative to root: the file that pulled it in}."""
    start = module_path(module, root)
    found = {start: start}
    queue = [start]
    while queue:
        current = queue.pop()
        for name in sorted(imported_modules(root / current, root)):
            if name not in found:
                found[name] = current
                queue.append(name)
    return found


def command_names(command: dict) -> List[str]:
    """The mountner commands a project command runs: `python -m mountner <name> ...`."""
    names = []
    for line in command.get("script", []):
        tokens = shlex.split(line)
        for i in range(len(tokens) - 3):
            if tokens[i + 1:i + 3] == ["-m", PACKAGE] and tokens[i + 3] not in names:
                names.append(tokens[i + 3])
    return names


def command_configs(command: dict) -> List[str]:
    """Config files a command's script lines name: `spacy train configs/z.cfg`."""
    return [token for line in command.get("script", []) for token in shlex.split(line)
            if token.startswith("configs/") and token.endswith(".cfg")]


def covered(path: str, deps: Iterable[str]) -> bool:
    """A dep names the file or a folder above it."""
    return any(path == dep or path.startswith(dep.rstrip("/") + "/") for dep in deps)


def missing_deps(project: dict, root: Path, commands: Mapping[str, Tuple[str, bool]] = COMMANDS) -> List[str]:
    """One line per project file a command runs but does not list in its deps."""
    problems = []
    for command in project.get("commands", []):
        deps = set(command.get("deps", []))
        for dep in sorted(deps):
            if dep.startswith(f"{SRC}/") and not (root / dep).exists():
                problems.append(f"command {command['name']!r}: dep {dep} does not exist")
        for config in command_configs(command):
            if config not in deps:
                problems.append(f"command {command['name']!r}: {config} missing from deps (it runs it)")
        for name in command_names(command):
            if name not in commands:
                problems.append(f"command {command['name']!r}: runs `mountner {name}`, which is no command")
                continue
            for path, via in project_code(commands[name][0], root).items():
                if not covered(path, deps):
                    why = "it runs it" if path == via else f"imported by {via}"
                    problems.append(f"command {command['name']!r}: {path} missing from deps ({why})")
    return sorted(set(problems))


def test_every_command_lists_the_code_it_runs_in_its_deps():
    problems = missing_deps(load_project_config(ROOT), ROOT)
    assert not problems, "add these to project.yml's deps:\n" + "\n".join(problems)


def test_a_removed_dep_is_reported():
    project = copy.deepcopy(load_project_config(ROOT))
    evaluate = next(c for c in project["commands"] if c["name"] == "evaluate")
    evaluate["deps"].remove("src/mountner/evaluation/evaluate.py")
    evaluate["deps"].remove("src/mountner/data/corpus_io.py")
    problems = missing_deps(project, ROOT)
    assert "command 'evaluate': src/mountner/evaluation/evaluate.py missing from deps (it runs it)" in problems
    assert ("command 'evaluate': src/mountner/data/corpus_io.py missing from deps "
            "(imported by src/mountner/evaluation/evaluate.py)") in problems


def test_imports_are_followed_through_other_modules_into_functions_and_folders_count(tmp_path):
    package = tmp_path / SRC / PACKAGE
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "step.py").write_text("import json\nfrom mountner.helper import thing\n")
    (package / "helper.py").write_text("def thing():\n    from mountner.sub import deep\n    return deep\n")
    (package / "sub" / "deep.py").write_text("import mountner.sub.deeper\n")
    (package / "sub" / "deeper.py").write_text("VALUE = 1\n")
    (package / "unused.py").write_text("VALUE = 2\n")
    commands = {"step": ("mountner.step", True)}
    command = {"name": "step", "script": ["python -m mountner step --config configs/x.cfg", "python -m mountner nope"],
               "deps": ["src/mountner/step.py", "src/mountner/gone.py"]}
    assert missing_deps({"commands": [command]}, tmp_path, commands) == [
        "command 'step': configs/x.cfg missing from deps (it runs it)",
        "command 'step': dep src/mountner/gone.py does not exist",
        "command 'step': runs `mountner nope`, which is no command",
        "command 'step': src/mountner/helper.py missing from deps (imported by src/mountner/step.py)",
        "command 'step': src/mountner/sub/deep.py missing from deps (imported by src/mountner/helper.py)",
        "command 'step': src/mountner/sub/deeper.py missing from deps (imported by src/mountner/sub/deep.py)",
    ]
    command["script"] = command["script"][:1]
    command["deps"] = ["src/mountner/step.py", "src/mountner/helper.py", "src/mountner/sub", "configs/x.cfg"]
    assert missing_deps({"commands": [command]}, tmp_path, commands) == []


def test_every_cli_command_runs_a_module_with_a_main():
    for name, (module, _) in COMMANDS.items():
        path = module_path(module, ROOT)
        assert path, f"{name}: {module} not found"
        assert re.search(r"^def main\(", (ROOT / path).read_text(encoding="utf8"), re.M), f"{name}: {path} has no main()"


def test_no_package_module_imports_from_tests():
    tests = {p.stem for p in (ROOT / "tests").rglob("*.py")} | {"tests", "conftest"}
    offenders = []
    for path in sorted((ROOT / SRC / PACKAGE).rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf8"))
        names = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module and not n.level}
        if names & tests:
            offenders.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(names & tests))}")
    assert not offenders, "the package may not import test code; test support lives in mountner.testing:\n" + "\n".join(offenders)


# ------------------------------------------------------------------------------ configs that cannot drift
Key = Tuple[str, ...]


def flatten(section: dict, prefix: Key = ()) -> Dict[Key, object]:
    flat = {}
    for key, value in section.items():
        if isinstance(value, dict) and value:
            flat.update(flatten(value, prefix + (key,)))
        else:
            flat[prefix + (key,)] = value
    return flat


def _referenced_paths(values: Iterable[object]) -> Set[str]:
    return {name for value in values for name in re.findall(r"\$\{paths\.(\w+)\}", str(value))}


def config_drift(ours: Config, baseline: Config, names: Tuple[str, str] = ("config.cfg", "ner_baseline.cfg")) -> List[str]:
    """Where two training configs differ outside their NER components.

    The NER components are those in one pipeline and not the other; their sections, their
    [initialize.components] blocks, the pipeline list and [paths] entries only they use may differ.
    The rest (encoder, corpora, training schedule, batcher, optimizer, ...) must be identical, and the
    NER components' tok2vec (the encoder they read) too."""
    pipes = [list(c["nlp"]["pipeline"]) for c in (ours, baseline)]
    own = [set(pipes[0]) - set(pipes[1]), set(pipes[1]) - set(pipes[0])]
    problems = []
    shared = [[p for p in pipe if p not in own[i]] for i, pipe in enumerate(pipes)]
    if shared[0] != shared[1]:
        problems.append(f"nlp.pipeline: shared components differ in order: {shared[0]} vs {shared[1]}")

    def own_key(key: Key, components: Set[str]) -> bool:
        return (key[:1] == ("components",) and key[1:2] and key[1] in components) or (
            key[:2] == ("initialize", "components") and key[2:3] and key[2] in components) or key == ("nlp", "pipeline")

    flat = [flatten(c) for c in (ours, baseline)]
    own_only_paths = []
    for i in (0, 1):
        used_by_own = _referenced_paths(v for k, v in flat[i].items() if own_key(k, own[i]))
        used_elsewhere = _referenced_paths(v for k, v in flat[i].items() if not own_key(k, own[i]))
        own_only_paths.append(used_by_own - used_elsewhere)
    for key in sorted(set(flat[0]) | set(flat[1])):
        if own_key(key, own[0]) or own_key(key, own[1]):
            continue
        dotted = ".".join(key)
        if any(flat[i].get(key) == {} and any(k[:len(key)] == key for k in flat[1 - i]) for i in (0, 1)):
            continue  # an empty section on one side, with content on the other
        if key[0] == "paths" and len(key) == 2 and (key[1] in own_only_paths[0] or key[1] in own_only_paths[1]):
            continue
        if key not in flat[1]:
            problems.append(f"{dotted}: only in {names[0]}")
        elif key not in flat[0]:
            problems.append(f"{dotted}: only in {names[1]}")
        elif flat[0][key] != flat[1][key]:
            problems.append(f"{dotted}: {names[0]} has {flat[0][key]!r}, {names[1]} has {flat[1][key]!r}")

    encoders = [[(name, c["components"][name]["model"]["tok2vec"]) for name in sorted(own[i])
                 if "tok2vec" in c["components"][name].get("model", {})] for i, c in enumerate((ours, baseline))]
    if len(encoders[0]) == 1 and len(encoders[1]) == 1:
        (name_a, a), (name_b, b) = encoders[0][0], encoders[1][0]
        for key in sorted(set(flatten(a)) | set(flatten(b))):
            if flatten(a).get(key, "<absent>") != flatten(b).get(key, "<absent>"):
                problems.append(f"components.{name_a}/{name_b}.model.tok2vec.{'.'.join(key)}: "
                                f"{flatten(a).get(key, '<absent>')!r} vs {flatten(b).get(key, '<absent>')!r}")
    else:
        problems.append(f"expected one NER component with a model.tok2vec on each side, got {encoders[0]!r} and {encoders[1]!r}")
    return problems


def load_configs() -> Tuple[Config, Config]:
    return tuple(spacy.util.load_config(ROOT / "configs" / name, interpolate=False) for name in ("config.cfg", "ner_baseline.cfg"))


def test_baseline_config_differs_only_in_its_ner_component():
    problems = config_drift(*load_configs())
    assert not problems, "configs/ner_baseline.cfg has drifted from configs/config.cfg:\n" + "\n".join(problems)


def test_a_changed_baseline_section_is_reported():
    ours, baseline = load_configs()
    changed = copy.deepcopy(baseline)
    rate = ours["training"]["optimizer"]["learn_rate"]["initial_rate"]
    changed["training"]["optimizer"]["learn_rate"]["initial_rate"] = rate * 2
    changed["components"]["transformer"]["model"]["name"] = "some-other-encoder"
    del changed["corpora"]["dev"]["max_length"]
    width = ours["components"]["mountner"]["model"]["tok2vec"]["features"]["embed"]["width"]
    changed["components"]["ner"]["model"]["tok2vec"]["features"]["embed"]["width"] = width + 1
    changed["components"]["ner"]["model"]["hidden_width"] += 1  # the NER component's own setting: allowed
    encoder = ours["components"]["transformer"]["model"]["name"]
    assert config_drift(ours, changed) == [
        f"components.transformer.model.name: config.cfg has {encoder!r}, ner_baseline.cfg has 'some-other-encoder'",
        "corpora.dev.max_length: only in config.cfg",
        f"training.optimizer.learn_rate.initial_rate: config.cfg has {rate!r}, ner_baseline.cfg has {rate * 2!r}",
        f"components.mountner/ner.model.tok2vec.features.embed.width: {width!r} vs {width + 1!r}",
    ]
    assert config_drift(ours, copy.deepcopy(baseline)) == config_drift(ours, baseline)
