"""The vocabulary of actions a role can grant on a model."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    VIEW = "view", _("View")
    ADD = "add", _("Add")
    CHANGE = "change", _("Change")
    DELETE = "delete", _("Delete")
    EXPORT = "export", _("Export")
    IMPORT = "import", _("Import")
    ASSIGN = "assign", _("Assign")
    UNMASK = "unmask", _("Unmask")


class DataScope(models.TextChoices):
    """How far a grant reaches: the records of whom (数据范围)."""

    SELF = "self", _("Own records")
    DEPT = "dept", _("Own department")
    DEPT_AND_CHILD = "dept_and_child", _("Own department and sub-departments")
    CUSTOM = "custom", _("Chosen departments")
    ALL = "all", _("All")


# Actions that a read-level collaborator gets; edit level adds CHANGE.
COLLABORATOR_READ_ACTIONS = frozenset({Action.VIEW})
COLLABORATOR_EDIT_ACTIONS = frozenset({Action.VIEW, Action.CHANGE})
# A child's action is checked against this action on its parent.
PARENT_READ_ACTIONS = frozenset({Action.VIEW, Action.EXPORT})
