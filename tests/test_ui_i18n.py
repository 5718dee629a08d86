"""The page in English or Chinese (issue 27): every key in both languages, the same fields in both,
and the language a request's Accept-Language header chooses."""

import re

import pytest

from assistant.ui.i18n import NAMES, STRINGS, fields_of, language, text, translations

CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # Chinese characters and punctuation


def test_every_key_has_english_and_chinese_words():
    for key, (english, chinese) in STRINGS.items():
        assert english.strip() and chinese.strip(), key
        if key not in NAMES:
            assert chinese != english, f"{key} is left in English"
            assert CJK.search(chinese), f"{key} has no Chinese in it: {chinese!r}"


def test_both_languages_name_the_same_fields():
    for key, (english, chinese) in STRINGS.items():
        assert fields_of(english) == fields_of(chinese), key


def test_bold_words_render_bold_in_both_languages():
    """CommonMark closes ``**`` after punctuation only before a space or more punctuation: the Chinese
    page showed "**在这里就你的文档提问。**还没有文档？" and "**问题：**" with their asterisks."""
    from markdown_it import MarkdownIt

    render = MarkdownIt().render
    for key, words in STRINGS.items():
        for said in words:
            if "**" in said:
                filled = said.format(**{name: "x" for name in fields_of(said)})
                assert "**" not in render(filled), f"{key}: {filled!r}"


def test_every_table_heading_and_verdict_has_words():
    from assistant.ui import documents, review
    from assistant.ui.i18n import VALUE_NAMES, headings
    from core.labels import VERDICTS

    assert headings(review.COLUMNS) == review.COLUMNS and headings(documents.COLUMNS) == documents.COLUMNS
    assert all(CJK.search(h) for h in headings(review.COLUMNS + documents.COLUMNS, "zh"))
    assert set(review.VERDICTS + review.STATES) <= VALUE_NAMES and all(v in STRINGS for v in VERDICTS)


def test_a_count_has_its_singular_and_its_plural():
    for key in STRINGS:
        if key.endswith("_one"):
            assert key[:-4] + "_many" in STRINGS, key


@pytest.mark.parametrize("header, lang", [
    ("zh-CN,zh;q=0.9", "zh"), ("zh", "zh"), ("zh-TW,zh;q=0.9,en;q=0.8", "zh"), ("en;q=0.5,zh-CN", "zh"),
    ("en-US", "en"), ("en-US,en;q=0.9,zh-CN;q=0.8", "en"), ("fr", "en"), ("fr-FR,fr;q=0.9", "en"),
    (None, "en"), ("", "en"), ("zh;q=bad,en", "en"), ("zhx", "en"),
])
def test_the_language_is_the_browsers_first_choice(header, lang):
    assert language(header) == lang


def test_words_are_filled_in_and_english_is_the_default():
    assert text("model_line", name="m", device="cpu") == "Model `m` on `cpu`."
    assert text("model_line", "zh", name="m", device="cpu") == "模型 `m`，运行于 `cpu`。"
    assert text("send", "fr") == "Send"  # any language but Chinese is English


def test_gradio_gets_the_chinese_words_under_each_locale_it_may_choose():
    """Gradio's frontend picks zh-CN or zh-TW from the browser (and looks in zh after them)."""
    words = translations().translations_dict
    assert set(words) == {"en", "zh", "zh-CN", "zh-TW"}
    assert words["zh-CN"]["tab_chat"] == words["zh-TW"]["tab_chat"] == words["zh"]["tab_chat"] == "对话"
    assert words["en"]["tab_chat"] == "Chat"


def test_a_chinese_browser_gets_chinese_statuses_and_answers(doc_index, tmp_path):
    """The handlers write in the request's language; the answer itself stays the model's."""
    from assistant.ui.chat import Conversation, respond
    from tests.test_ui_chat import checked_services

    services = checked_services(doc_index, tmp_path, ["The head office is in Bergen [1]. ", "It has 9 staff."])
    services.checker.verifier.name = "trained"  # a trial read "由 trained 核查" on the Chinese page
    *_, (shown, _, status) = respond(services, "Where is the head office?", Conversation(), lang="zh")
    html = shown[-1]["content"]
    assert status.startswith("由自训练模型核查") and "有依据" in status and "trained" not in status
    assert "由自训练模型核查" in html and "trained" not in html
    assert "有依据" in html and "无依据" in html and "来源" in html and "Bergen" in html
    assert "supported (score" not in html and "Sources" not in html


def test_the_chinese_page_names_a_packaged_model_and_a_verifier_in_chinese():
    from assistant.ui.i18n import model_words, verifier_words

    name = "qwen2.5-coder-1.5b-instruct-q4_k_m (packaged) [onnx int8]"
    assert model_words(name, "zh") == "qwen2.5-coder-1.5b-instruct-q4_k_m (内置) [onnx int8]"
    assert model_words(name, "en") == name
    assert verifier_words("trained", "zh") == "自训练模型" and verifier_words("trained", "en") == "trained"
    assert verifier_words("my-own", "zh") == "my-own"  # a name the page has no words for is shown as given
    assert text("threshold_info", "zh", value="0.94", verifier=verifier_words("trained", "zh")).endswith(
        "0.94 是自训练模型校准后的取值")


def test_a_withheld_answer_is_replaced_in_the_questions_language():
    from assistant.ui.i18n import withheld_reply

    assert withheld_reply("How do I quit Vim?") == "I have no answer that these documents support."
    assert withheld_reply("如何退出 Vim 并丢弃所做的改动？") == "我给不出这些文档能支持的回答。"
