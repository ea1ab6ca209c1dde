# A second leaf after 0002, besides 0003_populate_contact_email: `makemigrations --merge` fixes it.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_contact_email_accreditationreview")]  # noqa: RUF012
    operations = []  # noqa: RUF012
