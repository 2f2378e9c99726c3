from django.core.management.base import BaseCommand, CommandError

from jointcare.accounts import services
from jointcare.accounts.models import ApiToken, User
from jointcare.errors import ServiceError


class Command(BaseCommand):
    help = "API bearer tokens: create (prints the token once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for a user and print it")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="")
        sub.add_parser("list", help="List tokens (never the token text)")
        revoke = sub.add_parser("revoke", help="Revoke a token by id")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **opts):
        action = opts["action"]
        if action == "create":
            user = User.objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"--user: no user called '{opts['user']}'")
            _, token = services.create_token(None, user, opts["name"])
            self.stdout.write(token)
        elif action == "list":
            for t in ApiToken.objects.select_related("user").order_by("id"):
                state = "active" if t.active else f"revoked {t.revoked_at:%Y-%m-%d %H:%M}"
                self.stdout.write(f"{t.id}\t{t.user.username}\t{t.prefix}…\t{t.name}\t{state}")
        else:
            try:
                services.revoke_token(None, opts["id"])
            except ServiceError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"Revoked token {opts['id']}")
