"""The service's extension surface (``service.py``, ``docs/extending.md``) and the live-row helpers
(``store/live.py``): what the rules register lands where the protocol layer reads it."""

from __future__ import annotations

import re
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from scolarite import rules
from scolarite.model import schema
from scolarite.service import CREATE, DELETE, READ, UPDATE, Service, Value
from scolarite.store.live import live, same_text
from scolarite.store.tables import build_tables

SPEC_NUMBER = re.compile(r"^[RX]\d+")


class _Database:
    """What registering touches of the database: its tables and its visibility rules."""

    def __init__(self) -> None:
        _, self.tables = build_tables(schema)
        self.visibility: dict[str, Any] = {}


def _service() -> Service:
    return Service(schema, _Database())  # type: ignore[arg-type]


def test_the_rules_register_where_the_endpoint_reads():
    service = _service()
    rules.register(service)
    assert set(service.read_hooks) == {"InscriptionSequence", "Directory"}
    assert set(service.entity_read_hooks) == {"Directory"}
    assert service.create_answers["Directory"]("k") == Value("Edm.Guid", "k")  # R86
    assert set(service.actions) == {
        ("Apprenant", "Client"),
        ("Candidat", "Client"),
        ("Convention", "SynchronisationAffaire"),
    }
    assert service.actions[("Apprenant", "Client")].creates == "Client"
    assert set(service.db.visibility) == {"Recrutement"}  # R33
    assert service.read_hooks["InscriptionSequence"].post_when({"Id": 1})  # R52


def test_every_handler_names_its_rule():
    """Each registered handler's docstring starts with the R/X number it implements."""
    service = _service()
    rules.register(service)
    handlers = [fn for fns in service._handlers.values() for fn in fns]
    handlers += [hook.handler for hook in service.read_hooks.values()]
    handlers += [*service.entity_read_hooks.values(), *service.create_answers.values()]
    handlers += [action.handler for action in service.actions.values()]
    unnamed = [fn.__qualname__ for fn in handlers if not SPEC_NUMBER.match(fn.__doc__ or "")]
    assert not unnamed


def test_registration_as_a_call_or_a_decorator():
    service = _service()

    async def check(ctx):
        pass

    assert service.before(CREATE, "Mail", check) is check
    assert service.after((UPDATE, DELETE), ("Mail", "Client"))(check) is check
    assert service._handlers[("before", CREATE, "Mail")] == [check]
    for event in (UPDATE, DELETE):
        for entity_set in ("Mail", "Client"):
            assert service._handlers[("after", event, entity_set)] == [check]
    assert ("after", CREATE, "Mail") not in service._handlers


def test_misspelt_sets_and_events_are_refused():
    service = _service()

    async def check(ctx):
        pass

    with pytest.raises(ValueError, match="no entity set Mails"):
        service.before(CREATE, "Mails", check)
    with pytest.raises(ValueError, match="READ"):
        service.before(READ, "Mail", check)
    with pytest.raises(ValueError, match="READ"):
        service.on(CREATE, "Mail", check)
    with pytest.raises(ValueError, match="no entity set"):
        service.visibility("Nope", lambda table: sa.true())
    assert not service._handlers


def test_live_rows_and_text_comparison():
    tables = build_tables(schema)[1]
    tree = tables["Directory"]
    assert str(live(tree).compile(dialect=sqlite.dialect())) == '"Directory"._deleted = 0'
    assert str(live(tables["Object"]).compile()) == "true"  # the registry has no deletion flag
    pg = str(same_text("postgresql", tree.c.Path, "x").compile(dialect=postgresql.dialect()))
    assert pg.count('COLLATE "und-x-icu"') == 2 and pg.count("lower(") == 2
    lite = str(same_text("sqlite", tree.c.Path, "x").compile(dialect=sqlite.dialect()))
    assert "COLLATE" not in lite and lite.count("lower(") == 2
