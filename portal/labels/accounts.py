"""Translated labels of accounts and organisations: roles and kinds of organisation."""

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "staff": _l("Office staff"),
    "partner_manager": _l("Partner manager"),
    "partner_viewer": _l("Partner viewer"),
}

ORG_KIND_LABELS = {
    "office": _l("The office"),
    "international": _l("International partner"),
    "local": _l("Local partner"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def org_kind_label(kind: str) -> str:
    return str(ORG_KIND_LABELS.get(kind, kind))


def register(app) -> None:
    app.jinja_env.globals.update(role_label=role_label, org_kind_label=org_kind_label)
