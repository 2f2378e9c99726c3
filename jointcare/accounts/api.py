from ninja import Router, Schema

from jointcare.accounts.access import api_user

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
