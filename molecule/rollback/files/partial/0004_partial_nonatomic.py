# Non-atomic: AddField commits on its own, then RunPython fails; 0004 is not recorded.
from django.db import migrations, models


def fail(apps, schema_editor):
    raise RuntimeError("accounts.0004_partial_nonatomic fails after adding member.nickname")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("accounts", "0003_populate_contact_email")]  # noqa: RUF012
    operations = [  # noqa: RUF012
        migrations.AddField(
            model_name="member",
            name="nickname",
            field=models.CharField(max_length=50, null=True),
        ),
        migrations.RunPython(fail, migrations.RunPython.noop),
    ]
