"""Every user-facing string, in English and Russian, chosen by the user's Telegram language."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Texts:
    """One language's strings; methods take the values a sentence needs."""

    button_new_dialog: str
    button_help: str
    greeting_template: str
    help: str
    new_dialog: str
    dropped_template: str
    unknown_command: str
    non_text: str
    inbox_full_template: str
    rate_limited: str
    not_allowed: str
    shutting_down: str
    model_timeout: str
    model_rate_limited: str
    model_unavailable: str
    model_rejected: str
    model_context_too_long: str
    model_bad_credentials: str
    empty_reply: str
    send_failed: str
    internal_error: str
    stopped: str
    storage_unavailable: str
    stopped_suffix: str
    cancel_nothing: str
    cancel_stopped: str
    cancel_dropped_template: str
    retry_nothing: str
    command_start: str
    command_help: str
    command_cancel: str
    command_retry: str

    def cancelled(self, stopped: bool, dropped: int) -> str:
        """What /cancel did: the reply it stopped and the queued messages it dropped."""
        if not stopped and dropped == 0:
            return self.cancel_nothing
        lines = [self.cancel_stopped] if stopped else []
        if dropped:
            lines.append(self.cancel_dropped_template.format(count=dropped))
        return "\n".join(lines)

    def greeting(self, first_name: str) -> str:
        return self.greeting_template.format(name=first_name)

    def new_dialog_dropping(self, dropped: int) -> str:
        """The new-dialog note, saying how many waiting messages were left unanswered."""
        if dropped == 0:
            return self.new_dialog
        return self.new_dialog + "\n" + self.dropped_template.format(count=dropped)

    def inbox_full(self, limit: int) -> str:
        return self.inbox_full_template.format(limit=limit)


EN = Texts(
    button_new_dialog="🆕 New dialog",
    button_help="❓ Help",
    greeting_template=(
        "Hi, {name}! I'm a chat bot that answers with a large language model served by Groq.\n\n"
        "Just write to me. I remember our dialog, so you can ask follow-up questions. "
        "Press “New dialog” to start over, or “Help” to learn more."
    ),
    help=(
        "How to talk to me:\n"
        "• Write any question or task in plain text, in any language.\n"
        "• I remember the dialog, so follow-up questions work.\n"
        "• You can send several messages in a row: each gets its own answer, in order.\n"
        "• “New dialog” or /start makes me forget the dialog and start fresh.\n"
        "• /cancel stops the answer in progress; /retry writes the last answer anew.\n\n"
        "I read text only: photos, voice notes, stickers and files are not understood yet."
    ),
    new_dialog="Started a new dialog. What would you like to talk about?",
    dropped_template="({count} waiting message(s) from the old dialog were left unanswered.)",
    unknown_command="I don't know that command. Send /help to see what I can do.",
    non_text=("I can only read text for now. Please type your question and I'll answer it."),
    inbox_full_template=(
        "You already have {limit} messages waiting for an answer, so this one was not queued. "
        "Please wait for the answers, then send it again."
    ),
    rate_limited=(
        "You're sending messages too fast, so this one was not queued. "
        "Please wait a moment and send it again."
    ),
    not_allowed="Sorry, this is a private bot and you are not on its list of users.",
    shutting_down=(
        "The bot is restarting, so this message was not answered. "
        "Please send it again in a minute."
    ),
    model_timeout="The model took too long to answer. Please try again in a moment.",
    model_rate_limited=(
        "The model is overloaded with requests right now. Please try again in a minute."
    ),
    model_unavailable="The model is temporarily unavailable. Please try again a bit later.",
    model_rejected=(
        "The model could not process this message. Try rephrasing it, or start a new dialog."
    ),
    model_context_too_long=(
        "This message is too long for the model even on its own. "
        "Please shorten it or split it into parts."
    ),
    model_bad_credentials=(
        "The bot cannot reach its model because of a configuration problem. "
        "The owner will find the details in the logs."
    ),
    empty_reply="The model returned an empty answer. Please try rephrasing your message.",
    send_failed="I could not deliver the answer to this message. Please send it again.",
    internal_error=(
        "Something went wrong while answering this message. "
        "Please try again; your dialog is intact."
    ),
    stopped="⏹ Stopped before the answer was ready.",
    storage_unavailable=(
        "The bot's storage is temporarily unavailable, so this message was not handled. "
        "Please send it again in a minute."
    ),
    stopped_suffix="⏹ _stopped_",
    cancel_nothing="There is nothing to stop: no answer is being written.",
    cancel_stopped="⏹ Stopped the answer in progress.",
    cancel_dropped_template="Dropped {count} waiting message(s); they will not be answered.",
    retry_nothing="There is no answer to regenerate yet.",
    command_start="Start a new dialog",
    command_help="How to use the bot",
    command_cancel="Stop the answer in progress",
    command_retry="Regenerate the last answer",
)

