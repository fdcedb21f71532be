"""The English texts: the default for every language the bot does not speak."""

from bot.texts.base import Texts

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
    quota_exceeded_template=(
        "You have used all of today's tokens, so this message was not sent to the model. "
        "Your quota resets at 00:00 UTC, in {hours} h {minutes} min."
    ),
    usage_template="Tokens you used today (UTC): {tokens}.",
    usage_quota_template=(
        "Daily quota: {quota} ({left} left); it resets at 00:00 UTC, in {hours} h {minutes} min."
    ),
    stats_template=(
        "Today (UTC): {users} users, {turns} turns, {tokens} tokens, {errors} errors, "
        "{rate_limited} rate-limit (429) answers from the model."
    ),
    fallback_note_template="_(answered by {model}: the main model is busy)_",
    command_usage="Your tokens today",
)
