"""Creating integrations and tokens."""

from django.db import transaction

from accounts.models import Role, User

from .models import ApiToken, Integration


@transaction.atomic
def integration_create(*, name: str, townships=(), callback_url: str = "", callback_secret: str = "") -> tuple[Integration, str]:
    user = User.objects.create(username=f"integration:{name}"[:150], role=Role.INTEGRATION, display_name=name)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    integration = Integration.objects.create(name=name, user=user, callback_url=callback_url,
                                             callback_secret=callback_secret)
    integration.townships.set(townships)
    _token, raw = ApiToken.issue(user=user, name=f"{name} token")
    return integration, raw
