from django.conf import settings


def site(request):
    # The tile server, if any, for the maps that draw one (empty: outlines on a plain background).
    return {"SITE_NAME": settings.SITE_NAME, "SITE_REGION": settings.SITE_REGION,
            "MAP_TILE_URL": settings.MAP_TILE_URL, "MAP_TILE_ATTRIBUTION": settings.MAP_TILE_ATTRIBUTION}
