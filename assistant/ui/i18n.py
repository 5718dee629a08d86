"""The page's words in English and Simplified Chinese, side by side, and which of them a browser gets.

Two kinds of text, two ways to the browser:

* **static text** (labels, placeholders, buttons, tab names, help under a control, headings) is
  built once for every visitor: :func:`label` hands Gradio a key (``gr.I18n``'s ``I18nData``)
  and the browser shows the words of its own language (:func:`translations`, given to
  ``demo.launch(i18n=...)``). Gradio chooses from the browser's locale: ``zh-CN`` and ``zh-TW``
  are locales it knows, and its lookups fall back from ``zh-CN`` to ``zh`` before English, so the
  Chinese words are given under all three. A Chinese locale Gradio does not list (a bare ``zh``,
  ``zh-HK``) gets its English labels (Gradio's Settings menu, in the page's footer, switches them;
  its tabs keep the labels they were drawn with, so a script switching the locale after the page
  loaded was tried and dropped) beside Chinese messages from the server.
* **text a handler writes** (status lines, answers' notes, errors, reports) is made per request:
  :func:`request_language` reads the request's ``Accept-Language`` and :func:`text` fills the
  words of that language in. Text from deeper down (a file's name, an error's reason, a
  model's progress line) is kept as it is; only the frame around it is translated. Why a file is
  not added is the exception: its error carries a key and fields (the ``doc_`` words).

A Chinese string is never left equal to its English one except for names (``NAMES``), and both
name the same ``{fields}``: ``tests/test_ui_i18n.py`` checks both.
"""

from __future__ import annotations

from string import Formatter

from core.words import Language, language_of

EN: Language = "en"
ZH: Language = "zh"
ZH_LOCALES = ("zh", "zh-CN", "zh-TW")  # the locales Gradio's frontend may choose for a Chinese browser

