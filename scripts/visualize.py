"""visualize: a displaCy page with the mountains highlighted in a colour of their own, each with its
confidence; --serve serves it with displacy.serve on localhost instead."""
from __future__ import annotations

from pathlib import Path
from typing import Iterable, List, Optional, Tuple

import spacy
import typer
from spacy import displacy
from spacy.tokens import Doc

# Registers the mountner factory for model folders; an installed en_mountner brings its own copy.
import mountner_pipeline  # noqa: F401

app = typer.Typer(add_completion=False)

MOUNTAIN_COLOUR = "linear-gradient(90deg, #a7c7a1, #e3ecd4)"
SAMPLE = (
    "Mount Kilimanjaro stands as the tallest peak in Africa, drawing adventurers from around the world. "
    "For many, reaching Kilimanjaro's summit is a once-in-a-lifetime achievement. The Mount Sinai Hospital "
    "is in New York, far from Mont Blanc, the Matterhorn and the Sierra Nevada."
)


def visible_controls(text: str) -> str:
    """Control characters cannot appear in HTML: show each as its Unicode control picture (one
    character for one, so entity offsets stay valid). Newlines and tabs stay."""
    return "".join(chr(0x2400 + ord(c)) if ord(c) < 0x20 and c not in "\n\t" else ("\u2421" if c == "\x7f" else c) for c in text)


def displacy_data(doc: Doc, show_confidence: bool = True) -> dict:
    ents = []
    for ent in doc.ents:
        confidence = ent._.get("confidence") if ent.has_extension("confidence") else None
        label = f"{ent.label_} {confidence:.2f}" if show_confidence and confidence is not None else ent.label_
        ents.append({"start": ent.start_char, "end": ent.end_char, "label": label})
    return {"text": visible_controls(doc.text), "ents": ents, "title": None}


def displacy_input(docs: Iterable[Doc], show_confidence: bool = True) -> Tuple[List[dict], dict]:
    """Manual displaCy data and options: the labels carry the confidences, all in the mountain colour."""
    data = [displacy_data(doc, show_confidence) for doc in docs]
    colours = {ent["label"]: MOUNTAIN_COLOUR for item in data for ent in item["ents"]}
    return data, {"colors": colours}


def render_page(docs: Iterable[Doc], show_confidence: bool = True) -> str:
    """A whole HTML page; displaCy escapes the text."""
    data, options = displacy_input(docs, show_confidence)
    return displacy.render(data, style="ent", manual=True, page=True, options=options)


@app.command()
def main(
    model: str = typer.Argument("en_mountner", help="Installed package name or model folder"),
    text: List[str] = typer.Option([], help="Text to render (repeatable); default: a sample"),
    file: Optional[Path] = typer.Option(None, help="A UTF-8 file: one document per blank-line-separated paragraph"),
    output: Path = typer.Option(Path("visualize/mountains.html")),
    serve: bool = typer.Option(False, help="Serve with displacy.serve on localhost instead of writing a file"),
    port: int = typer.Option(5000),
):
    """Render TEXT (or FILE, or a sample) with the mountains highlighted."""
    texts = list(text)
    if file is not None:
        texts += [p for p in file.read_text(encoding="utf8").split("\n\n") if p.strip()]
    nlp = spacy.load(model)
    docs = list(nlp.pipe(texts or [SAMPLE]))
    if serve:
        data, options = displacy_input(docs)
        displacy.serve(data, style="ent", manual=True, host="127.0.0.1", port=port, options=options)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_page(docs), encoding="utf8")
    typer.echo(f"wrote {output} ({sum(len(d.ents) for d in docs)} mountains in {len(docs)} texts)")


if __name__ == "__main__":
    app()
