# 2025.1-rc1's own migration, which FAILS - after the third-party migrations it depends on
# (taggit.0006, axes.0009) and library.0002 applied: the update must roll all of them back, with
# this release's code, to the 2024.10 state.
from django.db import migrations


def check_isbns(apps, schema_editor):
    Book = apps.get_model("library", "Book")
    missing = Book.objects.filter(isbn__isnull=True).count()
    raise RuntimeError(f"{missing} book(s) have no ISBN yet: this release's data check refuses them")


class Migration(migrations.Migration):
    dependencies = [
        ("library", "0002_book_isbn"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("axes", "0009_add_session_hash"),
    ]

    operations = [migrations.RunPython(check_isbns, migrations.RunPython.noop)]
