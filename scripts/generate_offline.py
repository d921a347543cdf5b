"""Offline (template) generator of word-level BIO sentences for the MOUNTAIN label.

No LLM: sentences are composed from hand-written, mostly encyclopedic templates whose slots are
filled from the gazetteer (real mountain names and other proper names), Faker (people, companies,
cities) and a synthetic mountain-name composer (so the model learns name patterns, not a list).

Sentence kinds (module constants below): sentences with mountain mentions, sentences with other
proper names only, hard negatives (things named after mountains, mountain words used generically)
and mixed sentences (a mountain and a look-alike negative together). Labels follow
bio.LABEL_GUIDELINE: the article "the" and a possessive "'s" stay outside; generic words and
anything named after a mountain are O.

Tokens are spaCy English tokens (spacy.blank("en")), so every entity boundary is a token boundary
by construction; a sentence whose entity does not align is dropped and redrawn.

    python scripts/generate_offline.py --n-sentences 10000 --seed 0 --output corpus/mountains.csv
"""
from __future__ import annotations

import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple, Union

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bio  # noqa: E402

# --------------------------------------------------------------------------------------------
# Mix of sentence kinds (fractions of the sentences generated) and of styles / name sources.
# --------------------------------------------------------------------------------------------
FRACTION_MOUNTAIN = 0.38   # one or more mountain mentions
FRACTION_OTHER = 0.30      # no mountain; other proper names (cities, rivers, people, ...)
FRACTION_NEGATIVE = 0.22   # hard negatives: named after mountains, mountain words used generically, products,
#                            landforms and structures, peoples, species and terms, compass-qualified places
FRACTION_MIXED = 0.10      # a mountain and a look-alike negative (or non-mountain features) in the same sentence
FRACTION_NO_MOUNTAIN = FRACTION_OTHER + FRACTION_NEGATIVE  # 0.52: real prose mostly names no mountain
KIND_FRACTIONS = {
    "mountain": FRACTION_MOUNTAIN,
    "other": FRACTION_OTHER,
    "negative": FRACTION_NEGATIVE,
    "mixed": FRACTION_MIXED,
}
# Styles of the mountain sentences (the other kinds are encyclopedic with a little news).
STYLE_WEIGHTS = {"encyclopedia": 0.70, "news": 0.10, "travel": 0.10, "climbing": 0.10}
SYNTHETIC_RATE = 0.30      # share of mountain mentions that are composed, not from the gazetteer
OPENER_RATE = 0.18         # share of sentences given an introductory phrase ("In 1921, ...")
COMBINE_RATE = 0.25        # share of sentences extended by a second, mountain-free clause ("...; the Rhine ...")
TAIL_RATE = 0.12           # share of sentences given a trailing phrase (", according to the Alpine Club")
COMPOSED_TOWN_RATE = 0.3   # share of towns that are invented words, as a share of the mountains are
MAX_TRIES = 60             # redraws per sentence (duplicates, misaligned entities)

MOUNTAIN_TYPES = ("peak", "mountain", "volcano", "hill", "ridge", "massif", "range")
SINGLE_TYPES = ("peak", "mountain", "volcano", "hill")
PLURAL_HEADS = {"Hills", "Mountains", "Ranges", "Highlands", "Rocks", "Peaks", "Alps", "Downs", "Heights", "Fells", "Pitons", "Tors", "Knobs", "Buttes", "Crags", "Sisters", "Brothers", "Spires", "Needles", "Towers", "Torres", "Picos", "Montes", "Monts"}
GROUP_TYPES = ("ridge", "massif", "range")

# --------------------------------------------------------------------------------------------
# Small built-in name lists: the fallback when the gazetteer is not available, and the source of
# well-known look-alikes that must stay O.
# --------------------------------------------------------------------------------------------
FALLBACK_MOUNTAINS = [
    ("Mount Everest", "mountain", "Asia", "Nepal"), ("K2", "mountain", "Asia", "Pakistan"),
    ("Kangchenjunga", "mountain", "Asia", "Nepal"), ("Annapurna", "massif", "Asia", "Nepal"),
    ("Mont Blanc", "mountain", "Europe", "France"), ("Matterhorn", "peak", "Europe", "Switzerland"),
    ("Monte Rosa", "massif", "Europe", "Switzerland"), ("Eiger", "peak", "Europe", "Switzerland"),
    ("Zugspitze", "peak", "Europe", "Germany"), ("Grossglockner", "peak", "Europe", "Austria"),
    ("Ben Nevis", "mountain", "Europe", "United Kingdom"), ("Snowdon", "mountain", "Europe", "United Kingdom"),
    ("Mount Etna", "volcano", "Europe", "Italy"), ("Mount Vesuvius", "volcano", "Europe", "Italy"),
    ("Mount Olympus", "mountain", "Europe", "Greece"), ("Triglav", "mountain", "Europe", "Slovenia"),
    ("Aneto", "peak", "Europe", "Spain"), ("Galdhøpiggen", "mountain", "Europe", "Norway"),
    ("Kilimanjaro", "volcano", "Africa", "Tanzania"), ("Mount Kenya", "volcano", "Africa", "Kenya"),
    ("Table Mountain", "mountain", "Africa", "South Africa"), ("Jebel Toubkal", "mountain", "Africa", "Morocco"),
    ("Denali", "mountain", "North America", "United States"), ("Mount Rainier", "volcano", "North America", "United States"),
    ("Mount Whitney", "mountain", "North America", "United States"), ("Pikes Peak", "mountain", "North America", "United States"),
    ("Mount St. Helens", "volcano", "North America", "United States"), ("Mount Hood", "volcano", "North America", "United States"),
    ("Mount Logan", "mountain", "North America", "Canada"), ("Pico de Orizaba", "volcano", "North America", "Mexico"),
    ("Popocatépetl", "volcano", "North America", "Mexico"), ("Aconcagua", "mountain", "South America", "Argentina"),
    ("Chimborazo", "volcano", "South America", "Ecuador"), ("Cotopaxi", "volcano", "South America", "Ecuador"),
    ("Huascarán", "mountain", "South America", "Peru"), ("Ojos del Salado", "volcano", "South America", "Chile"),
    ("Mount Fuji", "volcano", "Asia", "Japan"), ("Mount Kinabalu", "mountain", "Asia", "Malaysia"),
    ("Mount Ararat", "volcano", "Asia", "Turkey"), ("Mount Elbrus", "volcano", "Europe", "Russia"),
    ("Mauna Loa", "volcano", "Oceania", "United States"), ("Mauna Kea", "volcano", "Oceania", "United States"),
    ("Aoraki / Mount Cook", "mountain", "Oceania", "New Zealand"), ("Mount Kosciuszko", "mountain", "Oceania", "Australia"),
    ("Mount Ruapehu", "volcano", "Oceania", "New Zealand"), ("Uluru", "hill", "Oceania", "Australia"),
    ("Primrose Hill", "hill", "Europe", "United Kingdom"), ("Arthur's Seat", "hill", "Europe", "United Kingdom"),
    ("Signal Hill", "hill", "Africa", "South Africa"), ("Vinson Massif", "massif", "Antarctica", "Antarctica"),
    ("Alps", "range", "Europe", "Switzerland"), ("Pyrenees", "range", "Europe", "Spain"),
    ("Apennines", "range", "Europe", "Italy"), ("Carpathian Mountains", "range", "Europe", "Romania"),
    ("Dolomites", "range", "Europe", "Italy"), ("Caucasus Mountains", "range", "Europe", "Russia"),
    ("Himalayas", "range", "Asia", "Nepal"), ("Karakoram", "range", "Asia", "Pakistan"),
    ("Hindu Kush", "range", "Asia", "Afghanistan"), ("Andes", "range", "South America", "Peru"),
    ("Rocky Mountains", "range", "North America", "United States"), ("Sierra Nevada", "range", "North America", "United States"),
    ("Cascade Range", "range", "North America", "United States"), ("Appalachian Mountains", "range", "North America", "United States"),
    ("Atlas Mountains", "range", "Africa", "Morocco"), ("Drakensberg", "range", "Africa", "South Africa"),
    ("Southern Alps", "range", "Oceania", "New Zealand"), ("Great Dividing Range", "range", "Oceania", "Australia"),
    ("Blue Ridge", "ridge", "North America", "United States"), ("Massif Central", "massif", "Europe", "France"),
    ("Cairngorms", "range", "Europe", "United Kingdom"), ("Tatra Mountains", "range", "Europe", "Poland"),
]
FALLBACK_OTHERS = [
    ("Geneva", "city"), ("Zermatt", "city"), ("Chamonix", "city"), ("Innsbruck", "city"), ("Kathmandu", "city"),
    ("Denver", "city"), ("Seattle", "city"), ("Mendoza", "city"), ("Quito", "city"), ("Naples", "city"),
    ("Fort William", "city"), ("Grenoble", "city"), ("Bolzano", "city"), ("Arusha", "city"), ("Christchurch", "city"),
    ("Switzerland", "country"), ("Italy", "country"), ("Nepal", "country"), ("Chile", "country"), ("Canada", "country"),
    ("Tyrol", "region"), ("Patagonia", "region"), ("Bavaria", "region"), ("Colorado", "region"), ("Kashmir", "region"),
    ("Rhine", "river"), ("Rhône", "river"), ("Danube", "river"), ("Columbia River", "river"), ("River Tay", "river"),
    ("Lake Geneva", "lake"), ("Lake Como", "lake"), ("Lake Titicaca", "lake"), ("Loch Ness", "lake"),
    ("Sicily", "island"), ("Hokkaido", "island"), ("Skye", "island"), ("Tasmania", "island"),
    ("Mediterranean Sea", "sea"), ("North Sea", "sea"), ("Adriatic Sea", "sea"), ("Caspian Sea", "sea"),
    ("Aosta Valley", "valley"), ("Yosemite Valley", "valley"), ("Rhône Valley", "valley"),
    ("Aletsch Glacier", "glacier"), ("Khumbu Glacier", "glacier"), ("Mer de Glace", "glacier"),
    ("Brenner Pass", "pass"), ("Stelvio Pass", "pass"), ("Khyber Pass", "pass"), ("Simplon Pass", "pass"),
    ("Yellowstone National Park", "national_park"), ("Banff National Park", "national_park"),
    ("Gran Paradiso National Park", "national_park"), ("Rocky Mountain National Park", "national_park"),
    ("Alpine Club", "organisation"), ("Royal Geographical Society", "organisation"), ("United Nations", "organisation"),
    ("Swiss Alpine Club", "organisation"), ("Red Cross", "organisation"), ("University of Innsbruck", "organisation"),
    ("Palace of Westminster", "building"), ("Eiffel Tower", "building"), ("Sydney Opera House", "building"),
    ("Edmund Hillary", "person"), ("Tenzing Norgay", "person"), ("Reinhold Messner", "person"), ("George Mallory", "person"),
    ("Mount Sinai Hospital", "named_after_mountain"), ("Everest Group", "named_after_mountain"),
    ("Mountain View", "named_after_mountain"), ("Mount Vernon", "named_after_mountain"),
    ("Sierra Nevada Brewing Company", "named_after_mountain"), ("Kilimanjaro International Airport", "named_after_mountain"),
    ("Olympus OM-1", "product"), ("Range Rover", "product"), ("Fujifilm X100", "product"),
    ("Winter Olympics", "event"), ("Tour de France", "event"), ("Giro d'Italia", "event"),
]
# Real places and things named after mountains or containing mountain words: always O.
LOOKALIKE_TOWNS = [
    ("Mountain View", "California"), ("Mount Vernon", "Ohio"), ("Mount Vernon", "Washington"),
    ("Mount Pleasant", "South Carolina"), ("Mount Pleasant", "Michigan"), ("Mount Airy", "North Carolina"),
    ("Mount Kisco", "New York"), ("Mount Shasta", "California"), ("Mountain Home", "Idaho"),
    ("Rocky Mount", "North Carolina"), ("Mount Joy", "Pennsylvania"), ("Mount Holly", "New Jersey"),
    ("Mount Prospect", "Illinois"), ("Mount Laurel", "New Jersey"), ("Mount Olive", "North Carolina"),
    ("Mount Juliet", "Tennessee"), ("Mount Dora", "Florida"), ("Mount Sterling", "Kentucky"),
    ("Hill City", "South Dakota"), ("Mount Isa", "Queensland"), ("Mount Gambier", "South Australia"),
    ("Mount Barker", "South Australia"), ("Mount Maunganui", "Bay of Plenty"), ("Beverly Hills", "California"),
    ("Pike Creek", "Delaware"), ("Blue Ridge", "Georgia"), ("Sierra Vista", "Arizona"), ("Mount Morris", "Illinois"),
]
LOOKALIKE_ORGS = [
    "Mount Sinai Hospital", "Mount Holyoke College", "Mount Allison University", "Mount Royal University",
    "Sierra Nevada Brewing Company", "Rainier Brewing Company", "Everest Group", "Alpine Electronics",
    "Rocky Mountain News", "Himalaya Airlines", "Kilimanjaro Christian Medical Centre", "Mountain Equipment",
    "Andes Líneas Aéreas", "Blue Mountain Coffee", "Olympus Corporation", "Fujifilm", "Cascade Designs",
    "Matterhorn Gotthard Bahn", "Vesuvius plc", "Mount Saint Vincent University", "Sierra Club", "Appalachian Regional Commission",
]
LOOKALIKE_PEOPLE = [
    "George Everest", "Damon Hill", "Graham Hill", "Lauryn Hill", "Faith Hill", "Benny Hill", "Rainier III",
    "William McKinley", "Tadeusz Kościuszko", "James Cook", "Whitney Houston", "Mel Blanc", "Rosa Parks",
    "Samuel Hood", "George Vancouver", "Edward Whymper", "Horace-Bénédict de Saussure", "Julius Elbert",
]
LOOKALIKE_ADJ_NOUNS = [
    "Alpine skiing", "Alpine ibex", "Andean condor", "Himalayan blackberry", "Appalachian folk music",
    "Pyrenean ibex", "Carpathian brown bear", "Andean flamingo", "Himalayan salt", "Alpine garden",
    "Rocky Mountain spotted fever", "Rocky Mountain elk", "Andean cuisine", "Alpine architecture",
]
SHIP_PREFIXES = ["HMS", "USS", "SS", "RMS", "HMAS", "HMNZS"]
ORG_SUFFIXES = [
    "Group", "Capital", "Partners", "Airlines", "Records", "Press", "Insurance", "Brewing Company", "Foods",
    "Software", "Systems", "Bank", "Holdings", "Energy", "Publishing", "Motors", "Outfitters", "Coffee",
    "Hotel", "Lodge", "Resort", "Community College", "High School", "Academy", "Hospital", "Medical Centre",
    "Football Club", "Rugby Club", "Railway", "Highway", "Airport", "Mall", "Stadium", "Observatory Road",
]
PRODUCT_NOUNS = ["camera", "tent", "jacket", "bicycle", "beer", "coffee", "lager", "watch", "rucksack", "guitar", "whisky"]
DERIVED_PARK_HEADS = ["National Park", "Nature Reserve", "National Forest", "Wilderness Area", "State Park", "Ski Area"]
LOOKALIKE_COLLEGES = ["Mount Holyoke College", "Mount Allison University", "Mount Royal University", "Mount Saint Vincent University",
                      "Mount St. Mary's University", "Mount Union College", "Mount Aloysius College", "Mount Hood Community College"]
LOOKALIKE_HOSPITALS = ["Mount Sinai Hospital", "Mount Sinai Medical Center", "Kilimanjaro Christian Medical Centre",
                       "Mount Elizabeth Hospital", "Mount Alvernia Hospital", "Mount Carmel Hospital", "Mount Auburn Hospital"]
DERIVED_PLACE_HEADS = ["National Park", "Glacier", "Pass", "Valley", "Tunnel", "Lake", "River", "Nature Reserve", "National Forest", "Ski Area", "Base Camp", "Creek"]

# Word pools ---------------------------------------------------------------------------------
COLOURS = ["Black", "White", "Red", "Green", "Blue", "Grey", "Silver", "Golden", "Yellow", "Brown"]
DESCRIPTORS = [
    "Bald", "Round", "Sharp", "Lone", "Twin", "Great", "Little", "Big", "High", "Old", "North", "South", "East",
    "West", "Middle", "Broken", "Crooked", "Flat", "Steep", "Windy", "Cold", "Hidden", "Sugarloaf", "Table", "Castle",
    "Cathedral", "Chimney", "Eagle", "Bear", "Elk", "Wolf", "Raven", "Hawk", "Buffalo", "Pine", "Cedar", "Spruce",
    "Granite", "Iron", "Copper", "Thunder", "Storm", "Cloud", "Snow", "Ice", "Signal", "Lookout", "Beacon", "Sentinel",
    "Pyramid", "Saddle", "Needle", "Arrow", "Shadow", "Sunset", "Sunrise", "Liberty", "Paradise", "Grizzly",
    "Whiteface", "Pinnacle", "Tabletop", "Sheep", "Goat", "Marmot", "Crystal", "Glacier", "Telegraph", "Gibraltar",
]
POSSESSORS = ["Devil's", "Hangman's", "Shepherd's", "Hunter's", "Miner's", "Giant's", "Bishop's", "Lover's", "Trapper's", "Widow's", "King's", "Queen's"]
SINGLE_HEADS = [("Peak", "peak", 5), ("Mountain", "mountain", 4), ("Hill", "hill", 4), ("Butte", "peak", 1), ("Knob", "hill", 1),
                ("Dome", "peak", 1), ("Crag", "peak", 1), ("Pike", "hill", 1), ("Spire", "peak", 1), ("Tor", "hill", 1),
                ("Fell", "hill", 1), ("Mesa", "hill", 1), ("Volcano", "volcano", 1)]
