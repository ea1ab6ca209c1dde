# Release v6 (unsafe on purpose, for the migration safety review).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_rename_review_notes"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="organization",
            name="contact_email",
        ),
    ]
