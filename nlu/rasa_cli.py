"""Rasa's own command line (`python -m nlu.rasa_cli run …` = `rasa run …`), minus two costs per message.

Rasa 3.6 checks every action server response with `jsonschema.validate(result, schema)`. That function
first validates the *schema* against its meta-schema (draft 2020-12, `$dynamicRef`s and all) and builds a
new validator, on every call: about 40 ms of the Rasa server's 60 ms of CPU per message here, and twice per
message when a form validates its slots. The schemas never change, so `validate` below checks each
distinct schema once and keeps its validator; the result of every call is the same as jsonschema's:
the same errors, raised the same way.

Rasa also rebuilds each stored event by walking every subclass of `Event` to find its type name
(`Event.resolve_by_type`), for every event of the conversation on every message: 12 % of the server's
CPU per message. The classes are fixed once Rasa is imported, so each name's class is looked up once.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from typing import Any

import jsonschema
from jsonschema import exceptions
from jsonschema.validators import validator_for


@lru_cache(maxsize=64)
def _validator(schema_json: str, cls: type | None) -> Any:
    schema = json.loads(schema_json)
    cls = cls or validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate(instance: Any, schema: dict, cls: type | None = None, *args: Any, **kwargs: Any) -> None:
    """`jsonschema.validate`, with the schema's check and validator made once per distinct schema."""
    if args or kwargs:  # extra validator options: nothing to share, do what jsonschema does
        return _original_validate(instance, schema, cls, *args, **kwargs)
    validator = _validator(json.dumps(schema, sort_keys=True, default=str), cls)
    error = exceptions.best_match(validator.iter_errors(instance))
    if error is not None:
        raise error


_original_validate = jsonschema.validate


def _remember_event_types() -> None:
    from rasa.shared.core.events import Event

    find = Event.resolve_by_type
    known: dict[str, type] = {}

    def resolve_by_type(type_name: str, default: type | None = None) -> type | None:
        if type_name not in known:
            found = find(type_name, default)  # unknown names get Rasa's own answer: default, None or ValueError
            if found is None or found is default:
                return found
            known[type_name] = found
        return known[type_name]

    Event.resolve_by_type = staticmethod(resolve_by_type)


def install() -> None:
    # Rasa imports `validate` from jsonschema inside its functions, so replacing the module's name is enough.
    jsonschema.validate = validate
    _remember_event_types()


def main() -> int:
    install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    return rasa_main()


if __name__ == "__main__":
    sys.exit(main())
