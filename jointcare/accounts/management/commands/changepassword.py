import getpass

from django.core.management.base import CommandError

from jointcare.accounts import services
from jointcare.accounts.models import User
from jointcare.cli import DataCommand
from jointcare.errors import ServiceError


class Command(DataCommand):
    help = "Set a user's password (it must pass the password rules)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", help="the new password (prompted for, twice, when not given)")

    def handle(self, *args, **opts):
        user = User.objects.filter(username=opts["username"]).first()
        if user is None:
            raise CommandError(f"username: no user called '{opts['username']}'")
        password = opts["password"]
        if password is None:
            password = getpass.getpass("New password: ")
            if getpass.getpass("New password again: ") != password:
                raise CommandError("password: the two passwords differ")
        try:
            services.set_password(None, user, password)
        except ServiceError as exc:
            raise CommandError(f"{exc.field or 'input'}: {exc.message}") from exc
        self.stdout.write(f"Set the password of {user.username}")
