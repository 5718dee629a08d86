"""The verifier's training data: the shipped recipe stays reproducible, the optional kinds are what they say."""

import json
import random
from collections import Counter
from pathlib import Path

import pytest

from assistant.checking.verifiers.trained import SHIPPED
from core.sentences import split_sentences
from finetune import verifier
from finetune.verifier_data import Pair, hide_in_distractors, recipe, synthetic_pairs

NLI = Path(__file__).resolve().parents[2] / "shared" / "data" / "nli"
PASSAGES = [
    "Maria Lopez founded the bakery in 1998. Her brother Tomas joined two years later. "
    "The shop on Elm Street sells bread every morning. Tomas runs the ovens while Maria keeps the books.",
    "The council approved the bridge in March. Engineers from Porto designed it. "
    "Work began after the river fell. The mayor, Helen Carter, opened it in September.",
]


def test_summary_style_fuses_two_excerpt_sentences_as_supported_and_swaps_names_within_the_excerpt():
    pairs = synthetic_pairs(PASSAGES, 400, random.Random(3), summary_style=True)
    kinds = Counter(p.origin for p in pairs)
    assert kinds["synthetic-fused"] > 20 and kinds["synthetic-swapped"] > 5
    for p in pairs:
        sentences = [s.text for s in split_sentences(p.premise)]
        if p.origin == "synthetic-fused":
            first, second = p.hypothesis.split(", and ", 1)
            assert p.label == 0
            assert first + "." in sentences
            assert second[:1].upper() + second[1:] in sentences
        elif p.origin == "synthetic-swapped":
            assert p.label == 2
            original = [s for s in sentences if len(s.split()) == len(p.hypothesis.split())
                        and sum(a != b for a, b in zip(s.split(), p.hypothesis.split())) == 1]
            assert original, p  # one word of a premise sentence changed ...
            new = next(b for a, b in zip(original[0].split(), p.hypothesis.split()) if a != b).strip(".,")
            assert new in p.premise and new[0].isupper() and new not in original[0]  # ... to a name of the premise


def test_without_summary_style_no_new_kinds_are_made():
    kinds = {p.origin for p in synthetic_pairs(PASSAGES, 200, random.Random(3))}
    assert kinds <= {"synthetic-copy", "synthetic-other", "synthetic-added", "synthetic-changed"}


def test_hidden_pairs_sit_among_at_most_max_distractors_sentences_and_keep_their_label():
    real = [Pair(f"Premise number {n} is here.", f"Statement {n}.", n % 3, "snli") for n in range(50)]
    pool = [f"Distractor sentence {n} says nothing." for n in range(40)]
    hidden = hide_in_distractors(real, pool, random.Random(0), 50, max_distractors=6)
    by_hypothesis = {p.hypothesis: p for p in real}
    counts = set()
    for p in hidden:
        source = by_hypothesis[p.hypothesis]
        assert p.label == source.label and p.origin == "snli-hidden" and source.premise in p.premise
        counts.add(len(split_sentences(p.premise)) - 1)
    assert min(counts) >= 1 and max(counts) <= 6 and max(counts) > 3


@pytest.mark.skipif(not NLI.is_dir(), reason="needs ../shared/data/nli")
def test_the_recorded_recipe_still_builds_the_shipped_verifiers_training_data():
    """The settings in the shipped training.json rebuild its training pairs, origin by origin."""
    shipped = json.loads((SHIPPED / "training.json").read_text())
    settings = shipped["settings"]
    qa = settings.get("qa") or []
    qa = [qa] if isinstance(qa, str) else qa  # early records name one file
    train, held = recipe(NLI, settings, [NLI / Path(p).name for p in qa], random.Random(settings["seed"]))
    assert len(train) == shipped["train_pairs"]
    assert dict(Counter(p.origin for p in train)) == shipped["train_origins"]
    assert min(len(held["snli"]), settings["eval_examples"]) == shipped["held_out"]["snli"]["n"]
    assert shipped["reads_questions"] == bool(settings.get("qa"))