# key: (English, 简体中文). Keys name what the text is; a key ending in _one / _many is a count's
# singular and plural (:func:`text_n`).
STRINGS: dict[str, tuple[str, str]] = {
    # -- the page ----------------------------------------------------------------------------------
    "title": ("Grounded assistant", "有据问答助手"),
    "intro": ("## Grounded assistant\nAnswers come from your documents; every statement is checked against them "
              "and marked **\u2714 supported**, **? unsupported** or **\u2716 contradicted** (hover a statement, or "
              "open \u201cEvidence for each statement\u201d under an answer, for its evidence).",
              "## 有据问答助手\n回答来自你上传的文档；回答中的每条陈述都会与文档逐一核对，并标为 **\u2714 有依据**、"
              "**? 无依据** 或 **\u2716 相互矛盾**（把鼠标停在陈述上，或展开回答下方的\u201c每条陈述的证据\u201d，"
              "即可查看证据）。"),
    "model_line": ("Model `{name}` on `{device}`.", "模型 `{name}`，运行于 `{device}`。"),
    "model_loading_line": ("Model `{name}`: {status}", "模型 `{name}`：{status}"),
    # -- chat tab ----------------------------------------------------------------------------------
    "model_note_packaged_default": ("packaged, the default", "内置，默认"),
    "model_note_packaged": ("packaged", "内置"),
    "model_note_converted": ("converted before", "此前已转换"),
    "model_note_gguf_gone": ("converted; its GGUF is gone", "已转换；其 GGUF 文件已不在"),
    "model_note_downloaded": ("downloaded", "已下载"),
    "sign_in": ("Sign in to use the grounded assistant.", "登录后即可使用这个依据文档作答的助手。"),
    "tab_chat": ("Chat", "对话"),
    "chat_window": ("Chat", "对话"),
    "empty_chat": ("**Ask about your documents here.** None yet? Add them in the Documents tab (txt, md, html, "
                   "pdf, docx). Every statement of an answer is checked against them: \u2714 supported, ? "
                   "unsupported, \u2716 contradicted.",
                   "**在这里就你的文档提问**。还没有文档？请先在\u201c文档\u201d标签页添加（txt、md、html、pdf、docx）。"
                   "回答中的每条陈述都会与文档核对：\u2714 有依据、? 无依据、\u2716 相互矛盾。"),
    "phantom_citation_one": ("The answer cites {numbers}, but only 1 passage was given: no source stands behind "
                             "that number.", "回答引用了 {numbers}，但只给出了 1 段：这个编号没有出处。"),
    "phantom_citation_many": ("The answer cites {numbers}, but {n} passages were given: no source stands behind "
                              "that number.", "回答引用了 {numbers}，但只给出了 {n} 段：这个编号没有出处。"),
    "question": ("Question", "问题"),
    "question_placeholder": ("Ask a question about your documents...", "就你的文档提个问题……"),
    "send": ("Send", "发送"),
    "stop": ("Stop", "停止"),
    "retry": ("Retry", "重试"),
    "scope": ("Ask these documents", "只问这些文档"),
    "scope_info": ("none chosen: every document; logged with each answer",
                   "不选即问所有文档；所选文档随每个回答一起记录"),
    "new_chat": ("New chat", "新对话"),
    "chat_list": ("Your chats", "你的对话"),
    "chat_list_info": ("the one used last first", "最近使用的排在最前"),
    "chat_title": ("This chat's title", "本对话的标题"),
    "rename": ("Rename", "重命名"),
    "delete": ("Delete", "删除"),
    "chat_delete_note": ("<small>Deleting a chat takes it off this list; its answers stay in the review log."
                         "</small>",
                         "<small>删除对话只会将它从列表中移除，其中的回答仍保留在审阅记录里。</small>"),
    "chat_opened": ("Opened a saved chat of {n} answers; ask on to continue it.",
                    "已打开一个保存的对话（{n} 个回答），继续提问即可接着聊。"),
    "chat_renamed": ("Renamed to \u201c{title}\u201d.", "已重命名为\u201c{title}\u201d。"),
    "chat_deleted": ("Chat deleted (its answers stay in the review log).", "对话已删除（其中的回答仍保留在审阅记录里）。"),
    "open_chat_first": ("open a chat first (a new chat is saved with its first answer)",
                        "请先打开一个对话（新对话在得到第一个回答后才会保存）"),
    "open_a_chat_first": ("open a chat first", "请先打开一个对话"),
    # -- settings ----------------------------------------------------------------------------------
    "settings": ("Settings", "设置"),
    "passages": ("Passages per answer", "每个回答参考的段落数"),
    "verifier": ("Verifier", "核查模型"),
    "threshold": ("Support threshold", "有依据阈值"),
    "threshold_info": ("a statement is supported when its score reaches this; {value} is the {verifier} verifier's "
                       "calibrated value",
                       "陈述的分数达到此值即判为有依据；{value} 是{verifier}校准后的取值"),
    "no_checker": ("no checker", "未配置核查"),
    "max_tokens": ("Most tokens per answer", "每个回答最多的词元数"),
    "model": ("Model", "模型"),
    "model_info": ("the models this machine has, or type a Hugging Face id, a folder or a .gguf file; loading one "
                   "changes it for every session",
                   "本机已有的模型，也可输入 Hugging Face 模型名、文件夹或 .gguf 文件；加载后所有会话都会换用它"),
    "adapter": ("LoRA adapter", "LoRA 适配器"),
    "adapter_info": ("none, one trained here (finetune), or type a folder",
                     "不用、选一个在本机训练（finetune）的，或输入文件夹"),
    "adapter_none": ("none", "不用"),
    "load_model": ("Load model", "加载模型"),
    "loading_model": ("loading {name}...", "正在加载 {name}……"),
    "loading_verifier": ("loading the {name} verifier...", "正在加载核查模型 {name}……"),
    "model_switched": ("Now answering with `{name}` on `{device}` (for every session).",
                       "现在由 `{name}`（运行于 `{device}`）回答所有会话的问题。"),
    "waiting_for_model": ("waiting for the model: {status}", "等待模型：{status}"),
    # -- answers -----------------------------------------------------------------------------------
    "type_a_question": ("Type a question first.", "请先输入问题。"),
    "question_too_long": ("{reason}. Put long text in a document and ask about it.",
                          "{reason}。请把长文本放进文档，再就文档提问。"),
    "broken_character": ("The question holds a broken character (a lone surrogate); type or paste it again.",
                         "问题中有一个损坏的字符（孤立的代理项）；请重新输入或粘贴。"),
    "chat_full": ("This chat holds {n} messages; a chat may hold at most {most} (setting requests.max_messages). "
                  "Start a new chat.",
                  "本对话已有 {n} 条消息，一个对话最多 {most} 条（设置项 requests.max_messages）。请新建对话。"),
    "nothing_to_retry": ("Nothing to retry yet.", "还没有可以重试的回答。"),
    "answering": ("answering...", "正在回答……"),
    "answering_again": ("answering again (sampled: another answer)...", "正在重新回答（采样生成另一个回答）……"),
    "checking_one": ("checking {n} statement...", "正在核查 {n} 条陈述……"),
    "checking_many": ("checking {n} statements...", "正在核查 {n} 条陈述……"),
    "not_checked_status": ("Answer not checked (no checker configured).", "回答未经核查（未配置核查）。"),
    "checked_status": ("Checked by {verifier} in {seconds} s: {counts}.{rule}",
                       "由{verifier}核查，用时 {seconds} 秒：{counts}。{rule}"),
    "no_statements": ("no statements", "没有陈述"),
    "count": ("{n} {label}", "{label} {n} 条"),
    "list_sep": (", ", "，"),
    "support_rule": (" (a statement is supported when its score, the verifier's confidence that the passages say "
                     "it, reaches {threshold})",
                     "（陈述的分数即核查模型认为段落说了这句话的把握，分数达到 {threshold} 即判为有依据）"),
    "withheld_status": (" The answer is withheld.", "回答已被扣下。"),
    "ending_cancelled": ("You stopped the answer here; what it said is checked all the same.",
                         "你在这里停止了回答；已说出的内容照样会被核查。"),
    "ending_repetition": ("The answer began to repeat itself and was stopped there.",
                          "回答开始重复，已在此处停止。"),
    "ending_length": ("The answer reached the most tokens per answer and was cut there.",
                      "回答达到了每个回答最多的词元数，已在此处截断。"),
    "ending_abstained": ("The model was not sure enough that these passages answer the question, so it did not guess "
                         "(generation.abstain_bias). Ask it another way, or add a document that answers it.",
                         "模型没有足够把握认为这些段落能回答这个问题，因此没有瞎猜（generation.abstain_bias）。"
                         "请换个问法，或添加能回答它的文档。"),
    "ending_withheld": ("The checker found no statement of the model's answer supported by these passages, so the "
                        "answer is withheld (checker.withhold); its draft is below, as checked. Ask it another way, "
                        "or add a document that answers it.",
                        "核查发现模型的回答中没有一条陈述能从这些段落中找到依据，因此回答被扣下（checker.withhold）；"
                        "核查过的草稿见下方。请换个问法，或添加能回答它的文档。"),
    "ending_withheld_answer": ("The checker found no support in these passages for what the model's answer says to "
                               "the question, so the answer is withheld (checker.withhold) though other statements of "
                               "it are supported; its draft is below, as checked. Ask it another way, or add a "
                               "document that answers it.",
                               "核查发现模型回答中回答这个问题的陈述在这些段落中找不到依据，因此回答被扣下"
                               "（checker.withhold），尽管其他陈述有依据；核查过的草稿见下方。请换个问法，或添加能回答它的文档。"),
    "ending_withheld_flag": ("The checker flagged a statement of the model's answer, so the answer is withheld "
                             "(checker.withhold); its draft is below, as checked. Ask it another way, or add a "
                             "document that answers it.",
                             "核查标记了模型回答中的一条陈述，因此回答被扣下（checker.withhold）；核查过的草稿见下方。"
                             "请换个问法，或添加能回答它的文档。"),
    "ending_withheld_empty": ("The model's answer said nothing but passage numbers or a lead-in, so the refusal is "
                              "shown instead (checker.withhold); its draft is below. Read the passages it points to, "
                              "ask it another way, or add a document that answers it.",
                              "模型的回答只有段落编号或引导语，没有说出任何内容，因此改为显示拒答（checker.withhold）；"
                              "草稿见下方。请阅读它所指的段落、换个问法，或添加能回答它的文档。"),
    "no_passages": ("No passage was found for this question (add documents in the Documents tab, or ask more of "
                    "them): this answer is the model's own, and nothing here can support it.",
                    "没有找到与这个问题相关的段落（请在\u201c文档\u201d标签页添加文档，或选择更多文档来提问）："
                    "这个回答完全出自模型本身，这里的文档无法为它提供依据。"),
    "withheld_draft": ("The withheld draft", "被扣下的草稿"),
    "withheld_reply": ("I have no answer that these documents support.", "我给不出这些文档能支持的回答。"),
    "not_checked_note": ("Not checked: no checker is configured.", "未核查：未配置核查。"),
    "sources": ("Sources", "来源"),
    "retrieved_passages": ("Retrieved passages (none cited)", "检索到的段落（均未被引用）"),
    "open_for_text": (" (open one for its text):", "（展开可查看原文）："),
    "also_checked": ("Also checked against", "还核对了"),
    "not_cited": (" (not cited by the answer):", "（回答未引用）："),
    "page": (", page {page}", "，第 {page} 页"),
    "whole_page": ("The whole page {page}", "第 {page} 页全文"),
    "evidence_spans_one": ("({n} evidence span)", "（{n} 处证据）"),
    "evidence_spans_many": ("({n} evidence spans)", "（{n} 处证据）"),
    "the_passage": ("the passage", "该段落"),
    "evidence_for": ("evidence for statement {n} ({label})", "第 {n} 条陈述的证据（{label}）"),
    "not_a_logged_answer": ("That message is not an answer that was logged.", "这条消息不是已记录的回答。"),
    "not_logged": ("Answers are not logged here (no flag log).", "这里不记录回答（没有标记日志）。"),
    "thanks_up": ("Thanks: thumbs up logged for turn {turn}.", "谢谢：已为回答 {turn} 记下\u201c赞\u201d。"),
    "thanks_down": ("Thanks: thumbs down logged for turn {turn}.", "谢谢：已为回答 {turn} 记下\u201c踩\u201d。"),
    # -- verdicts (highlight.py) -------------------------------------------------------------------
    "supported": ("supported", "有依据"),
    "unsupported": ("unsupported", "无依据"),
    "contradicted": ("contradicted", "相互矛盾"),
    "not_a_claim": ("not a claim", "非事实陈述"),
    "not_checked_tip": ("not checked: {reason}", "未核查：{reason}"),
    # why a statement is not a claim (``assistant/checking/statements.py``'s reasons, logged in English)
    "reason_no_content": ("no content", "没有内容"),
    "reason_question": ("question", "是一个问题"),
    "reason_says_it_does_not_know": ("says it does not know", "回答说不知道"),
    "reason_greeting_or_courtesy": ("greeting or courtesy", "问候或客套话"),
    "reason_a_lead-in_to_what_follows": ("a lead-in to what follows", "引出下文的话"),
    "reason_points_to_its_source": ("points to its source", "指向出处"),
    "reason_unfinished:_the_answer_stops_here": ("unfinished: the answer stops here", "未说完：回答在此中断"),
    "reason_restates_the_question": ("restates the question", "只是复述问题"),
    "reason_a_citation_where_its_answer_should_be": ("a citation where its answer should be", "用引用代替了答案"),
    "score_tip": ("{label} (score {score})", "{label}（分数 {score}）"),
    "evidence_tip": ("evidence from {where}: {evidence}", "证据来自 {where}：{evidence}"),
    "the_given_evidence": ("the given evidence", "所给证据"),
    "untitled": ("untitled", "无标题"),
    "page_of": ("page {page}", "第 {page} 页"),
    "verdict_row": ("{icon} <strong>{label}</strong> ({score}): {statement}",
                    "{icon} <strong>{label}</strong>（{score}）：{statement}"),
    "evidence_row": ("{where}: {evidence}", "{where}：{evidence}"),
    "no_evidence_found": ("no evidence found", "未找到证据"),
    "answered_elsewhere": ("the passage says this, but answers the question elsewhere: “{place}”",
                           "这段文字虽有此说，但它对这个问题的回答在别处：“{place}”"),
    "unnamed_topic": ("none of the passages names “{topic}”", "没有一段证据提到此处所说的“{topic}”"),
    "evidence_for_each": ("Evidence for each statement", "每条陈述的证据"),
    "checked_by": ("Checked by {verifier}: {counts}", "由{verifier}核查：{counts}"),
    "score_meaning": ("The score is the verifier's confidence, from 0 to 1, that the passages say the statement"
                      "{rule}. Supported: the passages say it. Unsupported: they do not say it (it may still be "
                      "true). Contradicted: they say otherwise.",
                      "分数是核查模型认为段落说了这条陈述的把握，从 0 到 1{rule}。有依据：段落里说了。"
                      "无依据：段落里没说（它仍可能是真的）。相互矛盾：段落里说的与之相反。"),
    "score_rule": ("; a statement is supported from {threshold}", "；分数达到 {threshold} 即判为有依据"),
    # -- documents tab -----------------------------------------------------------------------------
    "tab_documents": ("Documents", "文档"),
    "uploads": ("Add documents (txt, md, html, pdf, docx, or plain text)",
                "添加文档（txt、md、html、pdf、docx 或纯文本）"),
    "add_documents": ("Add to the index", "加入索引"),
    "indexed_documents": ("Indexed documents", "已索引的文档"),
    "document": ("Document", "文档"),
    "col_title": ("title", "标题"),
    "col_type": ("type", "类型"),
    "col_pages": ("pages", "页数"),
    "col_chunks": ("chunks", "分块数"),
    "col_added": ("added", "添加时间"),
    "col_id": ("id", "编号"),
    "document_choice": ("{title} ({kind}, {chunks} chunks)", "{title}（{kind}，{chunks} 个分块）"),
    "no_index": ("no document index is open", "没有打开的文档索引"),
    "choose_files": ("choose one or more files first", "请先选择一个或多个文件"),
    "choose_document": ("choose a document to delete", "请选择要删除的文档"),
    "reading_files": ("reading {names}...", "正在读取 {names}……"),
    "and_more": ("{names} and {n} more", "{names} 及另外 {n} 个文件"),
    "upload_summary": ("**{added} added, {replaced} replaced, {unchanged} unchanged, {refused} not added** "
                       "({chunks} chunks in {seconds} s)",
                       "**新增 {added} 个，替换 {replaced} 个，未变 {unchanged} 个，未添加 {refused} 个**"
                       "（共 {chunks} 个分块，用时 {seconds} 秒）"),
    "upload_added": ("- added: {name} ({chunks} chunks)", "- 已添加：{name}（{chunks} 个分块）"),
    "upload_replaced": ("- replaced: {name} ({chunks} chunks)", "- 已替换：{name}（{chunks} 个分块）"),
    "upload_unchanged": ("- unchanged (already indexed): {name}", "- 未变（已在索引中）：{name}"),
    "upload_not_added": ("- **not added: {name}**: {reason}", "- **未添加：{name}**：{reason}"),
    "cannot_be_read": ("cannot be read ({reason})", "无法读取（{reason}）"),
    "same_name": ("another file in this upload has the same name; upload one of them",
                  "本次上传中有另一个同名文件；请只上传其中一个"),
    "deleted": ("Deleted {title} ({chunks} chunks). Flags on earlier answers keep their evidence.",
                "已删除 {title}（{chunks} 个分块）。早先回答上的标记仍保留其证据。"),
    # -- why a document is not added (index/load.py, ingest.py, parse_worker.py) -------------------
    # "doc_" + a DocumentError's key, filled in with its fields; the English is its reason, word for word
    "doc_unsupported_type": ("unsupported file type {suffix}; supported: {supported}, and plain text without an extension",
                             "不支持的文件类型 {suffix}；支持的类型：{supported}，以及没有扩展名的纯文本"),
    "doc_empty": ("is empty", "是空文件"),
    "doc_too_big": ("is {mb} MB, over the {limit_mb} MB limit (setting index.max_file_mb)",
                    "大小为 {mb} MB，超过 {limit_mb} MB 的上限（设置项 index.max_file_mb）"),
    "doc_grew": ("grew past the {limit_mb} MB limit while it was read (setting index.max_file_mb)",
                 "读取过程中文件变大，超过了 {limit_mb} MB 的上限（设置项 index.max_file_mb）"),
    "doc_too_much_text": ("has more than {limit} characters of text (setting index.max_text_chars); not added",
                          "文本超过 {limit} 个字符（设置项 index.max_text_chars）；未添加"),
    "doc_cannot_be_read": ("cannot be read ({reason})", "无法读取（{reason}）"),
    "doc_not_utf8": ("is not valid UTF-8 (bad byte 0x{byte} at offset {offset}); save it as UTF-8 and add it again",
                     "不是有效的 UTF-8 编码（偏移 {offset} 处有无效字节 0x{byte}）；请另存为 UTF-8 后再添加"),
    "doc_not_utf16": ("is not valid UTF-16 ({problem} at offset {offset}); save it as UTF-8 and add it again",
                      "不是有效的 UTF-16 编码（偏移 {offset} 处：{problem}）；请另存为 UTF-8 后再添加"),
    "doc_binary": ("looks like a binary file (it contains NUL bytes), not text", "看起来是二进制文件（含有 NUL 字节），不是文本"),
    "doc_encrypted_pdf": ("is an encrypted PDF; remove the password and add it again", "是加密的 PDF；请去掉密码后再添加"),
    "doc_too_many_pages": ("has {pages} pages, over the {limit}-page limit (setting index.max_pages); not added",
                           "共 {pages} 页，超过 {limit} 页的上限（设置项 index.max_pages）；未添加"),
    "doc_unpacks_too_big": ("unpacks to {mb} MB, over the {limit_mb} MB limit (a zip bomb? settings "
                            "index.unpack_ratio, index.unpack_floor_mb); not read",
                            "解压后有 {mb} MB，超过 {limit_mb} MB 的上限（可能是压缩炸弹？设置项 index.unpack_ratio、"
                            "index.unpack_floor_mb）；未读取"),
    "doc_unreadable_pdf": ("is not a readable PDF ({error})", "不是可读取的 PDF（{error}）"),
    "doc_unreadable_docx": ("is not a readable .docx file ({error})", "不是可读取的 .docx 文件（{error}）"),
    "doc_unreadable_jsonl": ("is not a readable JSONL file ({error})", "不是可读取的 JSONL 文件（{error}）"),
    "doc_unreadable_html": ("is not readable HTML ({error})", "不是可读取的 HTML（{error}）"),
    "doc_unreadable_text": ("cannot be read as text ({error})", "无法作为文本读取（{error}）"),
    "doc_no_text": ("has no text to index", "没有可索引的文本"),
    "doc_no_text_pdf": ("has no text to index (a scanned PDF needs OCR first)",
                        "没有可索引的文本（扫描版 PDF 需要先做 OCR 文字识别）"),
    "doc_jsonl_not_json": ("line {line} is not valid JSON ({problem})", "第 {line} 行不是有效的 JSON（{problem}）"),
    "doc_jsonl_too_deep": ("line {line} is nested too deeply", "第 {line} 行嵌套过深"),
    "doc_jsonl_surrogate": ("line {line} holds a lone surrogate (\\u{code}), which is not text",
                            "第 {line} 行含有孤立的代理码位（\\u{code}），不是文本"),
    "doc_jsonl_not_object": ("line {line} is not a JSON object", "第 {line} 行不是 JSON 对象"),
    "doc_jsonl_no_id": ("line {line} has no \"id\" (string or number)", "第 {line} 行没有 \"id\"（字符串或数字）"),
    "doc_jsonl_no_text": ("line {line} has no non-empty \"text\"", "第 {line} 行没有非空的 \"text\""),
    "doc_not_a_file": ("is not a regular file", "不是普通文件"),
    "doc_not_found": ("not found", "找不到该文件"),
    "doc_same_content": ("same content as {other}, already added", "内容与已添加的 {other} 相同"),
    "doc_worker_not_started": ("could not be parsed: the parsing process could not be started ({reason})",
                               "无法解析：解析进程无法启动（{reason}）"),
    "doc_worker_did_not_start": ("could not be parsed: the parsing process did not start (exit status {code}; "
                                 "its error is in the log)", "无法解析：解析进程未能启动（退出状态 {code}；错误信息见日志）"),
    "doc_worker_stopped": ("could not be parsed: the parsing process stopped taking files", "无法解析：解析进程已不再接收文件"),
    "doc_worker_nonsense": ("could not be parsed: the parsing process answered nonsense ({error})",
                            "无法解析：解析进程返回了无法识别的应答（{error}）"),
    "doc_worker_died": ("the parsing process died while reading it (exit status {code}); the file was skipped",
                        "解析进程在读取时意外退出（退出状态 {code}）；已跳过该文件"),
    "doc_parse_memory": ("parsing needed more than {mb} MB of memory (index.parse_memory_mb); the file was skipped",
                         "解析所需内存超过 {mb} MB（index.parse_memory_mb）；已跳过该文件"),
    "doc_parse_seconds": ("parsing took more than {seconds} s (index.parse_seconds); the file was skipped",
                          "解析用时超过 {seconds} 秒（index.parse_seconds）；已跳过该文件"),
    "doc_parse_cpu_seconds": ("parsing took more than {seconds} s of CPU (index.parse_seconds); the file was skipped",
                              "解析占用的 CPU 时间超过 {seconds} 秒（index.parse_seconds）；已跳过该文件"),
    # -- review tab --------------------------------------------------------------------------------
    "tab_review": ("Review", "审阅"),
    "verdict": ("Verdict", "判定"),
    "review_state": ("Review", "审阅状态"),
    "all": ("all", "全部"),
    "unreviewed": ("unreviewed", "未审阅"),
    "reviewed": ("reviewed", "已审阅"),
    "confirmed": ("confirmed", "已确认"),
    "rejected": ("rejected", "已驳回"),
    "mixed": ("mixed", "不一"),
    "all_documents": ("all documents", "全部文档"),
    "grouped": ("Group alike flags", "合并相同的标记"),
    "grouped_info": ("one row for a statement flagged many times", "被多次标记的同一陈述只占一行"),
    "refresh": ("Refresh", "刷新"),
    "flagged_statements": ("Flagged statements", "被标记的陈述"),
    "col_when": ("when", "时间"),
    "col_verdict": ("verdict", "判定"),
    "col_score": ("score", "分数"),
    "col_statement": ("statement", "陈述"),
    "col_question": ("question", "问题"),
    "col_evidence_from": ("evidence from", "证据来源"),
    "col_review": ("review", "审阅"),
    "col_count": ("count", "次数"),
    "review_keys": ("Keys, outside a text box: **c** confirm, **r** reject, **shift+c** / **shift+r** the same for "
                    "every flag alike, **n** the next flag.",
                    "快捷键（焦点不在文本框时）：**c** 确认，**r** 驳回，**shift+c** / **shift+r** 对所有相同的标记"
                    "执行同样操作，**n** 打开下一个标记。"),
    "statement_id": ("Statement id", "陈述编号"),
    "statement_id_placeholder": ("click a row, or type its id", "点击表格中的一行，或输入其编号"),
    "open": ("Open", "打开"),
    "correction": ("Corrected answer (prefilled with the suggested correction; stored when you confirm)",
                   "更正后的回答（已预填建议的更正；确认时保存）"),
    "note": ("Note (optional)", "备注（可选）"),
    "confirm": ("Confirm: a hallucination", "确认：是幻觉"),
    "reject": ("Reject: a false alarm", "驳回：是误报"),
    "regenerate": ("Regenerate the suggestion", "重新生成建议"),
    "confirm_alike": ("Confirm it and every flag alike", "确认此条及所有相同的标记"),
    "reject_alike": ("Reject it and every flag alike", "驳回此条及所有相同的标记"),
    "pick_a_flag": ("Pick a flag from the table.", "请从表格中选择一个标记。"),
    "pick_a_flag_first": ("pick a flag from the table first", "请先从表格中选择一个标记"),
    "pick_a_flag_got": ("pick a flag from the table (got {value})", "请从表格中选择一个标记（收到的是 {value}）"),
    "question_heading": ("**Question:** {question}", "**问题**：{question}"),
    "flag_evidence": ("<p><strong>{label}</strong> (score {score}): {statement}</p><p><small>best evidence, from "
                      "{where}:</small></p><blockquote>{evidence}</blockquote>",
                      "<p><strong>{label}</strong>（分数 {score}）：{statement}</p><p><small>最佳证据，来自 "
                      "{where}：</small></p><blockquote>{evidence}</blockquote>"),
    "no_document": ("no document", "无文档"),
    "none_found": ("none found", "未找到"),
    "reviewed_as": ("reviewed: {decision}", "已审阅：{decision}"),
    "with_note": (" ({note})", "（{note}）"),
    "not_reviewed_yet": ("not reviewed yet", "尚未审阅"),
    "correction_stored": ("; a correction is stored ({origin})", "；已保存一条更正（{origin}）"),
    "was_withheld": ("; this answer was withheld (checker.withhold): the reader was told there was no supported "
                     "answer, not shown this draft",
                     "；这个回答曾被扣下（checker.withhold）：读者看到的是“没有能支持的回答”，而不是这份草稿"),
    "alike_waiting_one": ("; {n} more flag alike this one waits for review (\u201call alike\u201d decides them "
                          "together)",
                          "；另有 {n} 个相同的标记等待审阅（用\u201c所有相同的标记\u201d按钮可一并处理）"),
    "alike_waiting_many": ("; {n} more flags alike this one wait for review (\u201call alike\u201d decides them "
                           "together)",
                           "；另有 {n} 个相同的标记等待审阅（用\u201c所有相同的标记\u201d按钮可一并处理）"),
    "decided": ("Statement {id}: {decision}.", "陈述 {id}：{decision}。"),
    "decided_corrected": ("Statement {id}: {decision}; correction stored.", "陈述 {id}：{decision}；更正已保存。"),
    "decided_alike_one": ("{n} flag alike statement {id}: {decision}.", "与陈述 {id} 相同的 {n} 个标记：{decision}。"),
    "decided_alike_many": ("{n} flags alike statement {id}: {decision}.", "与陈述 {id} 相同的 {n} 个标记：{decision}。"),
    # -- export tab --------------------------------------------------------------------------------
    "tab_export": ("Export", "导出"),
    "format": ("Format", "格式"),
    "format_info": ("sft: conversations ending in the verified or corrected answer (TRL SFTTrainer); dpo: prompt, "
                    "chosen (corrected) and rejected (flagged) answer (TRL DPOTrainer); kto: prompt and one answer "
                    "labelled good or bad (TRL KTOTrainer); nli: premise / hypothesis / label pairs from reviewed "
                    "statements, to retrain the verifier",
                    "sft：以核实过或更正后的回答结尾的对话（TRL SFTTrainer）；dpo：提示词、选中的（更正后的）与被拒的"
                    "（被标记的）回答（TRL DPOTrainer）；kto：提示词和一个标为好或坏的回答（TRL KTOTrainer）；"
                    "nli：由审阅过的陈述得到的前提 / 假设 / 标签三元组，用于重新训练核查模型"),
    "export_verdict": ("Flags of this verdict only", "只导出此判定的标记"),
    "reviewed_only": ("Reviewed answers only", "只导出审阅过的回答"),
    "reviewed_only_info": ("a correction, a decision on each flag, or a thumbs up or down",
                           "有更正、每个标记都已裁定，或有赞 / 踩"),
    "held_out": ("Held-out share (by question)", "留出集比例（按问题划分）"),
    "since": ("From (YYYY-MM-DD, optional)", "起始日期（YYYY-MM-DD，可选）"),
    "until": ("Until (YYYY-MM-DD, optional)", "截止日期（YYYY-MM-DD，可选）"),
    "export": ("Export", "导出"),
    "download": ("Download", "下载"),
    "export_summary_one": ("**{rows} row** ({train} train, {held_out} held out) from {turns} turns, written to "
                           "`{file}`.",
                           "**{rows} 行**（训练 {train} 行，留出 {held_out} 行），来自 {turns} 轮问答，已写入 "
                           "`{file}`。"),
    "export_summary_many": ("**{rows} rows** ({train} train, {held_out} held out) from {turns} turns, written to "
                            "`{file}`.",
                            "**{rows} 行**（训练 {train} 行，留出 {held_out} 行），来自 {turns} 轮问答，已写入 "
                            "`{file}`。"),
    "export_nothing": (" Nothing matched: review some flags first, or include unreviewed answers.",
                       "没有符合条件的内容：请先审阅一些标记，或把未审阅的回答也包括进来。"),
    # -- dashboard tab -----------------------------------------------------------------------------
    "tab_dashboard": ("Dashboard", "仪表盘"),
    "rate_plot": ("Share of statements flagged, by day", "每天被标记陈述的比例"),
    "mix_plot": ("Verdict mix", "判定分布"),
    "document_plot": ("Flags by document (best evidence)", "各文档的标记数（按最佳证据）"),
    "axis_day": ("day", "日期"),
    "axis_flagged_share": ("flagged share", "被标记比例"),
    "axis_statements": ("statements", "陈述数"),
    "axis_verdict": ("verdict", "判定"),
    "axis_document": ("document", "文档"),
    "axis_flags": ("flags", "标记数"),
    "nothing_yet": ("No answers logged yet.", "还没有记录任何回答。"),
    "summary_answers": ("- **{turns}** answers logged, **{checked}** statements checked",
                        "- 已记录 **{turns}** 个回答，核查了 **{checked}** 条陈述"),
    "summary_flagged": ("- **{share}** of statements flagged", "- **{share}** 的陈述被标记"),
    "summary_none_checked": ("- no statements checked yet", "- 还没有核查过陈述"),
    "summary_answers_flagged": ("- **{share}** of answers have a flag", "- **{share}** 的回答带有标记"),
    "summary_reviewed": ("- reviewed: {confirmed} confirmed, {rejected} rejected, {waiting} waiting",
                         "- 审阅：已确认 {confirmed} 个，已驳回 {rejected} 个，待审阅 {waiting} 个"),
}

