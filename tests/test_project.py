"""project.yml and configs/ stay honest: every command lists the project code it runs among its deps
(so a changed script reruns the step), and configs/ner_baseline.cfg differs from configs/config.cfg only
in its NER component."""
from __future__ import annotations

import ast
import copy
import re
import shlex
from pathlib import Path
from typing import Dict, Iterable, List, Set, Tuple

import spacy
from confection import Config
from weasel.util import load_project_config

ROOT = Path(__file__).resolve().parents[1]
SCRIPTS = "scripts"


# ------------------------------------------------------------------------------ deps that cannot go stale
def imported_modules(path: Path) -> Set[str]:
    """Top-level names of every module a file imports, at any depth (imports inside functions count)."""
    tree = ast.parse(path.read_text(encoding="utf8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def project_code(script: str, root: Path) -> Dict[str, str]:
    """The script and every module of scripts/ it imports, directly or through another module:
    {path relative to root: the file that pulled it in}."""
    found = {script: script}
    queue = [script]
    while queue:
        current = queue.pop()
        for name in sorted(imported_modules(root / current)):
            module = f"{SCRIPTS}/{name}.py"
            if module not in found and (root / module).is_file():
                found[module] = current
                queue.append(module)
    return found


def command_files(command: dict, folder: str, suffix: str) -> List[str]:
    """Project files a command's script lines name: `python scripts/x.py`, `--code scripts/y.py`,
    `spacy train configs/z.cfg`."""
    files = []
    for line in command.get("script", []):
        for token in shlex.split(line):
            if token.startswith(f"{folder}/") and token.endswith(suffix) and token not in files:
                files.append(token)
    return files


def missing_deps(project: dict, root: Path) -> List[str]:
    """One line per project file a command runs but does not list in its deps."""
    problems = []
    for command in project.get("commands", []):
        deps = set(command.get("deps", []))
        for dep in sorted(deps):
            if dep.startswith(f"{SCRIPTS}/") and not (root / dep).exists():
                problems.append(f"command {command['name']!r}: dep {dep} does not exist")
        for config in command_files(command, "configs", ".cfg"):
            if config not in deps:
                problems.append(f"command {command['name']!r}: {config} missing from deps (it runs it)")
        for script in command_files(command, SCRIPTS, ".py"):
            if not (root / script).is_file():
                problems.append(f"command {command['name']!r}: runs {script}, which does not exist")
                continue
            for module, via in project_code(script, root).items():
                if module not in deps:
                    why = "it runs it" if module == via else f"imported by {via}"
                    problems.append(f"command {command['name']!r}: {module} missing from deps ({why})")
    return sorted(set(problems))


def test_every_command_lists_the_code_it_runs_in_its_deps():
    problems = missing_deps(load_project_config(ROOT), ROOT)
    assert not problems, "add these to project.yml's deps:\n" + "\n".join(problems)


def test_a_removed_dep_is_reported():
    project = copy.deepcopy(load_project_config(ROOT))
    evaluate = next(c for c in project["commands"] if c["name"] == "evaluate")
    evaluate["deps"].remove("scripts/evaluate.py")
    evaluate["deps"].remove("scripts/corpus_io.py")
    problems = missing_deps(project, ROOT)
    assert "command 'evaluate': scripts/evaluate.py missing from deps (it runs it)" in problems
    assert "command 'evaluate': scripts/corpus_io.py missing from deps (imported by scripts/evaluate.py)" in problems


def test_imports_are_followed_through_other_modules_and_into_functions(tmp_path):
    (tmp_path / SCRIPTS).mkdir()
    (tmp_path / SCRIPTS / "step.py").write_text("import json\nfrom helper import thing\n")
    (tmp_path / SCRIPTS / "helper.py").write_text("def thing():\n    import deep.sub\n    return deep.sub\n")
    (tmp_path / SCRIPTS / "deep.py").write_text("VALUE = 1\n")
    (tmp_path / SCRIPTS / "unused.py").write_text("VALUE = 2\n")
    command = {"name": "step", "script": ["python scripts/step.py --code scripts/extra.py --config configs/x.cfg"],
               "deps": ["scripts/step.py", "scripts/gone.py"]}
    (tmp_path / SCRIPTS / "extra.py").write_text("")
    assert missing_deps({"commands": [command]}, tmp_path) == [
        "command 'step': configs/x.cfg missing from deps (it runs it)",
        "command 'step': dep scripts/gone.py does not exist",
        "command 'step': scripts/deep.py missing from deps (imported by scripts/helper.py)",
        "command 'step': scripts/extra.py missing from deps (it runs it)",
        "command 'step': scripts/helper.py missing from deps (imported by scripts/step.py)",
    ]
    command["deps"] += ["scripts/helper.py", "scripts/deep.py", "scripts/extra.py", "configs/x.cfg"]
    command["deps"].remove("scripts/gone.py")
    assert missing_deps({"commands": [command]}, tmp_path) == []


def test_no_script_imports_a_test_helper():
    tests = {p.stem for p in (ROOT / "tests").glob("*.py")}
    offenders = [f"{p.relative_to(ROOT)} imports {', '.join(sorted(imported_modules(p) & tests))}"
                 for p in sorted((ROOT / SCRIPTS).glob("*.py")) if imported_modules(p) & tests]
    assert not offenders, "test helpers live under tests/; move what scripts need into scripts/:\n" + "\n".join(offenders)


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
