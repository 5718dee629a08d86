"""What a Chinese claim or its question is about, and whether a passage ever names it.

"永昌大君的母亲是谁？" answered with another paragraph's "她的母亲范中芬是一位作词者。" was marked supported
(0.996) by a paragraph about the singer 王若琳: the verifier reads who the mother is and barely
weighs whose. A Chinese question opens with what it is about, up to its first function word or
question word ("永昌大君" of "永昌大君的母亲是谁", "交叉笛鲷" of "交叉笛鲷哪里有一个大黑斑"); a passage
that names none of it (none of its character pairs, nor all of its characters: "科斯林" for the
paragraph's "科林斯") cannot say anything about it, so its windows cannot support an answer to that
question (``assistant/checking/checker.py``).

Measured on CMRC 2018 dev, where every question was asked on its paragraph: 351 of the 450
supported questions have a topic, and the paragraph names all of them but one ("影响", a verb
read as a noun, is only in other words there); on the 3,448 supported training questions (DRCD, CMRC
2018 train) 2,283 have one and 11 are not named by their paragraph (0.3 %; openings that are a
setting, "历史上...", "二战爆发前，...", are not names). A Chinese question may open with a Latin name
("OpenSSH 默认使用哪个端口？"): a passage names it when one of its words is there in any case.
``bench/experiments/topic_rule.py`` reproduces these counts.
English questions are left alone: their names in capitals are missing from their own SQuAD
paragraph for 3 % of supported answers ("French" against "France", "O2" against "oxygen"),
against 8 % for the unanswerable "plausible" ones: too close to tell apart.
"""

from __future__ import annotations

import re

from core.words import CJK, language_of, pairs, word_count

# Where a question's opening noun phrase ends: a function word, a verb that links it to what is
# asked, a question word, punctuation.
_ENDS = re.compile(r"的|是|在|有|于|曾|被|把|将|对|为|与|和|及|跟|同|或|了|着|过|指|从|向|由|以|让|使|叫|称|"
                   r"哪|什么|甚么|谁|多少|几|何|如何|怎|为什么|位于|属于|包括|共|主要|最|一|能|可|会|要|都|也|"
                   r"又|还|所|到|给|出|做|用|发|成|获|因|第|中|上|下|内|外|前|后|时|年|月|日|"
                   r"[\s,，、。；;:：?？!！()（）]")
# An opening that points back instead of naming ("该院", "这部电影", "文中提到的") or is not a noun.
_POINTS_BACK = re.compile(r"^(?:该|本|此|这|那|其|上述|以上|文中|文章|如何|为什么|为何|怎么|请|他|她|它|我|你|"
                          r"现在|目前|当时|后来|最后|同时|另外|除了|根据|按照|关于|"
                          # a setting or an adverb, not a name ("历史上的...", "如果要...", "截止2014年...")
                          r"历史上|世界上|人类|人们|许多人|很多人|有人|一般|通常|如今|现今|如果|假如|倘若|"
                          r"截止|截至|西元|公元|大概|大约|著名的|名言)")
# An opening clause that sets a time ("二战爆发前，", "清代的时候，", "18世纪时，") names no topic.
_TIME_CLAUSE = re.compile(r"^[^，,。？?]{0,12}(?:期间|时候|时|前|后|之际|末期|初期|以来|世纪|年代)[，,]")
_QUOTES = re.compile(r"^[《「『“\"]+|[》」』”\"]+$")
_CJK_CHAR = re.compile(f"[{CJK}]")
# A Latin name a Chinese text opens with ("OpenSSH 默认使用哪个端口？", "Apple Lossless是..."): letters,
# digits and name punctuation up to the first CJK character, holding a word of three or more characters.
_LATIN_OPENING = re.compile(f"([A-Za-z][A-Za-z0-9.+#_-]*(?: [A-Za-z0-9.+#_-]+)*)\\s*(?=[{CJK}])")
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9+#_-]{2,}")


_CITATION = re.compile(r"^(?:\s*[\[［]\d+[\]］])+\s*")  # "[4] 黑边天竺鲷..."


def opening_name(text: str | None) -> str | None:
    """The name a Chinese question or sentence opens with ("永昌大君" of "永昌大君的母亲是谁？"); None
    for English, and for a text that opens otherwise (a pronoun, a verb, a single character)."""
    if not text or language_of(text) != "zh":
        return None
    text = _CITATION.sub("", text.strip())
    latin = _LATIN_OPENING.match(text)
    if latin:
        name = latin.group(1)
        return name if _LATIN_WORD.search(name) else None
    if _POINTS_BACK.match(text) or _TIME_CLAUSE.match(text):
        return None
    end = _ENDS.search(text)
    topic = _QUOTES.sub("", text[:end.start()] if end else text)
    return topic if len(_CJK_CHAR.findall(topic)) >= 2 else None


def topic_of(claim: str, question: str | None) -> str | None:
    """What ``claim`` is about: the name it opens with when it is a sentence (it ends like one, or runs
    to ``SENTENCE_WORDS``) that opens with one ("王若琳的母亲是范中芬。"), else the name its question
    opens with (an answer, "范中芬", "印度班加罗尔"; a sentence opening with a pronoun, "她的母亲是范中芬。")."""
    own = opening_name(claim) if reads_as_sentence(claim) else None
    return own or opening_name(question)


def reads_as_sentence(claim: str) -> bool:
    """Whether ``claim`` reads as a sentence (it ends like one, or runs to ``SENTENCE_WORDS``) rather
    than as a bare answer ("范中芬", "印度班加罗尔")."""
    return ends_like_sentence(claim) or word_count(claim) >= SENTENCE_WORDS


def ends_like_sentence(text: str) -> bool:
    """Whether ``text`` ends with a full stop, "!" or "?" (a closing quote or bracket after it)."""
    return _SENTENCE_END.search(text) is not None


_SENTENCE_END = re.compile(r"[。！？.!?][”’」』)）\]]*\s*$")
SENTENCE_WORDS = 8  # a claim this long reads as a sentence even without its full stop; shorter, as an answer


def names(text: str, topic: str) -> bool:
    """Whether ``text`` names ``topic``: holds one of its character pairs ("永昌" of "永昌大君"), or every
    one of its characters (a misspelt "科斯林" for "科林斯"; "郭麐" in "郭-{麐}-"); a Latin name, when one of
    its words of three or more characters is there in any case ("openssh", "Apple" of "Apple Lossless")."""
    if topic in text:
        return True
    if not _CJK_CHAR.search(topic):
        lowered = text.lower()
        return any(w.lower() in lowered for w in _LATIN_WORD.findall(topic))
    runs = re.findall(f"[{CJK}]+", topic)
    if any(pair in text for run in runs for pair in pairs(run) if len(pair) == 2):
        return True
    return all(c in text for c in _CJK_CHAR.findall(topic))
