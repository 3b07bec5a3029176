"""Assets and RMM alerts, read (issue 15): ``find_asset``, ``list_rmm_alerts`` (opt-in assets toolset).

``GET /customer_assets?query=`` matches name, serial, type and the customer's name in Syncro itself
(every page is read), not the make or model, which live in the asset's ``properties``: when that
search finds nothing, the asset list (which carries ``properties``) is read once more, unfiltered,
and matched here against those fields too. ``GET /rmm_alerts`` filters only by status, so a customer filter is applied
here, and an alert names only its customer's id: each customer shown is read once.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal

from pydantic import Field
from syncro_mcp.client.assets import CustomerAsset, RmmAlert

from . import formatting as fmt
from .declare import Args, ReadTool, Toolset
from .links import at, web_base
from .models import AlertRow, Alerts, AssetRow, Assets
from .params import Name
from .runtime import Runtime


class FindAssetArgs(Args):
    query: Annotated[str, Field(min_length=1, max_length=200, description="Name, serial, make, model or customer.")]


#: ``properties`` keys (any case, at any depth) whose values name the make, model or serial.
_MAKE_KEYS = ("manufacturer", "make", "vendor", "model", "serial")


def _property_values(props: object, depth: int = 0) -> list[str]:
    """The make/model/serial-bearing values of an asset's ``properties`` (RMM data nests them)."""
    if not isinstance(props, dict) or depth > 3:
        return []
    out: list[str] = []
    for k, v in props.items():
        if isinstance(v, dict):
            out += _property_values(v, depth + 1)
        elif v not in (None, "") and any(w in str(k).lower() for w in _MAKE_KEYS):
            out.append(str(v))
    return out


def _matches(x: CustomerAsset, needle: str) -> bool:
    """Syncro's own fields plus the make/model/serial properties, case-insensitive."""
    hay = [x.name, x.asset_serial, x.asset_type, x.customer.display_name if x.customer else None]
    hay += _property_values(x.properties)
    return any(needle in (h or "").lower() for h in hay)


def _asset_row(x: CustomerAsset, base: str | None) -> AssetRow:
    model = " ".join(str(x.properties[k]) for k in ("Manufacturer", "Model") if x.properties.get(k))
    return AssetRow(
        id=x.id, name=x.name or f"asset {x.id}", type=x.asset_type or None, serial=x.asset_serial or None,
        model=model or None, customer=x.customer.display_name if x.customer else None,
        url=at(base, "customer_assets", x.id),
    )


async def find_asset(rt: Runtime, a: FindAssetArgs) -> tuple[Assets, str]:
    """Customer assets matching a name, serial, make, model or customer."""
    found, complete = await rt.client.list_customer_assets(query=a.query.strip())
    if not found:  # Syncro's search skips properties: the make or model may be there
        every, complete = await rt.client.list_customer_assets()
        found = [x for x in every if _matches(x, a.query.strip().lower())]
    base = web_base(rt.settings)
    result = Assets(assets=[_asset_row(x, base) for x in found], complete=complete)
    return result, fmt.assets(result, a.query)


class AlertsArgs(Args):
    customer: Name | None = None
    status: Literal["active", "resolved", "all"] = "active"


async def _customer_names(rt: Runtime, ids: set[int]) -> dict[int, str]:
    found = await asyncio.gather(*(rt.client.get_customer(i) for i in sorted(ids)))
    return {c.id: c.display_name for c in found}


def _alert_row(x: RmmAlert, names: dict[int, str], base: str | None) -> AlertRow:
    return AlertRow(
        id=x.id, created_at=x.created_at, customer=names.get(x.customer_id) if x.customer_id else None,
        computer=x.computer_name or None, description=x.description or None, resolved=bool(x.resolved),
        number=x.ticket_number, url=at(base, "rmm_alerts", x.id),
    )


async def list_rmm_alerts(rt: Runtime, a: AlertsArgs) -> tuple[Alerts, str]:
    """RMM alerts, newest first (default active), optionally of one customer."""
    customer = await rt.resolver.customer(a.customer) if a.customer else None
    found, complete = await rt.client.list_rmm_alerts(status=a.status)
    if customer is not None:
        found = [x for x in found if x.customer_id == customer.id]
        names = {customer.id: customer.display_name}
    else:
        names = await _customer_names(rt, {x.customer_id for x in found if x.customer_id})
    found.sort(key=lambda x: (x.created_at.timestamp() if x.created_at else 0.0, x.id), reverse=True)
    base = web_base(rt.settings)
    result = Alerts(status=a.status, alerts=[_alert_row(x, names, base) for x in found], complete=complete)
    return result, fmt.alerts(result, customer.display_name if customer else None)


FIND_ASSET = ReadTool(
    "find_asset", Toolset.ASSETS, "Find asset", FindAssetArgs, Assets, find_asset, untrusted="assets[].name"
)
LIST_RMM_ALERTS = ReadTool(
    "list_rmm_alerts", Toolset.ASSETS, "RMM alerts", AlertsArgs, Alerts, list_rmm_alerts,
    untrusted="alerts[].description",
)

TOOLS = (FIND_ASSET, LIST_RMM_ALERTS)
