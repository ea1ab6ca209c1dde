# Non-atomic: AddField commits on its own, then RunPython runs long - the scenario kills its
# container (docker kill, exit 137) once the column exists. 0004 is not recorded; the column stays.
import time

from django.db import migrations, models


def run_long(apps, schema_editor):
    time.sleep(600)


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("accounts", "0003_populate_contact_email")]  # noqa: RUF012
    operations = [  # noqa: RUF012
        migrations.AddField(
            model_name="member",
            name="badge_number",
            field=models.CharField(max_length=20, null=True),
        ),
        migrations.RunPython(run_long, migrations.RunPython.noop),
    ]
