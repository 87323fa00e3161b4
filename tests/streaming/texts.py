"""Texts for the streaming tests and bench/stream.py: ordinary prose, no repeats a reader notices."""

SUBJECTS = ["The harbour", "Our neighbour", "A quiet library", "The morning train", "My grandmother", "The old bakery",
            "A small river", "The city council", "Every winter", "The orchestra", "A curious child", "The lighthouse"]
ACTIONS = ["opened its doors before sunrise", "waited patiently for the rain to stop", "told stories about distant places",
           "smelled of fresh bread and coffee", "filled with people after the concert", "changed slowly over many years",
           "welcomed visitors from the mountains", "kept a careful record of the tides", "sang softly while working",
           "reminded everyone to close the gate"]
ENDINGS = ["and nobody seemed to mind.", "which surprised almost everyone.", "as the bells rang across the square.",
           "while the gulls circled overhead.", "long after the lamps were lit.", "before the first snow arrived."]


def prose(chars: int) -> str:
    """About ``chars`` characters of sentences (never more)."""
    sentences, n = [], 0
    while True:
        s = f"{SUBJECTS[n % len(SUBJECTS)]} {ACTIONS[(n * 7) % len(ACTIONS)]}, {ENDINGS[(n * 5) % len(ENDINGS)]}"
        if sum(len(x) + 1 for x in sentences) + len(s) > chars:
            return " ".join(sentences)
        sentences.append(s)
        n += 1


LONG = prose(4000)
# The long text's own first sentence: both wait for the same first piece, so comparing their
# time to first audio shows what the length of a text costs before its first sound.
ONE_SENTENCE = LONG.split(". ")[0] + "."
