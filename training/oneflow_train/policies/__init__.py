"""Policies: torch modules from raw observations to raw actions (teacher: `policies.teacher.TeacherPolicy`)."""
