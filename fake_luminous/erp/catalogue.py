"""Catalogue definitions: ``/unit-conversion-rules``, ``/custom-fields``, ``/boms``.

Rule ids 1-39 are the products' ``alternate_skus[].unit_conversion_rule_id``; BOM ids are their
``boms[].id``.
"""

from __future__ import annotations

from decimal import Decimal

from ..lists import Context, ListEndpoint, Row
from .common import _DOCS, _ID_UPDATED, _between, _catalogue, _money

# -- units of measure and conversion rules ---------------------------------------------------
#: (id, name, unit_class_id, base_unit, base units per unit); 1-4 are data._UOMS
_UNITS = (
    (1, "Each", 1, True, Decimal("1")),
    (2, "Pack of 6", 1, False, Decimal("6")),
    (3, "Dozen", 1, False, Decimal("12")),
    (4, "Case of 24", 1, False, Decimal("24")),
    (5, "Pound", 2, True, Decimal("1")),
    (6, "Kilogram", 2, False, Decimal("2.204623")),
    (7, "Ounce", 2, False, Decimal("0.0625")),
)


def _unit_ref(unit: tuple[int, str, int, bool, Decimal]) -> Row:
    return {"id": unit[0], "name": unit[1], "unit_class_id": unit[2], "base_unit": unit[3]}


def _unit_conversion_rules(ctx: Context, count: int) -> list[Row]:
    """Rule ``n`` carries the products' alternate SKUs whose ``unit_conversion_rule_id`` is n."""
    rng = ctx.rng("/unit-conversion-rules")
    alternates: dict[int, list[tuple[int, Row]]] = {}
    for pid in sorted(ctx.products):
        for alt in ctx.products[pid].get("alternate_skus") or ():
            alternates.setdefault(alt["unit_conversion_rule_id"], []).append((pid, alt))
    rows = []
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        base = _UNITS[0] if rng.random() < 0.7 else _UNITS[4]
        converted = rng.choice([u for u in _UNITS if u[2] == base[2] and u is not base])
        refs = alternates.get(number, [])
        rows.append(
            {
                "id": number,
                "created_at": created,
                "updated_at": updated,
                "status": "active",
                "base_unit_of_measure_id": base[0],
                "base_unit_of_measure": _unit_ref(base),
                "converted_unit_of_measure_id": converted[0],
                "converted_unit_of_measure": _unit_ref(converted),
                "conversion_factor": converted[4],
                "type": "SKU" if refs else "SYSTEM",
                "product_id": refs[0][0] if refs else None,
                "product": {} if refs else None,  # {} in the docs: shape not given
                "product_alternate_skus": [dict(alt) for _, alt in refs],
            }
        )
    return rows


# -- custom field definitions ------------------------------------------------------------------
_CUSTOM_FIELDS = (
    ("Industry", "dropdown", ("companies",), ("Retail", "Wholesale", "DTC")),
    ("Season", "dropdown", ("products",), ("Spring", "Summer", "Fall", "Winter")),
    ("Origin", "string", ("products",), ()),
    ("HS Code", "string", ("products", "purchase-orders"), ()),
    ("Launch date", "date", ("products",), ()),
    ("Min order qty", "number", ("products", "companies"), ()),
    ("Region", "string", ("companies", "sales-orders"), ()),
    ("Gift message", "string", ("sales-orders",), ()),
)


def _custom_fields(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/custom-fields")
    rows = []
    for number in range(1, count + 1):
        label, kind, objects, choices = _CUSTOM_FIELDS[(number - 1) % len(_CUSTOM_FIELDS)]
        if number > len(_CUSTOM_FIELDS):
            label = f"{label} {number}"
        created, updated = ctx.created_updated(rng)
        rows.append(
            {
                "id": number,
                "label": label,
                "type": kind,
                "object_types": list(objects),
                "options": {
                    "choices": list(choices),
                    "minLength": 0,
                    "maxLength": 255,
                    "helpText": None if rng.random() < 0.5 else f"Set the {label.lower()}",
                },
                "created_at": created,
                "updated_at": updated,
            }
        )
    return rows


# -- boms -----------------------------------------------------------------------------------------
def _boms(ctx: Context, count: int) -> list[Row]:
    """BOM ``n`` is the one product(s) list as ``boms[{id: n}]``; its lines are other products."""
    rng = ctx.rng("/boms")
    cat = _catalogue(ctx)
    owner: dict[int, Row] = {}
    for product in cat:
        for bom in product.get("boms") or ():
            owner.setdefault(bom["id"], product)
    rows = []
    next_item = 1
    next_cost = 1
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        made = owner.get(number)
        name = f"{made['name']} BOM {number}" if made else f"BOM {number}"
        parts = [p for p in cat if made is None or p["id"] != made["id"]] or cat
        items: list[Row] = []
        for order, part in enumerate(rng.sample(parts, min(len(parts), rng.randrange(1, 5)))):
            unit = _UNITS[rng.randrange(4)]
            qty = rng.randrange(1, 6)
            items.append(
                {
                    "id": next_item,
                    "bom_id": number,
                    "product_id": part["id"],
                    "quantity": qty,
                    "product": {
                        "id": part["id"],
                        "name": part["name"],
                        "sku": part["sku"],
                        "description": part.get("description"),
                    },
                    "base_quantity": qty * int(unit[4]),
                    "note": None if rng.random() < 0.8 else "Use the blue variant",
                    "uom_id": unit[0],
                    "unit_of_measure": {"id": unit[0], "name": unit[1]},
                    "order": order + 1,
                    "created_at": created,
                    "updated_at": _between(rng, created, updated),
                }
            )
            next_item += 1
        extra_costs: list[Row] = []
        for cost_name in rng.sample(("Labour", "Packaging", "Machine time"), rng.randrange(0, 3)):
            qty = rng.randrange(1, 4)
            price = rng.randrange(50, 5000)
            extra_costs.append(
                {
                    "id": next_cost,
                    "name": cost_name,
                    "quantity": qty,
                    "unit_price": _money(price),
                    "line_total": _money(qty * price),
                    "created_at": created,
                    "updated_at": _between(rng, created, updated),
                }
            )
            next_cost += 1
        rows.append(
            {
                "id": number,
                "name": name,
                "items": items,
                "extra_costs": extra_costs,
                "created_at": created,
                "updated_at": updated,
            }
        )
    return rows


# -- declarations ------------------------------------------------------------------------------
UNIT_CONVERSION_RULES = ListEndpoint(
    path="/unit-conversion-rules",
    generate=_unit_conversion_rules,
    docs=_DOCS + "unit-conversion-rules/list-unit-conversion-rules",
    sorts=_ID_UPDATED,
    default_count=39,
)

CUSTOM_FIELDS = ListEndpoint(
    path="/custom-fields",
    generate=_custom_fields,
    docs=_DOCS + "custom-fields/get-custom-field-definitions",
    sorts=_ID_UPDATED,
    paginated=False,
    default_count=10,
)

BOMS = ListEndpoint(
    path="/boms",
    generate=_boms,
    docs=_DOCS + "boms/single-bom (list: CLI boms.py)",
    sorts=_ID_UPDATED,
    default_count=20,
)
