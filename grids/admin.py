from django.contrib import admin

from .models import Community, District, Grid, MicroGrid, Township


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Township)
class TownshipAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "sort"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "township"]
    list_filter = ["township"]
    search_fields = ["code", "name"]
    list_select_related = ["township"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "community", "township", "lat", "lng"]
    list_filter = ["township"]
    search_fields = ["code", "name"]
    list_select_related = ["community", "township"]
    raw_id_fields = ["community"]


@admin.register(MicroGrid)
class MicroGridAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "grid"]
    search_fields = ["code", "name"]
    list_select_related = ["grid"]
    raw_id_fields = ["grid"]
