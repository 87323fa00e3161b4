"""What a reader says: text made speakable before it is phonemised.

    normalise("On 2024-01-15 at 3:45pm I paid $5.50 (50% off) 😀")
    -> "On January fifteenth, twenty twenty-four at three forty-five P M I paid five dollars
       and fifty cents (fifty percent off)"

Pure Python, no Django, no audio library. Choices, for English voices (language "en"):

- Whole numbers below 10**15 are read as words, with or without thousands commas:
  "999999999999999" -> "nine hundred ninety-nine trillion, ..., nine hundred ninety-nine".
  That is as far as a reader goes; longer digit strings, and numbers written with a leading
  zero ("007", "0123"), are read digit by digit in groups of three with a short pause (a
  comma) between groups: "zero zero seven".
- Four-digit numbers from 1100 to 2099 are read as years ("1990" -> "nineteen ninety",
  "1905" -> "nineteen oh five", "2005" -> "two thousand five", "2024" -> "twenty
  twenty-four"), which is also how a reader says "1500 people"; "1990s" -> "nineteen nineties".
- Decimals "3.14" -> "three point one four"; "-5" -> "minus five"; "21st" -> "twenty-first";
  version numbers and addresses with two or more dots read each part: "1.2.3" -> "one dot two
  dot three".
- Money: "$5.50" -> "five dollars and fifty cents", "£1.5 million" -> "one point five million
  pounds", "€3" -> "three euros", also "5€" and "50¢"; "50%" -> "fifty percent"; "20°C" ->
  "twenty degrees Celsius".
- Times: "3:45" -> "three forty-five", "3:05" -> "three oh five", "3:00" -> "three o'clock",
  "15:00" -> "fifteen hundred", "3:45pm" -> "three forty-five P M".
- Dates: "2024-01-15", "1/15/2024" (U.S. order; day first when the first number is over 12)
  and "15.01.2024" (day first) -> "January fifteenth, twenty twenty-four".
- Ranges "10-20" -> "ten to twenty"; other hyphenated digit groups (phone numbers) are read
  digit by digit, group by group. Fractions "1/2" -> "one half", "3/4" -> "three quarters"
  (denominators 2 to 10); other "24/7" -> "twenty-four seven".
- Symbols: & and, @ at, + plus, = equals, % percent, # number (before a digit), × times,
  ÷ divided by, ± plus or minus, ∞ infinity, < less than and > greater than (between numbers),
  ° degrees, © copyright, ® registered, ™ trademark, § section; "and/or" -> "and or"; web addresses and e-mail addresses
  read with "dot" and "at". Other symbols (* _ | \\ ^ ~ ` [ ] { }) become a space.
- Emoji, pictographs, arrows and other mathematical symbols are dropped: a reader skips them, while espeak names each one
  ("grinning face") and a row of them becomes minutes of speech.
- Other scripts: Cyrillic and Greek words are transliterated to Latin letters (a single Greek
  letter keeps its name: "α" -> "alpha"); letters of scripts an English voice cannot pronounce
  (Chinese, Japanese, Korean, Arabic, Hebrew, Indic, Thai...) are dropped, where espeak would
  say "Chinese letter" for every character.

For other languages (a Piper voice from the voices folder) only the language-neutral steps
run: Unicode compatibility forms, emoji and pictographs dropped, digits of any script made
ASCII, and digit strings of more than 15 digits split into groups of three, which the voice
then reads in its own language.
"""

from __future__ import annotations

import re
import unicodedata

