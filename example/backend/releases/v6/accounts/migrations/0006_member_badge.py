# Release v6 (unsafe on purpose, for the migration safety review).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0005_remove_organization_contact_email"),
    ]

    operations = [
        migrations.AddField(
            model_name="member",
            name="badge",
            field=models.CharField(default="none", max_length=20),
            preserve_default=False,
        ),
    ]
