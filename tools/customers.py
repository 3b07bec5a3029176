"""Customers toolset: search, detail (contacts, open tickets), create."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from . import formatting as fmt
from . import mapping
from .declare import Args, Progress, ReadTool, Toolset, WriteArgs, WriteTool
from .errors import InputError
from .links import web_base
from .models import CustomerDetail, CustomerList, WriteResult
from .params import Again, Name
from .runtime import Runtime
from .tickets import NOT_CLOSED, sort_tickets


class ListCustomersArgs(Args):
    query: Annotated[str | None, Field(max_length=200)] = None


async def list_customers(rt: Runtime, a: ListCustomersArgs) -> tuple[CustomerList, str]:
    """Find customers by name, business, email or phone."""
    page = await rt.client.list_customers(query=a.query or None)
    base = web_base(rt.settings)
    result = CustomerList(customers=[mapping.customer_row(c, base) for c in page.items])
    return result, fmt.customer_list(result, f"matching “{a.query}”" if a.query else "all")


class GetCustomerArgs(Args):
    customer: Annotated[str, Field(min_length=1, max_length=200, description="Name or id.")]


async def get_customer(rt: Runtime, a: GetCustomerArgs) -> tuple[CustomerDetail, str]:
    """Customer with contacts and open tickets."""
    c = await rt.resolver.customer(a.customer)
    contacts = c.contacts or await rt.client.list_contacts(c.id)
    open_tickets = (await rt.client.list_tickets(customer_id=c.id, status=NOT_CLOSED)).items
    result = mapping.customer_detail(c, contacts, sort_tickets(open_tickets), web_base(rt.settings))
    return result, fmt.customer_detail(result)


@dataclass
class CustomerPlan:
    preview: str
    fields: dict[str, Any]


class CreateCustomerArgs(WriteArgs):
    business_name: Name | None = None
    firstname: Name | None = None
    lastname: Name | None = None
    email: Name | None = None
    phone: Name | None = None
    address: Name | None = None
    city: Name | None = None
    state: Name | None = None
    zip: Name | None = None
    notes: Annotated[str | None, Field(max_length=5000)] = None
    again: Again = False


async def plan_create_customer(rt: Runtime, a: CreateCustomerArgs) -> CustomerPlan:
    fields = {k: v for k, v in a.model_dump(exclude={"confirm_token"}).items() if v}
    if not (a.business_name or a.firstname or a.lastname):
        raise InputError("Give a business_name, or a firstname/lastname, for the new customer.")
    shown = "\n  ".join(f"{k}: {v}" for k, v in fields.items())
    return CustomerPlan(f"Create customer:\n  {shown}", fields)


async def create_customer(
    rt: Runtime, a: CreateCustomerArgs, plan: CustomerPlan, progress: Progress | None
) -> WriteResult:
    """Create a customer (business or person)."""
    row = mapping.customer_row(await rt.client.create_customer(plan.fields), web_base(rt.settings))
    return WriteResult(
        status="done", message=f"Created customer {row.name} (id {row.id}).", customer=row, steps=["POST customer"]
    )


LIST_CUSTOMERS = ReadTool(
    "list_customers", Toolset.CUSTOMERS, "Customers", ListCustomersArgs, CustomerList, list_customers
)
GET_CUSTOMER = ReadTool(
    "get_customer", Toolset.CUSTOMERS, "Customer", GetCustomerArgs, CustomerDetail, get_customer,
    untrusted="notes, open_tickets[].subject",
)
CREATE_CUSTOMER = WriteTool(
    "create_customer", Toolset.CUSTOMERS, "Create customer", CreateCustomerArgs, plan_create_customer,
    create_customer, confirm="creates",
)

TOOLS = (LIST_CUSTOMERS, GET_CUSTOMER, CREATE_CUSTOMER)