MAX_WORDS_DIGITS = 15  # numbers up to 999 trillion are read as words
DIGIT_GROUP = 3

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALES = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (10**3, "thousand"))
_ORDINAL_WORDS = {
    "one": "first", "two": "second", "three": "third", "five": "fifth", "eight": "eighth",
    "nine": "ninth", "twelve": "twelfth",
}
_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_FRACTIONS = {2: ("half", "halves"), 4: ("quarter", "quarters")}
_CURRENCIES = {  # symbol: (one, many, cent one, cent many)
    "$": ("dollar", "dollars", "cent", "cents"),
    "£": ("pound", "pounds", "penny", "pence"),
    "€": ("euro", "euros", "cent", "cents"),
    "¥": ("yen", "yen", "", ""),
    "₹": ("rupee", "rupees", "paisa", "paise"),
    "₽": ("ruble", "rubles", "kopek", "kopeks"),
    "₩": ("won", "won", "", ""),
    "₿": ("bitcoin", "bitcoins", "", ""),
}
_SCALE_WORDS = {
    "thousand": "thousand", "k": "thousand", "million": "million", "m": "million",
    "mn": "million", "billion": "billion", "bn": "billion", "b": "billion",
    "trillion": "trillion", "tn": "trillion",
}
# Before compatibility normalisation turns them into plain digits or letters.
_NAMED_BEFORE_NFKC = {
    "²": " squared", "³": " cubed", "™": " trademark ", "℠": " service mark ",
    "№": " number ", "‰": " per mille",
}
_SYMBOL_WORDS = {
    "&": " and ", "@": " at ", "+": " plus ", "=": " equals ", "%": " percent ",
    "×": " times ", "÷": " divided by ", "°": " degrees ", "©": " copyright ",
    "®": " registered ", "§": " section ", "¶": " paragraph ", "±": " plus or minus ",
    "∞": " infinity ",
}
_KEPT_MATH = set("+<=>×÷±∞−")
_DROPPED_SYMBOLS = set("*_|\\^~`[]{}<>#/•·")
_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяіїєґў",
    "a b v g d e yo zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya i yi ye g w"
    .split(),
))
_GREEK = dict(zip(
    "αβγδεζηθικλμνξοπρσςτυφχψω",
    "a v g d e z i th i k l m n x o p r s s t y f kh ps o".split(),
))
_KEPT_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")


# -- numbers to words ----------------------------------------------------------------------


def cardinal(n: int) -> str:
    """1234 -> "one thousand two hundred thirty-four" (U.S. style, no "and")."""
    if n < 0:
        return "minus " + cardinal(-n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens] + (f"-{_ONES[ones]}" if ones else "")
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return f"{_ONES[hundreds]} hundred" + (f" {cardinal(rest)}" if rest else "")
    for size, name in _SCALES:
        if n >= size:
            high, rest = divmod(n, size)
            return f"{cardinal(high)} {name}" + (f" {cardinal(rest)}" if rest else "")
    raise AssertionError(n)  # pragma: no cover


def ordinal(n: int) -> str:
    """21 -> "twenty-first"."""
    words = cardinal(n)
    head, sep, last = words.rpartition(" " if "-" not in words.rsplit(" ", 1)[-1] else "-")
    if last in _ORDINAL_WORDS:
        last = _ORDINAL_WORDS[last]
    elif last.endswith("y"):
        last = last[:-1] + "ieth"
    else:
        last += "th"
    return head + sep + last


def year(n: int) -> str:
    """1990 -> "nineteen ninety", 1905 -> "nineteen oh five", 2005 -> "two thousand five"."""
    if not 1100 <= n <= 2099 or 2000 <= n <= 2009:
        return cardinal(n)
    high, low = divmod(n, 100)
    if low == 0:
        return f"{cardinal(high)} hundred"
    if low < 10:
        return f"{cardinal(high)} oh {cardinal(low)}"
    return f"{cardinal(high)} {cardinal(low)}"


def digits(text: str, group: int = DIGIT_GROUP) -> str:
    """"0071234" -> "zero zero seven, one two three, four": one word per digit, a comma
    (a short pause) between groups."""
    words = [_ONES[int(d)] for d in text if d.isdigit()]
    groups = [" ".join(words[i : i + group]) for i in range(0, len(words), group)]
    return ", ".join(groups)


def number(text: str) -> str:
    """A written whole number ("1,250", "42", "007", a 20-digit string) as a reader says it."""
    plain = text.replace(",", "")
    if len(plain) > 1 and plain.startswith("0") or len(plain) > MAX_WORDS_DIGITS:
        return digits(plain)
    return cardinal(int(plain))


def decimal(whole: str, fraction: str) -> str:
    """"3", "14" -> "three point one four"."""
    head = number(whole) if whole else "zero"
    return f"{head} point {' '.join(_ONES[int(d)] for d in fraction)}"


