from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_count_share_link_visits")]

    operations = [migrations.DeleteModel(name="ShareLinkVisit")]
