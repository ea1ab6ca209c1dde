from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_item_category")]
    operations = [
        migrations.AlterField(model_name="item", name="qty", field=models.BigIntegerField()),
        migrations.AlterField(
            model_name="item", name="name", field=models.CharField(max_length=200)
        ),
        migrations.AlterField(
            model_name="item",
            name="price",
            field=models.DecimalField(max_digits=12, decimal_places=2),
        ),
        migrations.AlterField(model_name="item", name="note", field=models.TextField(null=True)),
        migrations.AlterField(
            model_name="item", name="code", field=models.CharField(max_length=10, unique=True)
        ),
        migrations.AlterField(model_name="category", name="name", field=models.IntegerField()),
    ]
