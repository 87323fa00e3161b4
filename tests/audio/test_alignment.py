"""audio/alignment.py: per-character times from the engine's per-piece timing."""

from audio.alignment import align, normalized


def test_each_piece_is_spread_over_its_own_characters_and_gaps_take_the_pause():
    text = "Hi there.\n\nBye now."
    segments = [["Hi there.", 0.0, 0.9], ["Bye now.", 1.15, 1.95]]

    result = align(text, segments, 1.95)

    assert result.characters == list(text)
    assert result.starts[0] == 0.0 and result.ends[8] == 0.9  # "." ends the first piece
    assert (result.starts[9:11], result.ends[9:11]) == ([0.9, 1.025], [1.025, 1.15])  # the line breaks share the pause
    assert result.starts[11] == 1.15 and result.ends[-1] == 1.95
    assert all(a <= b for a, b in zip(result.starts, result.starts[1:]))
    assert result.ends[0] - result.starts[0] == 0.1  # 0.9 s over 9 characters


def test_without_timing_the_text_is_spread_over_the_clip():
    result = align("abcd", None, 2.0)

    assert result.starts == [0.0, 0.5, 1.0, 1.5] and result.ends == [0.5, 1.0, 1.5, 2.0]


def test_sentences_that_are_not_in_the_text_fall_back_to_spreading():
    result = align("12 apples. 3 pears.", [["twelve apples. three pears.", 0.0, 1.3]], 1.3)

    assert result.characters == list("12 apples. 3 pears.") and result.ends[-1] == 1.3 and result.starts[0] == 0.0
    assert result.ends[0] == round(1.3 / 19, 3)  # spread evenly over the text


def test_the_normalized_alignment_is_over_the_pieces_joined_by_one_space():
    result = normalized([["Hi.", 0.0, 0.3], ["Bye.", 0.55, 0.95]], 0.95, "Hi.   Bye.")

    assert "".join(result.characters) == "Hi. Bye." and result.starts[3] == 0.3 and result.ends[3] == 0.55


def test_normalised_sentences_take_their_times_from_the_texts_own_sentences():
    text = "It weighs 3 kg. That is heavy!"
    segments = [["It weighs three kilograms.", 0.0, 1.2], ["That is heavy!", 1.45, 2.2]]

    result = align(text, segments, 2.2)

    second = text.index("That")
    assert result.characters == list(text)
    assert result.ends[second - 2] == 1.2 and result.starts[second] == 1.45 and result.ends[-1] == 2.2
