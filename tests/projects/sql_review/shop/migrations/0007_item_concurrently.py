from django.contrib.postgres.operations import (
    AddConstraintNotValid,
    AddIndexConcurrently,
    ValidateConstraint,
)
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("shop", "0006_item_check")]
    operations = [
        AddIndexConcurrently(
            model_name="item",
            index=models.Index(fields=["code", "qty"], name="shop_item_code_qty_idx"),
        ),
        AddConstraintNotValid(
            model_name="item",
            constraint=models.CheckConstraint(
                check=models.Q(stock__gte=0), name="shop_item_stock_gte_0"
            ),
        ),
        ValidateConstraint(model_name="item", name="shop_item_stock_gte_0"),
    ]
