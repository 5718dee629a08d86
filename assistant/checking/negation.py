"""A bare answer to a question asked with a negation, from a sentence that says nothing negative, answers
another question.

SQuAD 2.0's writers made many unanswerable questions by putting a negation into an answerable one
("What service is a VideoGuard UK equipped receiver never able to decrypt?" of a paragraph saying the
receivers are dedicated to the Sky service; "Who was not frustrated with the Spectre project?"). The
verifier reads a bare answer ("Sky") against the window that holds it and barely weighs the question's
"never": a span the paragraph holds word for word is supported. An answer to a negated question is
not found in a sentence that writes nothing negative: where every sentence of a passage writing the
answer holds no negation (``windows.NEGATION``) and none of the words that say one without "not"
(``NEGATIVE``: "declined", "lacked", "unable", "without", "except", "only", "un-", "non-", ...), the
passage cannot support the answer.

Only bare answers are read so (``topic.reads_as_sentence``: a sentence says its own polarity, which
``windows.polarity_conflict`` reads against the window). ``bench/experiments/negation_reach.py`` counts
where the rule reaches, without a model: on SQuAD 2.0 train (where ``NEGATIVE`` was read off the right
answers it took) it takes 0.17 % of the right answers (27 of 16,000) and 0.6 % of the distractors; on
SQuAD 2.0 dev it takes 1 of 600 right answers and 25 of 350 answers to unanswerable questions.
"""

from __future__ import annotations

import re

from assistant.checking.topic import reads_as_sentence
from assistant.checking.windows import negated
from core.sentences import split_sentences

# Words that say a negation without "not": a sentence holding one may answer a negated question
# ("PepsiCo declined to sponsor" for "Which manufacturer decided not to be a sponsor?").
NEGATIVE = re.compile(
    r"\b(?:lack\w*|declin\w*|reject\w*|refus\w*|fail\w*|without|except\w*|outside|unable|absen\w*|avoid\w*"
    r"|prevent\w*|instead|rather|den(?:y|ied|ies)|oppos\w*|objecti\w*|ban(?:s|ned)?|forb\w*|prohibit\w*|exclu\w*"
    r"|little|few|only|nothing|nobody|nowhere|unlike|contrast|barely|hardly|rarely|seldom|ceas\w*|stop\w*"
    r"|quit\w*|abandon\w*|withdr\w*|pull\w* out|remain\w*|other|apart|beyond|free|miss\w*|lost|lose|loss"
    r"|abolish\w*|end\w*|against|un\w+|in(?:capable|sufficient|valid|active)\w*|non\w*|dis\w+"
    r"|im(?:possible|proper)\w*)\b",
    re.IGNORECASE)


def unnegated_answer(passage: str, claim: str, question: str | None) -> bool:
    """Whether ``passage`` writes ``claim``, a bare answer to ``question`` asked with a negation, only in
    sentences that say nothing negative (see the module's note): then it cannot support it."""
    if not question or not negated(question) or reads_as_sentence(claim):
        return False
    answer = claim.strip().strip(".,;:").lower()
    if not answer:
        return False
    holding = [s.text for s in split_sentences(passage) if answer in s.text.lower()]
    return bool(holding) and not any(negated(s) or NEGATIVE.search(s) for s in holding)
