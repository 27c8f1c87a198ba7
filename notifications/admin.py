from django.contrib import admin

from core.admin import LogAdmin
from django.utils.translation import gettext_lazy as _

from demands.templatetags.demand_tags import mask_phone

from core.logredact import redact

from .models import Notification, OutboundMessage


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "demand", "read_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter)]
    search_fields = ["title", "recipient__username"]
    date_hierarchy = "created_at"
    list_select_related = ["recipient", "demand"]
    raw_id_fields = ["recipient", "demand"]


@admin.register(OutboundMessage)
class OutboundMessageAdmin(LogAdmin):
    """A log of what left the portal: readable, never edited."""

    list_display = ["created_at", "channel", "recipient", "subject", "status"]
    list_filter = ["channel", "status"]
    search_fields = ["to", "subject"]  # not the text: a pending one holds a private link
    date_hierarchy = "created_at"
    readonly_fields = ["created_at", "channel", "to", "subject", "text", "status", "error"]
    exclude = ["body"]

    @admin.display(description=_("text"))
    def text(self, obj):
        # A message still waiting to go out holds the resident's private link; the admin never shows it.
        return redact(obj.body)

    @admin.display(description=_("to"), ordering="to")
    def recipient(self, obj):
        # The list is glanced at over shoulders; the full number stays one click away.
        return mask_phone(obj.to) if obj.channel == OutboundMessage.Channel.SMS else obj.to