GROUP_HEADS = [("Mountains", "range", 5), ("Range", "range", 4), ("Hills", "range", 2), ("Ridge", "ridge", 3),
               ("Massif", "massif", 1), ("Alps", "range", 1), ("Highlands", "range", 1)]
FOREIGN = {
    "Cerro": (["Blanco", "Negro", "Colorado", "Alto", "Grande", "Verde", "San Lorenzo", "Santa Ana", "El Plomo", "Chato", "Pelado", "Torre", "Moreno", "Azul", "de la Silla", "Catedral", "del Diablo", "Tres Picos", "Bonete", "Tupungatito"], "es_ES", "peak"),
    "Monte": (["Bianco", "Rosso", "Nero", "Amaro", "Vettore", "Baldo", "Grappa", "Cimone", "San Salvatore", "Generoso", "Pelmo", "Civetta", "Cristallo", "Leone", "Disgrazia", "Corno"], "it_IT", "mountain"),
    "Pico": (["Bolívar", "da Neblina", "del Águila", "Blanco", "Viejo", "de Aneto", "Cristóbal Colón", "Duarte", "Almanzor", "de Urbión", "Turquino", "San Valentín"], "es_ES", "peak"),
    "Mont": (["Ventoux", "Pelat", "Dore", "Aigoual", "Aiguille", "Mézenc", "Lozère", "Pourri", "Dolent", "Thabor", "Tendre", "Vélan"], "fr_FR", "mountain"),
    "Pic": (["du Midi", "d'Anie", "de la Maladeta", "d'Orhy", "Carlit", "de Bure", "du Canigou", "Lory", "Sans Nom", "de Rochebrune"], "fr_FR", "peak"),
    "Piz": (["Bernina", "Palü", "Buin", "Linard", "Kesch", "Roseg", "Julier", "Languard", "Nair", "Ela", "Corvatsch", "Badile", "Zupò", "Tschierva", "Lischana"], None, "peak"),
    "Jebel": (["Musa", "Shams", "Marra", "Akhdar", "Harun", "Katherina", "Sirwa", "Ayachi", "Saghro", "Bou Naceur", "Qasioun", "Hafeet"], None, "mountain"),
    "Gunung": (["Rinjani", "Merapi", "Semeru", "Tahan", "Ledang", "Agung", "Kerinci", "Slamet", "Lawu", "Batur", "Mulu", "Tambora"], None, "volcano"),
    "Ben": (["Lomond", "Macdui", "Lawers", "More", "Vorlich", "Cruachan", "Alder", "Hope", "Wyvis", "Ledi", "Klibreck", "Avon", "Lui", "Starav"], None, "mountain"),
    "Sgurr": (["nan Gillean", "Alasdair", "Dearg", "Mor", "na Ciche", "a' Mhaim", "Fiona", "nan Ceathreamhnan", "Thuilm", "na Lapaich"], None, "peak"),
    "Beinn": (["Eighe", "Dearg", "a' Bhuird", "Bheigeir", "Alligin", "Mhor", "Ime", "Dorain", "Sgritheall", "an Dothaidh"], None, "mountain"),
    "Volcán": (["Barú", "Osorno", "Llaima", "Villarrica", "Lanín", "Tajumulco", "Arenal", "Poás", "Irazú", "Sangay", "Maipo"], None, "volcano"),
    "Nevado": (["del Ruiz", "Sajama", "Coropuna", "Ampato", "Huantsán", "Pisco", "del Tolima", "Illimani", "Alpamayo", "Chachani"], None, "mountain"),
    "Mauna": (["Kea", "Loa", "Ulu", "Iki", "Pōhaku", "Kapu"], None, "volcano"),
    "Kuh-e": (["Taftan", "Dena", "Sabalan", "Bazman", "Alvand", "Binalud", "Shahan", "Karkas"], None, "mountain"),
    "Puig": (["Major", "de Massanella", "Campana", "de Galatzó", "Tomir"], None, "mountain"),
    "Aiguille": (["du Midi", "Verte", "du Goûter", "de Bionnassay", "du Dru", "Noire", "de Tré-la-Tête", "d'Argentière"], None, "peak"),
}
GERMANIC_STEMS = ["Wild", "Schreck", "Hoch", "Gross", "Klein", "Weiss", "Schwarz", "Roth", "Fin", "Lauter", "Wetter", "Dom", "Gletsch", "Stein", "Eis", "Sonn", "Kreuz", "Bären", "Adler", "Falken", "Riesen", "Hunds", "Zinnen", "Fels", "Tannen", "Schnee"]
GERMANIC_ENDS = ["horn", "spitze", "kogel", "berg", "stock", "kopf", "stein", "eck", "hörnli", "kamm"]
NORDIC_ENDS = ["tind", "tinden", "fjellet", "toppen", "nuten", "höiden", "hø", "kollen"]
SYLLABLES = ["ka", "ra", "ko", "tu", "ma", "li", "na", "ri", "ta", "lo", "ba", "an", "ar", "el", "ki", "to", "su", "ya", "ha", "mu", "de", "no", "ga", "sa", "vi", "on", "zu", "pa"]
RANGE_PREFIXES = {"Sierra": ["Madre", "Blanca", "de Gredos", "Morena", "del Carmen", "de Guadarrama", "de Cazorla", "Maestra", "de Perijá", "Pelona", "de Aitana", "de Gata"],
                  "Cordillera": ["Blanca", "Negra", "Real", "Oriental", "Central", "de Mérida", "Vilcanota", "Huayhuash", "Darwin", "Cantábrica"],
                  "Monts": ["du Forez", "Dore", "d'Arrée", "du Cantal", "Jura", "du Lyonnais", "de Vaucluse"],
                  "Montes": ["de Toledo", "Universales", "de León", "Vascos", "Aquilianos"]}
