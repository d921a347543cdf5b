"""visualize: a displaCy page with the mountains highlighted, each with its confidence, coloured by
where it came from (the tagger, or a known name the tagger left out) and marked "?" when the
confidence is low; --serve serves it with displacy.serve on localhost instead."""
from __future__ import annotations

import html
from pathlib import Path
from typing import Iterable, List, Optional, Tuple

import typer
from spacy import displacy
from spacy.tokens import Doc

from mountner.atomic_write import write_text_atomic
from mountner.model_loading import load_or_exit


# Below this ent._.confidence an entity gets a "?" (and, from the tagger, a colour of its own).
LOW_CONFIDENCE = 0.5
TAGGER_COLOUR = "#a7c7a1"
UNSURE_COLOUR = "#f6c177"
KNOWN_NAME_COLOUR = "#9cc3e6"
KNOWN_NAME = "known name"
SAMPLE = (
    "Mount Kilimanjaro stands as the tallest peak in Africa, drawing adventurers from around the world. "
    "For many, reaching Kilimanjaro's summit is a once-in-a-lifetime achievement. The Mount Sinai Hospital "
    "is in New York, far from Mont Blanc, the Matterhorn and the Sierra Nevada."
)
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
</head>
<body style="font-size: 16px; font-family: -apple-system, BlinkMacSystemFont, 'Segoe UI', Helvetica, Arial, sans-serif; padding: 2rem 2rem; max-width: 70rem">
<h1 style="font-size: 1.6em; margin-bottom: 0.3em">{title}</h1>
<p style="color: #555; margin-top: 0">{summary}</p>
<div class="legend" style="line-height: 2.5; padding: 0.5em 1em; border: 1px solid #ddd; border-radius: 0.4em; margin-bottom: 2em">{legend}</div>
{content}
</body>
</html>
"""
SWATCH = '<span style="background: {colour}; padding: 0.3em 0.6em; border-radius: 0.35em; font-size: 0.8em; font-weight: bold">{label}</span> {meaning}'


def visible_controls(text: str) -> str:
    """Control characters cannot appear in HTML: show each as its Unicode control picture (one
    character for one, so entity offsets stay valid). Newlines and tabs stay."""
    return "".join(chr(0x2400 + ord(c)) if ord(c) < 0x20 and c not in "\n\t" else ("\u2421" if c == "\x7f" else c) for c in text)


def entity_label(label: str, source: Optional[str], confidence: Optional[float], show_confidence: bool = True) -> str:
    """The label displaCy shows: 'MOUNTAIN 0.93', 'MOUNTAIN · known name 0.02 ?'. Built from fixed
    words and a number only: displaCy does not escape labels."""
    parts = [label + (f" · {KNOWN_NAME}" if source == KNOWN_NAME else "")]
    if show_confidence and confidence is not None:
        parts.append(f"{confidence:.2f}")
    if confidence is not None and confidence < LOW_CONFIDENCE:
        parts.append("?")
    return " ".join(parts)


def entity_colour(source: Optional[str], confidence: Optional[float]) -> str:
    if source == KNOWN_NAME:
        return KNOWN_NAME_COLOUR
    return UNSURE_COLOUR if confidence is not None and confidence < LOW_CONFIDENCE else TAGGER_COLOUR


def displacy_data(doc: Doc, show_confidence: bool = True) -> Tuple[dict, dict]:
    """displaCy's manual data for doc, and the colour of each of its labels."""
    ents, colours = [], {}
    for ent in doc.ents:
        confidence = ent._.get("confidence") if ent.has_extension("confidence") else None
        source = ent._.get("mountner_source") if ent.has_extension("mountner_source") else None
        label = entity_label(ent.label_, source, confidence, show_confidence)
        ents.append({"start": ent.start_char, "end": ent.end_char, "label": label})
        colours[label.upper()] = entity_colour(source, confidence)  # displaCy looks colours up by label.upper()
    return {"text": visible_controls(doc.text), "ents": ents, "title": None}, colours


def displacy_input(docs: Iterable[Doc], show_confidence: bool = True) -> Tuple[List[dict], dict]:
    """Manual displaCy data and options: the labels carry source and confidence, the colours the same."""
    data, colours = [], {}
    for doc in docs:
        item, doc_colours = displacy_data(doc, show_confidence)
        data.append(item)
        colours.update(doc_colours)
    return data, {"colors": colours}


def legend() -> str:
    rows = [
        (TAGGER_COLOUR, "MOUNTAIN 0.97", "found by the tagger; the number is its confidence (ent._.confidence)"),
        (UNSURE_COLOUR, "MOUNTAIN 0.31 ?", f"found by the tagger with a confidence below {LOW_CONFIDENCE}: check it"),
        (KNOWN_NAME_COLOUR, f"MOUNTAIN · {KNOWN_NAME} 0.02 ?",
         "a name on the pipeline's list of known mountains that the tagger left out; its confidence is the tagger's own, often low"),
    ]
    return "<br>".join(SWATCH.format(colour=c, label=html.escape(label), meaning=html.escape(meaning)) for c, label, meaning in rows)


def render_page(docs: Iterable[Doc], show_confidence: bool = True, title: str = "MountNER: mountain names found") -> str:
    """A whole HTML page: title, legend, then displaCy's markup (displaCy escapes the text)."""
    docs = list(docs)
    data, options = displacy_input(docs, show_confidence)
    # one displaCy block per text, a rule between them so texts stay apart
    content = '\n<hr style="border: none; border-top: 1px solid #ddd">\n'.join(
        displacy.render(item, style="ent", manual=True, page=False, jupyter=False, options=options) for item in data
    )
    n_ents = sum(len(item["ents"]) for item in data)
    summary = f"{n_ents} mountain names in {len(data)} text{'s' if len(data) != 1 else ''}."
    return PAGE.format(title=html.escape(title), summary=html.escape(summary), legend=legend(), content=content)


def read_utf8(path: Path, prog: str, option: str = "--file") -> str:
    """The file's text, or one line naming the file and what to do, and exit 1."""
    try:
        return path.read_text(encoding="utf8")
    except FileNotFoundError:
        problem = "not found: give the path of a UTF-8 text file"
    except IsADirectoryError:
        problem = "is a folder: give the path of a UTF-8 text file"
    except UnicodeDecodeError as err:
        problem = f"is not UTF-8 text (byte 0x{err.object[err.start]:02x} at offset {err.start}): save it as UTF-8 and retry"
    except OSError as err:
        problem = f"cannot be read ({err.strerror})"
    typer.secho(f"{prog}: {option} {path} {problem}", fg="red", err=True)
    raise typer.Exit(1)


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
        texts += [p for p in read_utf8(file, "visualize").split("\n\n") if p.strip()]
    nlp = load_or_exit(model, "visualize")
    docs = list(nlp.pipe(texts or [SAMPLE]))
    if serve:
        data, options = displacy_input(docs)
        displacy.serve(data, style="ent", manual=True, host="127.0.0.1", port=port, options=options)
        return
    write_text_atomic(output, render_page(docs))
    typer.echo(f"wrote {output} ({sum(len(d.ents) for d in docs)} mountains in {len(docs)} texts)")

