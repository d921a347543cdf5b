"""generate: write corpus/mountains.csv (one row per word) with the LLM or the offline generator."""
from __future__ import annotations

import os
import random
from collections import Counter
from enum import Enum
from pathlib import Path
from typing import List, Tuple

import typer

from mountner.data.bio import write_rows
from mountner.data.gazetteer import load_mountains
from mountner.generation import name_swap
from mountner.generation.llm import generator as generate_openai
from mountner.generation.offline import engine as generate_offline
from mountner.generation.offline.data import DataFileError
from mountner.generation.real_prose import mountain_books, wikipedia_leads, wordnet_glosses
from mountner.generation.real_prose.prose_sample import sample_lines



class Generator(str, Enum):
    auto = "auto"
    openai = "openai"
    offline = "offline"


class LlmApi(str, Enum):
    live = "live"
    batch = "batch"


TRUE_FALSE = {"true": True, "1": True, "false": False, "0": False}


def choose(generator: Generator) -> Generator:
    """auto: the OpenAI backend when a key is set, else the offline generator."""
    if generator is Generator.auto:
        return Generator.openai if os.environ.get("OPENAI_API_KEY") else Generator.offline
    return generator


def main(
    generator: Generator = typer.Option(Generator.auto, help="auto: openai when OPENAI_API_KEY is set, else offline"),
    n_sentences: int = typer.Option(55000, min=1, help="Sentences to write, real prose included"),
    seed: int = typer.Option(0, help="Seed of the offline generator and of the LLM request plan"),
    output: Path = typer.Option(Path("corpus/mountains.csv")),
    raw_dir: Path = typer.Option(Path("corpus/raw"), help="LLM answers as they arrive (resumable)"),
    llm_model: str = typer.Option("gpt-4o-mini"),
    concurrency: int = typer.Option(8, min=1, help="LLM requests in flight at most"),
    sentences_per_request: int = typer.Option(5, min=1),
    gloss_fraction: float = typer.Option(0.0727, min=0.0, max=1.0, help="Share of real WordNet glosses among the sentences (either generator)"),
    wiki_fraction: float = typer.Option(0.3636, min=0.0, max=1.0, help="Share of real Wikipedia lead sentences "
                                                                   "(assets/gazetteer/wikipedia_leads.txt) among the sentences (either generator)"),
    book_fraction: float = typer.Option(0.0909, min=0.0, max=1.0, help="Share of sentences from public-domain mountaineering and "
                                                                   "travel books (assets/gazetteer/mountain_books.txt; either generator)"),
    name_swaps: int = typer.Option(3, min=0, help="Copies of each real-prose sentence that names a mountain, with other "
                                                   "names in its place (on top of --n-sentences; name_swap.py)"),
    llm_api: LlmApi = typer.Option(LlmApi.live, help="live: chat requests as they go; batch: OpenAI's Batch API, half "
                                                     "price, done within 24 h (a restart resumes the same batches)"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the LLM requests, tokens and cost (live and batch) "
                                                          "and exit: nothing is sent or written, no key needed"),
    llm_dry_run: str = typer.Option("false", help="true/false: --dry-run, as project.yml's llm_dry_run var passes it"),
):
    """Generate tagged sentences that mention mountains (and sentences that must not be tagged)."""
    if llm_dry_run.lower() not in TRUE_FALSE:
        typer.echo(f"generate: --llm-dry-run must be true or false, not {llm_dry_run!r}", err=True)
        raise typer.Exit(2)
    if gloss_fraction + wiki_fraction + book_fraction > 1.0:
        typer.echo(f"generate: --gloss-fraction {gloss_fraction}, --wiki-fraction {wiki_fraction} and --book-fraction "
                   f"{book_fraction} add up to more than 1", err=True)
        raise typer.Exit(2)
    n_glosses = round(n_sentences * gloss_fraction)
    n_wiki = round(n_sentences * wiki_fraction)
    n_books = round(n_sentences * book_fraction)
    n_written = n_sentences - n_glosses - n_wiki - n_books  # by the LLM or from the templates
    if dry_run or TRUE_FALSE[llm_dry_run.lower()]:
        if generator is Generator.offline:
            typer.echo("dry run: the offline generator sends no request and costs nothing")
            return
        typer.echo(f"dry run: {n_written} sentences from the LLM; {n_glosses} WordNet glosses, {n_wiki} Wikipedia "
                   f"lead sentences and {n_books} book sentences come from files and cost nothing")
        generate_openai.dry_run_and_report(n_written, raw_dir, model=llm_model,
                                           sentences_per_request=sentences_per_request, seed=seed)
        return
    chosen = choose(generator)
    typer.echo(f"generator: {chosen.value}")
    try:
        prose, prose_report = real_prose(n_glosses, n_wiki, seed, name_swaps, n_books)
    except (OSError, ValueError) as exc:  # a missing or unreadable file of real text: named, no traceback
        typer.echo(f"generate: {exc}", err=True)
        raise typer.Exit(1)
    if chosen is Generator.openai:
        generate_openai.run_and_report(
            n_sentences=n_written, output=output, raw_dir=raw_dir, model=llm_model,
            concurrency=concurrency, sentences_per_request=sentences_per_request, seed=seed,
            llm_api=llm_api.value, real_prose=prose,
        )
        typer.echo(prose_summary(prose_report))
        return
    try:
        sentences, report = generate_offline.generate_with_report(n_written, seed=seed, progress=True)
    except DataFileError as exc:  # a bad template or word list: its file:line, no traceback
        typer.echo(f"generate: {exc}", err=True)
        raise typer.Exit(1)
    report.update(prose_report)
    sentences += prose
    random.Random(seed).shuffle(sentences)
    written = write_rows(sentences, output)
    generate_offline.write_report(report, output.parent / generate_offline.REPORT_FILE_NAME)
    typer.echo(generate_offline.summary(report) + "; " + prose_summary(prose_report))
    typer.echo(f"wrote {written} sentences, {sum(len(s['tokens']) for s in sentences)} word rows to {output}")


