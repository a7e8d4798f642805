"""Audited writes for rows the admin may edit.

`record_create`, `record_update` and `record_delete` change one row and write
its AuditEntry in one transaction: who, when, which object, and for each
changed field `[old, new]`. Domain services (cases/services.py,
agencies/services.py, workorders/rules.py) wrap them with their own checks.
Fields named in `masked` (ID numbers) are logged masked, never in full.
"""
from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Iterable

from django.db import models, transaction
from django.utils import timezone

from cases.masking import mask_identifier

from .models import AuditEntry


def _plain(value):
    """A JSON-safe, readable form of a field value."""
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return value


def _value(obj: models.Model, name: str, masked: Iterable[str]):
    value = _plain(getattr(obj, name))
    if name in masked and value:
        value = mask_identifier(value)
    return value


def _raw(obj: models.Model, name: str):
    """What the column holds (a related row's key, not its name): two users with
    the same display name are still a change."""
    return getattr(obj, obj._meta.get_field(name).attname)


def object_type(obj_or_model) -> str:
    return f"{obj_or_model._meta.app_label}.{obj_or_model._meta.model_name}"


def audit_log(*, actor, action: str, obj: models.Model, changes: dict | None = None,
              object_repr: str | None = None) -> AuditEntry:
    """Write one audit row. Call inside the transaction that made the change."""
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "pk", None) else None, action=action,
        object_type=object_type(obj), object_id=str(obj.pk),
        object_repr=(object_repr if object_repr is not None else str(obj))[:200],
        changes=changes or {},
    )


def _editable_names(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if not f.primary_key]


@transaction.atomic
def record_create(*, model: type[models.Model], actor, values: dict, masked: Iterable[str] = ()):
    """Validate (full_clean) and create a row; log every set field as [None, new]."""
    obj = model(**values)
    obj.full_clean()
    obj.save()
    changes = {name: [None, _value(obj, name, masked)] for name in _editable_names(model)
               if name in values or getattr(obj, name, None) not in (None, "")}
    audit_log(actor=actor, action=AuditEntry.Action.CREATE, obj=obj, changes=changes)
    return obj


@transaction.atomic
def record_update(*, obj: models.Model, actor, values: dict, masked: Iterable[str] = ()):
    """Lock the row, apply `values`, validate, save only what changed and log
    [old, new] per changed field. Returns the saved row; logs nothing when
    nothing changed."""
    model = type(obj)
    row = model.objects.select_for_update().get(pk=obj.pk)
    before = {name: _value(row, name, ()) for name in values}
    before_raw = {name: _raw(row, name) for name in values}
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean()  # model clean() may normalise (e.g. case numbers)
    changed = [name for name in values if _raw(row, name) != before_raw[name]]
    if not changed:
        return row
    update_fields = [row._meta.get_field(n).attname for n in changed]
    if any(getattr(f, "auto_now", False) for f in row._meta.concrete_fields):
        update_fields += [f.name for f in row._meta.concrete_fields if getattr(f, "auto_now", False)]
    row.save(update_fields=update_fields)
    changes = {}
    for name in changed:
        old = before[name]
        if name in masked and old:
            old = mask_identifier(old)
        changes[name] = [old, _value(row, name, masked)]
    audit_log(actor=actor, action=AuditEntry.Action.CHANGE, obj=row, changes=changes)
    return row


@transaction.atomic
def record_delete(*, obj: models.Model, actor, masked: Iterable[str] = ()) -> None:
    """Delete a row and log its last values as [old, None]."""
    model = type(obj)
    row = model.objects.select_for_update().get(pk=obj.pk)
    changes = {name: [_value(row, name, masked), None] for name in _editable_names(model)}
    audit_log(actor=actor, action=AuditEntry.Action.DELETE, obj=row, changes=changes)
    row.delete()
