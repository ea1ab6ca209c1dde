from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.AddIndex(
            model_name="item", index=models.Index(fields=["name"], name="shop_item_name_idx")
        ),
        migrations.AddField(
            model_name="item",
            name="sku",
            field=models.CharField(max_length=30, null=True, db_index=True),
        ),
        migrations.AddField(
            model_name="item",
            name="serial",
            field=models.CharField(max_length=30, null=True, unique=True),
        ),
        migrations.AlterField(
            model_name="item", name="code", field=models.CharField(max_length=20, unique=True)
        ),
    ]
