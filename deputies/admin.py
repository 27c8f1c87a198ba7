from django.contrib import admin

from .models import Deputy


@admin.register(Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "township", "is_active"]
    list_filter = ["level", "township", "is_active"]
    search_fields = ["code", "name", "constituency"]
