"""Sentences of public-domain mountaineering books as real prose (invented text stands in for the books)."""
import subprocess
import sys

import pytest

from mountner.generation.real_prose.mountain_books import BOOKS, COLUMNS, SOURCES, extract, read_sources, strip_boilerplate

BOOK = """The Project Gutenberg eBook of Fooberg Days

*** START OF THE PROJECT GUTENBERG EBOOK FOOBERG DAYS ***

CHAPTER I.

THE FIRST ASCENT

We left the village of Quxdorf at four in the morning, and by
noon we stood upon the summit of the Barhorn, with the whole
range of the Zorn Alps before us.[1]

    A verse that is set in,
    and quoted, line by line,
    is not the writer's prose.

[Illustration: THE BARHORN FROM THE NORTH.]

Whymper writes that the ridge is easy. We found it so as well, and went on.

The guides were silent all the way down to the inn at Quxdorf, and
we did not ask them why. e.g. a cut sentence follows here.

*** END OF THE PROJECT GUTENBERG EBOOK FOOBERG DAYS ***
Licence text that is not the book.
"""


def test_only_the_book_between_the_markers_is_kept():
    body = strip_boilerplate(BOOK)
    assert "We left the village" in body and "Licence text" not in body and "Project Gutenberg eBook" not in body
    with pytest.raises(ValueError, match="START/END markers"):
        strip_boilerplate("A text without Project Gutenberg's markers.")


def test_extract_unwraps_paragraphs_and_leaves_out_what_is_not_the_writers_prose():
    assert extract([BOOK]) == [
        "We left the village of Quxdorf at four in the morning, and by noon we stood upon the summit of the Barhorn, "
        "with the whole range of the Zorn Alps before us.",
    ]  # not the headings, the footnote mark, the set-in verse, the illustration, a quoted excluded writer, a cut sentence


def write_sources(path, rows):
    path.write_text("\t".join(COLUMNS) + "\n" + "".join("\t".join(row) + "\n" for row in rows), encoding="utf8")


def test_a_bad_sources_row_is_named_by_file_and_line(tmp_path):
    sources = tmp_path / "sources.tsv"
    write_sources(sources, [["owner/book", "0" * 40, "1.txt", "1", "Fooberg Days", "A. Writer", "PD"], ["owner/book", "abc", "1.txt"]])
    with pytest.raises(ValueError, match=r"sources.tsv:3:"):
        read_sources(sources)


def test_cli_reads_each_book_at_its_commit_and_names_a_missing_mirror(tmp_path):
    work = tmp_path / "mirrors" / "owner+fooberg" / "fooberg"
    work.mkdir(parents=True)
    (work / "1.txt").write_text(BOOK, encoding="utf8")
    git = ["git", "-C", str(work), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "1.txt"], check=True)
    subprocess.run(git + ["commit", "-qm", "book"], check=True)
    commit = subprocess.run(git[:3] + ["rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    sources, out = tmp_path / "sources.tsv", tmp_path / "books.txt"
    write_sources(sources, [["owner/fooberg", commit, "1.txt", "1", "Fooberg Days", "A. Writer", "Project Gutenberg licence"]])
    command = [sys.executable, "-m", "mountner", "mountain-books", "--mirrors", str(tmp_path / "mirrors"), "--sources", str(sources),
               "--output", str(out)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf8").splitlines() == extract([BOOK])
    write_sources(sources, [["owner/other", commit, "1.txt", "2", "Other Days", "B. Writer", "Project Gutenberg licence"]])
    failed = subprocess.run(command, capture_output=True, text=True)
    assert failed.returncode == 1 and "owner/other" in failed.stderr and "Traceback" not in failed.stderr
    assert out.read_text(encoding="utf8").splitlines() == extract([BOOK])  # the earlier output is untouched


def test_the_committed_books_and_their_sources_are_there():
    rows = read_sources(SOURCES)
    assert len(rows) >= 8 and all(row["licence"] for row in rows)
    # The eight writers whose books the real evaluation files draw on are never a source.
    excluded = ("Tyndall", "Collie", "Stuck", "Conway", "Whymper", "Muir", "Twain", "Clemens", "Bird")
    assert not [row["author"] for row in rows if any(name in row["author"] for name in excluded)]
    lines = BOOKS.read_text(encoding="utf8").splitlines()
    assert len(lines) > 30000 and len(set(lines)) == len(lines)
