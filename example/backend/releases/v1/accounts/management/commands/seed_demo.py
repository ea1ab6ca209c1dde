"""``python3 config/manage.py seed_demo``: load a small, fixed demo data set.

Idempotent (get_or_create on natural keys) and limited to the v1 fields, so
it works on every release whose migrations are all applied (not on v3, whose
Member model has a column that migration 0005 never creates).  Integration
tests seed with it before an upgrade, then check what the data migrations did
(e.g. v2's 0003 fills Organization.contact_email, v4's 0004 lower-cases
member emails).
"""

import datetime
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction

from accounts.models import Accreditation, Member, Organization

ORGANIZATIONS = [
    ("acme", "Acme Testing Laboratories"),
    ("northwind", "Northwind Health Clinic"),
    ("empty", "Empty Organization"),
]

MEMBERS = [
    # slug, full name, email, role, joined on
    ("acme", "Ada Admin", "Ada.Admin@Acme.example", "admin", datetime.date(2020, 1, 15)),
    ("acme", "Sam Staff", "sam.staff@acme.example", "staff", datetime.date(2019, 6, 1)),
    ("acme", "Alan Assessor", "alan@acme.example", "assessor", datetime.date(2021, 3, 2)),
    ("northwind", "Nora Nurse", " Nora@Northwind.Example ", "staff", datetime.date(2022, 9, 1)),
    (
        "northwind",
        "Otto Officer",
        "otto@northwind.example",
        "assessor",
        datetime.date(2021, 11, 20),
    ),
]

ACCREDITATIONS = [
    # slug, standard, status, issued on, expires on, score
    (
        "acme",
        "ISO/IEC 17025:2017",
        "active",
        datetime.date(2023, 4, 1),
        datetime.date(2027, 3, 31),
        Decimal("92.50"),
    ),
    (
        "acme",
        "ISO 9001:2015",
        "expired",
        datetime.date(2019, 1, 10),
        datetime.date(2022, 1, 9),
        Decimal("78.00"),
    ),
    ("northwind", "ISO 15189:2022", "draft", None, None, None),
]


class Command(BaseCommand):
    help = "Create the demo organizations, members and accreditations (idempotent)."

    def handle(self, *args, **options):
        created = 0
        with transaction.atomic():
            orgs = {}
            for slug, name in ORGANIZATIONS:
                orgs[slug], new = Organization.objects.get_or_create(
                    slug=slug, defaults={"name": name}
                )
                created += new
            for slug, full_name, email, role, joined_on in MEMBERS:
                # Matched by name: release v4 rewrites the stored emails.
                exists = Member.objects.filter(
                    organization=orgs[slug], full_name=full_name
                ).exists()
                if not exists:
                    Member.objects.create(
                        organization=orgs[slug],
                        full_name=full_name,
                        email=email,
                        role=role,
                        joined_on=joined_on,
                    )
                    created += 1
            for slug, standard, status, issued_on, expires_on, score in ACCREDITATIONS:
                _, new = Accreditation.objects.get_or_create(
                    organization=orgs[slug],
                    standard=standard,
                    defaults={
                        "status": status,
                        "issued_on": issued_on,
                        "expires_on": expires_on,
                        "score": score,
                    },
                )
                created += new
        self.stdout.write(f"seed_demo: {created} object(s) created")