def test_recipe_options_out_of_range_are_usage_errors(tmp_path, capsys):
    for option in (["--max-distractors", "0"], ["--hidden", "-1"], ["--synthetic", "-5"]):
        with pytest.raises(SystemExit) as stop:
            verifier.main([*option, "--out", str(tmp_path / "out")])
        assert stop.value.code == 2
        assert "--max-distractors must be at least 1" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_a_folder_without_the_nli_files_is_named_before_any_model_loads(tmp_path, capsys):
    from finetune import calibrate

    (tmp_path / "nli").mkdir()
    (tmp_path / "nli" / "snli_dev.jsonl").write_text("")
    assert verifier.main(["--data", str(tmp_path / "nli"), "--out", str(tmp_path / "out")]) == 4
    err = capsys.readouterr().err
    assert f"error: {tmp_path / 'nli'} is not the NLI data folder: it has no snli_test.jsonl" in err
    assert "snli_dev.jsonl" not in err and "Traceback" not in err and not (tmp_path / "out").exists()
    grounding = tmp_path / "grounding"
    grounding.mkdir()
    (grounding / "g.jsonl").write_text('{"id": "1", "evidence": "e", "claim": "c", "label": "supported"}\n')
    assert calibrate.main(["--model", str(tmp_path / "no-model"), "--grounding", str(grounding),
                           "--nli", str(tmp_path / "nli")]) == 4
    assert "is not the NLI data folder" in capsys.readouterr().err


def test_qa_pairs_pose_each_answer_to_its_question_against_the_window_that_holds_it():
    from assistant.checking.verifiers.base import ANSWER, answer_of, pose
    from finetune.verifier_data import qa_pairs

    paragraph = ("The Normans were the people who gave their name to Normandy in the 10th century. " * 1
                 + "They descended from Norse raiders led by Rollo, who swore fealty to King Charles III. "
                 + "Their descendants adopted the Frankish language over several generations. " * 3
                 + "The Norman conquest of England began in 1066 under William the Conqueror.")
    rows = [
        {"premise": paragraph, "question": "Who led the Norse raiders?", "hypothesis": "Rollo",
         "label": "entailment", "kind": "supported"},
        {"premise": paragraph, "question": "When did the conquest of England begin?", "hypothesis": "1066",
         "label": "entailment", "kind": "supported"},
        {"premise": paragraph, "question": "Who swore fealty to Charles III?", "hypothesis": "William the Conqueror",
         "label": "neutral", "kind": "distractor"},
        {"premise": paragraph, "question": "Who founded Kyiv?", "hypothesis": "Kyi", "label": "neutral",
         "kind": "other"},
    ]
    pairs = qa_pairs(rows * 20, random.Random(0), window_words=30, unanswerable=40, window_negatives=1.0)
    origins = Counter(p.origin for p in pairs)
    assert origins["qa-supported"] == 40 and origins["qa-distractor"] == 20 and origins["qa-other"] == 20
    assert origins["qa-window-negative"] == 40 and origins["qa-unanswerable"] > 0
    for p in pairs:
        answer = answer_of(p.hypothesis)
        assert p.hypothesis.startswith("Question: ") and ANSWER in p.hypothesis
        assert len(p.premise.split()) < len(paragraph.split())  # a window, as the checker reads it
        if p.origin in ("qa-supported", "qa-distractor", "qa-unanswerable"):
            assert answer.lower() in p.premise.lower()  # the window that holds the span
        if p.origin in ("qa-window-negative", "qa-other"):
            assert answer.lower() not in p.premise.lower() and p.label == 1
        if p.origin == "qa-unanswerable":  # the question changed, so the span no longer answers it
            assert p.label == 1 and p.hypothesis not in {pose(r["hypothesis"], r["question"]) for r in rows}
    assert {p.label for p in pairs if p.origin == "qa-supported"} == {0}


def test_with_questions_poses_a_share_of_pairs_to_unrelated_questions_keeping_labels():
    from assistant.checking.verifiers.base import answer_of
    from finetune.verifier_data import with_questions

    pairs = [Pair(f"premise {n}", f"statement {n}", n % 3, "snli") for n in range(400)]
    out = with_questions(pairs, ["Who won?", "Where is it?"], 0.3, random.Random(1))
    asked = [p for p in out if p.origin == "snli-asked"]
    assert 80 < len(asked) < 160
    assert [(p.premise, answer_of(p.hypothesis), p.label) for p in out] == [(p.premise, p.hypothesis, p.label)
                                                                             for p in pairs]


