"""Tagged sentences drawn from a file of real prose (invented text stands in for it)."""
from mountner.generation.real_prose.prose_sample import sample_lines

# Twenty names ending in "Mountains" and twenty starting with "Mount": both are generic heads.
NAMES = [f"Name{i} Mountains" for i in range(20)] + [f"Mount Name{i}" for i in range(20)] + ["Baz Range"]


def test_sample_tags_gazetteer_mountains_and_leaves_out_unknown_names_with_a_generic_head(tmp_path):
    leads = tmp_path / "leads.txt"
    leads.write_text("Its capital, Barville, lies below the Baz Range.\n"
                     "The river rises in the Quux Mountains and flows east.\n"
                     "Barville is a town on the coast of the Zorn Sea.\n"
                     "Mount Name3 rises above the Foo Mountains.\n", encoding="utf8")
    rows, dropped = sample_lines(10, 0, NAMES, leads, 'make it')
    tagged = {r["text"]: [w for w, t in zip(r["tokens"], r["tags"]) if t != "O"] for r in rows}
    assert tagged == {
        "Its capital, Barville, lies below the Baz Range.": ["Baz", "Range"],
        "Barville is a town on the coast of the Zorn Sea.": [],
    }
    # "Quux Mountains" and "Foo Mountains" are not in the gazetteer: their O tags cannot be trusted.
    assert dropped == {"unknown_name_with_generic_head": 2}
    assert all(len(r["pos"]) == len(r["tokens"]) for r in rows)


def test_sample_draws_as_many_as_asked_with_the_seed(tmp_path):
    leads = tmp_path / "leads.txt"
    leads.write_text("".join(f"Barville{i} is a town on the coast of the Zorn Sea.\n" for i in range(30)), encoding="utf8")
    first, _ = sample_lines(7, 3, NAMES, leads, 'make it')
    again, _ = sample_lines(7, 3, NAMES, leads, 'make it')
    assert len(first) == 7 and [r["text"] for r in first] == [r["text"] for r in again]
    assert sample_lines(0, 3, NAMES, leads, 'make it') == ([], {})
