import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0016_move_images_to_records")]

    operations = [
        migrations.RemoveField(model_name="article", name="image"),
        migrations.RemoveField(model_name="article", name="image_width"),
        migrations.RemoveField(model_name="article", name="image_height"),
        migrations.RemoveField(model_name="article", name="renditions"),
        migrations.RenameField(model_name="article", old_name="image_record", new_name="image"),
        migrations.RenameField(model_name="article", old_name="image_alt", new_name="image_url_alt"),
        migrations.RenameField(model_name="article", old_name="image_caption", new_name="image_url_caption"),
        migrations.RenameField(model_name="article", old_name="image_credit", new_name="image_url_credit"),
        migrations.AlterField(
            model_name="article",
            name="image",
            field=models.ForeignKey(blank=True, help_text="업로드한 대표 이미지. 외부 주소를 쓰면 비워 둡니다.", null=True, on_delete=django.db.models.deletion.PROTECT, related_name="articles", to="articles.image", verbose_name="대표 이미지"),
        ),
        migrations.AlterField(
            model_name="article",
            name="image_url_alt",
            field=models.CharField(blank=True, max_length=300, verbose_name="외부 이미지 대체 텍스트"),
        ),
        migrations.AlterField(
            model_name="article",
            name="image_url_caption",
            field=models.CharField(blank=True, max_length=500, verbose_name="외부 이미지 사진 설명"),
        ),
        migrations.AlterField(
            model_name="article",
            name="image_url_credit",
            field=models.CharField(blank=True, max_length=200, verbose_name="외부 이미지 사진 출처"),
        ),
    ]
