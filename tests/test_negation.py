from assistant.checking.negation import unnegated_answer

VIDEOGUARD = ("To view the encrypted content a VideoGuard UK equipped receiver (all of which are dedicated to the Sky "
              "service) is needed. The receivers are sold by Sky.")


def test_a_bare_answer_to_a_negated_question_from_a_plain_sentence_is_not_its_answer():
    # SQuAD 2.0 dev: an unanswerable question made by putting "never" into an answerable one
    never = "What service is a VideoGuard UK equipped receiver never able to decrypt?"
    assert unnegated_answer(VIDEOGUARD, "Sky", never)
    assert not unnegated_answer(VIDEOGUARD, "Sky", "What service is a VideoGuard UK equipped receiver dedicated to?")


def test_a_sentence_saying_a_negation_in_other_words_may_answer_it():
    pepsi = "Coca-Cola's archrival PepsiCo declined to sponsor American Idol at the show's start."
    question = "Which major drink manufacturer decided at the beginning of American Idol not to be a sponsor?"
    assert not unnegated_answer(pepsi, "PepsiCo", question)
    cannot = "Its receivers cannot decrypt Freesat."
    assert not unnegated_answer(cannot, "Freesat", "What can the receivers not decrypt?")


def test_sentences_and_answers_the_passage_does_not_write_are_left_to_the_other_rules():
    question = "What service is a VideoGuard UK equipped receiver never able to decrypt?"
    assert not unnegated_answer(VIDEOGUARD, "The receivers are sold by Sky.", question)
    assert not unnegated_answer(VIDEOGUARD, "Freesat", question)
