"""An offer's provider is an organisation now: the free-text name goes, the link is required."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0010_meal_providers_from_offers"),
    ]

    operations = [
        # blank: going back adds the column again with "" in each row, then 0010 fills it in.
        migrations.AlterField(
            model_name="mealoffer",
            name="provider",
            field=models.CharField(blank=True, max_length=120, verbose_name="provider"),
        ),
        migrations.RemoveField(model_name="mealoffer", name="provider"),
        migrations.RenameField(model_name="mealoffer", old_name="provider_org", new_name="provider"),
        migrations.AlterField(
            model_name="mealoffer",
            name="provider",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offers",
                to="coordination.mealprovider",
                verbose_name="provider",
            ),
        ),
    ]