def _plural(words: str) -> str:
    head, sep, last = words.rpartition(" " if "-" not in words.rsplit(" ", 1)[-1] else "-")
    last = last[:-1] + "ies" if last.endswith("y") else last + ("es" if last.endswith("x") else "s")
    return head + sep + last


# -- passes --------------------------------------------------------------------------------

_NUM = r"\d{1,3}(?:,\d{3})+|\d+"
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"]+|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b", re.I)
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_SLASH_DATE = re.compile(r"\b(\d{1,2})([/.])(\d{1,2})\2(\d{4})\b")
_TIME = re.compile(
    r"\b(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([ap])\.?\s?m\b\.?)?", re.I
)
_MONEY = re.compile(
    rf"([$£€¥₹₽₩₿])\s?({_NUM})(?:\.(\d+))?(?:\s?(thousand|million|billion|trillion|k|mn|m|bn|b|tn)\b)?",
    re.I,
)
_MONEY_AFTER = re.compile(rf"\b({_NUM})(?:[.,](\d{{1,2}}))?\s?([€£₹₽¢])")
_PERCENT = re.compile(rf"({_NUM})(?:\.(\d+))?\s?%")
_DEGREES = re.compile(rf"(-?)({_NUM})(?:\.(\d+))?\s?°\s?([CF])?\b")
_ORDINAL = re.compile(r"\b(\d+)(st|nd|rd|th)\b", re.I)
_DECADE = re.compile(r"(?:\b(\d\d)|')(\d0)'?s\b")
_FRACTION = re.compile(r"(?<![\d/])(\d+)\s?/\s?(\d+)(?![\d/])")
_RANGE = re.compile(r"(?<![\d.,-])(\d{1,4})\s?[-–]\s?(\d{1,4})(?![\d.,-])")
_DASHED = re.compile(r"(?<![\d-])\d+(?:-\d+)+(?![\d-])")
_DOTTED = re.compile(r"(?<![\d.])\d+(?:\.\d+){2,}(?![\d.])")
_NEGATIVE = re.compile(rf"(?:(?<=^)|(?<=[\s(]))[-−]\s?(?=\d)")
_DECIMAL = re.compile(rf"(?<!\d)({_NUM})?\.(\d+)(?!\d)|(?<!\d)({_NUM})(?!\d)")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
_COMPARE = re.compile(r"(?<=\d)\s*([<>])\s*(?=[\d-])")
_HASH_NUMBER = re.compile(r"#\s?(?=\d)")
_WORD_SLASH = re.compile(r"(?<=[^\W\d])/(?=[^\W\d])")


def _date(y: int, m: int, d: int) -> str | None:
    if not (1 <= m <= 12 and 1 <= d <= 31):
        return None
    return f"{_MONTHS[m - 1]} {ordinal(d)}, {year(y)}"


def _iso_date(match: re.Match) -> str:
    y, m, d = (int(g) for g in match.groups())
    return _date(y, m, d) or match.group(0)


def _slash_date(match: re.Match) -> str:
    first, sep, second, y = match.groups()
    a, b = int(first), int(second)
    if sep == "." or a > 12:  # day first: 15.01.2024, 15/01/2024
        a, b = b, a
    return _date(int(y), a, b) or match.group(0)


def _time(match: re.Match) -> str:
    hours, minutes, seconds, half = match.groups()
    h, m = int(hours), int(minutes)
    if h > 24 or m > 59:
        return match.group(0)
    if m == 0:
        said = cardinal(h) + (" hundred" if h > 12 and not half else "" if half else " o'clock")
    else:
        said = f"{cardinal(h)} {'oh ' if m < 10 else ''}{cardinal(m)}"
    if seconds and int(seconds):
        said += f" and {cardinal(int(seconds))} seconds"
    if half:
        said += f" {half.upper()} M"
    return said


def _amount(whole: str, fraction: str | None, scale: str | None) -> tuple[str, bool]:
    """Words for an amount and whether it is exactly one."""
    if fraction and scale:
        return f"{decimal(whole, fraction)} {_SCALE_WORDS[scale.lower()]}", False
    words = number(whole)
    if scale:
        return f"{words} {_SCALE_WORDS[scale.lower()]}", False
    return words, whole.replace(",", "") == "1"


