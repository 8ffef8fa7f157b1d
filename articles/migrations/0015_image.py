import articles.images
import articles.models.image
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("articles", "0014_move_originals_out_of_media")]

    operations = [
        migrations.CreateModel(
            name="Image",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("file", articles.images.MissingFileTolerantImageField(height_field="height", help_text="메타데이터를 지운 비공개 원본. 독자에게는 변환본만 보입니다.", storage=articles.images.original_storage, unique=True, upload_to=articles.models.image.featured_image_path, verbose_name="원본 파일", width_field="width")),
                ("width", models.PositiveIntegerField(blank=True, null=True, verbose_name="너비")),
                ("height", models.PositiveIntegerField(blank=True, null=True, verbose_name="높이")),
                ("alt", models.CharField(blank=True, help_text="이미지를 볼 수 없는 독자를 위한 설명. 업로드한 이미지에는 필수입니다.", max_length=300, verbose_name="이미지 대체 텍스트")),
                ("caption", models.CharField(blank=True, max_length=500, verbose_name="사진 설명")),
                ("credit", models.CharField(blank=True, max_length=200, verbose_name="사진 출처")),
                ("renditions", models.JSONField(blank=True, default=dict, editable=False, help_text="너비별 WebP·원본 형식 파일 목록. 작업 프로세스가 만듭니다.", verbose_name="이미지 변환본")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="올린 시각")),
            ],
            options={"verbose_name": "이미지", "verbose_name_plural": "이미지"},
        ),
        # Named `image` once the old columns are gone (0017).
        migrations.AddField(
            model_name="article",
            name="image_record",
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="articles", to="articles.image", verbose_name="대표 이미지"),
        ),
    ]
