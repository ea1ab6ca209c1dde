# Release v6 (unsafe on purpose, for the migration safety review).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_populate_contact_email"),
    ]

    operations = [
        migrations.RenameField(
            model_name="accreditationreview",
            old_name="notes",
            new_name="comments",
        ),
    ]
