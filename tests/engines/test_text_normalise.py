import pytest

from audio.engines.text_normalise import cardinal, normalise, ordinal, year


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("999999999999999", "nine hundred ninety-nine trillion nine hundred ninety-nine billion "
         "nine hundred ninety-nine million nine hundred ninety-nine thousand nine hundred ninety-nine"),
        ("1,250,000 people", "one million two hundred fifty thousand people"),
        ("1234567890123456", "one two three, four five six, seven eight nine, zero one two, "
         "three four five, six"),
        ("Agent 007", "Agent zero zero seven"),
        ("3.14159", "three point one four one five nine"),
        ("It was -5 outside", "It was minus five outside"),
        ("the 21st and 112th time", "the twenty-first and one hundred twelfth time"),
        ("in 1905, 1990, 2005 and 2024", "in nineteen oh five, nineteen ninety, two thousand five and twenty twenty-four"),
        ("the 1990s", "the nineteen nineties"),
        ("v1.2.3", "v one dot two dot three"),
        ("MP3", "MP three"),
    ],
)
def test_numbers(text, said):
    assert normalise(text) == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("2024-01-15", "January fifteenth, twenty twenty-four"),
        ("12/25/2024", "December twenty-fifth, twenty twenty-four"),
        ("25/12/2024", "December twenty-fifth, twenty twenty-four"),
        ("15.01.2024", "January fifteenth, twenty twenty-four"),
        ("at 3:45pm", "at three forty-five P M"),
        ("at 10:30 a.m.", "at ten thirty A M"),
        ("3:05", "three oh five"),
        ("3:00", "three o'clock"),
        ("15:00", "fifteen hundred"),
    ],
)
def test_dates_and_times(text, said):
    assert normalise(text) == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("$5.50", "five dollars and fifty cents"),
        ("$1", "one dollar"),
        ("$0.99", "ninety-nine cents"),
        ("£1.5 million", "one point five million pounds"),
        ("€3", "three euros"),
        ("5€", "five euros"),
        ("50¢", "fifty cents"),
        ("50% off", "fifty percent off"),
        ("2.5%", "two point five percent"),
        ("20°C", "twenty degrees Celsius"),
    ],
)
def test_money_percentages_degrees(text, said):
    assert normalise(text) == said


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Tom & Jerry", "Tom and Jerry"),
        ("mail me@example.com", "mail me at example dot com"),
        ("see https://www.example.com/path.", "see www dot example dot com slash path."),
        ("1+1=2", "one plus one equals two"),
        ("and/or", "and or"),
        ("1/2 and 3/4 and 2/3", "one half and three quarters and two thirds"),
        ("open 24/7", "open twenty-four seven"),
        ("pages 10-20", "pages ten to twenty"),
        ("call 555-123-4567", "call five five five, one two three, four five six seven"),
        ("#1 fan", "number one fan"),
        ("2 < 3", "two less than three"),
        ("m² ©", "m squared copyright"),
        ("a * b | c", "a b c"),
    ],
)
def test_symbols(text, said):
    assert normalise(text) == said


def test_emoji_are_dropped():
    assert normalise("Great job 😀👍🏽 👨‍👩‍👧 ★ →!") == "Great job!"


def test_scripts_an_english_voice_cannot_read_are_dropped_cyrillic_transliterated():
    assert normalise("Hello Привет мир 你好世界 مرحبا שלום world.") == "Hello Privet mir world."


def test_greek_letters_keep_their_names_and_words_are_transliterated():
    assert normalise("α and Ελληνικά") == "α and Ellinika"


def test_full_width_digits_and_accents():
    assert normalise("１２３ café") == "one hundred twenty-three café"


def test_other_languages_keep_their_letters_and_numbers_but_split_long_digit_runs():
    assert normalise("Привет 42 😀", language="ru") == "Привет 42"
    assert normalise("1" * 20, language="de") == "111 111 111 111 111 111 11"


def test_digit_flood_has_no_digits_left():
    said = normalise("999999999999999 " * 300 + "1" * 400)
    assert not any(ch.isdigit() for ch in said)


def test_number_words():
    assert cardinal(0) == "zero"
    assert cardinal(1_000_001) == "one million one"
    assert ordinal(40) == "fortieth"
    assert ordinal(3) == "third"
    assert year(1900) == "nineteen hundred"
    assert year(2010) == "twenty ten"
