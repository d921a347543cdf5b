"""The `mountner_gazetteer` component: it marks the known mountain names in a doc (longest match, exact case) in
doc.spans[KNOWN_NAMES], where the mountner decoder adds those the tagger left out. The names come from a file at
initialize and are saved with the pipeline. spaCy finds the factory through the package's `spacy_factories`
entry point."""

from pathlib import Path
from typing import Callable, Iterable, Optional

import srsly
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.pipeline import Pipe
from spacy.tokens import Doc
from spacy.util import filter_spans

# mountner_gazetteer puts the known mountain names it finds in doc.spans[KNOWN_NAMES].
KNOWN_NAMES = "mountner_known"


class MountainGazetteer(Pipe):
    """Puts the known mountain names in a doc (longest match, exact case) in doc.spans[KNOWN_NAMES],
    for mountner. The names come from a file at initialize and are saved with the pipeline."""

    def __init__(self, nlp: Language, name: str = "mountner_gazetteer"):
        self.name = name
        self.vocab = nlp.vocab
        self._make_doc = nlp.make_doc
        self.set_names([])

    def set_names(self, names: Iterable[str]) -> None:
        self.names = sorted({name.strip() for name in names if name.strip()})
        self._matcher = PhraseMatcher(self.vocab, attr="ORTH")
        if self.names:
            self._matcher.add("KNOWN", [self._make_doc(name) for name in self.names])

    def initialize(self, get_examples: Optional[Callable] = None, *, nlp: Optional[Language] = None, names_file: Optional[str] = None) -> None:
        """names_file: one name a line (convert writes corpus/known_names.txt); none: no names."""
        if names_file:
            if not Path(names_file).is_file():
                raise ValueError(f"mountner_gazetteer: names file {names_file} not found (convert --known-names writes it)")
            self.set_names(Path(names_file).read_text(encoding="utf8").splitlines())

    def __call__(self, doc: Doc) -> Doc:
        doc.spans[KNOWN_NAMES] = filter_spans([doc[start:end] for _, start, end in self._matcher(doc)])
        return doc

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return srsly.msgpack_dumps({"names": self.names})

    def from_bytes(self, bytes_data: bytes, *, exclude=tuple()) -> "MountainGazetteer":
        self.set_names(srsly.msgpack_loads(bytes_data)["names"])
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        srsly.write_json(path / "names.json", self.names)

    def from_disk(self, path, *, exclude=tuple()) -> "MountainGazetteer":
        self.set_names(srsly.read_json(Path(path) / "names.json"))
        return self


def make_mountner_gazetteer(nlp: Language, name: str) -> MountainGazetteer:
    return MountainGazetteer(nlp, name)


Language.factory("mountner_gazetteer", assigns=["doc.spans"])(make_mountner_gazetteer)
