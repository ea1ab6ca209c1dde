import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_item_name_idx")]
    operations = [
        migrations.AddField(
            model_name="item",
            name="category",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.SET_NULL, to="shop.category"
            ),
        ),
        migrations.AlterField(
            model_name="item",
            name="legacy_ref",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.CASCADE, to="shop.category"
            ),
        ),
    ]