RU = Texts(
    button_new_dialog="🆕 Новый диалог",
    button_help="❓ Помощь",
    greeting_template=(
        "Привет, {name}! Я чат-бот, который отвечает с помощью большой языковой модели "
        "на Groq.\n\n"
        "Просто напишите мне. Я помню наш диалог, так что можно задавать уточняющие вопросы. "
        "Нажмите «Новый диалог», чтобы начать заново, или «Помощь», чтобы узнать больше."
    ),
    help=(
        "Как со мной общаться:\n"
        "• Напишите вопрос или задачу обычным текстом, на любом языке.\n"
        "• Я помню диалог, поэтому уточняющие вопросы работают.\n"
        "• Можно отправить несколько сообщений подряд: на каждое придёт свой ответ, по порядку.\n"
        "• «Новый диалог» или /start — я забуду диалог и начну с чистого листа.\n"
        "• /cancel останавливает текущий ответ; /retry пишет последний ответ заново.\n\n"
        "Я понимаю только текст: фото, голосовые, стикеры и файлы пока не читаю."
    ),
    new_dialog="Начали новый диалог. О чём поговорим?",
    dropped_template=(
        "(Ожидавших ответа сообщений из прошлого диалога осталось без ответа: {count}.)"
    ),
    unknown_command="Я не знаю такой команды. Отправьте /help, чтобы узнать, что я умею.",
    non_text="Пока я понимаю только текст. Напишите, пожалуйста, вопрос словами, и я отвечу.",
    inbox_full_template=(
        "У вас уже {limit} сообщений ждут ответа, поэтому это сообщение не принято в очередь. "
        "Дождитесь ответов и отправьте его ещё раз."
    ),
    rate_limited=(
        "Вы отправляете сообщения слишком часто, поэтому это не принято в очередь. "
        "Подождите немного и отправьте его ещё раз."
    ),
    not_allowed="Извините, это частный бот, и вас нет в списке его пользователей.",
    shutting_down=(
        "Бот перезапускается, поэтому на это сообщение ответа не будет. "
        "Отправьте его ещё раз через минуту."
    ),
    model_timeout="Модель слишком долго отвечала. Попробуйте ещё раз чуть позже.",
    model_rate_limited="Модель сейчас перегружена запросами. Попробуйте ещё раз через минуту.",
    model_unavailable="Модель временно недоступна. Попробуйте ещё раз немного позже.",
    model_rejected=(
        "Модель не смогла обработать это сообщение. Попробуйте переформулировать его "
        "или начните новый диалог."
    ),
    model_context_too_long=(
        "Это сообщение слишком длинное для модели даже само по себе. "
        "Сократите его или разбейте на части."
    ),
    model_bad_credentials=(
        "Бот не может обратиться к модели из-за ошибки в настройках. "
        "Подробности владелец найдёт в логах."
    ),
    empty_reply="Модель вернула пустой ответ. Попробуйте переформулировать сообщение.",
    send_failed="Не удалось доставить ответ на это сообщение. Отправьте его ещё раз.",
    internal_error=(
        "Что-то пошло не так при ответе на это сообщение. Попробуйте ещё раз — диалог сохранён."
    ),
    stopped="⏹ Остановлено до того, как ответ был готов.",
    storage_unavailable=(
        "Хранилище бота временно недоступно, поэтому сообщение не обработано. "
        "Отправьте его ещё раз через минуту."
    ),
    stopped_suffix="⏹ _остановлено_",
    cancel_nothing="Останавливать нечего: сейчас ответ не пишется.",
    cancel_stopped="⏹ Ответ остановлен.",
    cancel_dropped_template="Отменено ожидавших сообщений: {count}; ответа на них не будет.",
    retry_nothing="Пока нет ответа, который можно перегенерировать.",
    command_start="Начать новый диалог",
    command_help="Как пользоваться ботом",
    command_cancel="Остановить текущий ответ",
    command_retry="Перегенерировать последний ответ",
)

LANGUAGES: dict[str, Texts] = {"en": EN, "ru": RU}


def texts_for(language_code: str | None) -> Texts:
    """Russian for `ru` and its regional variants, English for everyone else."""
    if language_code:
        return LANGUAGES.get(language_code.split("-")[0].lower(), EN)
    return EN