ZH_ROWS = [
    {"premise": "长城是中国古代的军事防御工程，总长度超过两万公里。它始建于春秋战国时期，明朝时大规模重修。"
                "明长城东起山海关，西至嘉峪关，全长约8851公里。", "question": "明长城全长多少公里？"},
    {"premise": "芝加哥大学位于美国伊利诺州芝加哥，是世界著名的私立研究型大学。芝加哥大学1890年由约翰·洛克菲勒创办，"
                "是美国大学协会的创始会员之一。", "question": "芝加哥大学是谁创办的？"},
    {"premise": "The bakery opened in 1998.", "question": "When did it open?"},  # English rows are left out
]


def test_chinese_sentence_pairs_are_sentences_of_the_window_or_not_posed_to_its_paragraphs_questions():
    from assistant.checking.verifiers.base import answer_of, is_posed
    from finetune.verifier_data import chinese_sentence_pairs

    pairs = chinese_sentence_pairs(ZH_ROWS, 300, random.Random(3))
    assert len(pairs) == 300 and all("bakery" not in p.premise + p.hypothesis for p in pairs)
    kinds = Counter(p.origin.split("-asked")[0].split("-pronoun")[0] for p in pairs)
    assert set(kinds) == {"zh-sentence-copy", "zh-sentence-other", "zh-sentence-added", "zh-sentence-changed"}
    for p in pairs:
        said = answer_of(p.hypothesis)
        own = next(r for r in ZH_ROWS if p.premise in r["premise"])
        if p.origin.endswith("-pronoun-elsewhere"):  # "它始建于..." asked about another paragraph's subject
            assert p.label == 1 and said in p.premise and said.startswith("它")
            assert is_posed(p.hypothesis) and own["question"] not in p.hypothesis
            continue
        if p.origin.startswith("zh-sentence-copy"):
            assert p.label == 0 and said in p.premise
        elif p.origin.startswith(("zh-sentence-other", "zh-sentence-added")):
            assert p.label == 1 and said not in p.premise and said not in own["premise"]
        else:
            assert p.label == 2 and said not in own["premise"] and any(ch.isdigit() for ch in said)
        if p.origin.endswith("-asked"):  # posed to the question asked on its own paragraph
            assert is_posed(p.hypothesis) and own["question"] in p.hypothesis
        elif p.origin.endswith("-asked-elsewhere"):
            assert is_posed(p.hypothesis) and own["question"] not in p.hypothesis
        else:
            assert not is_posed(p.hypothesis)
    asked = sum(p.origin.endswith("-asked") for p in pairs)
    assert 100 < asked < 200  # half
    assert any(p.origin == "zh-sentence-copy-pronoun-elsewhere" for p in pairs)
    assert any(p.origin == "zh-sentence-copy-asked-elsewhere" and not answer_of(p.hypothesis).startswith("它")
               for p in pairs)  # a sentence that names its subject stays supported, whatever was asked


def test_a_chinese_question_said_as_its_answer_sentence():
    from finetune.verifier_data import chinese_declarative

    assert chinese_declarative("北上车站的地址是哪里?", "日本岩手县北上市") == "北上车站的地址是日本岩手县北上市。"
    assert chinese_declarative("线蚓鳗的体长是多少？", "33公分") == "线蚓鳗的体长是33公分。"
    assert chinese_declarative("芝加哥大学是谁创办的？", "约翰·洛克菲勒") == "芝加哥大学是约翰·洛克菲勒创办的。"
    # the noun after "哪一个" is not said twice when the answer ends with it
    assert chinese_declarative("《马关条约》的签订和哪一个战争有关?", "甲午战争") == "《马关条约》的签订和甲午战争有关。"
    assert chinese_declarative("明长城全长几公里？", "8851") == "明长城全长8851公里。"
    for question in ("俄国为什么退出战争？", "如何减少幻觉？", "请介绍长城。", "谁在哪一年创办了它？"):
        assert chinese_declarative(question, "某某") is None  # a cause, a way, no question word, two


