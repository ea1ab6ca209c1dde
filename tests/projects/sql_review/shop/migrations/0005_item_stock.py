from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0004_alter_types")]
    operations = [
        migrations.AddField(model_name="item", name="stock", field=models.IntegerField(default=0)),
        migrations.AlterField(
            model_name="item",
            name="sku",
            field=models.CharField(max_length=30, db_index=True, default=""),
        ),
    ]
