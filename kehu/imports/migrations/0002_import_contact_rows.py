from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("imports", "0001_import_jobs")]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="contact_rows",
            field=models.PositiveIntegerField(default=0, verbose_name="rows added as contacts"),
        ),
    ]
