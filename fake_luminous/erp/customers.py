"""Customers and pricing: ``/companies``, ``/contacts``, ``/price-schedules``,
``/products/pricing``.

Companies 1-8 (``_COMPANY_REF``) are the ones invoices, contacts, price schedules and product
pricing reference, with the company's own name.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from ..lists import Context, ListEndpoint, Row
from ..shapes_common import _CITIES, _PAYMENT_TERMS, _TAG_DEFS
from .common import _DOCS, _ID_UPDATED, _between, _by, _catalogue, _cents, _epoch, _money

# -- companies (referenced by invoices, contacts, price schedules, product pricing) -----------
_COMPANY_REF = 8  # companies 1.._COMPANY_REF are referenced by other endpoints
_COMPANY_PREFIX = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay")
_COMPANY_SUFFIX = ("Corporation", "Retail", "Supply Co", "Trading", "LLC")
_CLIENT_TYPES = ("Retail", "Wholesale", "Distributor", "DTC")
_FIRST = ("John", "Maria", "Wei", "Aisha", "Carlos", "Emma", "Noah", "Priya", "Liam", "Sofia")
_LAST = ("Doe", "Smith", "Chen", "Khan", "Garcia", "Muller", "Rossi", "Patel", "Kim", "Silva")
#: price levels: (id, name, type, percent_increase)
_PRICE_LEVELS = (
    (1, "Standard", "percentage", Decimal("0")),
    (2, "Wholesale", "percentage", Decimal("15.5")),
    (3, "Distributor", "percentage", Decimal("22.75")),
)


def _company_name(number: int) -> str:
    prefix = _COMPANY_PREFIX[(number - 1) % len(_COMPANY_PREFIX)]
    return f"{prefix} {_COMPANY_SUFFIX[number % len(_COMPANY_SUFFIX)]} {number}"


def _price_level(ctx: Context, level: tuple[int, str, str, Decimal]) -> Row:
    at = _epoch(ctx) + timedelta(hours=level[0])
    return {
        "id": level[0],
        "created_at": at,
        "updated_at": at,
        "status": "active",
        "name": level[1],
        "type": level[2],
        "percent_increase": level[3],
    }


def _company(ctx: Context, number: int) -> Row:
    """Company ``number`` in the shape of ``GET /companies/{id}``."""
    rng = ctx.rng(f"/companies#{number}")
    name = _company_name(number)
    created, updated = ctx.created_updated(rng)
    city, state, zip_ = _CITIES[number % len(_CITIES)]
    address = f"{100 + number} Main St"
    line_2 = None if number % 3 else f"Suite {number * 10}"
    full = ", ".join(p for p in (address, line_2, city, f"{state} {zip_}", "USA") if p)
    addresses: list[Row] = []
    for k in range(rng.randrange(1, 4)):
        s_city, s_state, s_zip = _CITIES[(number + k) % len(_CITIES)]
        s_address = f"{200 + number * 3 + k} Warehouse Blvd"
        s_line_2 = None if rng.random() < 0.6 else f"Building {k + 1}"
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        addresses.append(
            {
                "id": number * 10 + k,
                "company_id": number,
                "address": s_address,
                "city": s_city,
                "state": s_state,
                "postal_code": s_zip,
                "country": "USA",
                "created_at": created,
                "updated_at": _between(rng, created, updated),
                "company_name": name,
                "address_line_2": s_line_2,
                "full_address": ", ".join(
                    p for p in (s_address, s_line_2, s_city, f"{s_state} {s_zip}", "USA") if p
                ),
                "full_name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "phone": f"555-{rng.randrange(100, 1000)}-{rng.randrange(1000, 10000)}",
                "email": f"{first.lower()}.{last.lower()}@company{number}.example.com",
                "is_default": k == 0,
            }
        )
    default = addresses[0]
    term = _PAYMENT_TERMS[number % len(_PAYMENT_TERMS)]
    level = _PRICE_LEVELS[number % len(_PRICE_LEVELS)] if number % 4 else None
    custom: dict[str, Any] = {}
    if rng.random() < 0.5:
        custom = {"Industry": rng.choice(("Manufacturing", "Retail")), "Region": state}
    return {
        "id": number,
        "status": "active" if number % 7 else "inactive",
        "name": name,
        "created_at": created,
        "updated_at": updated,
        "type": _CLIENT_TYPES[number % len(_CLIENT_TYPES)],
        "phone": f"555-{100 + number:03d}-{4567 + number:04d}",
        "address": address,
        "address_line_2": line_2,
        "city": city,
        "state": state,
        "postal_code": zip_,
        "country": "USA",
        "full_address": full,
        "shipping_first_name": default["first_name"],
        "shipping_last_name": default["last_name"],
        "shipping_email": default["email"],
        "shipping_phone": default["phone"],
        "shipping_address": default["address"],
        "shipping_city": default["city"],
        "shipping_state": default["state"],
        "shipping_postal_code": default["postal_code"],
        "shipping_country": default["country"],
        "shipping_full_address": default["full_address"],
        "payment_term": term,
        "tax_exempt": number % 5 == 0,
        "tax_rate": Decimal("0.00") if number % 5 == 0 else Decimal("8.25"),
        "due_date_days": {"Net 30": 30, "Net 60": 60, "Net 15": 15}.get(term, 0),
        "price_level": _price_level(ctx, level) if level else None,
        "notes": None if rng.random() < 0.5 else "Key account, requires special handling",
        "fein": f"{rng.randrange(10, 100)}-{rng.randrange(1000000, 10000000)}",
        "tags": [
            {"id": t[0], "name": t[1], "description": t[2], "icon": t[3], "color": t[4]}
            for t in rng.sample(_TAG_DEFS, rng.randrange(0, 3))
        ],
        "default_shipping": dict(default),
        "shipping_addresses": addresses,
        "custom_fields": custom,  # beyond the cut-off sample (the create page's body has it)
    }


def _companies(ctx: Context, count: int) -> list[Row]:
    return [_company(ctx, number) for number in range(1, count + 1)]


# -- contacts ---------------------------------------------------------------------------------
def _contact_id(number: int) -> str:
    return str(990 + number)  # strings; "999" < "1000" as strings, not as numbers


def _contacts(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/contacts")
    rows = []
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        company = rng.randrange(1, _COMPANY_REF + 1)
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        rows.append(
            {
                "id": _contact_id(number),
                "created_at": created,
                "updated_at": updated,
                "status": "active" if rng.random() < 0.9 else "inactive",
                "first_name": first,
                "last_name": last,
                "email": f"{first.lower()}.{last.lower()}{number}@company{company}.example.com",
                "phone": f"555-{rng.randrange(100, 1000)}-{rng.randrange(1000, 10000)}",
                "phone_2": None if rng.random() < 0.7 else f"555-555-{rng.randrange(1000, 10000)}",
                "full_name": f"{first} {last}",
                "company_id": str(company),
                "company": {"id": str(company), "name": _company_name(company)},
                "is_primary": rng.random() < 0.3,
                "receive_quotation_pdf": rng.random() < 0.5,
                "receive_purchase_order_pdf": rng.random() < 0.5,
                "receive_purchase_order_invoice_pdf": rng.random() < 0.5,
            }
        )
    return rows


# -- price schedules and product pricing -----------------------------------------------------
_SCHEDULE_REF = 5  # products' pricing_schedule ids are 1.._SCHEDULE_REF
_SCHEDULE_NAMES = ("Holiday Sale", "Volume Discount", "Clearance", "Trade Pricing", "Launch Promo")
_MODIFICATIONS = (("amount_off", "AMOUNT"), ("percent_off", "PERCENTAGE"), ("fixed", "FIXED"))


def _schedule_identity(number: int) -> tuple[str, str, str]:
    """(name, modification_type, the product-pricing spelling of it) of price schedule n."""
    name = f"{_SCHEDULE_NAMES[(number - 1) % len(_SCHEDULE_NAMES)]} {number}"
    modification, pricing_spelling = _MODIFICATIONS[number % len(_MODIFICATIONS)]
    return name, modification, pricing_spelling


def _price_schedules(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/price-schedules")
    rows = []
    next_tier = 1
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        name, modification, _ = _schedule_identity(number)
        is_global = rng.random() < 0.4
        start = created.date()
        levels = rng.sample(_PRICE_LEVELS, rng.randrange(1, len(_PRICE_LEVELS) + 1))
        companies = (
            [] if is_global else sorted(rng.sample(range(1, _COMPANY_REF + 1), rng.randrange(1, 4)))
        )
        tiers: list[Row] = []
        for quantity in (10, 25, 50)[: rng.randrange(1, 4)]:
            tiers.append(
                {
                    "id": next_tier,
                    "created_at": created,
                    "updated_at": _between(rng, created, updated),
                    "status": "active",
                    "price_schedule_id": str(number),
                    "quantity": quantity,
                    "discount_amount": _money(rng.randrange(10, 2000)),
                }
            )
            next_tier += 1
        rows.append(
            {
                "id": number,
                "name": name,
                "description": None if rng.random() < 0.3 else f"Special pricing: {name}",
                "status": "active" if rng.random() < 0.8 else "inactive",
                "start_date": start,
                "end_date": None
                if rng.random() < 0.3
                else start + timedelta(days=rng.randrange(7, 120)),
                "priority": rng.randrange(1, 11) * 10,
                "price_levels": [{"id": str(lv[0]), "name": lv[1]} for lv in sorted(levels)],
                "companies": [{"id": str(c), "name": _company_name(c)} for c in companies],
                "created_at": created,
                "updated_at": updated,
                "counting_algorithm": rng.choice(("each_item", "line_item")),
                "modification_type": modification,
                "global": is_global,
                "tiers": tiers,
            }
        )
    return rows


def _product_pricing(ctx: Context, count: int) -> list[Row]:
    """One row per product (the first ``count`` by id)."""
    rng = ctx.rng("/products/pricing")
    rows = []
    for product in _catalogue(ctx)[:count]:
        wholesale = _cents(product["wholesale_price"])
        schedule: Row | None = None
        if rng.random() < 0.7:
            number = rng.randrange(1, _SCHEDULE_REF + 1)
            name, _, spelling = _schedule_identity(number)
            levels = []
            for level_id, level_name, _, percent in _PRICE_LEVELS:
                amount = int((Decimal(wholesale) * percent / 100).to_integral_value())
                tiers = []
                for k, min_quantity in enumerate((0, 10, 50)[: rng.randrange(1, 4)]):
                    price = max(1, wholesale + amount - k * wholesale // 20)
                    tiers.append(
                        {
                            "min_quantity": min_quantity,
                            "price": _money(price),
                            "is_overridden": rng.random() < 0.1,
                        }
                    )
                levels.append(
                    {"id": level_id, "name": level_name, "amount": _money(amount), "tiers": tiers}
                )
            schedule = {
                "id": number,
                "name": name,
                "modification_type": spelling,
                "price_levels": levels,
            }
        company_pricing = [
            {
                "company": {"id": c, "name": _company_name(c)},
                "price": _money(wholesale - wholesale * rng.randrange(0, 15) // 100),
            }
            for c in sorted(rng.sample(range(1, _COMPANY_REF + 1), rng.randrange(0, 3)))
        ]
        rows.append(
            {
                "id": product["id"],
                "name": product["name"],
                "sku": product["sku"],
                "is_active": product.get("status", 1) == 1,
                "wholesale_price": product["wholesale_price"],
                "retail_price": product["retail_price"],
                "pricing_schedule": schedule,
                "company_pricing": company_pricing,
            }
        )
    return rows


# -- declarations ------------------------------------------------------------------------------
COMPANIES = ListEndpoint(
    path="/companies",
    generate=_companies,
    docs=_DOCS + "companies/company (list: CLI companies.py)",
    sorts=_ID_UPDATED,
    default_count=12,
)

CONTACTS = ListEndpoint(
    path="/contacts",
    generate=_contacts,
    docs=_DOCS + "companies/company-contacts (global list: CLI contacts.py)",
    size_param="limit",
    default_size=10,
    sorts={"id": lambda r: int(r["id"]), "updated_at": _by("updated_at")},
    default_count=30,
)

PRICE_SCHEDULES = ListEndpoint(
    path="/price-schedules",
    generate=_price_schedules,
    docs=_DOCS + "pricing/price-schedules",
    size_param="limit",
    default_size=10,
    sorts=_ID_UPDATED,
    default_count=12,
)

PRODUCT_PRICING = ListEndpoint(
    path="/products/pricing",
    generate=_product_pricing,
    docs=_DOCS + "products/all-products-pricing",
    sorts={"id": _by("id")},
    default_count=30,
)
