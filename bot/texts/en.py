"""The English texts: the default for every language the bot does not speak."""

from bot.texts.base import SwitchLabels, Texts

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
        "I also understand voice notes (I show what I heard), photos (ask about them, "
        "follow-up questions work too) and files: text, code, CSV, JSON and PDFs with text."
    ),
    new_dialog=(
        "Started a new dialog; the previous one is kept in /dialogs. "
        "What would you like to talk about?"
    ),
    dropped_template="({count} waiting message(s) from the old dialog were left unanswered.)",
    unknown_command="I don't know that command. Send /help to see what I can do.",
    non_text=(
        "I understand text, voice notes, photos and files (text, code, PDF), "
        "but not this kind of message. Please type your question and I'll answer it."
    ),
    inbox_full_template=(
        "You already have {limit} messages waiting for an answer, so this one was not queued. "
        "Please wait for the answers, then send it again."
    ),
    rate_limited=(
        "You're sending messages too fast, so this one was not queued. "
        "Please wait a moment and send it again."
    ),
    press_rate_limited="You're pressing buttons too fast. Please wait a moment and try again.",
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
    inbox_unreadable=(
        "This message of yours could not be read after an update of the bot, so it was "
        "skipped. Please send it again."
    ),
    inbox_gave_up=(
        "The bot failed twice while answering this message, so it was skipped. "
        "Please send it again, perhaps shorter or in another form."
    ),
    stopped_suffix="⏹ _stopped_",
    cancel_nothing="There is nothing to stop: no answer is being written.",
    cancel_stopped="⏹ Stopped the answer in progress.",
    cancel_dropped_template="Dropped {count} waiting message(s); they will not be answered.",
    cancel_not_yours=(
        "Nothing of yours to stop: only the chat's administrators can stop others' answers."
    ),
    retry_nothing="There is no answer to regenerate yet.",
    command_start="Start a new dialog",
    command_help="How to use the bot",
    command_cancel="Stop the answer in progress",
    command_retry="Regenerate the last answer",
    heard_template="🎤 I heard: {transcript}",
    describe_image="Describe what is in the image.",
    read_file="Here is a file. Tell me briefly what it is about.",
    file_cut_template=(
        "📄 {name} is too long for me to read whole: I read the first {percent}% of it."
    ),
    too_many_images_template=(
        "I can look at {limit} images at a time, so I used the first {limit} of the {count} "
        "you sent."
    ),
    file_too_big_template=(
        "This file is bigger than {limit} MB, the most I can download. Please send a smaller one."
    ),
    download_failed="I could not download this file from Telegram. Please send it again.",
    empty_transcript=(
        "I could not make out any words in this recording. Please try again or type it."
    ),
    unsupported_file=(
        "I can't read this kind of file. I read text files (txt, md, csv, json, source code), "
        "PDFs with a text layer, photos and voice notes."
    ),
    no_text_layer=(
        "This PDF has no text layer (it looks like a scan), so I can't read it. "
        "Send its pages as photos instead."
    ),
    unreadable_file=(
        "I could not open this file: it looks damaged. Please check it and send it again."
    ),
    image_too_large_template=(
        "This image is too large for me: I look at images of up to {limit} megapixels. "
        "Please send a smaller one."
    ),
    unsupported_image=(
        "I can't look at images in this format. Please send a JPEG, PNG, WebP or GIF."
    ),
    pdf_too_slow=(
        "This PDF takes too long to read, so I stopped before I got any text out of it. "
        "Please send a smaller file, or paste the part you need."
    ),
    pdf_partial_template=(
        "📄 {name} takes too long to read whole: I read {pages} of its {total} pages."
    ),
    pdf_pages_cut_template="📄 {name} has {total} pages: I read the first {limit}.",
    command_settings="Settings of this chat",
    command_model="Choose the model",
    command_system="Set the system prompt",
    command_export="Export the dialog as a file",
    help_model_template=(
        "\n\nThis chat's model: {model}. /settings shows and changes the model, the system "
        "prompt, reasoning and web search; /export sends the dialog as a file."
    ),
    help_group=(
        "\n\nIn a group I answer only when mentioned (@{username}), when you reply to my "
        "message, or to a command for me."
    ),
    sources_heading="Sources",
    reasoning_title="💭 How the model reasoned:",
    model_removed_template=(
        "The model {model} is no longer offered by Groq, so this chat is back to the default "
        "model."
    ),
    settings_template=(
        "Settings of this chat\n\nModel: {model}\nSystem prompt: {system}\n{switches}"
    ),
    state_on="on",
    state_off="off",
    system_default="the default",
    system_custom_template="your own ({length} characters)",
    button_model_template="🧠 Model: {model}",
    switches={
        "reasoning": SwitchLabels(button="💭 Reasoning", summary="Reasoning shown"),
        "search": SwitchLabels(button="🔎 Web search", summary="Web search"),
    },
    button_back="⬅ Back",
    persona_assistant="Assistant",
    persona_translator="Translator",
    persona_coder="Coder",
    persona_editor="Editor",
    models_title_template="Choose the model of this chat (now: {model}):",
    model_set_template="This chat now uses {model}.",
    model_unknown_template=(
        "Groq offers no chat model “{model}”, so nothing changed. You can choose: {models}"
    ),
    models_unavailable=(
        "I could not get the list of models from Groq right now. Please try again later."
    ),
    system_set="This chat's system prompt is set. It applies from the next message.",
    system_reset="This chat's system prompt is back to the default.",
    system_too_long_template=(
        "This system prompt is too long: {length} characters, and the limit is {limit}. "
        "Nothing changed."
    ),
    setting_saved="Saved.",
    admins_only="In this group, only its administrators can do that.",
    menu_not_yours="This menu was opened by someone else. Send /settings to open your own.",
    menu_stale="The settings changed since this menu was shown; here they are now.",
    menu_gone="This menu is too old. Send /settings again.",
    export_title="Dialog export",
    export_model="Model",
    export_system="System prompt",
    export_exported="Exported",
    export_assistant="Assistant",
    export_user="User",
    export_empty="There is nothing to export yet: the dialog is empty.",
    export_caption="Your dialog as a Markdown file.",
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
    model_retired_template=(
        "_(Groq has retired {model}; {stand_in} answered instead and will from now on)_"
    ),
    model_retired_admin_template=(
        "⚠️ Groq has retired the model {model}. The bot now uses {stand_in} in its place; "
        "set a live model in the settings (see /model) to choose another."
    ),
    model_gone=(
        "Groq no longer serves the model for this, and none of its live models can stand in. "
        "The bot's admins have been told."
    ),
    no_stand_in="no model: none of Groq's live models can stand in",
    button_effort_template="🎚 Reasoning effort: {effort}",
    effort_default="the model's default",
    effort_low="low",
    effort_medium="medium",
    effort_high="high",
    command_new="Start a new dialog; the current one is kept",
    command_dialogs="Your dialogs: open, rename or delete one",
    dialogs_heading="Your dialogs, the latest first. Open one to continue it:",
    dialogs_none="No dialogs yet: write me a message to begin one.",
    dialog_untitled_template="Dialog of {date}",
    dialog_earlier="Earlier dialog",
    dialog_size_template="{count} messages, the last on {date}.",
    button_dialog_rename="✏️ Rename",
    button_dialog_delete="🗑 Delete",
    button_dialog_delete_yes="🗑 Yes, delete it",
    button_newer="« Newer",
    button_older="Older »",
    dialog_delete_confirm_template="Delete «{name}» for good?",
    dialog_deleted_template="Deleted «{name}».",
    dialog_resumed_template="Continuing «{name}». Write your next message.",
    dialog_gone="That dialog is no longer kept. Send /dialogs for the list.",
    dialog_rename_template="Reply to this message with the new title for «{name}».",
    dialog_renamed_template="Renamed to «{name}».",
    dialog_topic_name="New dialog",
    dialog_topic_opened="A new dialog is open in its own topic. Write there.",
    dialog_topic_here="⬇️ Continue this dialog here.",
)
