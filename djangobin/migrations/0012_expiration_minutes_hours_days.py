"""The shorter expirations (10 minutes, 1 hour, 1 day) and a snippet's "custom" lifetime chosen through the API.

Choices only: no SQL on either database (`sqlmigrate` says no-op), so SQLite's table is not rebuilt and its
full-text triggers and column order stay as they are. Every stored value stays valid.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("djangobin", "0011_form_pastes_lf_line_ends"),
    ]

    operations = [
        migrations.AlterField(
            model_name="author",
            name="default_expiration",
            field=models.CharField(
                choices=[
                    ("10 minutes", "10 Minutes"),
                    ("1 hour", "1 Hour"),
                    ("1 day", "1 Day"),
                    ("1 week", "1 Week"),
                    ("1 month", "1 Month"),
                    ("6 months", "6 Months"),
                    ("1 year", "1 Year"),
                    ("never", "Never"),
                ],
                default="never",
                max_length=10,
            ),
        ),
        migrations.AlterField(
            model_name="snippet",
            name="expiration",
            field=models.CharField(
                choices=[
                    ("10 minutes", "10 Minutes"),
                    ("1 hour", "1 Hour"),
                    ("1 day", "1 Day"),
                    ("1 week", "1 Week"),
                    ("1 month", "1 Month"),
                    ("6 months", "6 Months"),
                    ("1 year", "1 Year"),
                    ("never", "Never"),
                    ("custom", "Chosen through the API"),
                ],
                default="never",
                max_length=10,
            ),
        ),
    ]
