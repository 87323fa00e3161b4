from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts import emails, hashers
from accounts.devices import describe_user_agent
from core.ids import cuid_field

STARTING_CREDITS = 10000  # the seed's default balance (credits change only through credits.services)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=emails.clean(email), **extra_fields)  # ValidationError if refused
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, email):
        """Any spelling of a stored address finds its user (sign-in, createsuperuser)."""
        return self.get(email=emails.normalize(email or ""))


class User(AbstractBaseUser, PermissionsMixin):
    id = cuid_field()
    name = models.CharField(max_length=255, null=True, blank=True)
    email = emails.AddressField(max_length=191, unique=True, null=True)
    email_verified = models.DateTimeField(null=True, blank=True)
    image = models.CharField(max_length=1000, null=True, blank=True)
    password = models.CharField(max_length=128, null=True, blank=True)
    credits = models.IntegerField(default=STARTING_CREDITS)

    is_staff = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        db_table = "accounts_user"
        constraints = [models.CheckConstraint(condition=Q(credits__gte=0), name="user_credits_not_negative")]

    def __str__(self) -> str:
        return self.email or self.id

    def check_password(self, raw_password) -> bool:
        """Also accept raw bcrypt hashes imported from the Node app, upgrading them on success."""
        if hashers.is_raw_bcrypt(self.password):
            if not hashers.verify_raw_bcrypt(raw_password, self.password):
                return False
            self.set_password(raw_password)
            if self.pk:
                type(self).objects.filter(pk=self.pk).update(password=self.password)
            return True
        return super().check_password(raw_password)

    def get_full_name(self) -> str:
        return self.name or self.email or ""

    def get_short_name(self) -> str:
        return self.name or (self.email or "").split("@")[0]


class Account(models.Model):
    """A sign-in provider linked to a user (NextAuth's / allauth's social accounts)."""

    id = cuid_field()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="accounts")
    type = models.CharField(max_length=64)
    provider = models.CharField(max_length=128)
    provider_account_id = models.CharField(max_length=191)
    refresh_token = models.TextField(null=True, blank=True)
    access_token = models.TextField(null=True, blank=True)
    expires_at = models.IntegerField(null=True, blank=True)
    token_type = models.CharField(max_length=64, null=True, blank=True)
    scope = models.CharField(max_length=1000, null=True, blank=True)
    id_token = models.TextField(null=True, blank=True)
    session_state = models.CharField(max_length=255, null=True, blank=True)
    refresh_token_expires_in = models.IntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_account_id"], name="account_provider_account_unique")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_account_id}"


class SessionQuerySet(models.QuerySet):
    def active(self):
        return self.filter(expires__gt=timezone.now())

    def newest_seen(self):
        return self.order_by("-last_seen_at", "-id")


class Session(models.Model):
    """A signed-in browser session; the row is the session store (accounts/sessions.py)."""

    id = cuid_field()
    session_token = models.CharField(max_length=191, unique=True)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions")
    expires = models.DateTimeField(db_index=True)
    session_data = models.TextField(default="")
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    user_agent = models.CharField(max_length=512, blank=True, default="")
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = SessionQuerySet.as_manager()

    def __str__(self) -> str:
        return f"session of {self.user_id} until {self.expires:%Y-%m-%d %H:%M}"

    @property
    def device(self) -> str:
        return describe_user_agent(self.user_agent)


class VerificationToken(models.Model):
    """A single-use email-verification token (stored hashed: sha256 of the emailed key)."""

    identifier = models.CharField(max_length=191)
    token = models.CharField(max_length=191, unique=True)
    expires = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["identifier", "token"], name="verificationtoken_identifier_token_unique")
        ]

    def __str__(self) -> str:
        return f"{self.identifier} until {self.expires:%Y-%m-%d %H:%M}"


class MailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class OutgoingMailQuerySet(models.QuerySet):
    def queued(self):
        return self.filter(status=MailStatus.QUEUED)

    def retrying(self):
        return self.queued().filter(attempts__gt=0)

    def failed_since(self, moment):
        return self.filter(status=MailStatus.FAILED, last_error_at__gte=moment)


class OutgoingMail(models.Model):
    """A message on its way out (accounts/mail.py): stored when the site sends mail, delivered by
    the worker with retries; its content is cleared once it is sent or given up on."""

    id = cuid_field()
    subject = models.CharField(max_length=998, blank=True)
    recipients = models.TextField(blank=True)
    message = models.JSONField(default=dict)  # the parts to rebuild it; emptied when finished
    status = models.CharField(max_length=16, choices=MailStatus.choices, default=MailStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)  # a kind (SMTPConnectError), for operators
    last_error_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = OutgoingMailQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["status", "last_error_at"], name="outgoingmail_status_error")]

    def __str__(self) -> str:
        return f"{self.subject} to {self.recipients}"

class ApiKeyQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)

    def newest(self):
        return self.order_by("-created_at", "-id")


class ApiKey(models.Model):
    """A key for the /v1 API (accounts/api_keys.py makes, finds and revokes them).

    Only an HMAC-SHA256 of the key is stored (keyed with a secret derived from SECRET_KEY), and
    its first characters (``prefix``) so people can tell their keys apart. ``credits_spent``
    changes only through conditional ``F()`` updates in credits.services, in the same
    transaction as the owner's balance; with a ``credit_limit`` the CHECK below is the backstop.
    """

    id = cuid_field()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=16)
    hashed = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)  # updated at most once a minute
    revoked_at = models.DateTimeField(null=True, blank=True)
    credit_limit = models.PositiveIntegerField(null=True, blank=True)
    credits_spent = models.PositiveIntegerField(default=0)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credits_spent__lte=models.F("credit_limit")),
                name="apikey_spent_within_limit",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def credits_left(self) -> int | None:
        return None if self.credit_limit is None else self.credit_limit - self.credits_spent
