from jointcare.accounts.tests.conftest import clock, partners, world  # noqa: F401 (fixtures)
