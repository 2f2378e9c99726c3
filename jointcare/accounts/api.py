from datetime import datetime

from ninja import Router, Schema

from jointcare.accounts import services
from jointcare.accounts.access import api_user, check
from jointcare.accounts.models import ApiToken

router = Router(tags=["accounts"])


class MeOut(Schema):
    username: str
    name: str
    organisation: str | None
    roles: list[str]


@router.get("/me", response=MeOut, summary="The signed-in user and their roles")
def me(request):
    user = api_user(request)
    return MeOut(
        username=user.username,
        name=user.get_full_name(),
        organisation=user.organisation.name if user.organisation_id else None,
        roles=sorted(user.roles),
    )


class TokenOut(Schema):
    id: int
    user: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


def _token_out(t: ApiToken) -> TokenOut:
    return TokenOut(
        id=t.id, user=t.user.username, name=t.name, prefix=t.prefix, created_at=t.created_at,
        expires_at=t.expires_at, last_used_at=t.last_used_at, revoked_at=t.revoked_at,
    )


@router.get("/tokens", response=list[TokenOut], summary="API tokens (administrators)")
def list_tokens(request):
    check(api_user(request), "tokens.manage")
    return [_token_out(t) for t in ApiToken.objects.select_related("user").order_by("id")]


@router.post("/tokens/{token_id}/revoke", response=TokenOut, summary="Revoke an API token (administrators)")
def revoke(request, token_id: int):
    user = api_user(request)
    check(user, "tokens.manage")
    return _token_out(services.revoke_token(user, token_id))
