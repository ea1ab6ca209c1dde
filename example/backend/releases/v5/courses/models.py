"""Release v5: courses offered by an organization, and members' enrollments."""

import datetime

from django.db import models


class Course(models.Model):
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="courses"
    )
    code = models.CharField(max_length=32)
    title = models.CharField(max_length=200)
    credits = models.PositiveSmallIntegerField(default=1)
    is_published = models.BooleanField(default=False)

    class Meta:
        ordering = ["organization", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "code"], name="courses_course_unique_code_per_org"
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.title}"


class Enrollment(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    member = models.ForeignKey(
        "accounts.Member", on_delete=models.CASCADE, related_name="enrollments"
    )
    enrolled_on = models.DateField(default=datetime.date.today)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course", "member"]
        constraints = [
            models.UniqueConstraint(fields=["course", "member"], name="courses_enrollment_unique"),
        ]

    def __str__(self):
        return f"{self.member} in {self.course}"