def test_chinese_declarative_pairs_keep_the_rows_labels_and_say_the_answer_in_a_sentence():
    from assistant.checking.verifiers.base import answer_of, is_posed
    from finetune.verifier_data import chinese_declarative_pairs

    rows = [{**ZH_ROWS[0], "hypothesis": "约8851公里", "label": "entailment", "kind": "supported"},
            {**ZH_ROWS[0], "hypothesis": "两万公里", "label": "neutral", "kind": "distractor"},
            {**ZH_ROWS[1], "hypothesis": "约翰·洛克菲勒", "label": "entailment", "kind": "supported"},
            {**ZH_ROWS[1], "hypothesis": "1890年", "label": "neutral", "kind": "distractor"},
            {**ZH_ROWS[2], "hypothesis": "1998", "label": "entailment", "kind": "supported"}]
    seen = Counter()
    for seed in range(40):
        for p in chinese_declarative_pairs(rows, 50, random.Random(seed)):
            seen[p.origin] += 1
            said = answer_of(p.hypothesis)
            assert is_posed(p.hypothesis) and said.endswith("。") and "bakery" not in p.premise
            if p.origin == "zh-declarative-supported":
                assert p.label == 0 and said in ("明长城全长约8851公里。", "芝加哥大学是约翰·洛克菲勒创办的。")
            elif p.origin == "zh-declarative-distractor":  # a span of the paragraph, not the one asked for
                assert p.label == 1 and said in ("明长城全长两万公里。", "芝加哥大学是1890年创办的。")
                assert "两万公里" in p.premise or "1890年" in p.premise
            elif p.origin == "zh-declarative-pronoun":
                assert p.label == 0 and said.startswith("其")
    assert seen["zh-declarative-supported"] and seen["zh-declarative-distractor"]


def test_a_continuation_of_a_question_reading_verifier_still_reads_questions(tmp_path):
    """`--init` from the shipped verifier (e.g. with `--reviewed`, no `--qa`) must keep posing answers."""
    assert verifier.reads_questions(SHIPPED) is True  # the shipped one was trained with --qa
    (tmp_path / "training.json").write_text(json.dumps({"reads_questions": False}))
    assert verifier.reads_questions(tmp_path) is False
    assert verifier.reads_questions(tmp_path / "missing") is False and verifier.reads_questions(None) is False


def test_chinese_subject_swaps_are_twins_that_differ_in_the_subject_the_window_names():
    """The shipped e5-nli supported "永昌大君的母亲范中芬是一位作词者。" (0.994) against a paragraph about a
    singer that never names 永昌大君: each swapped answer has a twin asked about its own subject."""
    from assistant.checking.verifiers.base import answer_of, is_posed
    from finetune.verifier_data import _zh_topic, chinese_subject_swaps

    assert _zh_topic("永昌大君的母亲是谁？") == 5 and _zh_topic("线蚓鳗的体长是多少？") == 4
    for question in ("1552年的时候，正值哪一个朝代?", "排放指的是什么?", "民主党曾在长崎县的选区中取得全胜是在哪场选举?"):
        assert _zh_topic(question) == 0  # a time, "指的是", a clause: no subject to swap
    rows = [
        {"premise": "王若琳（，），生于台湾并成长于美国的创作歌手。王若琳的母亲范中芬是一位作词者。王若琳出生于台北。",
         "question": "王若琳的母亲是谁？", "hypothesis": "范中芬", "label": "entailment"},
        {"premise": "线蚓鳗（学名：Moringua abbreviata）为鳗鲡目的一个种。水深3至25公尺。线蚓鳗的体长可达33公分。",
         "question": "线蚓鳗的体长是多少？", "hypothesis": "33公分", "label": "entailment"},
        {"premise": "芝加哥大学位于美国伊利诺州芝加哥。芝加哥大学1890年由约翰·洛克菲勒创办。",
         "question": "芝加哥大学的创办人是谁？", "hypothesis": "约翰·洛克菲勒", "label": "entailment"},
        {**ZH_ROWS[2], "hypothesis": "1998", "label": "entailment"},
    ]
    seen = Counter()
    for seed in range(30):
        pairs = chinese_subject_swaps(rows, 40, random.Random(seed))
        for own, swapped in zip(pairs[::2], pairs[1::2]):
            seen[own.origin] += 1
            assert (own.label, swapped.label) == (0, 1) and own.premise == swapped.premise
            assert own.origin.replace("own", "swapped") == swapped.origin and "bakery" not in own.premise
            if own.origin.startswith("zh-subject"):
                subject = own.hypothesis.split("Question: ")[1][:_zh_topic(own.hypothesis.split("Question: ")[1]) - 1]
                assert is_posed(own.hypothesis) and subject in own.premise
                asked = swapped.hypothesis.split("\n")[0]
                assert subject not in asked and asked.split("的")[0].split(": ")[-1] not in own.premise
            else:  # a sentence naming the paragraph's title, and the same sentence naming another's
                title = own.premise[:3]
                assert title in answer_of(own.hypothesis) and title not in answer_of(swapped.hypothesis)
    assert seen["zh-title-own"] and sum(v for k, v in seen.items() if k.startswith("zh-subject"))


