"""Translated labels of accounts and organisations: roles and kinds of organisation."""

from flask_babel import lazy_gettext as _l

from . import labeller

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

role_label = labeller(ROLE_LABELS)
org_kind_label = labeller(ORG_KIND_LABELS)


def register(app) -> None:
    app.jinja_env.globals.update(role_label=role_label, org_kind_label=org_kind_label)
