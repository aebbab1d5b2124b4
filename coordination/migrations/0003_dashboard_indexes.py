"""The dashboard's index: today's arrivals are counted by registration time.

Named for the dashboard branch: the alerts branch adds its own 0003; renumber at merge.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0002_groups"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="household",
            index=models.Index(fields=["created_at"], name="coord_household_created_idx"),
        ),
    ]