def test_sentence_answers_restate_a_changed_question_and_lose_their_support():
    """Each sentence answer comes twice: as the paragraph writes it (supported) and with one fact of its
    question changed in both: a name swapped for another name of the passage or of another question
    (unsupported: SQuAD 2.0's unanswerable questions, echoed by the model's answer), a number changed
    or a negation put in (contradicted). A title is no name to swap, and a sentence giving someone a
    title is still supported by a window without it."""
    from assistant.checking.verifiers.base import ANSWER, QUESTION
    from finetune.verifier_data import qa_sentence_pairs

    first = "Twilight Princess begins with a youth named Link who is working as a ranch hand in Ordon Village."
    premise = (f"{first} One day the village is attacked by Bulblins, who carry off the village's children. "
               "He is then helped by a creature named Midna.")
    rows = [{"premise": premise, "hypothesis": "Ordon Village", "question": "Where is Link working as a ranch hand?",
             "label": "entailment", "kind": "supported"},
            {"premise": premise, "hypothesis": "Bulblins", "question": "Who attacks the village?",
             "label": "neutral", "kind": "distractor"},
            {"premise": "Zelda rules the kingdom.", "hypothesis": "Zelda", "question": "Who rules Hyrule?",
             "label": "neutral", "kind": "distractor"}]
    seen = set()
    for seed in range(30):
        pairs = qa_sentence_pairs(rows, 10, random.Random(seed))
        assert len(pairs) == 2  # the distractor rows are no answer to restate; no title here
        original, changed = pairs
        assert original.label == 0 and original.origin == "qa-sentence"
        assert original.hypothesis == QUESTION + "Where is Link working as a ranch hand?" + ANSWER + first
        question, sentence = changed.hypothesis.removeprefix(QUESTION).split(ANSWER)
        assert changed.premise == original.premise and first in changed.premise
        if changed.origin == "qa-sentence-swapped":  # Link is someone else in both
            other = question.split()[2]
            assert changed.label == 1 and question == f"Where is {other} working as a ranch hand?"
            assert f"named {other} who is working" in sentence and "Link" not in sentence
            assert other in {"Bulblins", "Midna", "Hyrule"}  # never the title, the place or half of it
            seen.add(other)
        else:  # the question has no number: a negation in both
            seen.add("negation")
            assert changed.origin == "qa-sentence-changed" and changed.label == 2
            assert " not " in question and "Link who is not working" in sentence
    assert seen == {"Bulblins", "Midna", "Hyrule", "negation"}

    said = "In Book 8, Aeneas allies with King Evander, who occupies the future site of Rome."
    titled = [{"premise": f"{said} He is given new armour.", "hypothesis": "Evander", "label": "entailment",
               "question": "Which King does Aeneas ally with in Book 8?", "kind": "supported"}]
    pairs = qa_sentence_pairs(titled, 10, random.Random(0))
    assert [p.origin for p in pairs][::2] == ["qa-sentence", "qa-sentence-titled"]
    untitled = pairs[2]
    assert untitled.label == 0 and untitled.hypothesis == pairs[0].hypothesis and "King Evander" in untitled.hypothesis
    assert "allies with Evander, who" in untitled.premise and "King" not in untitled.premise

    full = "In 1950 Steven Spielberg grew up in Phoenix, Arizona. " + " ".join(["He filmed his friends."] * 12)
    said = "From 1953 Spielberg attended Hebrew school."
    named = [{"premise": f"{full} {said} North German troops came. Then German troops left.", "hypothesis": "1953",
              "label": "entailment", "question": "When did Spielberg attend Hebrew school?", "kind": "supported"}]
    pairs = qa_sentence_pairs(named, 10, random.Random(0))
    fuller = [p for p in pairs if p.origin == "qa-sentence-fuller"]
    assert len(fuller) == 1 and fuller[0].label == 0 and "Steven" not in fuller[0].premise
    assert fuller[0].hypothesis == pairs[0].hypothesis.replace("From 1953 Spielberg", "From 1953 Steven Spielberg")