NATIONALITIES = ["British", "Swiss", "Italian", "French", "Austrian", "German", "American", "Canadian", "Japanese", "Chilean", "Argentine", "Norwegian", "Scottish", "New Zealand", "Nepali", "Indian", "Polish", "Slovene", "Spanish", "Mexican", "Peruvian", "Australian"]
LANGUAGES = ["Quechua", "Māori", "Gaelic", "Romansh", "Tibetan", "Nepali", "Hawaiian", "Ainu", "Basque", "Arabic", "Old Norse", "Latin", "Greek", "Persian", "Swahili", "Aymara", "Welsh", "Slovene", "Sherpa", "Nahuatl"]
GLOSSES = ["white mountain", "snow peak", "great hill", "sleeping woman", "smoking mountain", "mother of the world", "black rock", "grey head", "eagle's nest", "fire mountain", "holy one", "rock of the wind", "horn", "the watchman", "cold summit", "shining one"]
ROCKS = ["granite", "limestone", "basalt", "gneiss", "sandstone", "schist", "andesite", "dolomite", "quartzite", "dacite", "conglomerate", "slate", "rhyolite", "marble"]
PERIODS = ["Jurassic", "Cretaceous", "Permian", "Carboniferous", "Devonian", "Triassic", "Miocene", "Pleistocene", "Eocene", "Ordovician", "Silurian", "Oligocene"]
OROGENIES = ["Alpine orogeny", "Variscan orogeny", "Caledonian orogeny", "Laramide orogeny", "Andean orogeny", "Grenville orogeny", "Himalayan orogeny"]
WARS = ["First World War", "Second World War", "Napoleonic Wars", "Thirty Years' War", "Korean War", "Spanish Civil War", "Balkan Wars", "Crimean War", "War of the Pacific", "Russo-Japanese War", "Seven Years' War", "American Civil War"]
CENTURIES = ["12th", "13th", "14th", "15th", "16th", "17th", "18th", "19th", "20th"]
DECADES = ["1880s", "1890s", "1900s", "1920s", "1930s", "1950s", "1960s", "1970s", "1980s", "1990s"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ORDINALS = ["second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"]
ANIMALS = ["golden eagle", "snow leopard", "ibex", "chamois", "marmot", "mountain gorilla", "spectacled bear", "pika", "bearded vulture", "black grouse", "red deer", "mountain goat", "wolverine", "ptarmigan"]
TREES = ["beech", "spruce", "oak", "pine", "fir", "larch", "cedar", "rhododendron", "birch", "chestnut", "eucalyptus", "juniper"]
SAINTS = ["St. Michael", "St. Nicholas", "St. Mary", "St. George", "St. Martin", "St. Anne", "St. Peter", "St. Bartholomew"]
TITLES = ["The Long Winter", "A River in Spring", "The Last Summer", "Letters from Home", "The Silent Valley", "Night Train", "The Glass House", "Northern Lights", "The Lost Road", "Stone and Water", "The Crossing", "Between Two Rivers"]
TIMES = ["3 a.m.", "4 a.m.", "5 a.m.", "midnight", "dawn", "first light", "2 a.m.", "6 a.m."]
TIMES2 = ["10 a.m.", "11 a.m.", "noon", "1 p.m.", "2 p.m.", "midday", "9 a.m."]
GRADES = ["TD+", "D", "AD", "ED1", "5.10a", "WI4", "grade V", "VS", "E1"]
PRODUCT_PAIRS = ["kitchen appliances to garden furniture", "sports shoes to winter jackets", "insurance to pensions", "software to consulting services", "bread to frozen meals", "bicycles to car parts"]
QUOTES = ["It was the hardest thing I have ever done", "We were lucky to get down alive", "The weather changed in minutes", "I always dreamed of standing up there", "Nobody expected the wind to be so strong", "It is a dream come true for the whole team"]
CITY_SUFFIX_COUNTRY = ["Switzerland", "Italy", "France", "Austria", "Germany", "Norway", "Chile", "Peru", "Canada", "Japan", "Nepal", "Spain", "Scotland", "New Zealand"]

# Articles for other names: these heads take "the" in running prose.
THE_HEADS = {"River", "Sea", "Ocean", "Glacier", "Pass", "Valley", "Park", "Building", "Tower", "Hall", "Palace", "Bridge",
             "Museum", "Cathedral", "Abbey", "Castle", "Stadium", "Centre", "Center", "Library", "Gallery", "Canal", "Gulf",
             "Olympics", "Games", "Championships", "Cup", "Festival", "Society", "Club", "Institute", "Forest", "Reserve",
             "Observatory", "Tunnel", "Railway", "Highway", "Islands", "Isles", "Basin", "Plateau", "Delta", "Desert",
             "Commission", "Council", "House", "Cross", "Agency", "Service", "Survey", "Army", "Navy", "Trust", "League", "Federation", "Committee", "Authority", "Company", "Corporation", "Foundation", "Association", "Union", "Theatre", "Opera", "Nations"}

# --------------------------------------------------------------------------------------------
# Templates. [a|b] picks one alternative ([a|] makes a part optional); {SLOT} or {SLOT:attr} is filled.
# Mountain slots (tagged): P P2 P3 (single mountain: peak/mountain/volcano/hill), V (volcano), H (hill),
#   R R2 (range/massif/ridge, with "the"), RG (ridge), S (later short form of P), PLIST (2-4 peaks),
#   PELIST (peaks with elevations), PN (a "Mount <Surname>" named after a person).
#   Attributes: type, elev, m, country, base (for derived names, O), derived (thing named after it, O).
# Other slots (O): CITY CITY2 CITY3 COUNTRY COUNTRY2 REGION REGION2 RIVER RIVER2 LAKE ISLAND ISLAND2 SEA
#   VALLEY GLACIER PASS NP ORG ORG2 BUILDING PERSON PERSON2 EVENT PRODUCT COMPANY NAM (named after a
#   mountain), LTOWN (look-alike town), LORG, LPERSON, LADJ, DORG (org named after a mountain),
#   DPLACE (place named after a mountain), BRAND (mountain name as brand), SHIP, WAR.
# Lower-case slots are words: year year2 date num num2 numbig km pct dir nat lang gloss rock rock2 ...
# --------------------------------------------------------------------------------------------
MOUNTAIN_TEMPLATES: Dict[str, List[str]] = {
    "encyclopedia": [
        "{P} is a {P:type} in {R}[ of {P:country}| in {P:country}|], with an elevation of {P:elev}.",
        "{P} ({P:elevp}) is the [highest|second-highest|most prominent] [mountain|summit|peak] [of|in] {R}[ and the {ord} highest in {P:country}|].",
        "With a summit elevation of {P:elev}, {P} is [one of the most prominent peaks|the highest point|among the highest summits] in {REGION}.",
        "The village lies at the foot of {P}, about {km} km [north|south|east|west] of {CITY}[, and is a popular base for walkers|].",
        "{CITY} is situated [on the southern slopes|at the northern foot|on the lower slopes] of {P}[, some {km} kilometres from the border with {COUNTRY}|].",
        "The river rises on the {dir} slopes of {P} and flows [north|south|east|west] for {km} km before joining {RIVER}[ near {CITY}|].",
        "{RIVER} rises [near|on the flanks of|below] {P} and drains much of the {dir} side of {R}.",
        "{P} forms part of the watershed between {RIVER} and {RIVER2}[, and its summit marks the boundary of three municipalities|].",
        "The town was named after {P}, which [dominates the skyline of|rises above|overlooks] {CITY}.",
        "The peak was named {P} by {PERSON} in {year}[ in honour of his patron|, after a local landowner| during the first survey of {REGION}].",
        "The range stretches for some {km} km from {P} in the north to {P2} in the south[, forming the border between {COUNTRY} and {COUNTRY2}|].",
        "The highest point of {R} is {P} at {P:m} m, followed by {P2} and {P3}.",
        "Notable summits in the area include {PLIST}.",
        "Its principal summits are {PELIST}.",
        "The massif comprises several summits, the highest of which is {P} ({P:elevp}).",
        "{V} is [an active|a dormant|a potentially active] {V:type} in {V:country} that last erupted in {year}[, when ash fell on {CITY}|].",
        "The {year} eruption of {V} killed [more than|about|at least] {num} people and [destroyed|buried] much of {CITY}.",
        "Lava flows from {V} reached the outskirts of {CITY} in {year}, forcing the evacuation of [around|more than|nearly] {numbig} residents.",
        "{P} is composed [mainly|largely|chiefly] of {rock} and {rock2}[ deposited during the {period}|], which were later folded and uplifted.",
        "Geologically, {R} formed during the {orogeny}[, roughly {num2} million years ago|], when the {dir} edge of the continent was compressed.",
        "The summit of {P} offers views of {R} and, on clear days, of {LAKE}.",
        "{H} is a hill [in|near|just outside] {CITY}[, {REGION}|], rising to {H:elev}[ above sea level|].",
        "The castle stands on {H}, a [wooded|limestone|steep|rocky] hill overlooking {RIVER}[ and the old town|].",
        "{P} and its neighbour {P2} are separated by a high col[ at about {alt} m|], which is crossed by an old mule track.",
        "The [northern|eastern|western|southern] ridge of {P} connects it to {P2}, {km} km away[, and is one of the classic traverses of {R}|].",
        "{RG} runs parallel to the coast between {CITY} and {CITY2}[ and reaches its highest point at {P}|].",
        "{P} lies within {NP}, which was established in {year}[ to protect its forests and wildlife|].",
        "The name {P} is derived from the {lang} word for \"{gloss}\"[, referring to its shape|, a reference to its snow cap|].",
        "{P} ({lang}: {ALT}) is a {P:type} in {P:country}[, located about {km} km from {CITY}|].",
        # The mountain as a landmark at the end of a distance or direction phrase, the slot that the
        # negative templates fill with towns ("lies 20 km north of ..."): both must be seen.
        "{CITY} lies about {km} km [north|south|east|west|northeast|northwest|southeast|southwest] of {P}.",
        "It lies [about|some|roughly|nearly] {km} km [north|south|east|west|north-east|south-west] of {P}.",
        "The [hamlet|monastery|hut|lake|pass|village|glacier] is [situated|located] {km} km [from|north of|south of|east of|west of] {P}[ and {km} km from {CITY}|].",
        "{LAKE} lies [just|immediately|a few kilometres] [north|south|east|west] of {P}.",
        "The [glacier|stream|valley|ridge] [flows|runs|descends|extends] [north|south|east|west]ward from {P}.",
        "[From the village|From the top|On a clear day], one can see as far as {P}.",
        "The nearest [town|railway station|airport] is {CITY}, {km} km [north|south|east|west] of {P}.",
        "The border runs [along the crest of|across the summit of|close to] {P}.",
        "{P} lies about {km} km [north|south|east|west|northeast|southwest] of {CITY}[, near the border with {COUNTRY}|].",
        "{P} is [situated|located] {km} km from {CITY}[ and can be reached by bus from {CITY2}|].",
        "{P} rises [just|about {km} km] [north|south|east|west] of {LAKE}.",
        "{PERSON} made the first ascent of {P} in {year} with {PERSON2}[, a {nat} guide|, who later wrote an account of the climb|].",
        "The first recorded ascent of {P} was made on {date} by a party led by {PERSON}[, who approached from {VALLEY}|].",
        "{PERSON} ({year}–{year2}) was a {nat} mountaineer best known for his ascents of {PLIST}.",
        "Born in {CITY} in {year}, {PERSON} [grew up|spent her childhood|was raised] in the shadow of {P} and later studied at {UNI}.",
        "She died in {year} while attempting [a winter ascent|the north face|a new route] of {P}[ with {PERSON}|].",
        "During {WAR}, {nat} troops fought a series of battles on {P} and the surrounding ridges of {R}.",
        "The battle took place on the slopes of {P} on {date}, [when|after] {nat} troops attempted to [seize|hold] the summit.",
        "A [monastery|chapel|hermitage] was built on the summit of {P} in the {century} century[ and is still a place of pilgrimage|].",
        "The observatory on {P}, completed in {year}, was for many years the highest in {REGION}.",
        "The railway climbs from {CITY} to a station just below the summit of {P}[, a height gain of {num} m|].",
        "The road between {CITY} and {CITY2} crosses {R} via {PASS}, skirting the [western|eastern] flank of {P}.",
        "The tunnel, which runs beneath {P}, was opened in {year} and is {num2} km long.",
        "The film was shot [on location |]in {CITY} and on {P}[, with additional scenes filmed at {BUILDING}|].",
        "The cover of the album shows {P} [at sunset|under fresh snow|reflected in {LAKE}].",
        "{P} appears on the coat of arms of {CITY}[ and on the flag of {REGION}|].",
        "The [asteroid|ship|locomotive|steamer] was named after {P}[, which the designer could see from his office in {CITY}|].",
        "Skiing on {P} began in the {decade}, and the first lift was built in {year}[ by {COMPANY}|].",
        "The {ordc} stage of {EVENT} finished at the summit of {P} after a {num2} km climb from {CITY}.",
        "{PERSON} won the stage to {P}[ ahead of {PERSON2}|], taking the overall lead of the race.",
        "Together with {P} and {P2}, {P3} is one of the three peaks that give {REGION} its characteristic skyline.",
        "{P} is the only known habitat of the [species|beetle|orchid], and is protected as part of {NP}.",
        "Forests of {tree} and {tree2} cover the lower slopes of {P}, while the ground above {alt} m is bare rock.",
        "{P}'s [summit|northern flank|summit plateau|south face] was first surveyed in {year} by {PERSON}[ of {ORG}|].",
        "{P} is the highest point of {REGION}; {S} was first climbed in {year}[ by {PERSON}|].",
        "{P} ({P:elevp}) rises above {CITY}, and the first ascent of {S} was made by {PERSON} in {year}.",
        "Snow lies on {P} for much of the year, and the upper slopes of {S} are used for skiing[ from {month} to {month2}|].",
        "{PERSON} climbed {P} in {year} and returned to {S} [twice|several times] before his death in {year2}.",
        "Visitors to {CITY} often combine a trip to {P} with a visit to {LAKE}, and guided walks up {S} run daily in summer.",
        "The view from {S} takes in most of {REGION}, and on clear days {P2} can be seen to the {dirn}.",
        "{P} lies on the border between {COUNTRY} and {COUNTRY2}, and its summit is the highest point of both countries.",
        "The settlement, which lies between {P} and {P2}, was first mentioned in {year}[ as a possession of the bishops of {CITY}|].",
        "Several species of {animal} live in {R}, and the {animal2} was reintroduced there in the {decade}.",
        "Historically, {R} formed a natural barrier between {REGION} and {REGION2}[, and trade followed the few passes across them|].",
        "The climate of {CITY} is strongly influenced by {R}, sheltering the city from cold northerly winds.",
        "The nearest major peak is {P}.",
        "On clear days the view from the tower extends as far as {P}.",
        "Among the mountains visible from the summit are {PLIST}.",
        "{P} was declared a [national monument|protected area|UNESCO World Heritage Site] in {year}.",
        "Rising to {P:elev}, {P} is the culminating point of {R}.",
        "{P} was an important landmark for sailors approaching {CITY}[ from {SEA}|].",
        "Access to {P} is by a marked trail from {CITY}, which takes about {hours} hours[ in good weather|].",
        "Its source is a small spring on {P}, at an altitude of {alt} m.",
        "The hut, at {alt} m on the southern flank of {P}, is the usual starting point for the ascent[ and is run by {ORG}|].",
        "According to local legend, {P} is the home of a [giant|dragon|mountain spirit], and the summit was long considered sacred.",
        "{PERSON} spent the last years of his life in a house overlooking {P}, where he wrote \"{title}\".",
        "Her paintings of {P} and {P2} were exhibited at {BUILDING} in {year}.",
        "The fortress on {H} controlled the road from {CITY} to {CITY2} until the {century} century.",
        "The {CITY}–{CITY2} line runs along the foot of {R} and passes beneath {P} in a {num2} km tunnel.",
        "{P}, {P2} and {P3} are the three highest summits of {R}.",
        "Between {year} and {year2}, the mine on {P} produced [silver|copper|lead|coal|iron ore] for {COMPANY}.",
        "The parish extends from {RIVER} to the summit of {P} and includes the hamlets of {CITY} and {CITY2}.",
        "The upper slopes of {P} are covered by [glaciers|permanent snow|alpine meadows], and the mountain is often hidden by cloud.",
        "In winter, avalanches regularly sweep down from {P} into {VALLEY}[, and the road to {CITY} is often closed|].",
        "The poem \"{title}\" describes a journey across {R} from {CITY} to {CITY2}.",
        "A trigonometrical station was placed on {P} in {year} during the survey of {COUNTRY}[ by {ORG}|].",
        "Its summit, {P}, stands at {P:elev}, making {R} the highest range in {REGION}.",
        "{V} has erupted at least {num2} times since {year}, most recently in {year2}.",
        "The park's best-known feature is {P}, a [steep-sided|flat-topped|snow-capped|heavily eroded] {P:type} rising above {LAKE}.",
        "{P} was renamed {ALT} in {year}[ to reflect its {lang} name|].",
    ],
    "news": [
        "Authorities raised the alert level for {V} on {weekday} after a series of small earthquakes beneath the volcano[, officials in {CITY} said|].",
        "Two climbers were rescued from {P} on {weekday} after being stranded for {num2} days near the summit, {ORG} said.",
        "Rescue teams reached the [group|climbers|hikers] late on {weekday} at an altitude of about {alt} m on {P}[, a spokesperson for {ORG} told reporters|].",
        "Wildfires burned across the slopes of {P} on {weekday}, forcing the closure of roads between {CITY} and {CITY2}.",
        "Heavy snow closed several passes in {R} for the [second|third] day running, [stranding|leaving] hundreds of drivers near {CITY}.",
        "\"{quote},\" said {PERSON}, who reached the summit of {P} on {date}.",
        "The government announced plans to build a cable car to the summit of {P}, a move criticised by {ORG}.",
        "Scientists from {ORG} said the glaciers on {P} had lost [nearly|about|more than] {pct} of their volume since {year}.",
        "A [small|light] aircraft crashed into {P} on {weekday}, killing all {num2} people on board, according to {ORG}.",
        "{V} erupted again on {weekday}, sending a column of ash {num2} km into the sky and disrupting flights to {CITY}.",
        "Police in {CITY} said a {age}-year-old hiker had died after falling near the summit of {P} on {weekday}.",
        "A record {numbig} people attempted to climb {P} last year, according to figures published by {ORG}.",
    ],
    "travel": [
        "From the old town, a cable car carries visitors up to a viewing platform on {P}[, from which {PLIST} can be seen on clear days|].",
        "The best time to climb {P} is between {month} and {month2}, when the weather is most stable.",
        "Most visitors base themselves in {CITY}, which has easy access to {R} and {LAKE}.",
        "The trail follows {RIVER} upstream for {num2} km before climbing steeply towards {P}.",
        "Hikers can reach the summit of {P} in about {hours} hours from the car park at {CITY}, though the final section requires some scrambling.",
        "For the classic view of {P}, take the early train to {CITY} and walk the short path to the lake shore.",
        "The drive from {CITY} to {CITY2} winds through {R}, with {P} visible for much of the way.",
        "Guided tours of {V} leave {CITY} every morning and include a walk around the crater rim.",
        "Our hotel in {CITY} had rooms facing {P}, and we watched the sunrise turn its snowfields pink.",
        "If you only have one day, skip {P2} and head straight for {P}, where the views over {R} are far better.",
    ],
    "climbing": [
        "We left the hut at {time} and reached the summit of {P} shortly after {time2}, descending via the {dir} ridge to {P2}.",
        "The route follows the {dir} ridge of {P} to a col below {P2}, then traverses the glacier to {P3}.",
        "After a night at {alt} m, we pushed on to the summit of {S} in worsening weather.",
        "{PERSON} and {PERSON2} completed the first winter ascent of the {dir} face of {P} in {year}, spending {num2} nights on the wall.",
        "The {grade} route on {P} was first climbed by {PERSON} in {year}[ and remains one of the most serious lines in {R}|].",
        "Conditions on {P} were poor, so we turned back at {alt} m and climbed {P2} instead.",
        "From the summit of {P} we could see the whole of {R}, with {P2} rising above the clouds to the {dirn}.",
        "The {year} expedition to {P}, led by {PERSON}, was the first to use bottled oxygen above {alt} m.",
        "On the descent from {P} the party was caught by an avalanche, and {PERSON} was killed.",
        "{PERSON} soloed {PLIST} in a single push of {num2} hours.",
    ],
}
OTHER_TEMPLATES = [
    "{CITY} is a town in {REGION}, {COUNTRY}, on the [left|right] bank of {RIVER}[, with a population of {numbig} at the {year} census|].",
    "{RIVER} flows through {CITY} and {CITY2} before emptying into {SEA}.",
    "{LAKE} is the largest lake in {REGION} and is fed mainly by {RIVER}.",
    "{PERSON} was born in {CITY} on {date} and studied law at {UNI}[ before moving to {CITY2}|].",
    "In {year}, {PERSON} was elected mayor of {CITY}, a post he held until {year2}.",
    "{COMPANY} was founded in {CITY} in {year} by {PERSON} and {PERSON2}[, and moved its headquarters to {CITY2} in {year2}|].",
    "{EVENT} took place in {CITY} in {year}[, attracting more than {numbig} visitors|].",
    "{ISLAND} lies off the coast of {REGION} and is linked to the mainland by a ferry from {CITY}.",
    "{GLACIER} is the longest glacier in {REGION}, flowing for about {num2} km into {VALLEY}.",
    "{PASS} connects {VALLEY} with {CITY} and is usually closed from {month} to {month2}.",
    "{NP} covers an area of {numbig} hectares and was established in {year}[ to protect the last remaining forests of {REGION}|].",
    "{PERSON} played [football|rugby|ice hockey] for {CITY} and later coached the national team of {COUNTRY}.",
    "The station is served by regional trains to {CITY} and {CITY2}, operated by {COMPANY}.",
    "The [novel \"{title}\", written|film \"{title}\", directed] by {PERSON}, is set in {CITY} during {WAR}.",
    "During {WAR}, {CITY} was occupied by {nat} forces[ and much of the old town was destroyed|].",
    "{BUILDING} was completed in {year} to designs by the architect {PERSON}[ and is now a museum|].",
    "The church of {saint} in {CITY} dates from the {century} century[ and contains frescoes by {PERSON}|].",
    "{PERSON} won the gold medal at {EVENT}[, finishing ahead of {PERSON2} of {COUNTRY}|].",
    "{ORG} has its headquarters in {CITY} and offices in {CITY2} and {CITY3}.",
    "The treaty, signed in {CITY} in {year}, ceded {REGION} to {COUNTRY}.",
    "{VALLEY} is known for its vineyards[, which produce wines sold throughout {COUNTRY}|].",
    "{RIVER} forms the border between {COUNTRY} and {COUNTRY2} for {num2} km[ before turning towards {CITY}|].",
    "{PERSON} married {PERSON2}, the daughter of a {CITY} merchant, in {year}.",
    "\"We are delighted with the result,\" said {PERSON}, chief executive of {COMPANY}.",
    "According to the {year} census, {CITY} had {numbig} inhabitants, most of whom spoke {lang}.",
    "The airport, {num2} km from {CITY}, handles flights to {CITY2}, {CITY3} and {COUNTRY}.",
    "{ISLAND} and {ISLAND2} were annexed by {COUNTRY} in {year}.",
    "The festival, held each summer on the shores of {LAKE}, draws visitors from across {COUNTRY}.",
    "Her father, {PERSON}, was a professor at {UNI}[ and a member of {ORG2}|].",
    "The bridge across {RIVER} at {CITY} was completed in {year}[ and replaced a ferry that had operated since the {century} century|].",
    "The species is found in {REGION}, {REGION2} and parts of {COUNTRY}.",
    "{PERSON} served as ambassador to {COUNTRY} from {year} to {year2}[, and later taught at {UNI}|].",
    "The {year} flood of {RIVER} destroyed more than {num} houses in {CITY}.",
    "{CITY} lies on the shore of {LAKE}, about {km} km from {CITY2}[, and is the administrative centre of {REGION}|].",
    "In {year}, {COMPANY} opened a factory in {CITY}, employing {num} workers[ by {year2}|].",
    "Ferries link {CITY} with {ISLAND} several times a day in summer.",
    "The expedition, funded by {ORG}, sailed from {CITY} in {month} {year} and reached {ISLAND} six weeks later.",
    "{PERSON} is a {nat} [painter|composer|novelist|politician|footballer] who lives in {CITY}.",
    "{EVENT} was won by {PERSON}[, with {PERSON2} in second place|].",
    "The monastery was founded in the {century} century by monks from {CITY}[ and was dissolved in {year}|].",
    "The municipality borders {CITY} to the north and {CITY2} to the south, and is crossed by {RIVER}.",
    "Trains on the line between {CITY} and {CITY2} take about {hours} hours[ and stop at {CITY3}|].",
    "{PERSON} was appointed director of {ORG} in {year}, succeeding {PERSON2}.",
    "Fishing remains important on {ISLAND}, where most of the catch is sold in {CITY}.",
    "The road climbs out of {VALLEY} to {PASS} before descending to {CITY}.",
    "{GLACIER} has retreated by more than {num} m since {year}[, according to {ORG}|].",
    "The {nat} composer {PERSON} wrote the opera while staying in {CITY} in {year}.",
    "{SEA} is connected to {SEA2} by a narrow strait near {CITY}.",
]
NEGATIVE_TEMPLATES = [
    "{PERSON} wrote a short history of {NAM} in {year}[, drawing on records kept in {CITY}|].",
    "She was treated at {LHOSP} after the accident[ and released two days later|].",
    "{DORG} announced a [merger|partnership|joint venture] with {COMPANY} on {weekday}.",
    "The company moved its headquarters to {LTOWN} in {year}[, where it employs about {num} people|].",
    "{PERSON} was born in {LTOWN} and studied at {ORG}.",
    "{DPLACE:park} was established in {year}[ and attracts about {numbig} visitors a year|].",
    "{DPLACE} lies about {km} km from {CITY} and is reached by a gravel road.",
    "He photographed the ceremony with {BRAND:camera}.",
    "After the match the players celebrated with [bottles of|a round of] {BRAND:drink} in a bar in {CITY}.",
    "Each member of the expedition carried {BRAND:gear} supplied by {COMPANY}.",
    "The summit was attended by leaders from {COUNTRY}, {COUNTRY2} and {COUNTRY3}[, and ended with a joint declaration on trade|].",
    "Hotel prices in {CITY} rise sharply during peak season, when visitors arrive from {COUNTRY}.",
    "The village is surrounded by mountains on three sides and lies {km} km from {CITY}.",
    "The mountains of the north were sparsely populated until the {century} century[, when miners from {REGION} settled there|].",
    "From the summit, walkers can see {LAKE} and the town of {CITY}.",
    "The company sells a wide range of products, from {products}.",
    "During the colonial period, {CITY} developed as a hill station for officials from {CITY2}.",
    "The volcano last erupted in {year}, and its crater now holds a small lake.",
    "The team peaked in the {decade}, winning {num2} league titles under {PERSON}.",
    "{LPERSON} [was born in|lived in|died in] {CITY} in {year}.",
    "{LPERSON} attended the ceremony in {CITY}[ with {PERSON}|].",
    "The programme includes a lecture on {LADJ}[, given by {PERSON}|].",
    "The exhibition at {BUILDING} was devoted to {LADJ}.",
    "{SHIP} was launched in {year} and served in {WAR}.",
    "The ship {SHIP} was sold for scrap in {year} after {num2} years of service.",
    "{LORG} was founded in {year} by {PERSON}[ in {CITY}|].",
    "The office is in the town of {LTOWN}, not far from {CITY}.",
    "Traffic on the ring road peaks between 7 and 9 a.m., when commuters drive into {CITY}.",
    "The talks in {CITY} were described as the most important summit since {year}.",
    "{CITY} is a mountain town of {num} inhabitants[ in {REGION}|].",
    "The hills behind the town are covered by vineyards and olive groves.",
    "They reached the summit just before dark and spent the night in a small hut below the ridge.",
    "The range of the new aircraft is about {num} km, according to {COMPANY}.",
    "The ski resort, which opened in {year}, has {num2} lifts and is popular with visitors from {CITY}.",
    "Students from {LCOLLEGE} took part in the survey of {REGION} in {year}.",
    "The [bus|train] to {LTOWN} leaves from {CITY} every hour.",
    "{DORG} sponsored the team in the {year} season[ and again in {year2}|].",
    "The new stadium was built on a hill to the east of {CITY}[ and opened in {year}|].",
    "The village of {CITY} lies in a narrow mountain valley below {PASS}.",
    "Shares in {DORG} rose by {pct} on {weekday} after the company reported higher profits.",
    "The Sermon on the Mount is one of the best-known passages of the Gospel of Matthew.",
    "He drove a {BRAND:car} from {CITY} to {CITY2} in under {num2} hours.",
    "Few of the volcanoes in {REGION} have erupted in historical times[, according to {ORG}|].",
    "{DPLACE} was named after the nearby peak by surveyors from {ORG}.",
]
MIXED_TEMPLATES = [
    "{P:park} was established in {year} to protect {P} and the surrounding forests.",
    "{P:glacier} descends from the [northern|eastern|western] flank of {P} into {VALLEY}.",
    "{P:org} takes its name from {P}, which overlooks the company's first factory in {CITY}.",
    "{PN} was named after {PN:namesake}[, who surveyed the area in {year}|, a {nat} explorer|].",
    "The town of {LTOWN} lies some {km} km from {P}[, which is visible from its main street|].",
    "Most expeditions to {P} stay at {P:hotel} before setting out for the summit.",
    "{P:pass} separates {P} from {P2} and was used by traders for centuries.",
    "He photographed {P} with {BRAND:camera}[ from the terrace of his hotel|].",
    "{LPERSON} [visited|was photographed on|spoke about] {P} during a trip to {P:country}.",
    "{DORG} sponsored the {year} expedition to {P}[, led by {PERSON}|].",
    "{P:org}, which is named after {P}, was founded in {year}.",
    "Rocky Mountain National Park lies on both sides of the Continental Divide, and its highest point is {P}.",
    "The summit of {P} can be seen from {LTOWN} on clear days.",
    "{P:park} covers the whole of {P}, including the glaciers on its upper slopes.",
    "Students at {LCOLLEGE} organised an expedition to {P} in {year}.",
    "The {P:base} Hotel, at the foot of {P}, was built in {year} by {PERSON}.",
    "From {P:pass}, a steep path leads to the summit of {P} in about {hours} hours.",
    "{P:org} was founded in {CITY} in {year}, and its logo shows {P}.",
    "The {nat} summit in {CITY} ended with a visit to {P}.",
    "{P} is the highest peak in {R}, which includes {P:park}.",
]
# --------------------------------------------------------------------------------------------
# Further kinds (error analysis on real encyclopedia prose, by kind). Mountain slots:
#   QR  a qualified range, adjective inside, article outside: "the [Swiss Alps]", "the [Western Ghats]-like"
#   RX  a head-less range name followed by a lower-case generic word (O): "the [Drakensberg] mountain range"
#   LM LM2  US-style local summits: "[Bear Mountain]", "[Smith Knob]", "[Gregory Bald]", "the [Oak Hills]"
#   B B2    a bare one-word name with only context as the cue: "climbed [Aconcagua]"
#   MLIST   3-5 mountains of mixed forms; GLIST: mountains mixed with valleys, glaciers, lakes, passes, ...
#   SLIST   2-3 names sharing one lower-case generic word, which stays O: "the [Tarrow], [Keld] and [Frost] ranges"
#   {P:mod} a mountain used as a modifier: "the 1953 [Mount Everest] expedition", "[K2] base camp"
#   {P:tunnel} / {P:hospital}: capitalised things named after P, O as a whole ("Mont Blanc Tunnel")
# Negative slots (all O): PROD (laptops, cars, aircraft, cameras), SOFT, SHIPX, TRAIN, ETH (ethnonyms),
#   DYN, TEAM, MYTH, GENUS, SPECIES, TERM, RARE, CPLACE ("East X"), LF (composed landforms and
#   structures: "X Bridge", "X Gorge", "X Falls", ...; LF:attr picks a head group), ISLW (one-word
#   island), FLIST (features, no mountain), SNEG (SLIST's twin: "the Tay and Earn rivers", "the Orrin and Keld stations").
# --------------------------------------------------------------------------------------------
# Faker locales whose people's names (and, for the second list, real town names) are in Latin script.
WORLD_PERSON_LOCALES = ["en_IN", "id_ID", "lt_LT", "tr_TR", "cs_CZ", "hr_HR", "yo_NG", "sw", "en_KE", "ga_IE", "fi_FI", "az_AZ"]
WORLD_CITY_LOCALES = ["en_IN", "id_ID", "fi_FI", "cs_CZ", "ro_RO", "sv_SE", "da_DK", "sk_SK", "hr_HR", "sl_SI", "zu_ZA",
                      "es_AR", "es_CL", "es_CO", "pt_PT", "az_AZ"]
# Titles of works (films, songs, plays, novels): capitalised, often odd words, never mountains.
TITLE_ADJ = ["Silent", "Broken", "Last", "Crimson", "Hidden", "Lonely", "Endless", "Wild", "Secret", "Forgotten",
             "Burning", "Electric", "Velvet", "Bitter", "Distant", "Savage", "Quiet", "Paper", "Glass", "Midnight"]
TITLE_NOUN = ["Garden", "Letter", "Harvest", "Echo", "Promise", "Shadows", "Kingdom", "Heart", "Winter", "Stranger",
              "Lantern", "Orchard", "Circus", "Horizon", "Mirror", "Sparrow", "Tide", "Daughter", "Carnival", "Machine"]
WORK_KINDS = ["film", "film", "song", "album", "novel", "opera", "play", "musical", "television series", "short story"]
QUOTE_STYLES = [('"', '"'), ('"', '"'), ("“", "”"), ("``", "''"), ("", "")]
RANGE_QUALIFIERS = ["Northern", "Southern", "Eastern", "Western", "Central", "High", "Low", "Upper", "Lower", "Inner",
                    "Outer", "Greater", "Lesser", "North", "South", "East", "West", "Little", "Great"]
COUNTRY_ADJ = {
    "Switzerland": "Swiss", "France": "French", "Italy": "Italian", "Austria": "Austrian", "Germany": "Bavarian",
    "Slovenia": "Slovenian", "Poland": "Polish", "Slovakia": "Slovak", "Spain": "Spanish", "Romania": "Romanian",
    "Ukraine": "Ukrainian", "Norway": "Norwegian", "Sweden": "Swedish", "Japan": "Japanese", "Australia": "Australian",
    "United States": "American", "Canada": "Canadian", "Mexico": "Mexican", "Argentina": "Argentine", "Chile": "Chilean",
    "Peru": "Peruvian", "Bolivia": "Bolivian", "Colombia": "Colombian", "India": "Indian", "Nepal": "Nepalese",
    "Pakistan": "Pakistani", "China": "Chinese", "Greece": "Greek", "Turkey": "Turkish", "Iran": "Iranian",
    "Bulgaria": "Bulgarian", "Serbia": "Serbian", "Czech Republic": "Czech", "Morocco": "Moroccan", "Russia": "Russian",
}
RANGE_GENERICS = ["mountain range", "mountain range", "range", "range", "mountains", "massif", "hills", "highlands"]
SHARED_GENERICS = ["ranges", "ranges", "mountains", "hills", "massifs", "peaks", "ridges", "volcanoes"]
OTHER_SHARED_GENERICS = ["rivers", "valleys", "glaciers", "stations", "islands", "lakes", "families", "bays", "companies", "streets"]
LOCAL_HEADS = [("Mountain", "mountain", 5), ("Hill", "hill", 3), ("Knob", "hill", 2), ("Bald", "mountain", 2), ("Peak", "peak", 2),
               ("Top", "hill", 1), ("Dome", "peak", 1)]
LOCAL_STEMS = ["Bear", "Turkey", "Buzzard", "Panther", "Laurel", "Chestnut", "Sugar", "Huckleberry", "Rattlesnake", "Pilot",
               "Lookout", "Chimney", "Stone", "Round", "Poplar", "Hickory", "Piney", "Walnut", "Bullpen", "Flat Top", "Sassafras",
               "Pinnacle", "Cove", "Ivy", "Locust", "Tater", "Wildcat", "Beech", "Spruce", "Pine", "Cedar", "High", "Bald"]
US_STATES = ["Virginia", "West Virginia", "North Carolina", "Tennessee", "Kentucky", "Pennsylvania", "Vermont", "New Hampshire",
             "Maine", "New York", "Georgia", "Arkansas", "Missouri", "Oregon", "Montana", "Idaho", "Colorado", "Utah", "Nevada",
             "Arizona", "New Mexico", "California", "Washington", "Wyoming", "Alabama", "Oklahoma", "Texas", "Massachusetts"]
MOD_NOUNS = ["expedition", "base camp", "disaster", "climbing route", "tunnel", "region", "area", "summit", "eruption",
             "massif", "foothills", "trail", "ski area", "wilderness", "road", "avalanche", "glacier", "observatory", "route"]
BRAND_ENDS = ["", "", "", "a", "o", "ex", "on", "ix", "tec", "tron", "ia", "ar"]
LAPTOP_LINES = ["Book", "Pad", "Note", "Air", "Vector", "Nova", "Zen", "Aspire", "Spectra", "Envoy", "Strata", "Swift", "Blade",
                "Orbit", "Vista", "Prime", "Edge", "Flex", "Stream", "Pulse"]
MODEL_TRIMS = ["Pro", "Pro 14", "X1", "15", "Plus", "Ultra", "Gen 3", "Series 5", "S", "Max", "360", "Mini", "2", "Elite", "Carbon",
               "G7", "Mk II", "Mk III", "Series 3", "Z"]
CAR_MODELS = ["Continental", "Corsa", "Vento", "Sierra", "Everest", "Denali", "Tahoe", "Atlas", "Aspen", "Kodiak", "Montana",
              "Cortina", "Capri", "Granada", "Marina", "Viva", "Monaco", "Regent", "Consul", "Zephyr", "Envoy", "Meridian",
              "Cherokee", "Laredo", "Carrera", "Spider", "Mustang", "Ranger", "Pioneer", "Alpine", "Matador"]
CAR_TRIMS = ["GT", "GTI", "Continental GT", "Mk II", "Mk III", "Coupé", "Estate", "Turbo", "V8", "Limited", "Series 5", "Sport",
             "Convertible", "Super Six", "Deluxe", "1600", "XL", "SE"]
AIRCRAFT_NAMES = ["Hurricane", "Typhoon", "Falcon", "Harrier", "Kestrel", "Condor", "Albatross", "Swift", "Tempest", "Comet",
                  "Meteor", "Vampire", "Skyhawk", "Corsair", "Mosquito", "Gannet", "Buccaneer", "Islander", "Trident", "Skyraider",
                  "Olympus", "Matterhorn"]
SHIP_NAMES = ["Valiant", "Resolute", "Endeavour", "Intrepid", "Vanguard", "Dauntless", "Glory", "Implacable", "Ajax", "Triumph",
              "Hermes", "Illustrious", "Indomitable", "Enterprise", "Constitution", "Orion", "Sirius", "Warspite", "Renown", "Repulse"]
MASCOTS = ["Eagles", "Rangers", "Wanderers", "Rovers", "Lions", "Tigers", "Bears", "Hawks", "Falcons", "Pioneers", "Mountaineers",
           "Highlanders", "Titans", "Giants", "Thunder", "Avalanche", "Stallions", "Miners", "Pirates", "Wolves", "Storm", "Royals"]
ETHNO_ENDS = ["ites", "ids", "ians", "ans", "ese", "is", "ars", "ates", "ins"]
MYTH_ENDS = ["os", "on", "a", "is", "ar", "eus", "ia", "ur", "as", "ene"]
TOWN_ENDS = ["by", "ton", "ham", "ford", "hurst", "ley", "wick", "field", "pur", "abad", "ville", "burg", "heim", "ovo",
             "ice", "grad", "sk", "stad", "thorpe", "gate", "bridge"]
SCI_STEMS = ["Erythro", "Pachy", "Lepto", "Melano", "Chloro", "Xantho", "Brachy", "Cyano", "Rhodo", "Dendro", "Micro", "Macro",
             "Helio", "Litho", "Hydro", "Ptero", "Oro", "Acantho", "Strepto", "Staphylo", "Glypto", "Thermo", "Cryo", "Pyro",
             "Platy", "Steno", "Eu", "Neo", "Paleo", "Crypto"]
GENUS_ENDS = ["cereus", "saurus", "phyllum", "dendron", "pteris", "myces", "bacter", "gaster", "cephalus", "podium", "thrix",
              "spermum", "carpus", "phora", "cystis", "stoma", "lepis", "nema", "don", "therium", "coccus", "ptera", "zoon"]
TERM_ENDS = ["poietin", "globin", "mycin", "cillin", "kinase", "lysin", "statin", "phyte", "lith", "morph", "plasm", "zyme", "genesis"]
EPITHETS = ["alpina", "montana", "minor", "gigantea", "borealis", "orientalis", "nivalis", "vulgaris", "japonica", "sylvestris",
            "rupestris", "major", "elegans", "hirsuta", "occidentalis", "australis", "sinensis", "montanum", "glacialis"]
COMPASS = ["North", "South", "East", "West", "Upper", "Lower", "New", "Old", "Great", "Little", "Northern", "Southern", "Eastern", "Western"]
COMPASS_REGION_HEADS = ["Province", "Territory", "District", "Cape", "Plains", "Lowlands", "Shore", "Coast", "Woods", "Marches", "Region"]
LANDFORM_HEADS = {
    "bridge": ["Bridge", "Viaduct", "Aqueduct"], "dam": ["Dam", "Reservoir", "Barrage", "Weir"],
    "gorge": ["Gorge", "Canyon", "Ravine", "Gulch"], "falls": ["Falls", "Cascades", "Rapids"], "cave": ["Cave", "Caves", "Cavern"],
    "island": ["Island", "Islands", "Isle", "Key", "Cay", "Atoll"], "valley": ["Valley", "Vale", "Basin", "Hollow"],
    "glacier": ["Glacier", "Icefield", "Ice Shelf"], "pass": ["Pass", "Gap", "Notch", "Saddle"],
    "plateau": ["Plateau", "Plain", "Plains", "Steppe", "Desert", "Mesa Verde"], "coast": ["Bay", "Cove", "Point", "Head", "Sound", "Strait", "Spit"],
    "forest": ["Forest", "Woods", "National Forest", "Wetlands", "Marsh", "Moor"], "monument": ["National Monument", "State Park", "Nature Reserve", "National Park"],
    "lake": ["Lake", "Lagoon", "Pond", "Loch"], "structure": ["Lighthouse", "Tower", "Castle", "Fort", "Canal", "Tunnel", "Station", "Abbey"],
}
PREFIX_LANDFORMS = {"Lake": "lake", "Cape": "coast", "Isle of": "island", "Port": "coast", "Fort": "structure", "Loch": "lake"}
NO_ARTICLE_HEADS = {"Falls", "Cascades", "Island", "Isle", "Key", "Cay", "Atoll", "Bay", "Cove", "Point", "Head", "Cave", "Lake", "Pond",
                    "Castle", "Fort", "Abbey", "Station", "Hollow", "National Park", "State Park", "Spit", "Gap", "Notch"}

MOUNTAIN_TEMPLATES["encyclopedia"] += [
    # qualified ranges: the article outside, the adjective inside
    "{P} is [a mountain|the highest peak|a peak|one of the highest summits] in {QR}[, {P:country}|].",
    "The highest point of {QR} is {P}[ at {P:elev}|].",
    "The village lies in {QR}, about {km} km from {CITY}[, and is a popular base for skiers|].",
    "Skiing in {QR} began in the {decade}[, when the first lifts were built above {CITY}|].",
    "{PERSON} made several first ascents in {QR} during the {decade}.",
    "Glaciers in {QR} have retreated sharply since {year}[, according to {ORG}|].",
    "The species is endemic to {QR}[, where it grows above {alt} m|].",
    "{QR} and {R} are separated by {VALLEY}.",
    "The climate of {QR} is wetter than that of the interior[, and snow lies from {month} to {month2}|].",
    "Rivers rising in {QR} drain into {RIVER} and {SEA}.",
    "The railway was extended into {QR} in {year}[, reaching {CITY} three years later|].",
    "{QR}, which include {P} and {P2}, were surveyed by {PERSON} in {year}.",
    # head-less range name + generic word (O)
    "The town lies at the foot of {RX}[, about {km} km from {CITY}|].",
    "{P} is the highest peak of {RX}[, rising to {P:elev}|].",
    "{RX} separates {REGION} from {REGION2}[ and reaches {alt} m at its highest point|].",
    "The road crosses {RX} via {PASS}[ before descending to {CITY}|].",
    "{RX} was formed during the {orogeny}[ and consists mainly of {rock}|].",
    "Much of {RX} is protected as part of {NP}.",
    # mountains as modifiers inside larger noun phrases
    "The {year} {P:mod} expedition was led by {PERSON}[ and included {num2} climbers|].",
    "{PERSON} spent [two|three|six] weeks at {P:mod} base camp before the final push to the summit.",
    "The {P:mod} disaster of {year} killed {num2} climbers[ and led to new safety rules|].",
    "{P}'s [north|south|east|west] face was first climbed in {year} by {PERSON}[ and {PERSON2}|].",
    "Guides on the {P:mod} climbing route reported deep snow above {alt} m[ in {month}|].",
    "The {P:mod} tunnel, opened in {year}, links {CITY} with {CITY2}.",
    "The {P:mod} region is known for its [wines|cheeses|hot springs|orchards|wool].",
    "Villages in the {P:mod} area were evacuated during the {year} floods.",
    "The {year} {V:mod} eruption [buried|destroyed|damaged] much of {CITY}[ and killed {num} people|].",
    "{PERSON} was a member of the {year} {P:mod} expedition[, which reached the summit on {date}|].",
    "Trekkers on the {P:mod} trail usually stop at {CITY} to acclimatise.",
    "A {P:mod} summit attempt in {year} ended when {PERSON} was injured in a fall.",
    # US-style local summits
    "The town lies at the foot of {LM}[, about {km} miles from {CITY}|].",
    "Forest rangers built a fire tower on {LM} in {year}[, and it was staffed until the {decade}|].",
    "The first settlers cleared farms along the creek below {LM} in the {decade}.",
    "{LM} rises about {num} feet above the surrounding farmland[ and is the highest point in {county} County|].",
    "The old road crossed the gap between {LM} and {LM2} before descending to {CITY}.",
    "A cemetery on the slope of {LM} holds the graves of several early settlers[ of {CITY}|].",
    "The community took its name from nearby {LM}[, which was named for an early landowner|].",
    "The trail to the summit of {LM} begins at a parking area on State Route {num2}.",
    "Iron ore was mined on {LM} from {year} until {year2}.",
    "{LM} is a summit in {county} County, {state}, with an elevation of {num} feet.",
    "The church stands on a terrace between {CITY} and {LM}.",
    "A radio transmitter was erected on {LM} in {year}[ to serve {CITY}|].",
    # bare one-word names
    "{PERSON} climbed {B} in {year}[ with {PERSON2}|].",
    "{B} erupted in {year}[, killing {num} people|, covering {CITY} in ash|].",
    "{B} ({B:elevp}) is the highest peak of {R}.",
    "The ascent of {B} takes [two|three|four] days from {CITY}.",
    "{B}, the highest peak of {R}, was first climbed in {year}.",
    "Snow covers the slopes of {B} [for most of the year|from {month} to {month2}].",
    "He had climbed {B} twice before attempting {B2}.",
    "The view of {B} from {CITY} is one of the best known in {COUNTRY}.",
    "Pilgrims have climbed {B} since the {century} century.",
    "The slopes of {B} are covered with forests of {tree} and {tree2}.",
    "{B} last erupted in {year}[ and is monitored by {ORG}|].",
    "In {year} she became the first woman to climb {B}.",
    "{B} dominates the skyline [north|south|east|west] of {CITY}.",
    "{P:mod} base camp lies at an altitude of about {alt} m[ and is reached after a {num2}-day trek from {CITY}|].",
    "{B} is [an active|a dormant|an extinct] volcano [in|on the edge of] {R}[, about {km} km from {CITY}|].",
    "{B} was first climbed in {year} by {PERSON}[ and {PERSON2}|].",
    "{LM} overlooks the town of {CITY}[ and the valley of {RIVER}|].",
    "{LM} was cleared for pasture in the {decade}[ and is now covered by second-growth forest|].",
    "{P:mod} summit logs from the {decade} are kept at {BUILDING}.",
    # lists of mixed forms
    "{MLIST} are the main summits of the range.",
    "Other peaks in the area include {MLIST}.",
    "Other notable summits of {R} are {MLIST}.",
    "The main peaks of the range, from north to south, are {MLIST}.",
    "Nearby mountains include {MLIST}.",
    "The district also contains {MLIST}[, all of which can be climbed in a day|].",
    "Among the hills visible from the tower are {MLIST}.",
]
NEGATIVE_TEMPLATES += [
    # products, vehicles, computers, software
    "The {PROD:laptop} was released in {year}[ with a {num2}-inch screen|] and sold for under {num} dollars.",
    "{COMPANY} unveiled the {PROD:laptop} at a trade fair in {CITY}.",
    "He drove a {PROD:car} from {CITY} to {CITY2}[ in under {num2} hours|].",
    "The {PROD:car} was built at the factory in {CITY} from {year} to {year2}.",
    "Production of the {PROD:car} ended in {year}[ after {numbig} cars had been built|].",
    "The {PROD:aircraft} first flew in {year} and entered service with {ORG} [two|three] years later.",
    "A {PROD:aircraft} crashed near {CITY} on {date}[, killing all {num2} people on board|].",
    "The photographs were taken with a {PROD:camera}[ and later exhibited in {CITY}|].",
    "{SOFT} was released in {year} and later ported to {SOFT2}.",
    "The {SOFT} update added support for {lang} and several other languages.",
    "{SHIPX} was launched in {year} and served in {WAR}.",
    "{SHIPX} ran aground off {ISLW} in {year}[ and was later refloated|].",
    "{TRAIN} runs between {CITY} and {CITY2}[ and takes about {hours} hours|].",
    "The line was opened in {year}[ and was operated by {TRAIN} until {year2}|].",
    # structures and landforms
    "{LF:bridge} was completed in {year}[ at a cost of {num} million dollars|] and carries the road across {RIVER}.",
    "{LF:dam} was built across {RIVER} in {year}[ to supply water to {CITY}|].",
    "{LF:gorge} is about {km} km long and up to {num} m deep.",
    "{LF:falls} lie about {km} km upstream of {CITY}[ and are a popular tourist attraction|].",
    "{LF:cave} was discovered by quarrymen in {year}[ and opened to the public in {year2}|].",
    "{LF:island} lies off the coast of {REGION}[ and has a population of {num}|].",
    "{LF:valley} is known for its vineyards and orchards.",
    "{LF:glacier} flows for about {num2} km[ before ending in a proglacial lake|].",
    "The road crosses {LF:pass} at an altitude of {alt} m[ and is closed in winter|].",
    "{LF:plateau} lies between {RIVER} and {RIVER2}[ at an average altitude of {alt} m|].",
    "{LF:monument} was designated in {year} to protect [rock art|fossil beds|cliff dwellings|sand dunes].",
    "{LF} is one of the best-known landmarks of {REGION}.",
    "{LF} lies about {km} km [north|south|east|west] of {CITY} and is reached by a gravel road.",
    "Visitors to {CITY} often combine a trip to {LF} with a visit to {LF2}.",
    "{LF} was named after {PERSON}, who surveyed the area in {year}.",
    "From {LF}, the trail continues to {LF2} and {LF3}.",
    "{ISLW} is a small island [off the coast of|in the north of|south of] {REGION}[, with a population of {num}|].",
    "Ferries from {CITY} call at {ISLW} and {ISLW2}[ twice a week|].",
    "{ISLW} was annexed by {COUNTRY} in {year}.",
    "Notable features of the park include {FLIST}.",
    "The region's attractions include {FLIST}.",
    "{ISLW} ({num2} km²) is the largest island of the group.",
    "{NAM} opened a new office in {CITY} in {year}.",
    "{PERSON} was admitted to {LHOSP} in {year}[ and died there {num2} days later|].",
    "The conference was held at {NAM}[ in {year}|].",
    # peoples, dynasties, teams, myths, science, rare words, compass places
    "{ETH} settled in {REGION} in the {century} century[ and founded the city of {CITY}|].",
    "The region was ruled by {DYN} until {year}.",
    "{ETH} fought against {ETH2} for control of {REGION}.",
    "{ETH} were conquered by {DYN} in the {century} century.",
    "{TEAM} won the championship in {year}[, beating {TEAM2} in the final|].",
    "{PERSON} played for {TEAM}[ from {year} to {year2}|].",
    "In {lang} mythology, {MYTH} is the [god|goddess] of [the sea|thunder|the harvest|the underworld|fire].",
    "{MYTH} was the son of {MYTH2} and the father of {MYTH3}.",
    "{GENUS} is a genus of [flowering plants|beetles|fungi|bacteria|extinct reptiles|moths] in the family {GENUS2:family}.",
    "{SPECIES} is found in {REGION} at altitudes of up to {alt} m.",
    "{TERM} is a [hormone|protein|enzyme|mineral|compound] first described in {year}[ by {PERSON}|].",
    "{TERM} levels were measured in {num} patients at {UNI}.",
    "The [manuscript|poem|chronicle|saga] {RARE} was written in the {century} century.",
    "The racehorse {RARE} won the Derby in {year}.",
    "{PERSON}'s album {RARE} was released in {year}.",
    "{CPLACE} is a town in {REGION}[, about {km} km from {CITY}|].",
    "The railway reached {CPLACE} in {year}[ and was extended to {CITY} in {year2}|].",
    "{CPLACE} is one of the [poorest|most populous|least populated] regions of {COUNTRY}.",
    "{PERSON} was born in {CPLACE} in {year}.",
]
OTHER_TEMPLATES += [
    "{LF} lies about {km} km from {CITY}[, near the border with {COUNTRY}|].",
    "{LF:bridge} over {RIVER} was opened in {year}.",
    "{ISLW} lies {km} km off the coast and is reached by ferry from {CITY}.",
    "{CPLACE} was created as an administrative district in {year}.",
    "{ETH} settled along {RIVER} in the {century} century.",
    # Sports, film and music prose: people and teams in the subject and object slots.
    "{PERSON} scored {num2} points as {TEAM} beat {TEAM2} [in overtime|at home|on the road].",
    "In {year}, {PERSON} was traded to {TEAM} in exchange for {PERSON2}[ and a draft pick|].",
    "{PERSON} signed with {TEAM} in {month} {year}[ after {num2} seasons with {TEAM2}|].",
    "{TEAM} finished the {year} season [second|third|fourth] in the league, [two|three|five] points behind {TEAM2}.",
    "The film stars {PERSON} and {PERSON2}[, with music by {PERSON3}|].",
    "{PERSON} [released|recorded] the album in {year} with producer {PERSON2}.",
]
MOUNTAIN_TEMPLATES["encyclopedia"] += [
    # Gazetteer stubs (polar and survey prose): mountains among glaciers, stations and surveyors.
    "{P} is a [peak|mountain|summit] rising to {alt} m [at the head of|near the mouth of|on the west side of] {LF:glacier}[ in {R}|].",
    "{P} stands {km} km [north|south|east|west|north-east|south-west] of {P2} in {R}[ of Antarctica|].",
    "{LF:glacier} drains the [northern|southern|eastern|western] slopes of {R} and [merges with|feeds] {LF2:glacier}.",
    "{P} was mapped from aerial photographs in {year} and named for {PERSON}, a [geologist|surveyor|radio operator] at the [base|station].",
    "The party sledged past {P} and reached the foot of {R} on {date}.",
    # Mountains named with only a weak cue, often in lists.
    "After [several|a few|two] days [crossing|wandering through|traversing] {MLIST}, the [party|column|expedition] reached {CITY}.",
    "Snow fell overnight on {MLIST}.",
    "In clear weather {MLIST} can be seen from the town.",
    "The [region's|county's|state's] [high points|highpoints] include {P} ({P:elevp}), {P2} ({P2:elevp}) and {P3} ({P3:elevp}).",
    "The [legend|myth|story] tells how [a god|a giant|the goddess|a hero] [hurled a rock from|fell asleep on|was buried under] {P}.",
    "[Skiing|Paragliding|Hiking] is popular on {MLIST}.",
    # Names that share one generic word: the generic stays outside.
    "In {year}, a survey party led by {PERSON} [crossed|photographed|reached] {SLIST}.",
    "Field parties mapped {SLIST} [from the air|on foot|by sledge] in {year}.",
    "Snow fell overnight on {SLIST}.",
    "The road to {CITY} runs between {SLIST}.",
    "{LF:glacier} flows between {SLIST} to the sea.",
    # Names in quotation marks (former, local or first-recorded names), as quotes are not only for titles.
    "The [peak|summit|hill|ridge] was first recorded as {ALT:q} in a [deed|charter|survey|land grant] of {year}.",
    "[Shepherds|Local farmers|The first settlers] called the mountain {ALT:q}, {lang} for \"{gloss}\".",
    "The old name of the [range|massif|peaks] was {ALT:q}, meaning \"{gloss}\"[ in {lang}|].",
    "{P} (known locally as {ALT:q}) rises [above|south of|behind] {CITY}.",
    "Early maps mark the summit as {P:q}[, a name still used by climbers|].",
    "[The guidebook|His diary|The survey report] refers to the mountain only as {P:q}.",
]
OTHER_TEMPLATES += [
    "In {year}, a survey party led by {PERSON} [crossed|photographed|reached] {SNEG}.",
    "Field parties mapped {SNEG} in {year}.",
    "The road to {CITY} runs between {SNEG}.",
    # Works, and lists of towns and of people: capitalised runs that are not mountains.
    "{WORK} is a {year} [film|novel|opera|play|song|album] [written|directed|composed|recorded] by {PERSON}.",
    "{PERSON}'s first novel, {WORK}, was published in {year}.",
    "The album's singles included {WLIST}.",
    "{PERSON} won the award for best [actress|actor|director] for {WORK}[ in {year}|].",
    "The festival opened with a screening of {WORK}, directed by {PERSON}.",
    "The orchestra performed {WORK} by {PERSON} and {WORK2} by {PERSON2}.",
    "{PERSON}'s [films|books|songs] include {WLIST}.",
    "The county is divided into [four|five|six] districts: {CLIST}.",
    "Buses run from {CITY} to {CLIST}.",
    "The dialect is spoken in {CLIST}.",
    "Its sister cities are {CLIST}.",
    "The [tournament|festival|census] covered {CLIST}.",
    "The squad included {PLISTX}.",
    "{PLISTX} were named in the team for the [final|tour|series] against {TEAM}.",
    "The committee members were {PLISTX}.",
    "{PERSON} studied under {PERSON2} in {CITY}[ before returning to {COUNTRY}|].",
]
MIXED_TEMPLATES += [
    "{WORK} is a [film|novel|song] set on {P}.",
    "The [villages|towns] of {CLIST} lie at the foot of {P}.",
    "{PLISTX} reached the summit of {P} in {year}.",
]
MIXED_TEMPLATES += [
    "{P:tunnel} was opened in {year} and runs beneath {P} for {num2} km.",
    "{P:hospital} stands on a hill with views of {P}.",
    "Notable features of the park include {GLIST}.",
    "Landmarks visible from the road include {GLIST}.",
    "The area is known for {GLIST}.",
    "The district includes {GLIST}.",
    "{LF:glacier} flows from the slopes of {P} into {LF2:valley}.",
    "{LF:pass} separates {P} from {LF2:plateau}.",
]

OPENERS = [
    "In {year}, ", "During {WAR}, ", "According to {ORG}, ", "By the {century} century, ", "In the summer of {year}, ",
    "On {date}, ", "In the {decade}, ", "Since {year}, ", "Until {year}, ", "In {month} {year}, ",
    "Following the death of {PERSON}, ", "After {WAR}, ",
]
LOWERABLE_STARTS = {"The", "A", "An", "It", "Its", "This", "Several", "Many", "Most", "Some", "There", "He", "She", "They", "Her", "His", "Our", "We", "Two", "Few", "Forests", "Lava", "Heavy", "Scientists", "Skiing", "Rescue", "Police", "Hikers", "Guided", "Students", "Hotel", "Traffic", "Ferries", "Fishing", "Trains", "Shares", "Access", "Wildfires"} - {"Few"}
COMBINE_JOINERS = ["; ", "; ", ", and ", ", while ", ", whereas "]
TAILS = [
    ", according to {ORG}", ", according to a survey published in {year}", ", as described by the {nat} geographer {PERSON}",
    ", as reported by a newspaper in {CITY}", ", according to records kept in {CITY}", ", according to {PERSON}",
    ", according to the {year} edition of the regional gazetteer",
]
_PAST_RE = re.compile(r"\b(was|were|had|made|built|took|fought|died|won|moved|crashed|founded|reached|rescued|sold)\b")

# --------------------------------------------------------------------------------------------
# Rule-based coarse POS tagger
# --------------------------------------------------------------------------------------------
_CLOSED = {
    "DET": "the a an this that these those each every some any no all both another either neither such".split(),
    "ADP": ("of in on at by for with from into onto over under above below between among through across along around near "
            "during after before since until towards toward via within without against behind beyond beneath upon off about "
            "per despite including like du de del della di da des la le van von der den d' y e beside inside outside past "
            "throughout amid").split(),
    "CCONJ": "and or but nor yet".split(),
    "SCONJ": "although because while whereas if as though unless whether when where once".split(),
    "PRON": "it its he his him she her hers they their them theirs we our us i you your who which whom whose itself themselves himself herself what one".split(),
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


# --------------------------------------------------------------------------------------------
# Name pools
# --------------------------------------------------------------------------------------------
@dataclass
class Mountain:
    name: str
    type: str
    country: Optional[str] = None
    synthetic: bool = False
    the: bool = False  # takes "the" in prose (ranges, massifs, ridges, "The Cobbler")


def infer_type(name: str) -> str:
    last = name.split()[-1] if name.split() else name
    first = name.split()[0] if name.split() else name
    if last in {"Mountains", "Range", "Alps", "Hills", "Highlands", "Sierras"} or first in {"Sierra", "Cordillera", "Monts", "Montes"}:
        return "range"
    if last == "Ridge":
        return "ridge"
    if last == "Massif" or first == "Massif":
        return "massif"
    if last in {"Hill", "Knob", "Tor", "Fell", "Pike"}:
        return "hill"
    if last in {"Volcano"} or first in {"Volcán", "Mauna", "Gunung"}:
        return "volcano"
    return "mountain" if first in {"Mount", "Mont", "Monte", "Ben", "Beinn", "Jebel"} else "peak"


def _clean_name(name: object) -> Optional[str]:
    if not isinstance(name, str):
        return None
    name = " ".join(name.split())
    if not name or len(name) > 60 or any(c in name for c in "()[]{}|\"\t;") or not re.search(r"[A-Za-zÀ-ÿ]", name):
        return None
    return name


def _mountains_from(data: Union[pd.DataFrame, Sequence[str], None]) -> List[Mountain]:
    if data is None:
        data = _default_mountains()
    rows: List[Mountain] = []
    if isinstance(data, pd.DataFrame):
        records = data.to_dict("records")
    else:
        records = [{"name": n} for n in data]
    for r in records:
        name = _clean_name(r.get("name"))
        if name is None:
            continue
        the = False
        if re.match(r"(?i)the\s", name):
            name, the = name[4:].strip(), True
        mtype = r.get("type") if isinstance(r.get("type"), str) and r.get("type") in MOUNTAIN_TYPES else infer_type(name)
        country = r.get("country") if isinstance(r.get("country"), str) and r.get("country").strip() else None
        if country:  # "Kyrgyzstan;China;Kazakhstan": keep the first
            country = country.split(";")[0].strip() or None
        last = name.split()[-1]
        if mtype in SINGLE_TYPES and last in PLURAL_HEADS:
            mtype = "range"  # "the Rajmahal Hills", "the Windgather Rocks": a group, used with "the"
        the = the or ((mtype in GROUP_TYPES or last in PLURAL_HEADS) and "'s " not in name)
        rows.append(Mountain(name, mtype, country, False, the))
    return rows


def _others_from(data: Union[pd.DataFrame, Sequence[str], None]) -> Dict[str, List[str]]:
    if data is None:
        data = _default_others()
    pools: Dict[str, List[str]] = {}
    if isinstance(data, pd.DataFrame):
        records = data.to_dict("records")
    else:
        records = [{"name": n, "kind": _guess_kind(n)} for n in data]
    for r in records:
        name = _clean_name(r.get("name"))
        kind = r.get("kind") if isinstance(r.get("kind"), str) else _guess_kind(name or "")
        if name is None:
            continue
        pools.setdefault(kind, []).append(name)
    for kind in pools:
        pools[kind] = sorted(set(pools[kind]))
    return pools


def _guess_kind(name: str) -> str:
    last = name.split()[-1] if name.split() else ""
    first = name.split()[0] if name.split() else ""
    return {"River": "river", "Lake": "lake", "Sea": "sea", "Valley": "valley", "Glacier": "glacier", "Pass": "pass",
            "Island": "island"}.get(last, "lake" if first == "Lake" else "river" if first == "River" else "city")


def _default_mountains() -> pd.DataFrame:
    try:
        from gazetteer import load_mountains  # type: ignore
        df = load_mountains()
        if len(df):
            return df
    except Exception as exc:  # gazetteer not built yet: fall back to the small built-in list
        print(f"generate_offline: gazetteer mountains unavailable ({exc!r}); using the built-in list", file=sys.stderr)
    return pd.DataFrame(FALLBACK_MOUNTAINS, columns=["name", "type", "region", "country"])


def _default_others() -> pd.DataFrame:
    try:
        from gazetteer import load_other_names  # type: ignore
        df = load_other_names()
        if len(df):
            return df
    except Exception as exc:
        print(f"generate_offline: gazetteer other names unavailable ({exc!r}); using the built-in list", file=sys.stderr)
    return pd.DataFrame(FALLBACK_OTHERS, columns=["name", "kind"])


# --------------------------------------------------------------------------------------------
# Sentence assembly
# --------------------------------------------------------------------------------------------
Segment = Tuple[str, Optional[str]]  # (text, role) with role "ENT" (mountain), "NAME" (other proper name) or None


@dataclass
class _Ctx:
    gen: "_Generator"
    values: Dict[str, object] = field(default_factory=dict)
    used_names: set = field(default_factory=set)


class _Generator:
    def __init__(self, seed: int, mountains, others):
        from faker import Faker
        import spacy

        self.rng = random.Random(seed)
        self.fakers = {}
        for i, loc in enumerate(["en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "es_ES", "pt_BR", "nl_NL", "pl_PL", "no_NO"]
                                + WORLD_PERSON_LOCALES + [loc for loc in WORLD_CITY_LOCALES if loc not in WORLD_PERSON_LOCALES]):
            fk = Faker(loc)
            fk.seed_instance(seed * 1009 + i)
            self.fakers[loc] = fk
        self.nlp = spacy.blank("en")
        self.mountains = _mountains_from(mountains)
        self.by_type: Dict[str, List[Mountain]] = {}
        for m in self.mountains:
            self.by_type.setdefault(m.type, []).append(m)
        self.singles = [m for m in self.mountains if m.type in SINGLE_TYPES]
        self.groups = [m for m in self.mountains if m.type in GROUP_TYPES]
        self.others = _others_from(others)
        self.bare = [m for m in self.singles if re.fullmatch(r"[A-ZÀ-Þ][\w'-]+", m.name) and m.name not in PLURAL_HEADS]
        self.local = [m for m in self.mountains if len(m.name.split()) >= 2
                      and m.name.split()[-1] in {"Mountain", "Hill", "Knob", "Bald", "Peak", "Top", "Dome"}
                      and not m.name.startswith(("Mount ", "The "))]
        self.qualifiable = [m for m in self.groups if m.type == "range" and not m.name.startswith(("Sierra", "Cordillera", "Monts", "Montes", "Serra"))
                            and m.name.split()[0] not in RANGE_QUALIFIERS and m.name.split()[0] not in COUNTRY_ADJ.values()
                            and m.name.split()[-1] not in {"Range", "Ridge", "Massif", "Ranges"} and len(m.name.split()) <= 2]
        self.headless = [m for m in self.groups if m.type == "range" and re.fullmatch(r"[A-ZÀ-Þ][\w'-]+( [A-ZÀ-Þ][\w'-]+)?", m.name)
                         and not m.name.endswith("s") and m.name.split()[-1] not in {"Range", "Ridge", "Massif", "Mountains", "Hills", "Highlands", "Alps", "Group", "Chain"}
                         and m.name.split()[0] not in {"Sierra", "Cordillera", "Monts", "Montes", "Serra", "Massif"}]
        self.group_by_country: Dict[str, List[Mountain]] = {}
        for m in self.groups:
            if m.country:
                self.group_by_country.setdefault(m.country, []).append(m)
        self.countries = sorted(set(self.others.get("country", [])) | {m.country for m in self.mountains if m.country}) or CITY_SUFFIX_COUNTRY
        self.lookalike_towns = LOOKALIKE_TOWNS + [(n, None) for n in self.others.get("city", [])
                                                  if re.match(r"(Mount|Mountain|Mt\.?) |.* (Hills?|Mount|Mountain|Peak|Ridge)$", n)]
        # Names that can be a mountain must never be drawn as "other" names.
        mountain_names = {m.name for m in self.mountains}
        for kind in list(self.others):
            self.others[kind] = [n for n in self.others[kind] if n not in mountain_names or kind == "named_after_mountain"]

    # -- helpers ---------------------------------------------------------------------------
    def faker(self, locales: Optional[Sequence[str]] = None):
        locs = list(locales) if locales else list(self.fakers)
        return self.fakers[self.rng.choice(locs)]

    def pick(self, seq):
        return seq[self.rng.randrange(len(seq))]

    def syllable_word(self, n_min=2, n_max=3) -> str:
        return "".join(self.pick(SYLLABLES) for _ in range(self.rng.randint(n_min, n_max))).capitalize()

    def surname(self) -> str:
        for _ in range(10):
            name = self.faker(["en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "es_ES", "nl_NL", "no_NO"]).last_name()
            if re.fullmatch(r"[A-Z][A-Za-zÀ-ÿ'’-]+", name) and "-" not in name:
                return name.replace("’", "'")
        return "Harrison"

    def person(self) -> str:
        fk = self.faker()  # any locale: foreign-looking names of people are not mountains either
        return f"{fk.first_name()} {fk.last_name()}".replace("’", "'")

    def company(self) -> str:
        fk = self.faker(["en_US", "en_GB", "de_DE", "fr_FR", "it_IT", "nl_NL"])
        name = fk.company()
        return " ".join(name.replace("’", "'").split())

    def city(self) -> str:
        # Invented one-word towns ("Tamurby", "Korisa"), made like the invented one-word mountains:
        # otherwise an unfamiliar word alone would mark a mountain, and real towns are unfamiliar too.
        if self.rng.random() < COMPOSED_TOWN_RATE:
            stem = self.syllable_word(2, 3)
            return stem if self.rng.random() < 0.4 else stem.rstrip("aeiou") + self.pick(TOWN_ENDS)
        # Not it_IT: Faker's Italian city() depends on the interpreter's hash seed, so the same seed
        # would give other data in another process.
        fk = self.faker(["en_GB", "de_DE", "fr_FR", "es_ES", "pt_BR", "nl_NL", "pl_PL", "no_NO", "en_US"]
                        + WORLD_CITY_LOCALES)
        return fk.city()

    # -- mountains -------------------------------------------------------------------------
    def synthetic_mountain(self, want: str) -> Mountain:
        """Compose an unseen but plausible name; want is "single", "group", "volcano", "hill" or "ridge"."""
        r = self.rng
        if want == "ridge":
            stem = self.pick([self.pick(DESCRIPTORS), self.surname(), self.pick(COLOURS)])
            return Mountain(f"{stem} Ridge", "ridge", None, True, True)
        if want == "group":
            roll = r.random()
            if roll < 0.5:
                stem = self.pick([self.surname(), self.pick(DESCRIPTORS), self.pick(COLOURS), self.syllable_word()])
                head, mtype, _ = self.pick([h for h in GROUP_HEADS for _ in range(h[2])])
                return Mountain(f"{stem} {head}", mtype, None, True, True)
            if roll < 0.58:
                stem = self.pick([self.syllable_word(), self.surname(), self.pick(DESCRIPTORS)])
                name = self.pick([f"{stem} Cordillera", f"Sierra de {stem}", f"{stem} Massif"])
                return Mountain(name, "massif" if name.endswith("Massif") else "range", None, True, True)
            if roll < 0.8:
                prefix = self.pick(sorted(RANGE_PREFIXES))
                rest = self.pick(RANGE_PREFIXES[prefix]) if r.random() < 0.6 else self.syllable_word()
                return Mountain(f"{prefix} {rest}", "range", None, True, True)
            return Mountain(self.syllable_word(3, 4), "range", None, True, True)
        if want == "volcano":
            roll = r.random()
            if roll < 0.35:
                return Mountain(f"Mount {self.pick([self.surname(), self.syllable_word()])}", "volcano", None, True)
            if roll < 0.75:
                prefix = self.pick(["Volcán", "Gunung", "Mauna", "Nevado"])
                rest = self.pick(FOREIGN[prefix][0]) if r.random() < 0.4 else self.syllable_word()
                return Mountain(f"{prefix} {rest}", "volcano", None, True)
            return Mountain(self.syllable_word(3, 4), "volcano", None, True)
        if want == "hill":
            stem = self.pick([self.surname(), self.pick(DESCRIPTORS), self.pick(COLOURS), self.pick(POSSESSORS)])
            return Mountain(f"{stem} {self.pick(['Hill', 'Hill', 'Hill', 'Knob', 'Tor', 'Fell', 'Pike'])}", "hill", None, True)
        roll = r.random()
        if roll < 0.22:
            word = self.surname() if r.random() < 0.75 else self.pick(["Hope", "Adams", "Baker", "Lincoln", "Victoria", "Albert", "Franklin", "Egmont", "Hermon", "Tabor", "Ida", "Aspiring", "Terror", "Erebus", "Dana", "Olivia"])
            if r.random() < 0.06:
                word = f"St. {self.pick(['Elias', 'Helens', 'Bride', 'Patrick', 'John'])}"
            return Mountain(f"Mount {word}", "mountain", None, True)
        if roll < 0.50:
            stem_roll = r.random()
            stem = (self.surname() if stem_roll < 0.35 else self.pick(DESCRIPTORS) if stem_roll < 0.65 else
                    self.pick(COLOURS) if stem_roll < 0.8 else self.pick(POSSESSORS) if stem_roll < 0.92 else f"{self.pick(COLOURS)} {self.pick(DESCRIPTORS)}")
            head, mtype, _ = self.pick([h for h in SINGLE_HEADS for _ in range(h[2])])
            return Mountain(f"{stem} {head}", mtype, None, True)
        if roll < 0.80:
            prefix = self.pick(sorted(FOREIGN))
            words, locale, mtype = FOREIGN[prefix]
            if r.random() < 0.55:
                rest = self.pick(words)
            elif locale and r.random() < 0.6:
                rest = self.fakers[locale].last_name()
            else:
                rest = self.syllable_word()
            return Mountain(f"{prefix} {rest}", mtype, None, True)
        if roll < 0.90:
            stem = self.pick(GERMANIC_STEMS)
            name = stem + self.pick(GERMANIC_ENDS)
            if r.random() < 0.2:
                name = f"{self.pick(['Großer', 'Hoher', 'Kleiner', 'Hohe'])} {self.syllable_word()}"
            return Mountain(name, "peak", None, True)
        if roll < 0.95:
            return Mountain(self.syllable_word(2, 3).rstrip("aeiou").capitalize() + self.pick(NORDIC_ENDS), "peak", None, True)
        word = self.syllable_word(2, 3)
        return Mountain(self.pick([f"{word}-dake", f"{word}yama", f"{word} Dağı", f"Mount {word}", f"{word}-san"]), "mountain", None, True)

    def qualified_range(self) -> Mountain:
        """A range name with a directional or national adjective inside it: "Swiss Alps", "Northern Apennines"."""
        r = self.rng
        if self.qualifiable and r.random() >= SYNTHETIC_RATE:
            base = self.pick(self.qualifiable)
            name, country = base.name, base.country
        else:
            roll = r.random()
            stem = self.syllable_word(2, 3)
            name = (stem + "s" if roll < 0.4 else f"{self.pick([stem, self.surname(), self.pick(DESCRIPTORS)])} {self.pick(['Mountains', 'Mountains', 'Hills', 'Alps', 'Highlands'])}"
                    if roll < 0.85 else stem)
            country = self.pick(sorted(COUNTRY_ADJ))
        qual = COUNTRY_ADJ[country] if country in COUNTRY_ADJ and r.random() < 0.4 else self.pick(RANGE_QUALIFIERS)
        return Mountain(f"{qual} {name}", "range", country, True, True)

    def local_mountain(self) -> Mountain:
        """US-style local summit: Bear Mountain, Smith Knob, Gregory Bald."""
        r = self.rng
        roll = r.random()
        stem = (self.pick(LOCAL_STEMS) if roll < 0.4 else self.faker(["en_US", "en_GB"]).last_name() if roll < 0.75
                else self.pick(DESCRIPTORS) if roll < 0.92 else self.pick(COLOURS))
        stem = stem.replace("’", "'")
        for _ in range(5):
            head, mtype, _ = self.pick([h for h in LOCAL_HEADS for _ in range(h[2])])
            if head not in stem:
                break
        return Mountain(f"{stem} {head}", mtype, None, True)

    def bare_mountain(self) -> Mountain:
        r = self.rng
        roll = r.random()
        if roll < 0.6:
            return Mountain(self.syllable_word(2, 4), self.pick(["peak", "mountain", "volcano"]), None, True)
        if roll < 0.85:
            return Mountain(self.pick(GERMANIC_STEMS) + self.pick(GERMANIC_ENDS), "peak", None, True)
        return Mountain(self.syllable_word(2, 3).rstrip("aeiou").capitalize() + self.pick(NORDIC_ENDS), "peak", None, True)

    def headless_range(self) -> Mountain:
        r = self.rng
        roll = r.random()
        if roll < 0.5:
            name = self.syllable_word(2, 4)
        elif roll < 0.75:
            name = f"{self.syllable_word(1, 2)} {self.pick(['Shan', 'Tau', 'Dagh', 'Tagh', 'Muztagh', self.syllable_word(1, 2)])}"
        else:
            name = self.pick(GERMANIC_STEMS) + self.pick(["berg", "gebirge", "wald", "kamm"])
        return Mountain(name, "range", None, True, True)

    def mountain(self, ctx: _Ctx, want: str) -> Mountain:
        pools = {"single": self.singles, "group": self.groups, "volcano": self.by_type.get("volcano", []),
                 "hill": self.by_type.get("hill", []), "ridge": self.by_type.get("ridge", []),
                 "bare": self.bare, "local": self.local, "rx": self.headless, "qrange": []}
        composers = {"qrange": self.qualified_range, "local": self.local_mountain, "bare": self.bare_mountain, "rx": self.headless_range}
        pool = pools[want]
        for _ in range(20):
            if pool and self.rng.random() >= SYNTHETIC_RATE:
                m = self.pick(pool)
            elif want in composers:
                m = composers[want]()
            else:
                m = self.synthetic_mountain(want)
            if m.name not in ctx.used_names:
                ctx.used_names.add(m.name)
                return m
        return m

    def elevation(self, m: Mountain) -> int:
        lo, hi = {"hill": (120, 1100), "volcano": (600, 6500), "ridge": (500, 4000)}.get(m.type, (900, 8600))
        return self.rng.randint(lo, hi)

    def elev_phrase(self, metres: int) -> str:
        feet = round(metres * 3.28084)
        r = self.rng.random()
        if r < 0.45:
            return f"{metres:,} m ({feet:,} ft)"
        if r < 0.7:
            return f"{metres:,} metres ({feet:,} ft)"
        if r < 0.8:
            return f"{metres:,} m"
        return f"{feet:,} feet ({metres:,} m)"

    def type_word(self, m: Mountain) -> str:
        return {"peak": self.pick(["mountain", "peak", "mountain", "summit"]), "mountain": self.pick(["mountain", "mountain", "peak"]),
                "volcano": self.pick(["volcano", "stratovolcano", "shield volcano", "volcano"]), "hill": "hill",
                "ridge": "ridge", "massif": "massif", "range": "mountain range"}[m.type]

    def base_name(self, m: Mountain) -> str:
        """The name as used in things named after the mountain (Everest Group, Rocky Mountain News)."""
        name = m.name
        if name.startswith("Mount ") and self.rng.random() < 0.6:
            name = name[6:]
        if name.endswith(" Mountains"):
            name = name[: -len("Mountains")] + "Mountain"
        return name

    # -- others ----------------------------------------------------------------------------
    def other(self, kind: str) -> str:
        pool = self.others.get(kind, [])
        fake_share = {"person": 0.55, "city": 0.45, "organisation": 0.25}.get(kind, 0.0)
        if kind in ("person", "city", "organisation") and (not pool or self.rng.random() < fake_share):
            if kind == "person":
                return self.person()
            if kind == "city":
                return self.city()
            return self.company() if self.rng.random() < 0.5 else f"University of {self.city()}"
        if pool:
            return self.pick(pool)
        fallback = [n for n, k in FALLBACK_OTHERS if k == kind]
        return self.pick(fallback) if fallback else self.city()


def _article_for_other(name: str, kind: str) -> str:
    words = name.split()
    if not words or words[0] in {"The", "the"}:
        return ""
    if kind == "country":
        return "the " if re.match(r"(United|Czech|Dominican|Central African|Democratic|Republic|Federated|Holy|Gambia)\b", name) or name in THE_COUNTRIES else ""
    if kind in ("national_park", "person", "city", "lake", "island"):
        return ""
    if kind in ("river", "sea", "glacier", "pass", "event"):
        return "the " if not (kind == "river" and words[0] == "Rio") else ""
    if kind == "valley":
        return "the " if words[-1] == "Valley" else ""
    if words[-1] in THE_HEADS or (len(words) > 2 and words[0] in {"University", "Museum", "Palace", "Church", "Bank"} and words[1] == "of"):
        return "the "
    return ""


_OTHER_SLOTS = {
    "CITY": "city", "COUNTRY": "country", "REGION": "region", "RIVER": "river", "LAKE": "lake", "ISLAND": "island",
    "SEA": "sea", "VALLEY": "valley", "GLACIER": "glacier", "PASS": "pass", "NP": "national_park", "ORG": "organisation",
    "BUILDING": "building", "PERSON": "person", "EVENT": "event", "PRODUCT": "product", "NAM": "named_after_mountain",
}
THE_COUNTRIES = {"Netherlands", "Philippines", "Bahamas", "Maldives", "Comoros", "Seychelles", "Solomon Islands", "Marshall Islands",
                 "Caribbean Netherlands", "Falkland Islands", "Faroe Islands", "Cayman Islands", "Cook Islands", "Canary Islands"}
_SLOT_RE = re.compile(r"\{([A-Za-z]+[0-9]?)(?::([a-z]+))?\}")
_ALT_RE = re.compile(r"\[([^\[\]]*)\]")


def _renamed_slot(slot: str) -> str:
    base, digit = re.match(r"([A-Za-z]+)([0-9]?)$", slot).groups()
    return base + {"": "7", "2": "8", "3": "9"}.get(digit, "9")


def _expand_alternatives(template: str, rng: random.Random) -> str:
    while True:
        new = _ALT_RE.sub(lambda m: rng.choice(m.group(1).split("|")), template, count=1)
        if new == template:
            return new
        template = new


def _resolve(gen: _Generator, ctx: _Ctx, slot: str, attr: Optional[str]) -> List[Segment]:
    """Segments for one slot occurrence (memoised per sentence so a repeated slot repeats its value)."""
    rng = gen.rng
    base = re.sub(r"\d$", "", slot)
    key = slot
    # ----- mountains ----------------------------------------------------------------------
    if base in ("P", "V", "H", "R", "RG", "PN", "QR", "RX", "LM", "B"):
        if key not in ctx.values:
            if base == "PN":
                if gen.rng.random() < 0.5:
                    cands = [m for m in gen.singles if re.fullmatch(r"Mount [A-Z][a-z]+", m.name)]
                    m = gen.pick(cands) if cands else None
                else:
                    m = None
                if m is None:
                    m = Mountain(f"Mount {gen.surname()}", "mountain", None, True)
                ctx.used_names.add(m.name)
            else:
                want = {"P": "single", "V": "volcano", "H": "hill", "R": "group", "RG": "ridge", "QR": "qrange", "RX": "rx",
                        "LM": "local", "B": "bare"}[base]
                m = gen.mountain(ctx, want)
            ctx.values[key] = m
        m = ctx.values[key]
        if base == "RX" and attr is None:  # "the [Drakensberg] mountain range": the generic word is O
            return [("the ", None), (m.name, "ENT"), (" " + rng.choice(RANGE_GENERICS), None)]
        return _mountain_attr(gen, ctx, key, m, attr)
    if base in ("MLIST", "GLIST", "SLIST"):
        return _list_segments(gen, ctx, base)
    if base in _NEGATIVE_COMPOSERS:
        if key not in ctx.values:
            for _ in range(10):
                segs = _NEGATIVE_COMPOSERS[base](gen, attr)
                name = "".join(t for t, role in segs if role == "NAME")
                if name not in ctx.used_names:
                    break
            ctx.used_names.add(name)
            ctx.values[key] = segs
        return ctx.values[key]
    if base == "S":  # a later, often shorter mention of P
        m = ctx.values.get("P") or gen.mountain(ctx, "single")
        ctx.values.setdefault("P", m)
        name = m.name
        if name.startswith("Mount ") and len(name.split()) == 2:
            roll = rng.random()
            if roll < 0.6:
                return [(name[6:], "ENT")]
            if roll < 0.85:
                return [("Mt. " + name[6:], "ENT")]
        elif "P" in ctx.values and rng.random() < 0.5:  # no short form: a generic word, which is O
            return [("the " + rng.choice(["mountain", "peak", "summit"]) if m.type != "hill" else "the hill", None)]
        return [(name, "ENT")]
    if base == "ALT":  # a native or former name of P: still the mountain's name
        if key not in ctx.values:
            word = gen.syllable_word(2, 4)
            ctx.values[key] = word if rng.random() < 0.7 else f"{word} {gen.syllable_word(1, 2)}"
        return _quoted(gen, ctx.values[key]) if attr == "q" else [(ctx.values[key], "ENT")]
    if base in ("PLIST", "PELIST"):
        n = rng.choice([2, 3, 3, 4])
        items = [gen.mountain(ctx, "single") for _ in range(n)]
        segs: List[Segment] = []
        for i, m in enumerate(items):
            if i:
                segs.append((" and " if i == n - 1 else ", ", None))
            segs.append((m.name, "ENT"))
            if base == "PELIST":
                segs.append((f" ({gen.elevation(m):,} m)", None))
        return segs
    # ----- look-alikes (O) ----------------------------------------------------------------
    if base == "LTOWN":
        town, state = gen.pick(gen.lookalike_towns)
        if state and rng.random() < 0.7:
            return [(town, "NAME"), (", ", None), (state, "NAME")]
        return [(town, "NAME")]
    if base in ("LCOLLEGE", "LHOSP"):
        m = gen.pick(gen.mountains) if gen.mountains else gen.synthetic_mountain("single")
        if base == "LCOLLEGE":
            name = gen.pick(LOOKALIKE_COLLEGES) if rng.random() < 0.5 else f"{gen.base_name(m)} {gen.pick(['College', 'High School', 'Academy', 'Community College', 'University'])}"
        else:
            name = gen.pick(LOOKALIKE_HOSPITALS) if rng.random() < 0.5 else f"{gen.base_name(m)} {gen.pick(['Hospital', 'Medical Centre', 'General Hospital', 'Clinic'])}"
        return [(_article_for_other(name, "organisation"), None), (name, "NAME")]
    if base == "LORG":
        pool = LOOKALIKE_ORGS + gen.others.get("named_after_mountain", [])
        name = gen.pick(pool)
        return [(_article_for_other(name, "organisation"), None), (name, "NAME")]
    if base == "LPERSON":
        if rng.random() < 0.6:
            name = gen.pick(LOOKALIKE_PEOPLE)
        else:
            m = gen.pick(gen.singles) if gen.singles else gen.synthetic_mountain("single")
            last = m.name.split()[-1] if m.name.startswith("Mount ") else gen.pick(["Hill", "Everest", "Mountain", "Ridge", "Peak", "Rainier", "Whitney", "Hood", "Logan", "Blanc"])
            name = f"{gen.faker(['en_US', 'en_GB']).first_name()} {last}"
        return [(name, "NAME")]
    if base == "LADJ":
        return [(gen.pick(LOOKALIKE_ADJ_NOUNS), "NAME")]
    if base == "DORG":
        m = gen.pick(gen.mountains) if gen.mountains and rng.random() < 0.7 else gen.synthetic_mountain("single")
        name = f"{gen.base_name(m)} {gen.pick(ORG_SUFFIXES)}"
        return [(_article_for_other(name, "organisation"), None), (name, "NAME")]
    if base == "DPLACE":
        m = gen.pick(gen.mountains) if gen.mountains and rng.random() < 0.7 else gen.synthetic_mountain("single")
        name = f"{gen.base_name(m)} {gen.pick(DERIVED_PARK_HEADS if attr == 'park' else DERIVED_PLACE_HEADS)}"
        kind = ("national_park" if name.endswith(("Park", "Reserve", "Forest", "Area", "Camp")) else
                "pass" if name.endswith(("Glacier", "Pass", "Valley", "Tunnel")) else "lake")
        return [(_article_for_other(name, kind), None), (name, "NAME")]
    if base == "BRAND":
        m = gen.pick(gen.mountains) if gen.mountains and rng.random() < 0.8 else gen.synthetic_mountain("single")
        brand = gen.base_name(m)
        if attr == "car":
            return [(brand, "NAME"), (" " + gen.pick(["estate", "hatchback", "pickup", "saloon", "van"]), None)]
        if attr == "drink":
            return [(brand, "NAME"), (" " + gen.pick(["beer", "lager", "whisky", "coffee", "cider", "mineral water"]), None)]
        noun = {"camera": gen.pick(["camera", "camera", "compact camera", "lens"]),
                "gear": gen.pick(["tent", "jacket", "rucksack", "sleeping bag", "stove"])}.get(attr) or gen.pick(PRODUCT_NOUNS)
        art = "an " if brand[:1] in "AEIOU" else "a "
        return [(art, None), (brand, "NAME"), (" " + noun, None)]
    if base == "SHIP":
        m = gen.pick(gen.singles) if gen.singles and rng.random() < 0.7 else gen.synthetic_mountain("single")
        return [(gen.pick(SHIP_PREFIXES) + " " + m.name, "NAME")]
    if base == "WAR":
        return [("the ", None), (gen.pick(WARS), "NAME")]
    if base == "UNI":
        if key not in ctx.values:
            unis = [n for n in gen.others.get("organisation", []) if re.search(r"Universit|College|Institute|School|Academy|Polytechnic", n)]
            ctx.values[key] = gen.pick(unis) if unis and rng.random() < 0.6 else f"University of {gen.city()}"
        name = ctx.values[key]
        return [(_article_for_other(name, "organisation"), None), (name, "NAME")]
    if base == "COMPANY":
        if key not in ctx.values:
            ctx.values[key] = gen.company()
        return [(ctx.values[key], "NAME")]
    if base in _OTHER_SLOTS:
        kind = _OTHER_SLOTS[base]
        if key not in ctx.values:
            for _ in range(10):
                if kind == "country" and gen.countries and rng.random() < 0.5:
                    name = gen.pick(gen.countries)
                else:
                    name = gen.other(kind)
                if name not in ctx.used_names:
                    break
            ctx.used_names.add(name)
            ctx.values[key] = name
        name = ctx.values[key]
        return [(_article_for_other(name, kind), None), (name, "NAME")]
    # ----- words and numbers ----------------------------------------------------------------
    if key in ctx.values:
        return [(ctx.values[key], None)]
    value = _word(gen, ctx, slot)
    ctx.values[key] = value
    return [(value, None)]


def _mountain_attr(gen: _Generator, ctx: _Ctx, key: str, m: Mountain, attr: Optional[str]) -> List[Segment]:
    rng = gen.rng
    if attr is None:
        name = m.name
        if name.startswith("Mount ") and rng.random() < 0.05:
            name = "Mt. " + name[6:]
        return [("the " if m.the else "", None), (name, "ENT")]
    if attr == "mod":  # modifier inside a larger noun phrase: "the 1953 Mount Everest expedition"
        return [(m.name, "ENT")]
    if attr == "q":  # in quotation marks, as names are cited: the quotes stay outside
        return _quoted(gen, m.name)
    if attr == "type":
        return [(gen.type_word(m), None)]
    if attr in ("elev", "m", "elevp"):
        ekey = key + ":m"
        if ekey not in ctx.values:
            ctx.values[ekey] = gen.elevation(m)
        metres = ctx.values[ekey]
        if attr == "elevp":  # inside parentheses: no nested brackets
            feet = round(metres * 3.28084)
            return [(rng.choice([f"{metres:,} m", f"{metres:,} m", f"{metres:,} metres", f"{metres:,} m; {feet:,} ft",
                                 f"{feet:,} ft/{metres:,} m", f"{feet:,} ft / {metres} m", f"{metres} m / {feet:,} ft"]), None)]
        return [(gen.elev_phrase(metres) if attr == "elev" else f"{metres:,}", None)]
    if attr == "country":
        if m.country and rng.random() < 0.85:
            name = m.country
        else:
            name = gen.pick(gen.countries)
        return [(_article_for_other(name, "country"), None), (name, "NAME")]
    base = gen.base_name(m)
    if attr == "base":
        return [(base, "NAME")]
    if attr == "namesake":
        last = m.name.split()[-1]
        title = rng.choice(["Sir ", "", "", "Captain ", "General ", "the surveyor "])
        return [(title, None), (f"{gen.faker(['en_US', 'en_GB']).first_name()} {last}", "NAME")]
    derived = {
        "park": [" National Park", " National Park", " Nature Reserve", " National Forest"],
        "glacier": [" Glacier"],
        "pass": [" Pass", " Saddle"],
        "hotel": [" Hotel", " Lodge", " Inn"],
        "tunnel": [" Tunnel", " Road Tunnel", " Base Tunnel", " Railway Tunnel"],
        "hospital": [" Hospital", " Medical Center", " General Hospital", " Clinic"],
        "org": [" Group", " Brewing Company", " Airlines", " Insurance", " Outfitters", " Coffee", " Records", " Foods", " Energy"],
    }[attr]
    name = base + rng.choice(derived)
    kind = {"park": "national_park", "glacier": "glacier", "pass": "pass", "hotel": "building", "org": "organisation",
            "tunnel": "building", "hospital": "building"}[attr]
    art = _article_for_other(name, kind)
    if attr == "hospital":
        art = ""
    if attr in ("park", "org", "hotel") and rng.random() < 0.5:
        art = ""
    return [(art, None), (name, "NAME")]


def _brand(gen: _Generator) -> str:
    r = gen.rng
    if r.random() < 0.45:
        return gen.surname()
    word = gen.syllable_word(2, 3)
    return (word.rstrip("aeiou") + gen.pick(BRAND_ENDS)).capitalize() if r.random() < 0.6 else word


def _neg_product(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    r = gen.rng
    kind = attr or gen.pick(["laptop", "car", "aircraft", "camera"])
    brand = _brand(gen)
    if kind == "laptop":
        name = f"{brand} {gen.pick(LAPTOP_LINES)} {gen.pick(MODEL_TRIMS)}" if r.random() < 0.7 else f"{brand}{gen.pick(LAPTOP_LINES)} {gen.pick(MODEL_TRIMS)}"
    elif kind == "car":
        model = gen.pick(CAR_MODELS) if r.random() < 0.7 else gen.syllable_word(2, 3)
        name = f"{brand} {model}" + (f" {gen.pick(CAR_TRIMS)}" if r.random() < 0.6 else "")
    elif kind == "aircraft":
        name = (f"{brand} {gen.pick(AIRCRAFT_NAMES)}" + (f" Mk {gen.pick(['I', 'II', 'III', 'V', 'IX'])}" if r.random() < 0.4 else "")
                if r.random() < 0.6 else f"{brand} {gen.pick('ABCDFGHKLMPS')}{r.randint(2, 900)}")
    else:
        name = f"{brand} {gen.pick(['', 'EX', 'Z', 'X', 'D', 'F', 'K'])}{r.randint(1, 900)}{gen.pick(['', '', 'D', 's', ' Mark II', ' Pro'])}".replace("  ", " ")
    return [(name, "NAME")]


def _neg_software(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    r = gen.rng
    word = gen.syllable_word(2, 3)
    name = gen.pick([f"{word}OS", f"{word} Studio", f"{word}DB", f"{word}Script", f"{word} Office", f"Open{word.lower()}", word])
    if r.random() < 0.5:
        name += f" {r.randint(1, 12)}" + (f".{r.randint(0, 9)}" if r.random() < 0.5 else "")
    return [(name, "NAME")]


def _neg_ship(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    stem = gen.pick([gen.pick(SHIP_NAMES), gen.pick(SHIP_NAMES), gen.surname(), gen.city(), gen.syllable_word(2, 3)])
    return [(f"{gen.pick(SHIP_PREFIXES + ['MV', 'SMS'])} {stem}", "NAME")]


def _neg_train(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    stem = gen.pick([gen.city(), gen.pick(DESCRIPTORS), gen.syllable_word(2, 3), gen.pick(COLOURS)])
    name = gen.pick([f"{stem} Express", f"{stem} Line", f"{stem} Railway", f"{stem} Flyer", f"{stem} Limited", f"{stem} Branch Line"])
    return [("the ", None), (name, "NAME")]


def _neg_ethnonym(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    stem = gen.syllable_word(2, 3).rstrip("aeiou").capitalize()
    return [("the ", None), (stem + gen.pick(ETHNO_ENDS), "NAME")]


def _neg_dynasty(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    r = gen.rng
    stem = gen.syllable_word(2, 3).rstrip("aeiou").capitalize()
    if r.random() < 0.5:
        return [("the ", None), (stem + gen.pick(["id", "ite", "ian"]), "NAME"), (" dynasty", None)]
    return [("the ", None), (stem + gen.pick(["ids", "ites", "ians"]), "NAME")]


def _neg_team(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    return [("the ", None), (f"{gen.pick([gen.city(), gen.pick(US_STATES)])} {gen.pick(MASCOTS)}", "NAME")]


def _neg_myth(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    return [(gen.syllable_word(2, 3).rstrip("aeiou").capitalize() + gen.pick(MYTH_ENDS), "NAME")]


def _neg_genus(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    name = gen.pick(SCI_STEMS) + gen.pick(GENUS_ENDS)
    if attr == "family":
        name = re.sub(r"(us|um|a|on|is|es|ex|os|ix)$", "", name) + "idae"
    return [(name, "NAME")]


def _neg_species(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    return [(gen.pick(SCI_STEMS) + gen.pick(GENUS_ENDS), "NAME"), (" " + gen.pick(EPITHETS), None)]


def _neg_term(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    return [(gen.pick(SCI_STEMS) + gen.pick(TERM_ENDS), "NAME")]


def _neg_rare(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    return [(gen.syllable_word(2, 4), "NAME")]


def _neg_compass_place(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    r = gen.rng
    roll = r.random()
    if roll < 0.55:
        stem = gen.pick([gen.city(), gen.syllable_word(2, 3), gen.surname()])
        if stem.split()[0] in COMPASS:  # Faker's "North Paul": already compass-qualified
            return [(stem, "NAME")]
        return [(f"{gen.pick(COMPASS)} {stem}", "NAME")]
    stem = gen.pick([gen.syllable_word(2, 3), gen.city()])
    return [("the ", None), (f"{gen.pick(COMPASS)} {gen.pick(COMPASS_REGION_HEADS)}", "NAME")] if roll < 0.75 else \
        [(f"{gen.pick(COMPASS)} {stem} {gen.pick(['Province', 'District', 'Region'])}", "NAME")]


def _compose_landform(gen: _Generator, group: Optional[str]) -> Tuple[str, str]:
    """An invented landform or structure name and its article: ("Granite Gorge", "the ")."""
    r = gen.rng
    if group is None:
        group = gen.pick(sorted(LANDFORM_HEADS))
    stem = gen.pick([gen.surname(), gen.pick(DESCRIPTORS), gen.pick(COLOURS), gen.syllable_word(2, 3), gen.city(), gen.pick(LOCAL_STEMS)])
    prefixes = [p for p, g in PREFIX_LANDFORMS.items() if g == group]
    if prefixes and r.random() < 0.3:
        return f"{gen.pick(prefixes)} {stem}", ""
    head = gen.pick(LANDFORM_HEADS[group])
    if group == "lake" and head == "Lake":
        return f"Lake {stem}", ""
    name = f"{stem} {head}"
    return name, "" if head in NO_ARTICLE_HEADS else "the "


def _neg_landform(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    if attr is None and gen.others and gen.rng.random() < 0.25:
        kind = gen.pick(["glacier", "pass", "valley", "lake", "island", "national_park", "river"])
        if gen.others.get(kind):
            name = gen.pick(gen.others[kind])
            return [(_article_for_other(name, kind), None), (name, "NAME")]
    name, art = _compose_landform(gen, attr)
    return [(art, None), (name, "NAME")]


def _neg_island_word(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    pool = [n for n in gen.others.get("island", []) if " " not in n]
    if pool and gen.rng.random() < 0.4:
        return [(gen.pick(pool), "NAME")]
    return [(gen.syllable_word(2, 4), "NAME")]


def _feature_items(gen: _Generator, n: int) -> List[List[Segment]]:
    items = []
    for _ in range(n):
        segs = _neg_landform(gen, gen.pick(["valley", "glacier", "lake", "pass", "island", "monument", "falls", "gorge", "cave", "forest", None]))
        items.append(segs)
    return items


def _neg_feature_list(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    return _join_items(_feature_items(gen, gen.rng.choice([2, 3, 3, 4])))


def _join_items(items: List[List[Segment]]) -> List[Segment]:
    out: List[Segment] = []
    for i, segs in enumerate(items):
        if i:
            out.append((" and " if i == len(items) - 1 else ", ", None))
        out.extend(segs)
    return out


def _list_segments(gen: _Generator, ctx: _Ctx, base: str) -> List[Segment]:
    """MLIST: 3-5 mountains of mixed forms; GLIST: 1-2 mountains among valleys, glaciers, lakes, passes, islands, parks;
    SLIST: 2-3 mountain names that share one plural generic word."""
    r = gen.rng
    if base == "SLIST":
        stems = [gen.surname() if want == "person" else gen.mountain(ctx, want).name
                 for want in (gen.pick(["person", "bare", "rx"]) for _ in range(r.choice([2, 2, 3])))]
        return [("the ", None)] + _join_items([[(stem, "ENT")] for stem in stems]) + [(" " + gen.pick(SHARED_GENERICS), None)]
    if base == "MLIST":
        wants = [gen.pick(["single", "single", "bare", "local", "hill", "volcano"]) for _ in range(r.choice([3, 3, 4, 5]))]
        items = []
        for want in wants:
            m = gen.mountain(ctx, want)
            items.append([("the " if m.the else "", None), (m.name, "ENT")])
        return _join_items(items)
    n_m = r.choice([1, 1, 2])
    items = [[("the " if m.the else "", None), (m.name, "ENT")]
             for m in (gen.mountain(ctx, gen.pick(["single", "single", "bare", "local", "group"])) for _ in range(n_m))]
    items += _feature_items(gen, r.choice([2, 3]))
    r.shuffle(items)
    return _join_items(items)


def _work_title(gen: _Generator) -> str:
    r = gen.rng
    roll = r.random()
    if roll < 0.3:
        return f"The {gen.pick(TITLE_ADJ)} {gen.pick(TITLE_NOUN)}"
    if roll < 0.45:
        return f"{gen.pick(TITLE_NOUN)} of {gen.pick(['the ', ''])}{gen.pick(TITLE_NOUN + [gen.city()])}"
    if roll < 0.6:
        return gen.syllable_word(2, 3)
    if roll < 0.75:
        return f"{gen.pick(['Goodbye', 'Dear', 'Waiting for', 'Finding', 'Letters to'])} {gen.faker().first_name()}" if r.random() < 0.4 \
            else f"{gen.pick(TITLE_ADJ)} {gen.faker().first_name()}"
    if roll < 0.88:
        return f"{gen.pick(TITLE_ADJ)} {gen.pick(TITLE_NOUN)}"
    return gen.pick(TITLE_NOUN)


def _quoted(gen: _Generator, name: str) -> List[Segment]:
    """A mountain's name in one of the quotation styles that also mark titles of works (which are O)."""
    opening, closing = gen.pick(QUOTE_STYLES)
    return [(opening, None), (name, "ENT"), (closing, None)]


def _neg_work(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    """A film, song, opera or novel title, in one of several quotation styles (or none)."""
    opening, closing = gen.pick(QUOTE_STYLES)
    return [(opening, None), (_work_title(gen), "NAME"), (closing, None)]


def _neg_work_list(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    opening, closing = gen.pick(QUOTE_STYLES)
    return _join_items([[(opening, None), (_work_title(gen), "NAME"), (closing, None)] for _ in range(gen.rng.choice([3, 4, 5]))])


def _neg_place_list(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    """Towns and districts in a row, the way lists of mountains are written: "A, B, C and D"."""
    return _join_items([[(gen.city(), "NAME")] for _ in range(gen.rng.choice([3, 4, 4, 5]))])


def _neg_person_list(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    return _join_items([[(gen.person(), "NAME")] for _ in range(gen.rng.choice([2, 3, 3, 4]))])


def _neg_shared_generic(gen: _Generator, attr: Optional[str]) -> List[Segment]:
    """SNEG: names sharing a plural generic that is not a mountain's: "the Tay and Earn rivers"."""
    stems = [gen.pick([gen.surname, gen.city, lambda: gen.syllable_word(2, 3)])() for _ in range(gen.rng.choice([2, 2, 3]))]
    return [("the ", None)] + _join_items([[(stem, "NAME")] for stem in stems]) + [(" " + gen.pick(OTHER_SHARED_GENERICS), None)]


_NEGATIVE_COMPOSERS = {
    "PROD": _neg_product, "SOFT": _neg_software, "SHIPX": _neg_ship, "TRAIN": _neg_train, "ETH": _neg_ethnonym,
    "DYN": _neg_dynasty, "TEAM": _neg_team, "MYTH": _neg_myth, "GENUS": _neg_genus, "SPECIES": _neg_species,
    "TERM": _neg_term, "RARE": _neg_rare, "CPLACE": _neg_compass_place, "LF": _neg_landform, "ISLW": _neg_island_word,
    "FLIST": _neg_feature_list, "WORK": _neg_work, "WLIST": _neg_work_list, "CLIST": _neg_place_list,
    "PLISTX": _neg_person_list, "SNEG": _neg_shared_generic,
}


def _word(gen: _Generator, ctx: _Ctx, slot: str) -> str:
    rng = gen.rng
    base = re.sub(r"\d$", "", slot)
    if base == "year":
        if slot == "year2" and "year" in ctx.values:
            return str(min(2024, int(ctx.values["year"]) + rng.randint(1, 45)))
        return str(rng.choice([rng.randint(1750, 1899), rng.randint(1900, 1999), rng.randint(1950, 2023)]))
    if base == "date":
        day, month = rng.randint(1, 28), rng.choice(MONTHS)
        year = ctx.values.get("year") or str(rng.randint(1780, 2023))
        ctx.values.setdefault("year", year)
        return f"{day} {month} {year}" if rng.random() < 0.7 else f"{month} {day}, {year}"
    if base == "num":
        if slot == "num2":
            return str(rng.randint(2, 40))
        return f"{rng.choice([rng.randint(12, 999), rng.randint(1000, 6000)]):,}"
    if slot == "month2" and "month" in ctx.values:
        return MONTHS[(MONTHS.index(ctx.values["month"]) + rng.randint(2, 5)) % 12]
    if base == "age":
        return str(rng.randint(17, 74))
    if base == "hours":
        return str(rng.randint(2, 9))
    if base == "alt":
        return f"{rng.randint(1000, 6500):,}"
    if base == "numbig":
        return f"{rng.randint(1200, 250000):,}"
    if base == "km":
        return str(rng.choice([rng.randint(2, 30), rng.randint(5, 200)]))
    if base == "pct":
        return f"{rng.randint(3, 60)} per cent" if rng.random() < 0.5 else f"{rng.randint(3, 60)}%"
    if base == "county":
        return gen.surname()
    if base == "state":
        return rng.choice(US_STATES)
    if base in ("dir", "dirn"):
        d = rng.choice(["north", "south", "east", "west", "north-east", "south-west", "north-west", "south-east"])
        if base == "dirn":
            return d
        return {"north": "northern", "south": "southern", "east": "eastern", "west": "western"}.get(d, d)
    table = {
        "nat": NATIONALITIES, "lang": LANGUAGES, "gloss": GLOSSES, "rock": ROCKS, "period": PERIODS, "orogeny": OROGENIES,
        "century": CENTURIES, "decade": DECADES, "month": MONTHS, "weekday": WEEKDAYS, "ord": ORDINALS, "animal": ANIMALS,
        "tree": TREES, "saint": SAINTS, "title": TITLES, "time": TIMES, "time2": TIMES2, "grade": GRADES,
        "products": PRODUCT_PAIRS, "quote": QUOTES, "ordc": ORDINALS,
    }
    if slot == "time2":
        return rng.choice(TIMES2)
    pool = table.get(base) or table.get(slot)
    if pool is None:
        raise KeyError(f"unknown template slot {{{slot}}}")
    for _ in range(10):
        value = rng.choice(pool)
        if value not in ctx.values.values():
            return value
    return value


def _assemble(segments: List[Segment]) -> Tuple[str, List[Tuple[int, int]], List[Tuple[int, int]]]:
    """Join segments into text; return text, mountain spans and other-name spans (character offsets)."""
    text = ""
    ents, names = [], []
    for seg, role in segments:
        if not seg:
            continue
        if role is None:
            seg = re.sub(r" {2,}", " ", seg)
            seg = re.sub(r" +([,.;:)])", r"\1", seg)
            if text.endswith(" ") and seg.startswith(" "):
                seg = seg.lstrip(" ")
            if text.endswith(" ") and seg[:1] in {",", ".", ";", ":", ")"}:
                text = text.rstrip(" ")
            if not text:
                seg = seg.lstrip(" ")
            if text.endswith(".") and seg.startswith("."):
                seg = seg[1:]
        if seg[:1].lower() in "aeiou" and not re.match(r"(?i)(uni|eu|one|use|ur)", seg) and re.search(r"(^|[ (])[Aa] $", text):
            text = text[:-1] + "n "  # "a Italian" -> "an Italian"
        start = len(text)
        text += seg
        if role == "ENT":
            ents.append((start, len(text)))
        elif role == "NAME":
            names.append((start, len(text)))
    if text and text[0].islower():
        text = text[0].upper() + text[1:]
    return text.rstrip(), ents, names


def _build(gen: _Generator, kind: str) -> Optional[dict]:
    rng = gen.rng
    style = "encyclopedia"
    if kind == "mountain":
        style = rng.choices(list(STYLE_WEIGHTS), weights=list(STYLE_WEIGHTS.values()))[0]
        template = gen.pick(MOUNTAIN_TEMPLATES[style])
    elif kind == "other":
        template = gen.pick(OTHER_TEMPLATES)
    elif kind == "negative":
        template = gen.pick(NEGATIVE_TEMPLATES)
    else:
        template = gen.pick(MIXED_TEMPLATES)
    template = _expand_alternatives(template, rng)
    first_clause = template.split(",", 1)[0]
    if (rng.random() < OPENER_RATE and template.split(" ", 1)[0] in LOWERABLE_STARTS
            and _PAST_RE.search(first_clause) and not re.search(r"\{(year|date|weekday|decade|century)", template)):
        first, rest = template.split(" ", 1)
        template = _expand_alternatives(gen.pick(OPENERS), rng) + first.lower() + " " + rest

    if template.endswith(".") and '"' not in template and "{" in template:
        roll = rng.random()
        if roll < COMBINE_RATE:
            second = _expand_alternatives(gen.pick(OTHER_TEMPLATES), rng)
            first_word = second.split(" ", 1)[0]
            if not second.startswith('"') and (first_word in LOWERABLE_STARTS or second.startswith("{")):
                if first_word in LOWERABLE_STARTS:
                    second = first_word.lower() + " " + second.split(" ", 1)[1]
                # fresh slot names so the second clause draws its own names and numbers
                second = _SLOT_RE.sub(lambda m: "{" + _renamed_slot(m.group(1)) + (":" + m.group(2) if m.group(2) else "") + "}", second)
                joiner = "; " if ", and " in template or ", while " in template else gen.pick(COMBINE_JOINERS)
                template = template[:-1] + joiner + second
        elif roll < COMBINE_RATE + TAIL_RATE and style == "encyclopedia" and not re.search(r"\b(said|according|told)\b", template):
            tail = _SLOT_RE.sub(lambda m: "{" + _renamed_slot(m.group(1)) + "}", gen.pick(TAILS))
            template = template[:-1] + _expand_alternatives(tail, rng) + "."

    ctx = _Ctx(gen)
    segments: List[Segment] = []
    pos = 0
    for m in _SLOT_RE.finditer(template):
        segments.append((template[pos:m.start()], None))
        segments.extend(_resolve(gen, ctx, m.group(1), m.group(2)))
        pos = m.end()
    segments.append((template[pos:], None))
    text, ents, names = _assemble(segments)

    doc = gen.nlp.make_doc(text)
    tags = ["O"] * len(doc)
    in_name = [False] * len(doc)
    for start, end in ents:
        span = doc.char_span(start, end)
        if span is None:
            return None
        tags[span.start] = f"B-{bio.LABEL}"
        for i in range(span.start + 1, span.end):
            tags[i] = f"I-{bio.LABEL}"
        for i in range(span.start, span.end):
            in_name[i] = True
    for start, end in names:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            for i in range(span.start, span.end):
                in_name[i] = True
    keep = [i for i, t in enumerate(doc) if not t.is_space]
    tokens = [doc[i].text for i in keep]
    tags = [tags[i] for i in keep]
    in_name = [in_name[i] for i in keep]
    tags, _ = bio.repair_bio(tags)
    has_ent = any(t != "O" for t in tags)
    if kind in ("mountain", "mixed") and not has_ent or kind in ("other", "negative") and has_ent:
        return None
    return {"text": text, "tokens": tokens, "pos": tag_pos(tokens, in_name), "tags": tags, "kind": kind}


def _kind_plan(n: int, rng: random.Random) -> List[str]:
    counts = {k: int(round(n * f)) for k, f in KIND_FRACTIONS.items()}
    counts["mountain"] += n - sum(counts.values())
    plan = [k for k, c in counts.items() for _ in range(max(c, 0))]
    rng.shuffle(plan)
    return plan[:n]


def generate(n_sentences: int, seed: int = 0, mountains: Optional[pd.DataFrame] = None, others: Optional[pd.DataFrame] = None) -> List[dict]:
    """Generate n_sentences sentences as {"text", "tokens", "pos", "tags", "kind"} dicts.

    mountains: DataFrame with columns name, type (peak|mountain|volcano|hill|ridge|massif|range) and optionally
    country, or a list of names (types inferred); default: gazetteer.load_mountains(). others: DataFrame with
    columns name, kind (city|country|region|river|lake|...), or a list of names; default: gazetteer.load_other_names().
    Deterministic for a seed; no two texts are the same.
    """
    gen = _Generator(seed, mountains, others)
    seen: set = set()
    out: List[dict] = []
    for kind in _kind_plan(n_sentences, gen.rng):
        for _ in range(MAX_TRIES):
            sentence = _build(gen, kind)
            if sentence is not None and sentence["text"] not in seen:
                seen.add(sentence["text"])
                out.append(sentence)
                break
    return out


def main(
    n_sentences: int = 10000,
    seed: int = 0,
    output: Path = Path("corpus/mountains.csv"),
) -> None:
    """Generate template sentences with MOUNTAIN BIO tags and write them as word rows (bio.write_rows)."""
    sentences = generate(n_sentences, seed=seed)
    n = bio.write_rows(sentences, output)
    n_ent = sum(any(t != "O" for t in s["tags"]) for s in sentences)
    print(f"wrote {n} sentences ({n_ent} with a mountain) to {output}")


if __name__ == "__main__":
    import typer

    typer.run(main)
