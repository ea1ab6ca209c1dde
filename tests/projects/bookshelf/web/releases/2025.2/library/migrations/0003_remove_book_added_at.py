# Release 2025.2 (unsafe on purpose, for the migration safety review).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("library", "0002_book_isbn"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="book",
            name="added_at",
        ),
    ]