# Keys whose Chinese is the English on purpose: names (none yet; a model or file type's name would go here).
NAMES: frozenset[str] = frozenset()


def language(accept_language: str | None) -> Language:
    """The page's language for an ``Accept-Language`` header: Chinese when the browser's first
    choice (by weight, then order) is a ``zh`` tag, English otherwise (and without a header)."""
    tags = []
    for at, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                weight = 0.0  # a weight that does not parse is not a preference
        if tag.strip():
            tags.append((-weight, at, tag.strip().lower()))
    if not tags:
        return EN
    first = min(tags)[2]
    return ZH if first == "zh" or first.startswith("zh-") else EN


def request_language(request) -> Language:
    """The language of a Gradio request (``gr.Request``; None outside a request: English)."""
    headers = getattr(request, "headers", None)
    return language(headers.get("accept-language") if headers is not None else None)


def text(key: str, lang: str = EN, **fields) -> str:
    """The words of ``key`` in ``lang`` (English for any language but Chinese), ``fields`` filled in."""
    english, chinese = STRINGS[key]
    words = chinese if lang == ZH else english
    return words.format(**fields) if fields else words


def withheld_reply(question: str) -> str:
    """What the reader is told in place of a withheld answer, in the question's language. Not the model's
    refusal ("...the documents do not hold the answer"): a withheld draft may have cited a passage that
    does hold it (a new user's "how do I quit Vim?" got a bare "[1]" on the passage saying ":q!")."""
    return text("withheld_reply", language_of(question))


