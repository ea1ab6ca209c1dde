# Release v6 (unsafe on purpose, for the migration safety review).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0006_member_badge"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="accreditation",
            index=models.Index(fields=["standard"], name="accounts_accr_standard_idx"),
        ),
    ]
