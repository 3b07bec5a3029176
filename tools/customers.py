"""Customers toolset: search, detail (contacts, open tickets), create."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import Field

from . import formatting as fmt
from . import mapping
from .errors import InputError
from .models import CustomerDetail, CustomerList, WriteResult
from .params import Name
from .registry import Registrar
from .runtime import Runtime
from .tickets import NOT_CLOSED, sort_tickets


@dataclass
class CustomerPlan:
    preview: str
    fields: dict[str, Any]


def register(reg: Registrar, rt: Runtime) -> None:
    client, resolver = rt.client, rt.resolver

    @reg.read("customers", "Customers", CustomerList)
    async def list_customers(query: Annotated[str | None, Field(max_length=200)] = None):
        """Find customers by name, business, email or phone."""
        page = await client.list_customers(query=query or None)
        result = CustomerList(customers=[mapping.customer_row(c) for c in page.items])
        return result, fmt.customer_list(result, f"matching “{query}”" if query else "all")

    @reg.read("customers", "Customer", CustomerDetail)
    async def get_customer(
        customer: Annotated[str, Field(min_length=1, max_length=200, description="Name or id.")],
    ):
        """Customer detail with contacts and open tickets."""
        c = await resolver.customer(customer)
        contacts = c.contacts or await client.list_contacts(c.id)
        open_tickets = (await client.list_tickets(customer_id=c.id, status=NOT_CLOSED)).items
        result = mapping.customer_detail(c, contacts, sort_tickets(open_tickets))
        return result, fmt.customer_detail(result)

    async def plan_customer(
        business_name: str | None,
        firstname: str | None,
        lastname: str | None,
        email: str | None,
        phone: str | None,
        address: str | None,
        city: str | None,
        state: str | None,
        zip: str | None,
        notes: str | None,
    ) -> CustomerPlan:
        fields = {
            k: v
            for k, v in {
                "business_name": business_name,
                "firstname": firstname,
                "lastname": lastname,
                "email": email,
                "phone": phone,
                "address": address,
                "city": city,
                "state": state,
                "zip": zip,
                "notes": notes,
            }.items()
            if v
        }
        if not (business_name or firstname or lastname):
            raise InputError("Give a business_name, or a firstname/lastname, for the new customer.")
        shown = "\n  ".join(f"{k}: {v}" for k, v in fields.items())
        return CustomerPlan(f"Create customer:\n  {shown}", fields)

    @reg.write("customers", "Create customer", plan=plan_customer, confirm="creates")
    async def create_customer(
        plan: CustomerPlan,
        business_name: Name | None = None,
        firstname: Name | None = None,
        lastname: Name | None = None,
        email: Name | None = None,
        phone: Name | None = None,
        address: Name | None = None,
        city: Name | None = None,
        state: Name | None = None,
        zip: Name | None = None,
        notes: Annotated[str | None, Field(max_length=5000)] = None,
    ) -> WriteResult:
        """Create a customer (business or person)."""
        c = await client.create_customer(plan.fields)
        row = mapping.customer_row(c)
        return WriteResult(
            status="done",
            message=f"Created customer {row.name} (id {row.id}).",
            customer=row,
            steps=["POST customer"],
        )
