from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0005_item_stock")]
    operations = [
        migrations.AddConstraint(
            model_name="item",
            constraint=models.CheckConstraint(
                check=models.Q(qty__gte=0), name="shop_item_qty_gte_0"
            ),
        ),
        migrations.AddConstraint(
            model_name="item",
            constraint=models.UniqueConstraint(
                fields=["owner", "name"], name="shop_item_owner_name_uniq"
            ),
        ),
        migrations.AlterField(model_name="item", name="note", field=models.TextField()),
    ]