def text_n(key: str, n: int, lang: str = EN, **fields) -> str:
    """``key``'s singular (``key_one``) or plural (``key_many``) for ``n``, with ``n`` among the fields."""
    return text(f"{key}_one" if n == 1 else f"{key}_many", lang, n=n, **fields)


def reason_words(reason: str, lang: str = EN) -> str:
    """Why a statement is not a claim (a reason as ``statements.py`` logs it) in ``lang``; a reason
    the page has no words for, as it is."""
    key = "reason_" + reason.replace(" ", "_")
    return text(key, lang) if key in STRINGS else reason


def headings(columns, lang: str = EN) -> list[str]:
    """A table's column names (``"evidence from"``...) as headings in ``lang`` (keys ``col_evidence_from``...)."""
    return [text("col_" + column.replace(" ", "_"), lang) for column in columns]


def verdict_name(label: str, lang: str = EN) -> str:
    """A verdict or review state (``supported``, ``unreviewed``, ``confirmed``...) in words; another
    value (one that is not the page's) as it is."""
    return text(label, lang) if label in VALUE_NAMES else label


# the verifiers' setting names, as the Chinese page says them (English keeps the names the settings use)
VERIFIER_WORDS_ZH = {"trained": "自训练模型", "overlap": "词语重叠", "llm": "对话模型", "nli": "NLI 模型"}


