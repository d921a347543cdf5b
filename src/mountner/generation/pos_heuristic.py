"""Coarse Universal POS tags for generated sentences, by rule (the `pos` column of corpus/mountains.csv).

The rows keep the seed project's layout (sentence id, sentence, word, POS, tag); no step trains on this
column, so a small rule set is enough: closed-class words, a few verbs and adjectives, suffixes, and
PROPN for capitalised words inside names. Used by the offline generator and wordnet_glosses.py.
"""
from __future__ import annotations

import re
from typing import Dict, List, Sequence

# Closed-class words by tag; then open-class words the templates use often.
_CLOSED = {
    "DET": "the a an this that these those each every some any no all both another either neither such".split(),
    "ADP": ("of in on at by for with from into onto over under above below between among through across along around near "
            "during after before since until towards toward via within without against behind beyond beneath upon off about "
            "per despite including like du de del della di da des la le van von der den d' y e beside inside outside past "
            "throughout amid").split(),
    "CCONJ": "and or but nor yet".split(),
    "SCONJ": "although because while whereas if as though unless whether when where once".split(),
    "PRON": ("it its he his him she her hers they their them theirs we our us i you your who which whom whose itself "
             "themselves himself herself what one").split(),
    "AUX": "is are was were be been being has have had will would can could may might must shall should do does did".split(),
    "PART": ["not", "n't", "to", "'s", "'"],
    "ADV": ("also only then later still now often usually approximately nearly almost however very more most too just already "
            "again eventually mostly partly never once first soon there here far steeply sharply largely mainly chiefly "
            "regularly historically geologically locally today instead away long even back up down out ago well").split(),
    "NUM": "one two three four five six seven eight nine ten eleven twelve hundred thousand million dozen".split(),
}
_LEXICON: Dict[str, str] = {}
for _pos, _words in _CLOSED.items():
    for _w in _words:
        _LEXICON.setdefault(_w, _pos)
_VERBS = set((
    "rises rise rose lies lie lay flows flow made make climbed climb erupted erupt named forms form formed stands stand "
    "reached reach connects connect runs run crossed crosses cross separated separates descends descend dominates overlooks "
    "include includes included comprises takes take took extends extend stretches stretch drains drain offers offer covers "
    "cover leads lead leave leaves left lives live died killed destroyed buried said told announced raised rescued burned "
    "forcing closed stranded sending disrupting published attempted carries head walk winds watched turn follows follow "
    "pushed turned completed spending soloed caught built opened founded moved based born studied elected held won finished "
    "took taking give gives shelter sweep describes wrote exhibited produced placed visited sailed served sold launched "
    "attended celebrated photographed drove arrive see seen can visible known derived located approached led fought seize "
    "hold protect protected established reintroduced folded uplifted compressed grew spent raised trained "
    "became become began begin has become appears shows replaced married appointed succeeding ceded signed occupied "
    "emptying flowing joining skirting climbing rising descending facing reflected hidden covered "
    "ended devoted inspired employs reported rose peaked winning attract attracts attracting reported operated "
    "contains dates borders link linked handles stop remains serve served served funded surveyed used renamed reflect "
    "found handles lost had being stranded falling killing sending crossed flows carried carry slept wrote "
    "skip requires has declared considered passes sponsored organised organized set setting shot filmed run emptying"
).split())
_ADJS = set((
    "highest high higher second-highest prominent active dormant potentially local classic popular old new great little "
    "northern southern eastern western central upper lower steep famous first last main principal notable several "
    "small large largest long longest short narrow wide heavy best well-known best-known serious whole poor important "
    "fresh permanent alpine bare bottled characteristic natural cold sparsely stable easy early only nearby gravel "
    "joint higher historical regional national administrative remaining classic sacred steep-sided flat-topped snow-capped"
).split())


def _pos_of(token: str, in_name: bool, sentence_initial: bool) -> str:
    if not token.strip():
        return "SPACE"
    if re.fullmatch(r"[\W_]+", token) and token not in ("'s", "'"):
        return "SYM" if token in {"%", "$", "€", "£", "+", "/", "°"} else "PUNCT"
    if re.fullmatch(r"[\d.,:–-]*\d[\d.,:–-]*(s|st|nd|rd|th)?", token):
        return "ADJ" if re.search(r"(st|nd|rd|th)$", token) else "NUM"
    lower = token.lower()
    if token[:1].isupper() and (in_name or not sentence_initial):
        return "PROPN"
    if lower in _LEXICON:
        return _LEXICON[lower]
    if lower in _VERBS:
        return "VERB"
    if lower in _ADJS:
        return "ADJ"
    if lower.endswith("ly") and len(lower) > 4:
        return "ADV"
    if re.search(r"(ing|ed)$", lower) and len(lower) > 4:
        return "VERB"
    if re.search(r"(ous|al|ic|ive|able|ible|ern|ful|ese|ian|ish|less|ary)$", lower) and len(lower) > 4:
        return "ADJ"
    return "NOUN"


def tag_pos(tokens: Sequence[str], in_name: Sequence[bool]) -> List[str]:
    """Coarse Universal POS tags for the tokens; in_name marks tokens inside a name slot."""
    out = []
    for i, token in enumerate(tokens):
        initial = i == 0 or tokens[i - 1] in {'"', "(", ":", ";"} and i <= 2
        pos = _pos_of(token, in_name[i], initial)
        if token.lower() == "to" and not in_name[i] and i + 1 < len(tokens):
            nxt = tokens[i + 1]
            if nxt[:1].isupper() or nxt[:1].isdigit() or _LEXICON.get(nxt.lower()) in ("DET", "PRON", "NUM"):
                pos = "ADP"  # "to Quito", "to the summit"; "to build" stays PART
        out.append(pos)
    return out

