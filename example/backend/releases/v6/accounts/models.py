"""Release v6: v2 changed the way the runbook's zero-downtime rules forbid - for the migration
safety review, never to deploy. It renames AccreditationReview.notes (0004), drops
Organization.contact_email that v2 still uses (0005), adds Member.badge NOT NULL without a database
default (0006) and indexes Accreditation.standard without CONCURRENTLY (0007)."""

import datetime

from django.db import models


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Member(models.Model):
    ROLE_ADMIN = "admin"
    ROLE_ASSESSOR = "assessor"
    ROLE_STAFF = "staff"
    ROLE_CHOICES = [
        (ROLE_ADMIN, "Administrator"),
        (ROLE_ASSESSOR, "Assessor"),
        (ROLE_STAFF, "Staff"),
    ]

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    full_name = models.CharField(max_length=200)
    email = models.EmailField()
    role = models.CharField(max_length=20, choices=ROLE_CHOICES, default=ROLE_STAFF)
    joined_on = models.DateField(default=datetime.date.today)
    # v6: NOT NULL, no database default - the v2 code's INSERTs omit it.
    badge = models.CharField(max_length=20)

    class Meta:
        ordering = ["organization", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "email"], name="accounts_member_unique_email_per_org"
            ),
        ]

    def __str__(self):
        return f"{self.full_name} ({self.organization})"


class Accreditation(models.Model):
    STATUS_DRAFT = "draft"
    STATUS_ACTIVE = "active"
    STATUS_EXPIRED = "expired"
    STATUS_REVOKED = "revoked"
    STATUS_CHOICES = [
        (STATUS_DRAFT, "Draft"),
        (STATUS_ACTIVE, "Active"),
        (STATUS_EXPIRED, "Expired"),
        (STATUS_REVOKED, "Revoked"),
    ]

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="accreditations"
    )
    standard = models.CharField(max_length=100, help_text="e.g. ISO 9001:2015")
    status = models.CharField(max_length=20, choices=STATUS_CHOICES, default=STATUS_DRAFT)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)

    class Meta:
        ordering = ["organization", "standard"]
        indexes = [
            models.Index(fields=["status", "expires_on"], name="accounts_accr_status_exp_idx"),
            # v6: built without CONCURRENTLY, writes to the table wait for it.
            models.Index(fields=["standard"], name="accounts_accr_standard_idx"),
        ]

    def __str__(self):
        return f"{self.organization}: {self.standard}"


class AccreditationReview(models.Model):
    """v2: an assessor's review of an accreditation."""

    OUTCOME_PASSED = "passed"
    OUTCOME_FINDINGS = "findings"
    OUTCOME_FAILED = "failed"
    OUTCOME_CHOICES = [
        (OUTCOME_PASSED, "Passed"),
        (OUTCOME_FINDINGS, "Passed with findings"),
        (OUTCOME_FAILED, "Failed"),
    ]

    accreditation = models.ForeignKey(
        Accreditation, on_delete=models.CASCADE, related_name="reviews"
    )
    reviewer = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="reviews"
    )
    reviewed_at = models.DateTimeField()
    outcome = models.CharField(max_length=20, choices=OUTCOME_CHOICES)
    comments = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_at"]

    def __str__(self):
        return f"{self.accreditation} reviewed {self.reviewed_at}: {self.outcome}"