def _money(match: re.Match) -> str:
    symbol, whole, fraction, scale = match.groups()
    one, many, cent, cents = _CURRENCIES[symbol]
    if fraction and not scale and len(fraction) == 2 and cent:
        units = int(whole.replace(",", ""))
        hundredths = int(fraction)
        parts = []
        if units:
            parts.append(f"{number(whole)} {one if units == 1 else many}")
        if hundredths or not units:
            parts.append(f"{cardinal(hundredths)} {cent if hundredths == 1 else cents}")
        return " and ".join(parts)
    if fraction and not scale:
        return f"{decimal(whole, fraction)} {many}"
    words, single = _amount(whole, None if scale is None else fraction, scale)
    return f"{words} {one if single else many}"


def _money_after(match: re.Match) -> str:
    whole, fraction, symbol = match.groups()
    if symbol == "¢":
        return f"{number(whole)} {'cent' if whole == '1' else 'cents'}"
    prefixed = f"{symbol}{whole}" + (f".{fraction}" if fraction else "")
    return _MONEY.sub(_money, prefixed)


def _percent(match: re.Match) -> str:
    whole, fraction = match.groups()
    return (decimal(whole, fraction) if fraction else number(whole)) + " percent"


def _degrees(match: re.Match) -> str:
    minus, whole, fraction, scale = match.groups()
    words = decimal(whole, fraction) if fraction else number(whole)
    unit = "degree" if whole == "1" and not fraction else "degrees"
    name = {"C": " Celsius", "F": " Fahrenheit"}.get((scale or "").upper(), "")
    return f"{'minus ' if minus else ''}{words} {unit}{name}"


def _ordinal(match: re.Match) -> str:
    return ordinal(int(match.group(1)))


def _decade(match: re.Match) -> str:
    century, tens = match.groups()
    if century is None:
        return _plural(cardinal(int(tens)))
    return _plural(year(int(century + tens)))


def _fraction(match: re.Match) -> str:
    top, bottom = int(match.group(1)), int(match.group(2))
    if 0 < top < bottom <= 10 and not match.group(1).startswith("0"):
        one, many = _FRACTIONS.get(bottom, (ordinal(bottom), _plural(ordinal(bottom))))
        return f"{cardinal(top)} {one if top == 1 else many}"
    return f"{number(match.group(1))} {number(match.group(2))}"


def _range(match: re.Match) -> str:
    a, b = match.groups()
    if int(a) < int(b) and not (len(a) > 1 and a.startswith("0")):
        read = year if len(a) == 4 and len(b) == 4 else lambda n: number(str(n))
        return f"{read(int(a))} to {read(int(b))}"
    return _dashed(match)


def _dashed(match: re.Match) -> str:
    parts = re.split(r"\s?[-–]\s?", match.group(0))
    return ", ".join(digits(part, group=len(part)) for part in parts)


def _dotted(match: re.Match) -> str:
    return " dot ".join(number(part) for part in match.group(0).split("."))


def _plain_number(match: re.Match) -> str:
    whole, fraction, alone = match.groups()
    if alone is not None:
        plain = alone.replace(",", "")
        if len(plain) == 4 and "," not in alone and not plain.startswith("0"):
            return year(int(plain))
        return number(alone)
    return decimal(whole or "", fraction)


def _url(match: re.Match) -> str:
    text = re.sub(r"^https?://", "", match.group(0), flags=re.I).rstrip(".,;:!?)")
    tail = match.group(0)[len(match.group(0).rstrip(".,;:!?)")) :]
    text = text.replace("@", " at ").replace(".", " dot ").replace("/", " slash ")
    return re.sub(r"[-_]", " ", text) + tail


# -- characters ----------------------------------------------------------------------------


def _script(ch: str) -> str:
    try:
        return unicodedata.name(ch).split(" ", 1)[0]
    except ValueError:
        return ""