def verifier_words(name: str | None, lang: str = EN) -> str | None:
    """A verifier's name as the page says it in ``lang``: "trained" is 自训练模型 on the Chinese page."""
    return VERIFIER_WORDS_ZH.get(name, name) if lang == ZH and name else name


# a document's kind as the Chinese page says it (the English page shows the kind's own name)
KIND_WORDS_ZH = {"text": "纯文本", "markdown": "Markdown", "html": "HTML", "pdf": "PDF", "docx": "Word（docx）",
                 "jsonl": "JSONL"}


def kind_words(kind: str, lang: str = EN) -> str:
    """A document's kind as the page says it in ``lang``: "text" is 纯文本 on the Chinese page."""
    return KIND_WORDS_ZH.get(kind, kind) if lang == ZH else kind


def model_words(name: str, lang: str = EN) -> str:
    """A model's name as the page says it: a packaged model's "(packaged)" in ``lang``."""
    return name.replace(" (packaged)", f" ({text('model_note_packaged', lang)})") if lang == ZH else name


VALUE_NAMES = frozenset({"supported", "unsupported", "contradicted", "all", "unreviewed", "reviewed", "confirmed",
                         "rejected", "mixed"})


def fields_of(words: str) -> set[str]:
    """The ``{fields}`` a string names."""
    return {name for _, name, _, _ in Formatter().parse(words) if name}


def label(key: str):
    """Static text for a component: a key the browser shows in its own language (see :func:`translations`)."""
    from gradio.i18n import I18nData

    if key not in STRINGS:
        raise KeyError(f"no words for {key!r} in assistant/ui/i18n.py")
    return I18nData(key)


def translations():
    """``gr.I18n`` of every key, English and Chinese (under each locale Gradio may choose for Chinese)."""
    import gradio as gr

    english = {key: en for key, (en, _) in STRINGS.items()}
    chinese = {key: zh for key, (_, zh) in STRINGS.items()}
    return gr.I18n(en=english, **{locale: chinese for locale in ZH_LOCALES})
