from django.core.management.base import CommandError
from django.utils import timezone

from jointcare.accounts import services
from jointcare.accounts.models import ApiToken, User
from jointcare.cli import DataCommand
from jointcare.errors import ServiceError


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else "never"


class Command(DataCommand):
    help = "API bearer tokens: create (prints the token once), list, revoke."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token for a user and print it")
        create.add_argument("--user", required=True)
        create.add_argument("--name", default="")
        create.add_argument(
            "--days", type=int, default=services.TOKEN_DAYS,
            help=f"days until it expires (default {services.TOKEN_DAYS}, at most {services.TOKEN_MAX_DAYS})",
        )
        sub.add_parser("list", help="List tokens with their expiry and last use (never the token text)")
        revoke = sub.add_parser("revoke", help="Revoke a token by id")
        revoke.add_argument("id", type=int)

    def handle(self, *args, **opts):
        action = opts["action"]
        if action == "create":
            user = User.objects.filter(username=opts["user"]).first()
            if user is None:
                raise CommandError(f"--user: no user called '{opts['user']}'")
            try:
                _, token = services.create_token(None, user, opts["name"], days=opts["days"])
            except ServiceError as exc:
                raise CommandError(f"--{exc.field or 'input'}: {exc.message}") from exc
            self.stdout.write(token)
        elif action == "list":
            self.stdout.write("id\tuser\tprefix\tname\tstate\texpires\tlast used")
            for t in ApiToken.objects.select_related("user").order_by("id"):
                self.stdout.write(
                    f"{t.id}\t{t.user.username}\t{t.prefix}…\t{t.name}\t{t.state}\t{_when(t.expires_at)}\t{_when(t.last_used_at)}"
                )
        else:
            try:
                services.revoke_token(None, opts["id"])
            except ServiceError as exc:
                raise CommandError(exc.message) from exc
            self.stdout.write(f"Revoked token {opts['id']}")
