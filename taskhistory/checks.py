"""System checks of task history's settings (`manage.py check`)."""

from django.core.checks import Warning, register

from django_project.env import renamed_in_use


@register()
def renamed_settings_check(app_configs, **kwargs):
    """An old setting name still works, but says so: it will not be read for ever."""
    return [
        Warning(
            f"{old} is deprecated: task history owns this setting now.",
            hint=f"Rename it to {new} in the environment (the value is read from {old} until then).",
            id="taskhistory.W001",
        )
        for old, new in renamed_in_use()
    ]
