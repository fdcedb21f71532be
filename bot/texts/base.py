"""The shape of one language's texts: every string the bot shows, and sentences built of them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.core.chat_settings import SWITCHES, ChatSettings


@dataclass(frozen=True, slots=True)
class SwitchLabels:
    """An on/off setting's words: its button ("💭 Reasoning: on") and its line of the summary
    ("Reasoning shown: on")."""

    button: str
    summary: str


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
    press_rate_limited: str
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
    inbox_unreadable: str
    inbox_gave_up: str
    stopped_suffix: str
    cancel_nothing: str
    cancel_stopped: str
    cancel_dropped_template: str
    cancel_not_yours: str
    retry_nothing: str
    command_start: str
    command_help: str
    command_cancel: str
    command_retry: str
    heard_template: str
    describe_image: str
    read_file: str
    file_cut_template: str
    too_many_images_template: str
    file_too_big_template: str
    download_failed: str
    empty_transcript: str
    unsupported_file: str
    no_text_layer: str
    unreadable_file: str
    image_too_large_template: str
    unsupported_image: str
    pdf_too_slow: str
    pdf_partial_template: str
    pdf_pages_cut_template: str
    command_settings: str
    command_model: str
    command_system: str
    command_export: str
    help_model_template: str
    help_group: str
    sources_heading: str
    reasoning_title: str
    model_removed_template: str
    settings_template: str
    state_on: str
    state_off: str
    system_default: str
    system_custom_template: str
    button_model_template: str
    # by the name in `SWITCHES` (bot/core/chat_settings.py); left out of the hash, as a dict
    switches: Mapping[str, SwitchLabels] = field(hash=False)
    button_back: str
    persona_assistant: str
    persona_translator: str
    persona_coder: str
    persona_editor: str
    models_title_template: str
    model_set_template: str
    model_unknown_template: str
    models_unavailable: str
    system_set: str
    system_reset: str
    system_too_long_template: str
    setting_saved: str
    admins_only: str
    menu_not_yours: str
    menu_stale: str
    menu_gone: str
    export_title: str
    export_model: str
    export_system: str
    export_exported: str
    export_assistant: str
    export_user: str
    export_empty: str
    export_caption: str
    # Quotas (bot/scheduling): /usage, /stats, the fallback model's note.
    quota_exceeded_template: str
    usage_template: str
    usage_quota_template: str
    stats_template: str
    fallback_note_template: str
    command_usage: str
    # Models Groq retires while the bot runs (bot/llm/live.py): the chat's line, the admins'.
    model_retired_template: str
    model_gone: str  # retired, and no live model of its kind can stand in
    model_retired_admin_template: str
    no_stand_in: str
    button_effort_template: str
    effort_default: str
    effort_low: str
    effort_medium: str
    effort_high: str
    # Dialogs (bot/handlers/dialogs.py): /new, /dialogs and its buttons, titles, topics.
    command_new: str
    command_dialogs: str
    dialogs_heading: str
    dialogs_none: str
    dialog_untitled_template: str  # a dialog not titled (yet): its date
    dialog_earlier: str  # the history kept from before dialogs were kept
    dialog_size_template: str
    button_dialog_rename: str
    button_dialog_delete: str
    button_dialog_delete_yes: str
    button_newer: str
    button_older: str
    dialog_delete_confirm_template: str
    dialog_deleted_template: str
    dialog_resumed_template: str
    dialog_gone: str
    dialog_rename_template: str
    dialog_renamed_template: str
    dialog_topic_name: str  # a new topic's name until the dialog is titled
    dialog_topic_opened: str  # in the chat: where the new dialog went
    dialog_topic_here: str  # in a topic /dialogs pointed to

    def dialog_name(self, title: str, earlier: bool, last_at: float) -> str:
        """A dialog as lists and notes name it: its title, else what it is and its date."""
        if title:
            return title
        if earlier:
            return self.dialog_earlier
        day = datetime.fromtimestamp(last_at, UTC).strftime("%Y-%m-%d")
        return self.dialog_untitled_template.format(date=day)

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

    def file_too_big(self, limit_mb: int) -> str:
        return self.file_too_big_template.format(limit=limit_mb)

    def image_too_large(self, limit_mp: int) -> str:
        return self.image_too_large_template.format(limit=limit_mp)

    def pdf_partial(self, name: str, pages: int, total: int) -> str:
        return self.pdf_partial_template.format(name=name, pages=pages, total=total)

    def pdf_pages_cut(self, name: str, limit: int, total: int) -> str:
        return self.pdf_pages_cut_template.format(name=name, limit=limit, total=total)

    def file_cut(self, name: str, percent: int) -> str:
        return self.file_cut_template.format(name=name, percent=percent)

    def too_many_images(self, limit: int, count: int) -> str:
        return self.too_many_images_template.format(limit=limit, count=count)

    def model_removed(self, model: str) -> str:
        return self.model_removed_template.format(model=model)

    def state(self, on: bool) -> str:
        return self.state_on if on else self.state_off

    def switch_button(self, switch: str, on: bool) -> str:
        return f"{self.switches[switch].button}: {self.state(on)}"

    def switch_lines(self, settings: ChatSettings) -> str:
        """The summary's line of each switch, in the menu's order."""
        return "\n".join(
            f"{self.switches[name].summary}: {self.state(getattr(settings, name))}"
            for name in SWITCHES
        )

    def persona(self, name: str) -> str:
        """A ready persona's label (bot/chat_settings/personas.py)."""
        label: str = getattr(self, f"persona_{name}")
        return label

    def quota_exceeded(self, until_reset: timedelta) -> str:
        hours, minutes = _hours_minutes(until_reset)
        return self.quota_exceeded_template.format(hours=hours, minutes=minutes)

    def usage(self, tokens: int, quota: int, until_reset: timedelta) -> str:
        """/usage: today's tokens, and the quota with its reset when there is one."""
        text = self.usage_template.format(tokens=tokens)
        if quota:
            hours, minutes = _hours_minutes(until_reset)
            text += "\n" + self.usage_quota_template.format(
                quota=quota, left=max(quota - tokens, 0), hours=hours, minutes=minutes
            )
        return text

    def stats(self, users: int, turns: int, tokens: int, errors: int, rate_limited: int) -> str:
        return self.stats_template.format(
            users=users, turns=turns, tokens=tokens, errors=errors, rate_limited=rate_limited
        )

    def fallback_note(self, model: str) -> str:
        return self.fallback_note_template.format(model=model)

    def model_retired(self, model: str, stand_in: str) -> str:
        return self.model_retired_template.format(model=model, stand_in=stand_in)

    def model_retired_admin(self, model: str, stand_in: str) -> str:
        return self.model_retired_admin_template.format(
            model=model, stand_in=stand_in or self.no_stand_in
        )

    def effort(self, value: str) -> str:
        """A reasoning effort's label; "" is the model's own default."""
        label: str = getattr(self, f"effort_{value or 'default'}")
        return label


def _hours_minutes(span: timedelta) -> tuple[int, int]:
    minutes = max(int(span.total_seconds() + 59) // 60, 1)
    return minutes // 60, minutes % 60