def _transliterate(word: str) -> str:
    lower = unicodedata.normalize("NFD", word.lower())
    out = []
    for ch in lower:
        if unicodedata.category(ch) == "Mn":
            continue
        out.append(_CYRILLIC.get(ch, _GREEK.get(ch, ch)).replace("_", ""))
    latin = "".join(out)
    return latin.capitalize() if word[:1].isupper() else latin


def _characters(text: str, english: bool) -> str:
    """Compatibility forms, digits of every script, and the characters to drop."""
    for symbol, words in _NAMED_BEFORE_NFKC.items():
        text = text.replace(symbol, words)
    text = unicodedata.normalize("NFKC", text).replace("⁄", "/")
    out = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Nd":
            out.append(str(unicodedata.digit(ch)))
        elif ch in "\n\t":
            out.append(ch)
        elif category in ("Cf", "Me") or 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF:
            continue  # zero-width joiners, variation selectors, keycaps
        elif category in ("So", "Sk", "Co", "Cn", "Cs", "Cc") and ch not in _SYMBOL_WORDS:
            out.append(" ")  # emoji, pictographs, unassigned and private-use characters
        elif category == "Sm" and ch not in _KEPT_MATH:
            out.append(" ")  # arrows and other mathematical symbols
        elif english and category[0] in "LM" and not ch.isascii():
            out.append(ch if _script(ch) in _KEPT_SCRIPTS or category[0] == "M" else " ")
        else:
            out.append(ch)
    text = "".join(out)
    if english:
        text = re.sub(
            r"[^\W\d_]+",
            lambda m: m.group(0) if m.group(0).isascii() or _script(m.group(0)[0]) == "LATIN"
            else (m.group(0) if len(m.group(0)) == 1 and _script(m.group(0)) == "GREEK"
                  else _transliterate(m.group(0))),
            text,
        )
    return text


def _english(text: str) -> str:
    text = _URL.sub(_url, text)
    text = _ISO_DATE.sub(_iso_date, text)
    text = _SLASH_DATE.sub(_slash_date, text)
    text = _TIME.sub(_time, text)
    text = _MONEY.sub(_money, text)
    text = _MONEY_AFTER.sub(_money_after, text)
    text = _PERCENT.sub(_percent, text)
    text = _DEGREES.sub(_degrees, text)
    text = _ORDINAL.sub(_ordinal, text)
    text = _DECADE.sub(_decade, text)
    text = _LETTER_DIGIT.sub(" ", text)  # "MP3" -> "MP 3", "4K" -> "4 K"
    text = _DOTTED.sub(_dotted, text)
    text = _FRACTION.sub(_fraction, text)
    text = _RANGE.sub(_range, text)
    text = _DASHED.sub(_dashed, text)
    text = _HASH_NUMBER.sub(" number ", text)
    text = _COMPARE.sub(lambda m: " less than " if m.group(1) == "<" else " greater than ", text)
    text = _NEGATIVE.sub("minus ", text)
    text = _DECIMAL.sub(_plain_number, text)
    text = _WORD_SLASH.sub(" ", text)
    for symbol, words in _SYMBOL_WORDS.items():
        text = text.replace(symbol, words)
    for symbol, (_one, many, _cent, _cents) in _CURRENCIES.items():
        text = text.replace(symbol, f" {many} ")
    return "".join(" " if ch in _DROPPED_SYMBOLS else ch for ch in text)


def _long_digit_runs(text: str) -> str:
    return re.sub(
        r"\d{%d,}" % (MAX_WORDS_DIGITS + 1),
        lambda m: " ".join(m.group(0)[i : i + DIGIT_GROUP] for i in range(0, len(m.group(0)), DIGIT_GROUP)),
        text,
    )


def normalise(text: str, language: str = "en") -> str:
    """`text` as words a voice of `language` (an espeak voice name such as "en-us") reads."""
    english = language.lower().startswith("en")
    text = _characters(text, english)
    text = _english(text) if english else _long_digit_runs(text)
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" +([,.;:!?)])", r"\1", text)
    text = re.sub(r"([,;:]\s*)+(?=[,;:])", "", text)  # ", ," left by dropped symbols
    return "\n".join(line.strip() for line in text.split("\n")).strip()