def real_prose(n_glosses: int, n_wiki: int, seed: int, name_swaps: int = 0, n_books: int = 0) -> Tuple[List[dict], dict]:
    """Tagged rows of real text for either generator: WordNet glosses, Wikipedia lead sentences and mountaineering
    books' sentences with the gazetteer's mountains tagged, plus name_swaps copies of each one that names a mountain with other names in
    its place; and what was asked for, written and left out."""
    mountain_names = list(load_mountains()["name"])
    glosses_dropped: Counter = Counter()
    glosses = wordnet_glosses.sample(n_glosses, seed, mountain_names, dropped=glosses_dropped)
    leads, leads_dropped = sample_lines(n_wiki, seed, mountain_names, wikipedia_leads.LEADS, wikipedia_leads.MAKE_LEADS)
    books, books_dropped = sample_lines(n_books, seed, mountain_names, mountain_books.BOOKS, mountain_books.MAKE_BOOKS)
    report = {"wordnet_glosses": {"requested": n_glosses, "written": len(glosses), "left_out": dict(glosses_dropped)},
              "wikipedia_leads": {"requested": n_wiki, "written": len(leads), "left_out": leads_dropped},
              "mountain_books": {"requested": n_books, "written": len(books), "left_out": books_dropped}}
    swaps_dropped: Counter = Counter()
    swaps = name_swap.swapped_copies(glosses + leads + books, name_swaps, seed, dropped=swaps_dropped)
    report["name_swaps"] = {"copies_per_sentence": name_swaps, "written": len(swaps), "left_out": dict(swaps_dropped)}
    rows = [{**row, "origin": origin} for origin, part in (("wordnet_gloss", glosses), ("wikipedia_lead", leads), ("mountain_book", books),
                                                                      ("name_swap", swaps))
            for row in part]
    return rows, report


def prose_summary(report: dict) -> str:
    glosses, leads, books = report["wordnet_glosses"], report["wikipedia_leads"], report.get("mountain_books", {})
    return (f"WordNet glosses: {glosses['written']} of {glosses['requested']} ({sum(glosses['left_out'].values())} left out)"
            f"; Wikipedia leads: {leads['written']} of {leads['requested']} ({sum(leads['left_out'].values())} left out: "
            f"{leads['left_out']})"
            + (f"; mountaineering books: {books['written']} of {books['requested']} ({sum(books['left_out'].values())} left out: "
               f"{books['left_out']})" if books.get("requested") else "")
            + (f"; name-swapped copies: {report['name_swaps']['written']}" if report.get("name_swaps", {}).get("written") else ""))
