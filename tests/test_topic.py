"""What a Chinese claim or its question is about, and whether a passage names it (assistant/checking/topic.py)."""

import pytest

from assistant.checking.topic import names, opening_name, topic_of


@pytest.mark.parametrize("text, name", [
    ("永昌大君的母亲是谁？", "永昌大君"),
    ("交叉笛鲷哪里有一个大黑斑？", "交叉笛鲷"),
    ("《魔力充电娘》在什么杂志上连载？", "魔力充电娘"),
    ("[4] 黑边天竺鲷的尾鳍中央略凹。", "黑边天竺鲷"),  # a citation in front is not the name
    ("该院的现任院长是谁？", None),  # points back: no name of its own
    ("她的母亲范中芬是一位作词者。", None),
    ("为什么天空是蓝色的？", None),
    ("上海在哪里？", None),  # cut at 上 to nothing: no name rather than a wrong one
    ("Who was the mother of Prince Yeongchang?", None),  # English is left alone
    ("OpenSSH 默认使用哪个端口？", "OpenSSH"),  # a Latin name in a Chinese question
    ("Apple Lossless是哪个公司的无损音频压缩编码格式？", "Apple Lossless"),
    ("Go语言是谁设计的？", None),  # no Latin word of three characters: too short to tell
    ("历史上的「罗禅征伐」征讨的是谁？", None),  # a setting, not a name (DRCD's training questions)
    ("二战爆发前，日本想像将来会面对怎样的海战？", None),  # a time clause first
    ("甚么东西带来浮游生物？", None),  # 甚么 asks like 什么
    ("", None),
])
def test_the_name_a_text_opens_with(text, name):
    assert opening_name(text) == name


def test_a_claim_is_about_its_own_name_or_else_its_questions():
    question = "永昌大君的母亲是谁？"
    assert topic_of("王若琳的母亲是范中芬。", question) == "王若琳"  # a sentence naming its own subject
    assert topic_of("她的母亲范中芬是一位作词者。", question) == "永昌大君"  # a pronoun: the question's
    assert topic_of("范中芬", question) == "永昌大君"  # a short answer: the question's
    assert topic_of("范中芬", None) is None


def test_a_passage_names_a_topic_by_a_character_pair_or_all_its_characters():
    singer = "王若琳（，），生于台湾并成长于美国的创作歌手。她的父亲是音乐制作人王治平，母亲范中芬是一位作词者。"
    assert names(singer, "王若琳")
    assert names(singer, "王若琳发行")  # a topic cut too long still meets its name
    assert not names(singer, "永昌大君")
    assert names("黑彩陶器原产于公元前7世纪早期的科林斯。", "科斯林")  # misspelt: every character is there
    assert names("郭-{麐}-（-{麐}-同麟，）字群伯", "郭麐")  # wiki markup inside the name
    assert not names("郭某字群伯", "郭麐")
    assert names("openssh 的配置文件是 sshd_config。", "OpenSSH")  # a Latin name in any case
    assert names("Apple 公司的编码格式", "Apple Lossless")  # one of its words
    assert not names("GnuPG 是一个加密软件。", "OpenSSH")


def test_a_short_answer_without_a_full_stop_is_read_as_an_answer_to_its_question():
    assert topic_of("印度班加罗尔", "九龙巴士32B线的终点站在哪里？") == "九龙巴士32B线"
    assert topic_of("印度班加罗尔是一座城市。", "九龙巴士32B线的终点站在哪里？") == "印度班加罗尔"
