import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ImportKind(models.TextChoices):
    CUSTOMERS = "customers", _("Customers and their contacts")
    CONTACTS = "contacts", _("Contacts of existing customers")
    FOLLOW_UPS = "follow_ups", _("Follow-up history of existing customers")
    PRODUCTS = "products", _("Products")
    DEALS = "deals", _("Deals of existing customers")
    CONTRACTS = "contracts", _("Contracts of existing customers")
    USERS = "users", _("Sales team: users, managers and departments")


class OnDuplicate(models.TextChoices):
    SKIP = "skip", _("Skip the row")
    UPDATE = "update", _("Update the existing record")
    CREATE = "create", _("Create a new record anyway")


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking")
    CHECKED = "checked", _("Checked")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")
    UNDONE = "undone", _("Undone")


def import_file_path(instance: "ImportJob", filename: str) -> str:
    # The stored name is generated; the uploaded name is kept only in `file_name`.
    return f"imports/{instance.public_id.hex[:2]}/{instance.public_id.hex}"


class ImportJob(models.Model):
    """One spreadsheet import: its file, its settings, its progress and its outcome.

    `next_row` and `phase` record how far the commit got. Every batch moves them in the same
    transaction as its writes, so a killed worker resumes exactly after the last whole batch.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(
        _("what to import"), max_length=20, choices=ImportKind.choices, default=ImportKind.CUSTOMERS
    )
    # Importers who leave keep their import history, so users are protected.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("imported by"),
        on_delete=models.PROTECT,
        related_name="imports",
    )
    created_at = models.DateTimeField(_("created at"))
    file = models.FileField(upload_to=import_file_path, max_length=200)
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("size"))
    sheet_name = models.CharField(_("sheet"), max_length=100, blank=True)
    # 1-based spreadsheet row of the (first) header row; 0 until the file has been read.
    header_row = models.PositiveIntegerField(_("header row"), default=0)
    header_rows = models.PositiveSmallIntegerField(_("header rows"), default=1)
    # A list of {"column": index, "title": text, "target": "customer.name" or ""}.
    mapping = models.JSONField(_("column mapping"), default=list, blank=True)
    # With `assign_owner` false the customers stay unassigned; `owner` is then None.
    assign_owner = models.BooleanField(_("assign an owner"), default=True)
    # Set with `assign_owner` false: the assignment rules choose the owner of every new customer
    # whose row names none, and those no rule takes enter the public pool.
    owner_by_rules = models.BooleanField(_("owners by the assignment rules"), default=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The pipeline of a deal import's deals unless a column names one; None: the default one.
    pipeline = models.ForeignKey(
        "sales.Pipeline",
        verbose_name=_("pipeline"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    on_duplicate = models.CharField(
        _("duplicates"), max_length=10, choices=OnDuplicate.choices, default=OnDuplicate.SKIP
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    error = models.TextField(_("error"), blank=True)
    # The uploader's language; the worker writes the problems of the import in it.
    language = models.CharField(max_length=10, default=settings.LANGUAGE_CODE)
    rows_total = models.PositiveIntegerField(_("data rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows processed"), default=0)
    phase = models.PositiveSmallIntegerField(default=0)
    next_row = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("created"), default=0)
    updated = models.PositiveIntegerField(_("updated"), default=0)
    skipped = models.PositiveIntegerField(_("skipped as duplicates"), default=0)
    rejected = models.PositiveIntegerField(_("rejected"), default=0)
    contacts_created = models.PositiveIntegerField(_("contacts created"), default=0)
    # Rows of a customer import that only added a contact to a customer above them or already
    # stored, so that the counts of every outcome add up to the data rows.
    contact_rows = models.PositiveIntegerField(_("rows added as contacts"), default=0)
    blank_rows = models.PositiveIntegerField(_("blank rows"), default=0)
    # The commit claims the job by writing its own token. A batch from a worker whose claim
    # was taken over (a resumed job) is rolled back instead of being written twice.
    worker_token = models.CharField(max_length=32, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        indexes = [
            models.Index(fields=["created_by", "-created_at"], name="imports_job_by_created"),
        ]

    def __str__(self) -> str:
        return self.file_name

    def get_absolute_url(self) -> str:
        return reverse("web:import_detail", args=[self.public_id])


class ImportProblem(models.Model):
    """One reason a row was rejected, or a warning about a row or column."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="problems")
    # 1-based row number as the spreadsheet shows it; 0 for a problem of a whole column.
    row = models.PositiveIntegerField()
    column = models.CharField(max_length=200, blank=True)
    value = models.CharField(max_length=500, blank=True)
    message = models.TextField()
    # A warning does not reject its row (a similar name, an untitled column with values).
    is_warning = models.BooleanField(default=False)

    class Meta:
        ordering = ["row", "id"]
        indexes = [models.Index(fields=["job", "row"], name="imports_problem_job_row")]

    def __str__(self) -> str:
        return f"{self.row}: {self.message}"


class RecordKind(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    CONTACT = "contact", _("Contact")
    FOLLOW_UP = "follow_up", _("Follow-up")
    PRODUCT = "product", _("Product")
    DEAL = "deal", _("Deal")
    CONTRACT = "contract", _("Contract")
    RECEIPT = "receipt", _("Payment received")
    # A timeline entry an import added for a record other than a customer, such as a deal.
    EVENT = "event", _("Timeline entry")
    USER = "user", _("User")
    DEPARTMENT = "department", _("Department")


class RecordAction(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Updated")
    # A customer's follow-up dates moved by imported follow-ups.
    TOUCHED = "touched", _("Follow-up dates moved")


class ImportRecord(models.Model):
    """A record an import created or changed, kept so the import can be undone.

    `object_id` is a plain integer, not a foreign key: when someone deletes the record after the
    import, this row must stay so undo can report the change instead of losing track of it.
    `version` is the record's version right after the import; a different version later means
    someone changed it. `before` contains the values an update replaced.
    """

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=20, choices=RecordKind.choices)
    action = models.CharField(max_length=20, choices=RecordAction.choices)
    object_id = models.BigIntegerField()
    customer_id = models.BigIntegerField()
    row = models.PositiveIntegerField()
    version = models.PositiveIntegerField()
    before = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["job", "kind", "object_id"], name="imports_record_job_object"),
            models.Index(fields=["customer_id"], name="imports_record_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} {self.action}"


class MappingTemplate(models.Model):
    """A saved column mapping: column titles and the field each one goes to."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("what to import"), max_length=20, choices=ImportKind.choices)
    # {normalised column title: target}; an empty target means the column is ignored.
    columns = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name = _("mapping template")
        verbose_name_plural = _("mapping templates")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="imports_mappingtemplate_unique"),
        ]

    def __str__(self) -> str:
        return self.name
